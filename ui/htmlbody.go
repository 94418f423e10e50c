package ui

import (
	"net/url"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"siegel/mail"
	"siegel/ui/htmlview"
)

// An HTML article is shown formatted (issue 13): htmlview turns the
// message's HTML into rich text without fetching or running anything; the
// card supplies what only the message itself may supply (its cid:
// images), says how much was blocked, and asks before a link opens.

// htmlBody is an article's HTML, rendered once for the view it came from:
// rendering decodes images and walks the whole tree, which a card's
// refresh (a new verdict, a language switch of the bar) must not repeat.
type htmlBody struct {
	view *mail.ArticleView
	res  htmlview.Result
	// shown are the Content-IDs of the inline parts the HTML displays:
	// those are not listed again as attachments.
	shown map[string]bool
}

// renderHTML renders v.HTML with v's own inline images; a link tap goes
// to onLink.
func renderHTML(v *mail.ArticleView, onLink func(htmlview.Link)) *htmlBody {
	b := &htmlBody{view: v, shown: map[string]bool{}}
	images := map[string]fyne.Resource{}
	for _, att := range v.Attachments {
		if att.ContentID != "" {
			images[att.ContentID] = fyne.NewStaticResource(att.ContentID, att.Data)
		}
	}
	b.res = htmlview.Render([]byte(v.HTML), htmlview.Options{
		Images: func(cid string) (fyne.Resource, bool) {
			r, ok := images[cid]
			if ok {
				b.shown[cid] = true
			}
			return r, ok
		},
		OnLink: onLink,
	})
	return b
}

// listed reports whether an attachment gets its own row: every file the
// sender attached, and an inline part only when the HTML does not show
// it (else the agent could not save it at all).
func (b *htmlBody) listed(cid string, inline bool) bool {
	return b == nil || !inline || cid == "" || !b.shown[cid]
}

// openURL hands a link to the system's browser or mail program; tests
// replace it to see what would open.
var openURL = func(u *url.URL) error { return fyne.CurrentApp().OpenURL(u) }

// confirmLink asks before a link of a mail opens: it shows the real
// target, and for a link whose text names another address, says so
// first. A mail's link is the usual way into phishing; one click on text
// must never be enough.
func confirmLink(win fyne.Window, l htmlview.Link) {
	target := widget.NewLabel(l.Target)
	target.Wrapping = fyne.TextWrapBreak
	target.Selectable = true
	target.TextStyle = fyne.TextStyle{Monospace: true}
	items := []fyne.CanvasObject{}
	if l.Deceptive {
		warn := wrapBold("⚠ " + trf("link.deceptive", map[string]any{"Text": l.Text, "Target": l.Target}))
		warn.Importance = widget.DangerImportance
		items = append(items, warn)
	}
	items = append(items, wrapLabel(tr("link.goes-to")), target, wrapLabel(tr("link.intro")))
	d := dialog.NewCustomConfirm(tr("link.title"), tr("link.open"), tr("dialog.cancel"), container.NewVBox(items...),
		func(ok bool) {
			if !ok {
				return
			}
			u, err := url.Parse(l.Target)
			if err == nil {
				err = openURL(u)
			}
			showError(win, err)
		}, win)
	d.Resize(dialogSize(win, 560, d.MinSize().Height))
	showModal(win, d, nil)
}
