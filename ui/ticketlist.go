package ui

import (
	"errors"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	ttwidget "github.com/dweymouth/fyne-tooltip/widget"

	"siegel/crypto/smime"
	"siegel/mail"
)

// The ticket list is a virtualised widget.List over the desk's paged
// query: its length is the ticket count, and a row that scrolls into view
// asks for the page of pageSize tickets it falls in. At most maxPages are
// kept, so scrolling through 100,000 tickets holds a bounded number of
// rows in memory (see the benchmarks).
const (
	pageSize = 100
	maxPages = 12
)

// ticketPage is one page of the list as loaded.
type ticketPage struct {
	tickets []mail.Ticket
	next    *mail.Cursor
}

type ticketList struct {
	u      *UI
	onOpen func(mail.Ticket)

	list   *widget.List
	rowH   float32 // a row's height with the separator
	empty  *widget.Label
	obj    fyne.CanvasObject
	search string
	state  mail.TicketState // the filter ("": all)
	// onCounts gets the counts per state at every reload (the filter
	// row, the window title).
	onCounts func(map[mail.TicketState]mail.StateCount)

	count   int
	gen     int // bumped by every reload; older loads are dropped
	pages   map[int]*ticketPage
	used    []int // page numbers, least recently used first
	loading map[int]bool
	bound   map[*ticketRow]int // the rows on screen and their item
	// selected is the open ticket (0: none). Rows draw the selection
	// themselves, so a reload that moves the ticket does not jump.
	selected int64
}

func newTicketList(u *UI, onOpen func(mail.Ticket)) *ticketList {
	return &ticketList{u: u, onOpen: onOpen, pages: map[int]*ticketPage{}, loading: map[int]bool{}, bound: map[*ticketRow]int{}}
}

func (l *ticketList) build() fyne.CanvasObject {
	l.bound = map[*ticketRow]int{}
	l.rowH = newTicketRow().MinSize().Height + theme.SeparatorThicknessSize()
	l.list = widget.NewList(
		func() int { return l.count },
		func() fyne.CanvasObject { return newTicketRow() },
		func(id widget.ListItemID, obj fyne.CanvasObject) { l.bind(id, obj.(*ticketRow)) },
	)
	l.list.OnSelected = func(id widget.ListItemID) {
		l.list.Unselect(id)
		if t, ok := l.at(id); ok {
			l.setSelected(t.ID)
			l.onOpen(t)
		}
	}
	l.empty = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	l.empty.Wrapping = fyne.TextWrapWord
	l.showEmpty()
	l.obj = container.NewStack(l.list, centred(l.empty))
	return l.obj
}

// showEmpty says why the list is empty.
func (l *ticketList) showEmpty() {
	switch {
	case l.count > 0:
		l.empty.Hide()
		return
	case l.search != "":
		l.empty.SetText(tr("list.no-match"))
	case l.state != "":
		l.empty.SetText(trf("list.empty.state", map[string]any{"State": stateText(l.state)}))
	default:
		l.empty.SetText(tr("list.empty"))
	}
	l.empty.Show()
}

// at returns the ticket at a list position, if its page is loaded.
func (l *ticketList) at(id int) (mail.Ticket, bool) {
	p := l.pages[id/pageSize]
	if p == nil || id%pageSize >= len(p.tickets) {
		return mail.Ticket{}, false
	}
	return p.tickets[id%pageSize], true
}

// bind fills a row, asking for its page when it is not loaded.
func (l *ticketList) bind(id int, row *ticketRow) {
	l.bound[row] = id
	if t, ok := l.at(id); ok {
		l.touch(id / pageSize)
		row.set(t, l.selected == t.ID, l.u.sec.enabled)
		return
	}
	row.clear()
	l.request(id / pageSize)
}

// setSelected marks the open ticket.
func (l *ticketList) setSelected(id int64) {
	l.selected = id
	for row, i := range l.bound {
		if t, ok := l.at(i); ok {
			row.set(t, t.ID == id, l.u.sec.enabled)
		}
	}
}

// setSearch lists the tickets matching a search.
func (l *ticketList) setSearch(s string) {
	if s == l.search {
		return
	}
	l.search = s
	l.reload()
}

// setState lists the tickets of one state ("": all).
func (l *ticketList) setState(s mail.TicketState) {
	if s == l.state {
		return
	}
	l.state = s
	l.reload()
}

func (l *ticketList) query() mail.TicketQuery {
	return mail.TicketQuery{State: l.state, Search: l.search, Limit: pageSize}
}

