package ui

import (
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	ttwidget "github.com/dweymouth/fyne-tooltip/widget"

	"siegel/crypto/smime"
	"siegel/mail"
	"siegel/message"
	"siegel/ui/htmlview"
)

// articleCard shows one article: From, To, Cc and Date, the security bar,
// a failure banner with Retry security check, the text and the
// attachments. The text of an encrypted article comes from decrypting it
// in memory when the card opens (Desk.OpenArticle); nothing decrypted is
// stored. An HTML article shows formatted (htmlbody.go), rendered once per
// opened view, with the message's own inline images; nothing is ever
// fetched from the network, and a link opens only after the agent saw its
// real target.
//
// A card is expanded or collapsed to its header line, which then adds the
// lock and seal and the text's first words; clicking the header switches.
// The ticket shows its newest article expanded, the older ones collapsed,
// so the article being answered gets the room.
type articleCard struct {
	u   *UI
	art mail.Article
	// res is the stored verdict, the one the list and the command line
	// show too; a re-check that changes it reloads the card.
	res      *smime.Result
	view     *mail.ArticleView
	openErr  error
	retrying bool
	// retried says what the last Retry security check found, so that a
	// verdict that stayed the same does not look as if nothing ran.
	retried   string
	retryNote *widget.Label
	// expanded: the whole article shows, not only its header line;
	// opened: the agent expanded it, so a newer article leaves it so.
	expanded, opened bool
	// onForward, when set, forwards the article (Forward in the header).
	onForward func()
	// detailed: the failure banner shows its advice, not only its line.
	detailed bool

	card *widget.Card
	// header is the line with the sender and the date that collapses and
	// expands the card; icons and snippet (the lock, the seal and the
	// first words of the text) show on it while the card is collapsed.
	header       *tapArea
	icons        *fyne.Container
	encIcon      *widget.Icon
	sigIcon      *widget.Icon
	snippet      *widget.Label
	expandedPart *fyne.Container
	// from is the sender's display name, fromAddr its address: a name may
	// be cut to fit, the address never (a padded or long name must not
	// push the address out of sight).
	from, fromAddr *widget.Label
	date           *widget.Label
	// protected holds the notes on header fields that read otherwise
	// outside the signature or encryption (RFC 9788). It sits with the
	// header, in the warning colours, away from the body: what it quotes
	// is exactly what the signature does not cover.
	protected *fyne.Container
	bar       *securityBar
	failures  *fyne.Container
	body      *widget.Label
	// html shows an HTML article formatted, in place of body; htmlDone is
	// its rendering, kept until another view arrives.
	html     *widget.RichText
	htmlDone *htmlBody
	// note says what the text is not: HTML shown as text, or the remote
	// items the formatted HTML did not load; copyText copies the text of
	// the formatted HTML, which rich text cannot select.
	note     *widget.Label
	copyText *ttwidget.Button
	noteRow  *fyne.Container
	files    *fyne.Container
	obj      fyne.CanvasObject
}

func newArticleCard(u *UI, a mail.Article, expanded bool) *articleCard {
	return &articleCard{u: u, art: a, res: a.Security, expanded: expanded}
}

// build makes the card's widgets; show fills them.
func (c *articleCard) build() fyne.CanvasObject {
	c.bar = newSecurityBar(c.u)
	c.failures = container.NewVBox()
	c.body = wrapLabel("")
	c.body.Selectable = true
	c.note = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	c.note.SizeName = theme.SizeNameCaptionText
	c.retryNote = wrapBold("")
	c.retryNote.Importance = widget.HighImportance
	c.retryNote.Hide()
	c.html = widget.NewRichText()
	c.html.Wrapping = fyne.TextWrapWord
	c.html.Hide()
	c.copyText = ttwidget.NewButtonWithIcon(tr("article.copy-text"), theme.ContentCopyIcon(), func() {
		if c.view != nil {
			c.u.app.Clipboard().SetContent(c.view.Text)
		}
	})
	c.copyText.SetToolTip(tr("article.copy-text.tip"))
	c.noteRow = container.NewBorder(nil, nil, nil, c.copyText, c.note)
	c.files = container.NewVBox()
	c.from = boldLabel("")
	c.from.Truncation = fyne.TextTruncateEllipsis
	c.fromAddr = boldLabel("")
	c.date = widget.NewLabel("")
	c.protected = container.NewVBox()
	c.encIcon, c.sigIcon = widget.NewIcon(nil), widget.NewIcon(nil)
	c.icons = container.NewHBox(c.encIcon, c.sigIcon)
	c.snippet = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	c.snippet.Truncation = fyne.TextTruncateEllipsis
	from := container.New(&fromLayout{name: c.from, addr: c.fromAddr}, c.from, c.fromAddr)
	c.header = newTapArea(container.NewBorder(nil, nil, c.icons, c.headerEnd(),
		container.New(&summaryLayout{from: from, snippet: c.snippet}, from, c.snippet)), c.toggle)
	a := c.art
	// To and Cc share the line of the security bar: a line less between
	// the sender and the text.
	recipients := fieldGrid(tr("article.to"), addressList(a.To), tr("article.cc"), addressList(a.Cc))
	c.expandedPart = container.NewVBox(c.protected, container.NewBorder(nil, nil, c.bar.obj, nil, recipients),
		// The note on what was blocked goes above the text, where it is
		// seen before the gaps it explains.
		c.failures, c.retryNote, c.noteRow, c.body, c.html, c.files)
	c.card = widget.NewCard("", "", container.NewVBox(c.header, c.expandedPart))
	c.obj = c.card
	c.show()
	return c.obj
}

