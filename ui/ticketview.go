package ui

import (
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	ttwidget "github.com/dweymouth/fyne-tooltip/widget"

	"siegel/mail"
)

// ticketView is the right side of the main window for one ticket: the
// header with number, subject, customer and state (with Close / Reopen),
// the articles oldest first as cards (each with Forward), and the reply
// at the bottom.
//
// The reply starts as a single Reply bar, so the articles get the pane:
// clicking it or Ctrl+R opens the composer below the articles, with a
// divider between them that moves both ways (the composer scrolls when
// made small) and whose place the profile remembers. A draft in progress
// opens it at once.
type ticketView struct {
	u      *UI
	ticket mail.Ticket
	closed bool
	// replying: the composer shows, not the Reply bar.
	replying bool

	title                      *fittedLabel
	customer                   *fyne.Container // customerName and customerAddr on one line
	customerName, customerAddr *widget.Label
	state                      *widget.Label
	stateBtn                   *ttwidget.Button // Close, or Reopen a closed ticket
	pendingBtn                 *ttwidget.Button // Wait for customer, or Reopen a pending ticket
	cards                      *fyne.Container
	scroll                     *container.Scroll
	split                      *container.Split
	replyBar                   *ttwidget.Button
	composerBox                *container.Scroll // the composer, below the divider
	composer                   *composer
	byID                       map[int64]*articleCard
	cardOrder                  []int64 // article IDs, oldest first
	obj                        fyne.CanvasObject
}

func newTicketView(u *UI, t mail.Ticket) *ticketView {
	v := &ticketView{u: u, ticket: t, byID: map[int64]*articleCard{}}
	v.composer = newComposer(u, t.ID)
	v.composer.onWork = v.openReply
	v.build(u.replySplit)
	return v
}

func (v *ticketView) build(offset float64) {
	v.title = newFittedLabel(fyne.TextStyle{Bold: true})
	// One line, for the articles' room: the number of messages and the
	// customer's name, cut with "…" when the line is short, and the
	// address whole (a long display name must not hide it).
	v.customerName, v.customerAddr = widget.NewLabel(""), widget.NewLabel("")
	v.customerName.Truncation = fyne.TextTruncateEllipsis
	v.customerName.SizeName = theme.SizeNameCaptionText
	v.customerAddr.SizeName = theme.SizeNameCaptionText
	v.customer = container.New(&fromLayout{name: v.customerName, addr: v.customerAddr}, v.customerName, v.customerAddr)
	v.state = widget.NewLabel("")
	v.stateBtn = ttwidget.NewButton("", func() { v.setState(v.stateTarget()) })
	v.pendingBtn = ttwidget.NewButton("", func() { v.setState(v.pendingTarget()) })
	v.showHeader()
	header := container.NewBorder(nil, nil, nil,
		container.NewCenter(container.NewHBox(v.state, v.pendingBtn, v.stateBtn)),
		container.NewVBox(v.title, v.customer))

	v.cards = container.NewVBox()
	for _, c := range v.ordered() {
		v.cards.Add(c.build())
	}
	v.scroll = container.NewVScroll(v.cards)
	v.composerBox = container.NewVScroll(v.composer.build())
	v.split = container.NewVSplit(v.scroll, v.composerBox)
	v.split.Offset = offset
	v.replyBar = ttwidget.NewButtonWithIcon(tr("ticket.reply"), theme.MailReplyIcon(), v.openReply)
	v.replyBar.Alignment = widget.ButtonAlignLeading
	v.replyBar.SetToolTip(tr("ticket.reply.tip"))
	v.showReply()
	// No rule under the header: the cards' edges part it from the
	// articles, and the pixels go to the text.
	v.obj = container.NewBorder(header, v.replyBar, nil, nil, v.split)
}

// rebuild makes the view again in the current language.
func (v *ticketView) rebuild() {
	v.build(v.split.Offset)
}