// reload counts the tickets again and reloads the pages on screen (the
// first one when nothing is shown yet). Until the new pages arrive the
// rows keep showing the old ones.
func (l *ticketList) reload() {
	l.gen++
	gen, q := l.gen, l.query()
	want := []int{0}
	if l.list != nil {
		first, last := l.visible()
		for p := first / pageSize; p <= last/pageSize; p++ {
			if !slices.Contains(want, p) {
				want = append(want, p)
			}
		}
	}
	desk, ctx := l.u.c.Desk, l.u.ctx
	l.u.jobs.run(func() {
		n, err := desk.CountTickets(ctx, q)
		if errors.Is(err, mail.ErrSearchSyntax) {
			q.Search = ""
			n, err = desk.CountTickets(ctx, q)
		}
		pages := map[int]*ticketPage{}
		for _, p := range want {
			if err != nil || p*pageSize >= n {
				break
			}
			pq := q
			pq.Offset = p * pageSize
			var page mail.TicketPage
			page, err = desk.Tickets(ctx, pq)
			pages[p] = &ticketPage{tickets: page.Tickets, next: page.Next}
		}
		var counts map[mail.TicketState]mail.StateCount
		if err == nil {
			counts, err = desk.Counts(ctx)
		}
		l.u.jobs.do(func() { l.reloaded(gen, n, pages, counts, err) })
	})
}

func (l *ticketList) reloaded(gen, n int, pages map[int]*ticketPage, counts map[mail.TicketState]mail.StateCount, err error) {
	if gen != l.gen {
		return
	}
	if err != nil {
		l.u.main.status.failed(err)
		return
	}
	if l.onCounts != nil {
		l.onCounts(counts)
	}
	l.count = n
	l.pages = pages
	l.used = l.used[:0]
	for p := range pages {
		l.used = append(l.used, p)
	}
	l.loading = map[int]bool{}
	l.showEmpty()
	l.list.Refresh()
	for row, id := range l.bound {
		if id >= n {
			delete(l.bound, row)
		}
	}
}

// request loads a page; it continues from the page before when that is
// loaded (cheaper than an offset deep in the list).
func (l *ticketList) request(p int) {
	if l.loading[p] {
		return
	}
	l.loading[p] = true
	gen, q := l.gen, l.query()
	if prev := l.pages[p-1]; prev != nil && prev.next != nil {
		q.After = prev.next
	} else {
		q.Offset = p * pageSize
	}
	desk, ctx := l.u.c.Desk, l.u.ctx
	l.u.jobs.run(func() {
		page, err := desk.Tickets(ctx, q)
		l.u.jobs.do(func() { l.loaded(gen, p, page, err) })
	})
}

func (l *ticketList) loaded(gen, p int, page mail.TicketPage, err error) {
	if gen != l.gen {
		return
	}
	delete(l.loading, p)
	if err != nil {
		l.u.main.status.failed(err)
		return
	}
	l.pages[p] = &ticketPage{tickets: page.Tickets, next: page.Next}
	l.touch(p)
	l.evict()
	for row, id := range l.bound {
		if id/pageSize != p {
			continue
		}
		if t, ok := l.at(id); ok {
			row.set(t, l.selected == t.ID, l.u.sec.enabled)
		}
	}
}

// touch marks a page as just used.
func (l *ticketList) touch(p int) {
	if i := slices.Index(l.used, p); i >= 0 {
		l.used = append(l.used[:i], l.used[i+1:]...)
	}
	l.used = append(l.used, p)
}

// visible returns the positions on screen, with a few rows to spare.
func (l *ticketList) visible() (first, last int) {
	off, h := l.list.GetScrollOffset(), l.list.Size().Height
	return max(0, int(off/l.rowH)-2), int((off+h)/l.rowH) + 2
}

// evict drops the least recently used pages beyond maxPages, but never a
// page on screen.
func (l *ticketList) evict() {
	onScreen := map[int]bool{}
	first, last := l.visible()
	for p := first / pageSize; p <= last/pageSize; p++ {
		onScreen[p] = true
	}
	// Rows scrolled away wait in the list's pool until it binds them again.
	for row, id := range l.bound {
		if id < first || id > last {
			delete(l.bound, row)
		}
	}
	for i := 0; len(l.pages) > maxPages && i < len(l.used); {
		p := l.used[i]
		if onScreen[p] {
			i++
			continue
		}
		delete(l.pages, p)
		l.used = append(l.used[:i], l.used[i+1:]...)
	}
}

// ticketRow is one row of the list: the lock and seal of the newest
// article, under them a download mark when that article is kept on the
// server (fetched when opened), number and subject (bold while unread),
// customer and last activity, and the state.
type ticketRow struct {
	widget.BaseWidget
	bg       *canvas.Rectangle
	enc, sig *widget.Icon
	remote   *tipIcon
	title    *fittedLabel
	sub      *widget.Label
	state    *widget.Label
	icons    *fyne.Container
	ticketID int64
	unread   bool
}