// toggle collapses an expanded card and expands a collapsed one (a click
// on its header).
func (c *articleCard) toggle() {
	c.opened = !c.expanded
	c.setExpanded(!c.expanded)
}

// setExpanded shows the whole article or only its header line.
func (c *articleCard) setExpanded(on bool) {
	c.expanded = on
	c.showExpanded()
}

func (c *articleCard) showExpanded() {
	if c.card == nil {
		return
	}
	c.expandedPart.Hidden = !c.expanded
	c.snippet.Hidden = c.expanded
	c.icons.Hidden = c.expanded || !c.u.sec.enabled
	c.header.SetToolTip(tr(map[bool]string{true: "article.collapse.tip", false: "article.expand.tip"}[c.expanded]))
	c.card.Refresh()
}

// load opens the article (decrypting it in memory).
func (c *articleCard) load() {
	id, desk, ctx := c.art.ID, c.u.c.Desk, c.u.userCtx()
	c.u.jobs.run(func() {
		v, err := desk.OpenArticle(ctx, id)
		c.u.jobs.do(func() {
			c.view, c.openErr = v, err
			if v != nil {
				c.art = v.Article
				c.res = v.Security
			}
			c.show()
		})
	})
}

// show fills the card from what is known.
func (c *articleCard) show() {
	if c.card == nil {
		return
	}
	a := c.art
	name, addr := a.From.Name, a.From.Address
	switch {
	case name == "" && addr == "":
		name = tr("article.no-sender")
	case name != "" && addr != "":
		addr = "<" + addr + ">"
	}
	c.from.SetText(name)
	c.fromAddr.SetText(addr)
	date := a.Date
	if date.IsZero() {
		date = a.Arrived
	}
	sub := formatTime(date)
	if a.Outgoing {
		sub += " · " + tr("article.outgoing")
	}
	c.date.SetText(sub)

	res := c.res
	if res == nil {
		res = &smime.Result{Encryption: smime.EncNone, Signature: smime.SigNone}
	}
	c.encIcon.SetResource(encryptionIcon(res.Encryption))
	c.sigIcon.SetResource(signatureIcon(res.Signature))
	if c.u.sec.enabled {
		c.bar.set(res)
		c.bar.obj.Show()
		c.showProtected(res)
		c.showFailures(res)
		c.retryNote.SetText(c.retried)
		c.retryNote.Hidden = c.retried == ""
	} else {
		c.retryNote.Hide()
		c.bar.obj.Hide()
		c.protected.Objects = nil
		c.protected.Hide()
		c.failures.Objects = nil
		c.failures.Refresh()
	}

	showHTML := c.openErr == nil && c.view != nil && c.view.HTML != ""
	c.body.Hidden, c.html.Hidden = showHTML, !showHTML
	switch {
	case showHTML:
		c.showHTML()
		c.body.Text = c.view.Text // the snippet's words
	case c.openErr != nil:
		c.body.SetText(errorText(c.openErr))
	case c.view == nil && a.Remote:
		c.body.SetText(tr("article.fetching"))
	case c.view == nil:
		c.body.SetText(tr("article.opening"))
	case c.view.Text == "" && (a.Encrypted && res.Encryption != smime.EncDecrypted || res.Encryption.Failed()):
		c.body.SetText(tr("article.cannot-decrypt"))
	case c.view.Text == "":
		c.body.SetText(tr("article.no-text"))
	default:
		c.body.SetText(c.view.Text)
	}
	c.snippet.SetText(firstWords(c.body.Text))
	c.noteRow.Hide()
	c.copyText.Hidden = !showHTML
	switch {
	case showHTML && c.htmlDone.res.Blocked > 0:
		n := c.htmlDone.res.Blocked
		c.note.SetText(trn("article.blocked", n, map[string]any{"Count": n}))
		c.noteRow.Show()
	case showHTML:
		c.note.SetText("")
		c.noteRow.Show()
	case c.view != nil && c.view.FromHTML:
		c.note.SetText(tr("article.from-html"))
		c.noteRow.Show()
	}
	c.files.Objects = nil
	if c.view != nil {
		var shown *htmlBody
		if showHTML {
			shown = c.htmlDone
		}
		var listed []message.Attachment
		for _, att := range c.view.Attachments {
			if shown.listed(att.ContentID, att.Inline) {
				c.files.Add(c.attachmentRow(att))
				listed = append(listed, att)
			}
		}
		if len(listed) > 1 {
			all := ttwidget.NewButtonWithIcon(tr("article.save-all"), theme.DocumentSaveIcon(), func() { c.u.saveAll(listed) })
			all.SetToolTip(tr("article.save-all.tip"))
			c.files.Add(container.NewBorder(nil, nil, nil, all))
		}
	}
	// Hidden when empty, as the failures: the card's VBox would pad
	// even an empty row.
	c.files.Hidden = len(c.files.Objects) == 0
	c.files.Refresh()
	c.showExpanded()
}