// openReply shows the composer in place of the Reply bar.
func (v *ticketView) openReply() {
	if v.replying {
		return
	}
	v.replying = true
	// The bar goes from under the mouse: its tooltip with it.
	hideToolTipsOf(v.replyBar)
	v.showReply()
	v.roomForComposer()
}

// roomForComposer moves the divider up as far as the composer needs to
// show whole, Send included, when the remembered place leaves it less
// (a smaller window, a longer form): the agent may then move it down, and
// the composer scrolls. The articles keep a fifth of the pane at least.
func (v *ticketView) roomForComposer() {
	total := v.split.Size().Height
	if total <= 0 {
		return // not laid out yet: the remembered place stands
	}
	need := v.composer.obj.MinSize().Height + theme.Padding()
	if most := float64((total - need) / total); v.split.Offset > most {
		v.split.SetOffset(max(most, 0.2))
	}
}

// showReply shows the Reply bar or the composer below the articles; the
// split gives the articles the whole pane while the composer is hidden.
func (v *ticketView) showReply() {
	if v.replying {
		v.replyBar.Hide()
		v.composerBox.Show()
	} else {
		v.replyBar.Show()
		v.composerBox.Hide()
	}
	v.split.Refresh()
}

// reply opens the composer and puts the cursor into its text (Ctrl+R).
func (v *ticketView) reply() {
	v.openReply()
	v.composer.focus()
}

// ordered returns the cards in the order of the ticket.
func (v *ticketView) ordered() []*articleCard {
	var out []*articleCard
	for _, id := range v.cardOrder {
		out = append(out, v.byID[id])
	}
	return out
}

func (v *ticketView) showHeader() {
	t := v.ticket
	v.title.setFull(t.Tag() + "  " + t.Subject)
	count := func(customer string) string {
		return trn("ticket.customer", t.Articles, map[string]any{"Customer": customer, "Count": t.Articles})
	}
	name, addr := count(t.Customer.Name), "<"+t.Customer.Address+">"
	switch {
	case t.Customer.Name == "":
		name, addr = strings.TrimSpace(count("")), t.Customer.Address
	case t.Customer.Address == "":
		addr = ""
	}
	v.customerName.SetText(name)
	v.customerAddr.SetText(addr)
	v.customer.Refresh()
	v.state.SetText(stateText(t.State))
	v.showStateButton(v.stateBtn, v.stateTarget())
	if target := v.pendingTarget(); t.State == mail.TicketClosed {
		v.pendingBtn.Hide()
	} else {
		v.showStateButton(v.pendingBtn, target)
		v.pendingBtn.Show()
	}
}

// stateTarget is where the state button takes the ticket: a closed one
// opens again, any other closes.
func (v *ticketView) stateTarget() mail.TicketState {
	if v.ticket.State == mail.TicketClosed {
		return mail.TicketOpen
	}
	return mail.TicketClosed
}

// pendingTarget is where the pending button takes the ticket: a pending
// one opens again, a new or open one waits for the customer.
func (v *ticketView) pendingTarget() mail.TicketState {
	if v.ticket.State == mail.TicketPending {
		return mail.TicketOpen
	}
	return mail.TicketPending
}

// showStateButton makes b the button that moves the ticket to target.
func (v *ticketView) showStateButton(b *ttwidget.Button, target mail.TicketState) {
	key, icon := "ticket.close", theme.ConfirmIcon()
	switch target {
	case mail.TicketOpen:
		key, icon = "ticket.reopen", theme.MailReplyIcon()
	case mail.TicketPending:
		key, icon = "ticket.pending", theme.HistoryIcon()
	}
	if tr(key) != b.Text {
		// Its tooltip would go on describing what the button did before.
		hideToolTipsOf(b)
	}
	b.SetText(tr(key))
	b.SetIcon(icon)
	b.SetToolTip(tr(key + ".tip"))
}

// load reads the ticket's articles and the composer's draft.
func (v *ticketView) load() {
	id, desk, ctx := v.ticket.ID, v.u.c.Desk, v.u.ctx
	v.u.jobs.run(func() {
		arts, err := desk.Articles(ctx, id)
		if err == nil {
			desk.MarkTicketRead(ctx, id)
		}
		v.u.jobs.do(func() { v.loaded(arts, err) })
	})
	v.composer.load()
}