func newTicketRow() *ticketRow {
	r := &ticketRow{
		bg:  canvas.NewRectangle(theme.Color(theme.ColorNameSelection)),
		enc: widget.NewIcon(nil),
		sig: widget.NewIcon(nil),
		// The mark goes under the lock and seal, in the column they
		// leave free: three icons fit a row's height, and a hidden one
		// changes nothing of the row's layout.
		remote: newTipIcon(theme.DownloadIcon(), tr("list.remote")),
		title:  newFittedLabel(fyne.TextStyle{}),
		sub:    widget.NewLabel(""),
		state:  widget.NewLabel(""),
	}
	// The subject is cut with "…" (see fittedLabel); the rest is clipped:
	// Fyne's ellipsis shapes the text again and again to find where to
	// cut, which made scrolling five times as costly.
	r.sub.Truncation = fyne.TextTruncateClip
	r.sub.SizeName = theme.SizeNameCaptionText
	r.state.SizeName = theme.SizeNameCaptionText
	r.bg.Hide()
	r.remote.Hide()
	r.icons = container.NewVBox(r.enc, r.sig, r.remote)
	r.ExtendBaseWidget(r)
	return r
}

func (r *ticketRow) CreateRenderer() fyne.WidgetRenderer {
	text := container.NewVBox(r.title, r.sub)
	return widget.NewSimpleRenderer(container.NewStack(r.bg,
		container.NewBorder(nil, nil, r.icons, container.NewCenter(r.state), text)))
}

// set shows a ticket.
func (r *ticketRow) set(t mail.Ticket, selected, security bool) {
	r.ticketID = t.ID
	title := t.Tag() + "  " + t.Subject
	if title != r.title.full || r.unread != (t.Unread > 0) {
		r.unread = t.Unread > 0
		r.title.TextStyle = fyne.TextStyle{Bold: r.unread}
		r.title.fitTo = -1 // bold is wider
		r.title.setFull(title)
	}
	// The name alone, when there is one: with the address the time of
	// the last activity was clipped off. The ticket shows the address.
	customer := t.Customer.Name
	if customer == "" {
		customer = t.Customer.Address
	}
	if t.Signature == smime.SigValid {
		// Beside a ✅ the address the signature vouches for, never a
		// display name anyone can write.
		customer = t.NewestFrom
		if customer == "" {
			customer = t.Customer.Address
		}
	}
	if customer == "" {
		customer = tr("list.no-customer")
	}
	r.sub.SetText(customer + " · " + formatTime(t.LastActivity))
	r.state.SetText(stateText(t.State))
	switch t.State {
	case mail.TicketNew:
		r.state.Importance = widget.HighImportance
	case mail.TicketClosed:
		r.state.Importance = widget.LowImportance
	default:
		r.state.Importance = widget.MediumImportance
	}
	r.state.Refresh()
	if security {
		r.enc.SetResource(encryptionIcon(t.Encryption))
		r.sig.SetResource(signatureIcon(t.Signature))
	}
	r.showIcons(security, t.NewestRemote)
	r.bg.FillColor = theme.Color(theme.ColorNameSelection)
	r.bg.Hidden = !selected
	r.bg.Refresh()
}

// clear shows a row whose page is still loading.
func (r *ticketRow) clear() {
	r.ticketID = 0
	r.title.setFull("…")
	r.sub.SetText("")
	r.state.SetText("")
	r.enc.SetResource(nil)
	r.sig.SetResource(nil)
	r.showIcons(r.enc.Visible(), false)
	r.bg.Hide()
}

// showIcons shows the lock and seal with S/MIME on, and the download
// mark of an article kept on the server also without. The column is laid
// out again only when what it shows changed: rows are bound again and
// again while the list scrolls.
func (r *ticketRow) showIcons(security, remote bool) {
	if r.enc.Visible() == security && r.remote.Visible() == remote && r.icons.Visible() == (security || remote) {
		return
	}
	show := func(o fyne.CanvasObject, on bool) {
		if on {
			o.Show()
		} else {
			o.Hide()
		}
	}
	show(r.enc, security)
	show(r.sig, security)
	show(r.remote, remote)
	show(r.icons, security || remote)
	r.icons.Refresh()
}

// tipIcon is an icon with a tooltip.
type tipIcon struct {
	ttwidget.ToolTipWidget
	icon *widget.Icon
}

func newTipIcon(res fyne.Resource, tip string) *tipIcon {
	i := &tipIcon{icon: widget.NewIcon(res)}
	i.SetToolTip(tip)
	i.ExtendBaseWidget(i)
	return i
}

func (i *tipIcon) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(i.icon) }

// stateText is a ticket state in words.
func stateText(s mail.TicketState) string {
	return tr("ticket.state." + string(s))
}