// showHTML fills the rich text from the view's HTML, rendering it only
// when the view is new: a refresh of the card (a verdict, Retry's button)
// keeps the rendering, and with it the decoded images.
func (c *articleCard) showHTML() {
	if c.htmlDone == nil || c.htmlDone.view != c.view {
		win := c.u.win
		c.htmlDone = renderHTML(c.view, func(l htmlview.Link) { confirmLink(win, l) })
		c.html.Segments = c.htmlDone.res.Segments
		c.html.Refresh()
	}
}

// snippetLength is how much of the text a collapsed card shows; the
// line cuts it to its width anyway.
const snippetLength = 200

// firstWords is the beginning of a text on one line.
func firstWords(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	if r := []rune(text); len(r) > snippetLength {
		return string(r[:snippetLength]) + "…"
	}
	return text
}

// shownFrom is the sender as the card shows it, name and address.
func (c *articleCard) shownFrom() string {
	return strings.TrimSpace(c.from.Text + " " + c.fromAddr.Text)
}

// showProtected marks the header fields whose outer value differs from
// the protected copy the card shows: one warning line per field, with
// what stands outside.
func (c *articleCard) showProtected(res *smime.Result) {
	c.protected.Objects = nil
	// Hidden when empty: the card's VBox would pad even an empty row.
	c.protected.Hide()
	if lines := differsLines(res.Protected, &res.Envelope); len(lines) > 0 {
		texts := make([]fyne.CanvasObject, len(lines))
		for i, l := range lines {
			texts[i] = wrapLabel(l)
		}
		c.protected.Add(banner(theme.WarningIcon(), tinted(theme.ColorNameWarning, 40), texts...))
		c.protected.Show()
	}
	c.protected.Refresh()
}

