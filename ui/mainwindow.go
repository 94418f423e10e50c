package ui

import (
	"context"
	"errors"
	"image/color"
	"math"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	ttwidget "github.com/dweymouth/fyne-tooltip/widget"

	"siegel/assets"
	"siegel/mail"
)

// Preferences of the window (the app's preferences, not the profile's:
// they belong to this computer's screen).
const (
	prefSplit  = "window.split"
	prefWidth  = "window.width"
	prefHeight = "window.height"
	// Where the window's content stood, in pixels (see FitScreen).
	prefX      = "window.x"
	prefY      = "window.y"
	prefPlaced = "window.placed"
)

// refreshDelay coalesces the list refreshes of a burst of events.
const refreshDelay = 300 * time.Millisecond

// mainView is the main window's content (DESIGN.md §6): the toolbar with
// New ticket, Check mail, Settings and the search box; the banner; the
// ticket list on the left and the open ticket (or a new one) on the right;
// the status line at the bottom.
type mainView struct {
	u *UI

	newButton, checkButton, settingsButton *ttwidget.Button
	search                                 *entry
	searchDelay                            *debouncer
	bannerBox                              *fyne.Container
	signIn                                 *signInBar // "Sign in again" (signin.go)
	list                                   *ticketList
	filter                                 *stateFilter
	split                                  *container.Split
	pane                                   *fyne.Container // the right side
	content                                *fyne.Container // all of it, inside minLayout
	placeholder                            fyne.CanvasObject
	view                                   *ticketView // the open ticket, or nil
	newTicket                              *composer   // the new-ticket composer, when shown
	status                                 *statusLine
}

func newMainView(u *UI) *mainView {
	m := &mainView{u: u}
	m.list = newTicketList(u, m.open)
	m.filter = newStateFilter(u, m.list.setState)
	m.list.state = m.filter.selected
	m.list.onCounts = m.countsChanged
	m.status = newStatusLine(u)
	m.signIn = newSignInBar(u)
	m.searchDelay = newDebouncer(u.jobs, 250*time.Millisecond)
	return m
}

