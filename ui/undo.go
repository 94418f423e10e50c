package ui

import (
	"errors"
	"slices"
	"time"

	siegelmail "siegel/mail"
)

// showUndo shows "Sending… Undo" while the outbox holds a message back
// (mail.Options.UndoDelay): the agent who sees a mistake the moment
// after Send can take it back. A desk without a delay delivers at once,
// and there is nothing to undo.
func (c *composer) showUndo(it siegelmail.OutboxItem) {
	wait := time.Until(it.NextAttempt)
	if it.State != siegelmail.OutboxQueued || it.Attempts > 0 || wait <= 0 {
		return
	}
	c.undoItem = it
	c.status.Hide()
	c.undoBox.Show()
	if c.undoTimer != nil {
		c.undoTimer.Stop()
	}
	// The tests' inline jobs run timers at once; there the outbox's
	// events alone end the bar.
	if !c.u.jobs.inline {
		id := it.ID
		c.undoTimer = time.AfterFunc(wait, func() {
			c.u.jobs.do(func() {
				if c.undoItem.ID == id && !c.closed {
					c.endUndo()
				}
			})
		})
	}
}

// endUndo takes the bar away: the time is over or the outbox took the
// message; the status says where it is.
func (c *composer) endUndo() {
	if c.undoItem.ID == 0 {
		return
	}
	it := c.undoItem
	c.hideUndo()
	c.showItem(it)
}

func (c *composer) hideUndo() {
	c.undoItem = siegelmail.OutboxItem{}
	if c.undoTimer != nil {
		c.undoTimer.Stop()
		c.undoTimer = nil
	}
	c.undoBox.Hide()
}

// undo takes the message back from the outbox and opens its draft again,
// as it was before Send.
func (c *composer) undo() {
	it := c.undoItem
	if it.ID == 0 {
		return
	}
	c.hideUndo()
	next := c.draft.ID // the next message, begun after Send
	desk, ctx := c.u.c.Desk, c.u.userCtx()
	c.u.jobs.run(func() {
		dr, err := desk.Undo(ctx, it.ID)
		if err == nil && next != 0 && next != dr.ID {
			// Only one draft per answer: the one taken back.
			desk.DeleteDraft(ctx, next)
		}
		c.u.jobs.do(func() { c.undone(it, dr, err) })
	})
}

func (c *composer) undone(it siegelmail.OutboxItem, dr siegelmail.Draft, err error) {
	if c.closed {
		return
	}
	if errors.Is(err, siegelmail.ErrTooLate) {
		c.setStatus(tr("compose.undo.too-late"), false)
		return
	}
	if err != nil {
		c.setStatus(errorText(err), true)
		return
	}
	c.sent = slices.DeleteFunc(c.sent, func(id int64) bool { return id == it.ID })
	c.tracking = 0
	c.replaceDraft(dr)
	enc, sign := dr.Encrypt, dr.Sign
	c.encWant, c.signWant = &enc, &sign
	c.fill(dr)
	c.dirty = false
	c.setStatus(tr("compose.undo.done"), false)
	c.recheck()
	if c.onWork != nil {
		c.onWork()
	}
	c.u.win.Canvas().Focus(c.body)
}