// showFailures shows the banner of a failed signature or decryption: one
// line with the state's text of DESIGN.md §3, Details and Retry security
// check; Details adds the advice of the user guide below. One line, so
// the banner never takes the pane from the text, and Retry beside it,
// so it is never cut off.
func (c *articleCard) showFailures(res *smime.Result) {
	if len(c.failures.Objects) > 0 {
		// The old Retry goes, maybe from under the mouse: its tooltip
		// with it.
		hideToolTipsOf(c.failures)
	}
	c.failures.Objects = nil
	sigFailed, encFailed := res.Signature.Failed(), res.Encryption.Failed()
	if !sigFailed && !encFailed {
		c.failures.Hide()
		c.failures.Refresh()
		return
	}
	sev := failureSeverity(res)
	var headline []string
	var texts []fyne.CanvasObject
	if sev == sevDanger {
		warn := wrapBold(tr("advice.do-not-rely"))
		warn.Importance = widget.DangerImportance
		texts = append(texts, warn)
	}
	encAbout, sigAbout := failureLines(res)
	if encFailed {
		headline = append(headline, tr(res.Encryption.MessageKey()))
		texts = append(texts, wrapBold(tr(res.Encryption.MessageKey())))
		texts = append(texts, labels(encAbout)...)
		if res.Encryption == smime.EncNoKey {
			texts = append(texts, wrapLabel(tr("advice.no-key")))
		} else {
			texts = append(texts, wrapLabel(tr("advice.decrypt-failed")))
		}
	}
	if sigFailed {
		headline = append(headline, tr(res.Signature.MessageKey()))
		texts = append(texts, wrapBold(tr(res.Signature.MessageKey())))
		texts = append(texts, labels(sigAbout)...)
		if res.Signature == smime.SigRevoked {
			if l := revocationLines(res.Revocation, revSigner, false); len(l) > 0 {
				texts = append(texts, wrapLabel(strings.Join(l, "\n")))
			}
		}
		texts = append(texts, wrapLabel(signatureAdvice(res.Signature)))
		if res.Signature == smime.SigCertNotFound {
			warn := wrapBold("⚠ " + tr("advice.verify-in-person"))
			warn.Importance = widget.DangerImportance
			texts = append(texts, warn)
		}
	}
	retry := ttwidget.NewButtonWithIcon(tr("article.retry"), theme.ViewRefreshIcon(), c.retry)
	retry.SetToolTip(tr("article.retry.tip"))
	if c.retrying {
		retry.SetText(tr("article.retrying"))
		retry.Disable()
	}
	details := ttwidget.NewButtonWithIcon(tr("article.details"), theme.MenuDropDownIcon(), func() {
		c.detailed = !c.detailed
		c.showFailures(res)
	})
	details.SetToolTip(tr("article.details.tip"))
	if c.detailed {
		details.SetText(tr("article.details.hide"))
		details.SetIcon(theme.MenuDropUpIcon())
		details.SetToolTip(tr("article.details.hide.tip"))
	}
	line := ttwidget.NewLabelWithStyle(strings.Join(headline, " · "), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	line.Truncation = fyne.TextTruncateEllipsis
	tip := append(slices.Clone(headline), encAbout...)
	line.SetToolTip(strings.Join(append(tip, sigAbout...), "\n"))
	advice := container.NewVBox(texts...)
	advice.Hidden = !c.detailed
	icon, fill := theme.WarningIcon(), tinted(theme.ColorNameWarning, 40)
	if sev == sevDanger {
		icon, fill = theme.ErrorIcon(), tinted(theme.ColorNameError, 40)
	}
	c.failures.Add(banner(icon, fill,
		container.NewBorder(nil, nil, nil, container.NewHBox(details, retry), line), advice))
	c.failures.Show()
	c.failures.Refresh()
}

// retry runs the security analysis again (after the administrator added a
// certificate or key) and shows the new result and content.
func (c *articleCard) retry() {
	c.retrying = true
	c.show()
	id, desk, ctx := c.art.ID, c.u.c.Desk, c.u.userCtx()
	c.u.jobs.run(func() {
		res, err := desk.Retry(ctx, id)
		var v *mail.ArticleView
		if err == nil {
			v, err = desk.OpenArticle(ctx, id)
		}
		c.u.jobs.do(func() {
			c.retrying = false
			if err != nil {
				c.retried = ""
				showError(c.u.win, err)
			} else {
				c.retried = retryOutcome(c.res, res)
				c.view, c.openErr = v, nil
				c.art, c.res = v.Article, res
			}
			c.show()
		})
	})
}

// attachmentRow is one attachment with its Open and Save buttons.
func (c *articleCard) attachmentRow(att message.Attachment) fyne.CanvasObject {
	name := att.Name
	if name == "" {
		name = tr("article.unnamed-attachment")
	}
	data := att.Data
	save := ttwidget.NewButtonWithIcon(tr("article.save"), theme.DocumentSaveIcon(), func() {
		c.u.saveBytes(c.u.win, taskSaveAttachment, name, data)
	})
	save.SetToolTip(tr("article.save.tip"))
	decrypted := c.view != nil && c.view.Encrypted
	open := ttwidget.NewButtonWithIcon(tr("article.open"), theme.FileApplicationIcon(), func() {
		c.u.openAttachment(name, data, decrypted)
	})
	open.SetToolTip(tr("article.open.tip"))
	label := widget.NewLabel(name + "  (" + formatSize(len(data)) + ")")
	label.Truncation = fyne.TextTruncateEllipsis
	return container.NewBorder(nil, nil, widget.NewIcon(theme.FileIcon()), container.NewHBox(open, save), label)
}

// addressList writes addresses for a card's header.
func addressList(as []message.Address) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = person(a.Name, a.Address)
	}
	return strings.Join(s, ", ")
}