func (v *ticketView) loaded(arts []mail.Article, err error) {
	if v.closed {
		return
	}
	if err != nil {
		showError(v.u.win, err)
		return
	}
	for _, a := range arts {
		v.add(a)
	}
}

// add shows an article that is not shown yet, and opens it: expanded, as
// the newest, while the one that was newest collapses unless the agent
// expanded it.
func (v *ticketView) add(a mail.Article) {
	if v.byID[a.ID] != nil {
		return
	}
	if n := len(v.cardOrder); n > 0 {
		if last := v.byID[v.cardOrder[n-1]]; !last.opened {
			last.setExpanded(false)
		}
	}
	c := newArticleCard(v.u, a, true)
	c.onForward = func() { v.forward(a.ID) }
	v.byID[a.ID] = c
	v.cardOrder = append(v.cardOrder, a.ID)
	v.cards.Add(c.build())
	c.load()
	v.scrollToNewest()
}

// scrollToNewest shows the newest article, once the window has laid out
// the cards (their text wraps to the width they get). Scroll's own
// ScrollToBottom is not used: with content wider than the view it scrolls
// sideways.
func (v *ticketView) scrollToNewest() {
	v.u.jobs.later(150*time.Millisecond, func() {
		if v.closed {
			return
		}
		v.cards.Refresh()
		if len(v.cards.Objects) == 0 {
			return
		}
		// The newest card from its top (its sender and security bar),
		// as far as the cards reach.
		newest := v.cards.Objects[len(v.cards.Objects)-1].Position().Y
		if h, view := v.cards.MinSize().Height, v.scroll.Size().Height; h > view {
			v.scroll.ScrollToOffset(fyne.NewPos(0, min(newest, h-view)))
		}
	})
}

// articleAdded follows a new article of this ticket (an answer arrived,
// or ours was sent).
func (v *ticketView) articleAdded(id int64) {
	desk, ctx := v.u.c.Desk, v.u.ctx
	v.u.jobs.run(func() {
		a, err := desk.Article(ctx, id)
		v.u.jobs.do(func() {
			if err == nil && !v.closed {
				v.add(a)
			}
		})
	})
}

// articleChanged follows a new security result of an article (the
// automatic re-check after an import).
func (v *ticketView) articleChanged(id int64) {
	if c := v.byID[id]; c != nil {
		c.load()
	}
}

// reloadHeader reads the ticket again (its state or count changed).
func (v *ticketView) reloadHeader() {
	id, desk, ctx := v.ticket.ID, v.u.c.Desk, v.u.ctx
	v.u.jobs.run(func() {
		t, err := desk.Ticket(ctx, id)
		v.u.jobs.do(func() {
			if err == nil && !v.closed {
				v.ticket = t
				v.showHeader()
			}
		})
	})
}

// setState moves the ticket to a state (the header's buttons).
func (v *ticketView) setState(state mail.TicketState) {
	id, desk, ctx := v.ticket.ID, v.u.c.Desk, v.u.userCtx()
	v.stateBtn.Disable()
	v.pendingBtn.Disable()
	v.u.jobs.run(func() {
		err := desk.SetTicketState(ctx, id, state)
		v.u.jobs.do(func() {
			v.stateBtn.Enable()
			v.pendingBtn.Enable()
			if err != nil {
				showError(v.u.win, err)
				return
			}
			v.ticket.State = state
			v.showHeader()
		})
	})
}

// securityChanged shows or hides the security bars and toggles.
func (v *ticketView) securityChanged() {
	for _, c := range v.byID {
		c.show()
	}
	v.composer.securityChanged()
}

// close keeps the composer's draft and the divider's place; the view is
// going away.
func (v *ticketView) close() {
	v.closed = true
	if v.replying {
		v.u.keepReplySplit(v.split.Offset)
	}
	v.composer.close()
}