// build makes the window's content; it is called again after the
// language changed, keeping the open ticket and what the composers hold.
func (m *mainView) build() {
	u := m.u
	m.newButton = ttwidget.NewButtonWithIcon(tr("main.new-ticket"), theme.ContentAddIcon(), m.showNewTicket)
	m.newButton.SetToolTip(tr("main.new-ticket.tip"))
	m.checkButton = ttwidget.NewButtonWithIcon(tr("main.check-mail"), theme.ViewRefreshIcon(), m.checkMail)
	m.checkButton.SetToolTip(tr("main.check-mail.tip"))
	m.settingsButton = ttwidget.NewButtonWithIcon(tr("main.settings"), theme.SettingsIcon(), u.showSettings)
	m.settingsButton.SetToolTip(tr("main.settings.tip"))
	query := ""
	if m.search != nil {
		query = m.search.Text
	}
	m.search = newEntry(u.keys)
	m.search.SetPlaceHolder(tr("main.search"))
	m.search.ActionItem = widget.NewIcon(theme.SearchIcon())
	m.search.SetText(query)
	m.search.OnChanged = func(s string) {
		m.searchDelay.trigger(func() { m.u.jobs.do(func() { m.list.setSearch(s) }) })
	}
	toolbar := container.NewBorder(nil, nil,
		container.NewHBox(m.newButton, m.checkButton, m.settingsButton), nil, m.search)

	m.bannerBox = container.NewStack()
	m.showBanner()

	hint := widget.NewLabelWithStyle(tr("main.no-ticket"), fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	hint.Wrapping = fyne.TextWrapWord
	m.placeholder = centred(hint)
	m.pane = container.NewStack(m.placeholder)
	switch {
	case m.newTicket != nil:
		m.pane.Objects = []fyne.CanvasObject{m.newTicketPane(m.newTicket)}
	case m.view != nil:
		m.view.rebuild()
		m.pane.Objects = []fyne.CanvasObject{m.view.obj}
	}
	offset := 0.36
	if m.split != nil {
		offset = m.split.Offset
	} else {
		offset = u.app.Preferences().FloatWithFallback(prefSplit, offset)
	}
	m.split = container.NewHSplit(container.NewBorder(m.filter.build(), nil, nil, nil, m.list.build()), m.pane)
	m.split.Offset = offset

	top := container.NewVBox(toolbar, m.bannerBox, m.signIn.object())
	m.content = container.NewBorder(top, m.status.build(), nil, nil, m.split)
	u.win.SetContent(withToolTipLayer(container.New(minLayout{}, m.content), u.win.Canvas()))
	u.win.SetTitle(windowTitle(m.filter.counts))
	m.status.syncing(m.status.busy)
}

// countsChanged shows the ticket counts in the filter row and the title.
func (m *mainView) countsChanged(c map[mail.TicketState]mail.StateCount) {
	m.filter.setCounts(c)
	if t := windowTitle(c); t != m.u.win.Title() {
		m.u.win.SetTitle(t)
	}
}

func (m *mainView) rebuild() {
	m.build()
	m.list.reload()
}

// showBanner shows or hides the banner under the toolbar.
func (m *mainView) showBanner() {
	if m.bannerBox == nil {
		return
	}
	if key := m.u.bannerKey; key == "" {
		m.bannerBox.Objects = nil
		// Hidden, or the toolbar's VBox pads an empty row.
		m.bannerBox.Hide()
	} else {
		m.bannerBox.Show()
		// One line: the banner must not take the articles' room.
		text := ttwidget.NewLabelWithStyle(tr(key), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
		text.Truncation = fyne.TextTruncateEllipsis
		if detail := key + ".detail"; assets.Text("en", detail) != detail {
			text.SetToolTip(tr(detail))
		}
		bg := canvas.NewRectangle(tinted(theme.ColorNameWarning, 90))
		var row fyne.CanvasObject = text
		if m.u.real != nil {
			// The way out of the demo sits in the banner that says it is
			// one, where a newcomer looks first.
			add := ttwidget.NewButtonWithIcon(tr("demo.add-account"), theme.MailComposeIcon(), m.u.addRealAccount)
			add.SetToolTip(tr("demo.add-account.tip"))
			// Room as wide as the button on both sides keeps the text
			// centred on the window, pixel for pixel where it stood
			// without one (a whole number of pixels: a text moved by half
			// a pixel reads worse, also to the end-to-end tests' OCR).
			width := float32(math.Ceil(float64(add.MinSize().Width)))
			room := func(o ...fyne.CanvasObject) fyne.CanvasObject {
				blank := canvas.NewRectangle(color.Transparent)
				blank.SetMinSize(fyne.NewSize(width, 0))
				return container.NewStack(append([]fyne.CanvasObject{blank}, o...)...)
			}
			row = container.NewBorder(nil, nil, room(), room(container.NewCenter(add)), text)
		}
		m.bannerBox.Objects = []fyne.CanvasObject{bg, row}
	}
	m.bannerBox.Refresh()
}

// open shows a ticket on the right.
func (m *mainView) open(t mail.Ticket) {
	m.closeRight()
	m.view = newTicketView(m.u, t)
	m.pane.Objects = []fyne.CanvasObject{m.view.obj}
	m.pane.Refresh()
	m.view.load()
}

// closeRight keeps what the right side's composer holds before it goes.
func (m *mainView) closeRight() {
	if m.view != nil {
		m.view.close()
		m.view = nil
	}
	if m.newTicket != nil {
		m.newTicket.close()
		m.newTicket = nil
	}
}

// showNewTicket opens the composer for a new ticket (Ctrl+N).
func (m *mainView) showNewTicket() {
	if m.newTicket != nil {
		m.newTicket.focus()
		return
	}
	m.closeRight()
	m.list.setSelected(0)
	m.newTicket = newComposer(m.u, 0)
	m.pane.Objects = []fyne.CanvasObject{m.newTicketPane(m.newTicket)}
	m.pane.Refresh()
	m.newTicket.load()
	m.newTicket.focus()
}

func (m *mainView) newTicketPane(c *composer) fyne.CanvasObject {
	title := widget.NewLabelWithStyle(tr("compose.new-ticket"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameSubHeadingText
	return container.NewBorder(container.NewPadded(title), nil, nil, nil, c.build())
}

// checkMail fetches every account's new mail and the newest of the
// history (F5); the desk's watchers fetch the rest of the history behind
// it, which the history bar shows. Sync would hold the button until the
// whole history of a large mailbox had arrived.
func (m *mainView) checkMail() {
	if m.status.busy {
		return
	}
	m.status.syncing(true)
	ctx := m.u.userCtx()
	m.u.jobs.run(func() {
		rep, err := m.u.c.Desk.CheckMail(ctx)
		m.u.jobs.do(func() { m.status.synced(rep, err) })
	})
}

// reply opens the open ticket's answer and puts the focus into it
// (Ctrl+R).
func (m *mainView) reply() {
	if m.view != nil {
		m.view.reply()
	}
}

// send sends the composer's message (Ctrl+Enter).
func (m *mainView) send() {
	switch {
	case m.newTicket != nil:
		m.newTicket.send()
	case m.view != nil:
		m.view.composer.send()
	}
}

// event applies one of the desk's events.
func (m *mainView) event(ev mail.Event) {
	m.signIn.event(ev)
	switch ev := ev.(type) {
	case mail.SyncProgress:
		m.status.progress(ev)
	case mail.SyncDone:
		m.status.accountDone(ev)
	case mail.HistoryProgress:
		m.status.history.progress(ev)
	case mail.ArticleAdded:
		m.scheduleRefresh()
		if m.view != nil && m.view.ticket.ID == ev.TicketID {
			m.view.articleAdded(ev.ArticleID)
		}
	case mail.ArticleChanged:
		if m.view != nil && m.view.ticket.ID == ev.TicketID {
			m.view.articleChanged(ev.ArticleID)
		}
	case mail.TicketChanged:
		m.scheduleRefresh()
		if m.view != nil && m.view.ticket.ID == ev.TicketID {
			m.view.reloadHeader()
		}
	case mail.OutboxChanged:
		if m.view != nil {
			m.view.composer.outboxChanged(ev.Item)
		}
		if m.newTicket != nil {
			m.newTicket.outboxChanged(ev.Item)
		}
		m.status.outbox(ev.Item)
	}
}

// scheduleRefresh reloads the list once a burst of events is over.
func (m *mainView) scheduleRefresh() {
	m.u.refresh.trigger(func() { m.u.jobs.do(m.list.reload) })
}

// storeChanged re-checks what the composers can do after the certificate
// store changed.
func (m *mainView) storeChanged() {
	if m.view != nil {
		m.view.composer.recheck()
	}
	if m.newTicket != nil {
		m.newTicket.recheck()
	}
}

// securityChanged applies the Security switches.
func (m *mainView) securityChanged() {
	m.list.list.Refresh()
	if m.view != nil {
		m.view.securityChanged()
	}
	if m.newTicket != nil {
		m.newTicket.securityChanged()
	}
}

// flushDrafts keeps the composers' text as drafts (the window closes).
func (m *mainView) flushDrafts() {
	if m.split != nil {
		m.u.app.Preferences().SetFloat(prefSplit, m.split.Offset)
		size := m.u.win.Canvas().Size()
		if size.Width > 100 && size.Height > 100 {
			m.u.app.Preferences().SetFloat(prefWidth, float64(size.Width))
			m.u.app.Preferences().SetFloat(prefHeight, float64(size.Height))
		}
	}
	m.closeRight()
}

// bindKeys binds the shortcuts of DESIGN.md §6.
func (u *UI) bindKeys() {
	c := u.win.Canvas()
	u.keys.add(c, ctrl(fyne.KeyN), u.main.showNewTicket)
	u.keys.add(c, ctrl(fyne.KeyR), u.main.reply)
	u.keys.add(c, ctrl(fyne.KeyReturn), u.main.send)
	u.keys.add(c, ctrl(fyne.KeyEnter), u.main.send)
	u.keys.add(c, ctrl(fyne.KeyF), func() { u.win.Canvas().Focus(u.main.search) })
	u.keys.addKey(fyne.KeyF5, u.main.checkMail)
	c.SetOnTypedKey(typedKeys(c, u.keys))
}

// statusLine is the bottom line: sync progress and the last outcome,
// and the history while it loads.
type statusLine struct {
	u        *UI
	busy     bool
	history  *historyBar
	bar      *widget.ProgressBar
	spinner  *widget.ProgressBarInfinite
	label    *widget.Label
	obj      *fyne.Container
	accounts map[int64]mail.SyncProgress
	// text writes what the line says, in the language of the moment: the
	// window is built again when the language changes.
	text func() string
}

func newStatusLine(u *UI) *statusLine {
	return &statusLine{u: u, accounts: map[int64]mail.SyncProgress{}, history: newHistoryBar(u)}
}

func (s *statusLine) build() fyne.CanvasObject {
	text := ""
	if s.text != nil {
		text = s.text()
	}
	s.label = widget.NewLabel(text)
	s.label.Truncation = fyne.TextTruncateEllipsis
	// The small size and little padding give the articles a few pixels
	// more (compactTheme); measured under that theme.
	s.label.SizeName = theme.SizeNameCaptionText
	label := compact(s.label)
	h := s.label.MinSize().Height
	s.bar = widget.NewProgressBar()
	s.spinner = widget.NewProgressBarInfinite()
	// The bar as high as the small label, not more: the line stays low.
	s.obj = container.NewBorder(nil, nil, compact(s.history.build(h)), compact(container.NewGridWrap(fyne.NewSize(180, h), s.bar)), label)
	s.history.line = s.obj
	s.bar.Hide()
	return s.obj
}

// syncing shows that a sync pass runs (or not).
func (s *statusLine) syncing(busy bool) {
	s.busy = busy
	if s.u.main.checkButton != nil {
		if busy {
			s.u.main.checkButton.Disable()
		} else {
			s.u.main.checkButton.Enable()
		}
	}
	if busy {
		s.say(func() string { return tr("status.checking") })
		s.bar.SetValue(0)
		s.bar.Show()
	} else {
		s.bar.Hide()
	}
}

// progress shows how far a mailbox's sync got.
func (s *statusLine) progress(p mail.SyncProgress) {
	s.accounts[p.AccountID] = p
	if p.Total == 0 || s.history.shows(p) {
		return
	}
	s.bar.Show()
	s.bar.SetValue(float64(p.Done) / float64(p.Total))
	s.say(func() string {
		return trf("status.progress", map[string]any{"Mailbox": p.Mailbox, "Done": p.Done, "Total": p.Total})
	})
}

// accountDone shows the end of a background sync pass of one account.
func (s *statusLine) accountDone(d mail.SyncDone) {
	delete(s.accounts, d.AccountID)
	if s.busy {
		return // the agent's Check mail reports at its end
	}
	s.bar.Hide()
	switch {
	case d.Err != nil && !errors.Is(d.Err, context.Canceled):
		s.failed(d.Err)
	case d.New > 0:
		s.newMail(d.New)
	}
}

// synced shows the outcome of the agent's Check mail.
func (s *statusLine) synced(rep mail.SyncReport, err error) {
	s.syncing(false)
	n := 0
	for _, a := range rep.Accounts {
		n += a.New
	}
	switch {
	case len(rep.Accounts) == 0 && err == nil:
		s.say(func() string { return tr("status.no-account") })
	case err != nil:
		s.failed(err)
	default:
		s.newMail(n)
	}
}

// say shows a message; text is called again when the language changes.
func (s *statusLine) say(text func() string) {
	s.text = text
	s.label.SetText(text())
}

// failed says that checking mail (or reading the desk) failed.
func (s *statusLine) failed(err error) {
	s.say(func() string { return trf("status.failed", map[string]any{"Error": errorText(err)}) })
}

// newMail says how many messages came, and when.
func (s *statusLine) newMail(n int) {
	at := time.Now()
	s.say(func() string { return trn("status.new", n, map[string]any{"Count": n, "Time": formatTime(at)}) })
}

// outbox reports a message that could not be sent.
func (s *statusLine) outbox(it mail.OutboxItem) {
	if it.State == mail.OutboxFailed {
		s.say(func() string {
			return trf("status.outbox-failed", map[string]any{"Subject": it.Subject, "Error": it.LastError})
		})
	}
}

// openTicketID opens a ticket by its ID (a new ticket, once its first
// message was sent).
func (m *mainView) openTicketID(id int64) {
	desk, ctx := m.u.c.Desk, m.u.ctx
	m.u.jobs.run(func() {
		t, err := desk.Ticket(ctx, id)
		m.u.jobs.do(func() {
			if err == nil {
				m.list.setSelected(t.ID)
				m.open(t)
			}
		})
	})
}