func wrapBold(text string) *widget.Label {
	l := boldLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// securityBar is the lock and the seal of an article with their short
// labels (DESIGN.md §3). Hovering shows the certificate tooltip, clicking
// the details of every layer.
type securityBar struct {
	u        *UI
	res      *smime.Result
	enc, sig *badge
	obj      *fyne.Container
}

func newSecurityBar(u *UI) *securityBar {
	b := &securityBar{u: u}
	b.enc = newBadge(iconLockOpen, "", b.details)
	b.sig = newBadge(iconNotSigned, "", b.details)
	b.obj = container.NewHBox(b.enc, b.sig)
	return b
}

func (b *securityBar) set(r *smime.Result) {
	b.res = r
	now := time.Now()
	b.enc.set(encryptionIcon(r.Encryption), encryptionLabel(r.Encryption), encryptionTooltip(r, now))
	b.sig.set(signatureIcon(r.Signature), signatureLabel(r.Signature), signatureTooltip(r, now))
}

func (b *securityBar) details() {
	if b.res != nil {
		showSecurityDetails(b.u, b.u.win, b.res)
	}
}

// fromLayout lays out a sender's name and address on one line: the
// address at its full width right after the name, the name cut with an
// ellipsis only when both do not fit. A Border layout would push the
// address to the far edge, an HBox would give a cut name no more than
// its ellipsis.
type fromLayout struct{ name, addr *widget.Label }

// nameWidth is the width the name needs uncut. The label's truncation
// cuts a text exactly as wide as its room, so it gets a pixel more.
func (l *fromLayout) nameWidth() float32 {
	if l.name.Text == "" {
		return 0
	}
	size := theme.TextSize()
	if l.name.SizeName != "" {
		size = theme.Size(l.name.SizeName)
	}
	return fyne.MeasureText(l.name.Text, size, l.name.TextStyle).Width + 2*theme.InnerPadding() + 1
}

func (l *fromLayout) addrWidth() float32 {
	if l.addr.Text == "" {
		return 0
	}
	return l.addr.MinSize().Width
}

// overlap is how far the address moves into the name's right padding, so
// that the two read as one "Name <address>" with a space's gap.
func (l *fromLayout) overlap() float32 {
	if l.name.Text == "" || l.addr.Text == "" {
		return 0
	}
	return theme.InnerPadding()
}

func (l *fromLayout) Layout(_ []fyne.CanvasObject, size fyne.Size) {
	addrW, gap := l.addrWidth(), l.overlap()
	nameW := min(l.nameWidth(), max(size.Width-addrW+gap, 0))
	l.name.Move(fyne.NewPos(0, 0))
	l.name.Resize(fyne.NewSize(nameW, size.Height))
	l.addr.Move(fyne.NewPos(max(nameW-gap, 0), 0))
	l.addr.Resize(fyne.NewSize(addrW, size.Height))
}

func (l *fromLayout) MinSize([]fyne.CanvasObject) fyne.Size {
	w := l.addrWidth() - l.overlap()
	if l.name.Text != "" {
		w += l.name.MinSize().Width // its ellipsis
	}
	return fyne.NewSize(w, max(l.name.MinSize().Height, l.addr.MinSize().Height))
}

// summaryLayout lays out a card's header line: the sender at the width
// it needs (up to three fifths of the line, so some words of the text
// show beside it) and, when shown, the text's first words in the rest.
type summaryLayout struct {
	from    *fyne.Container // its layout is a fromLayout
	snippet *widget.Label
}

func (l *summaryLayout) fromWidth(width float32) float32 {
	if !l.snippet.Visible() {
		return width
	}
	fl := l.from.Layout.(*fromLayout)
	natural := fl.nameWidth() + fl.addrWidth() - fl.overlap()
	return max(min(natural, width*3/5), min(l.from.MinSize().Width, width))
}

func (l *summaryLayout) Layout(_ []fyne.CanvasObject, size fyne.Size) {
	w := l.fromWidth(size.Width)
	l.from.Move(fyne.NewPos(0, 0))
	l.from.Resize(fyne.NewSize(w, size.Height))
	l.snippet.Move(fyne.NewPos(w, 0))
	l.snippet.Resize(fyne.NewSize(max(size.Width-w, 0), size.Height))
}

func (l *summaryLayout) MinSize([]fyne.CanvasObject) fyne.Size {
	s := l.from.MinSize()
	if l.snippet.Visible() {
		s.Width += l.snippet.MinSize().Width
		s.Height = max(s.Height, l.snippet.MinSize().Height)
	}
	return s
}

// labels are wrapping labels, one per line of text.
func labels(lines []string) []fyne.CanvasObject {
	objs := make([]fyne.CanvasObject, len(lines))
	for i, l := range lines {
		objs[i] = wrapLabel(l)
	}
	return objs
}
