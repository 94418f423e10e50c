package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	ttwidget "github.com/dweymouth/fyne-tooltip/widget"

	"siegel/mail"
)

// headerEnd is the right end of a card's header: the date, and Forward
// when the ticket forwards articles. An icon only: the header line is
// the sender's, and its tooltip names it.
func (c *articleCard) headerEnd() fyne.CanvasObject {
	if c.onForward == nil {
		return c.date
	}
	b := ttwidget.NewButtonWithIcon("", theme.MailForwardIcon(), c.onForward)
	b.Importance = widget.LowImportance
	b.SetToolTip(tr("article.forward.tip"))
	return container.NewHBox(c.date, b)
}

// forward opens the composer with a forward of an article: its
// attachments, the forwarded header and text, To empty and the cursor
// in it. Encrypt and Sign follow the recipients as for any message; a
// forward of an encrypted article starts with Encrypt on and counts as
// answering an encrypted customer (Draft.Confidential).
func (v *ticketView) forward(articleID int64) {
	var view *mail.ArticleView
	if c := v.byID[articleID]; c != nil {
		view = c.view
	}
	desk, ctx := v.u.c.Desk, v.u.userCtx()
	v.u.jobs.run(func() {
		var err error
		if view == nil {
			view, err = desk.OpenArticle(ctx, articleID)
		}
		var dr mail.Draft
		if err == nil {
			dr, err = desk.ForwardDraft(ctx, articleID, forwardText(view))
		}
		v.u.jobs.do(func() {
			if v.closed {
				return
			}
			if err != nil {
				showError(v.u.win, err)
				return
			}
			v.openReply()
			v.composer.startDraft(dr)
			v.composer.focusTo()
		})
	})
}
