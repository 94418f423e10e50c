package ui

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	ttwidget "github.com/dweymouth/fyne-tooltip/widget"

	"siegel/crypto/smime"
	siegelmail "siegel/mail"
	"siegel/mail/account"
	"siegel/message"
)

// maxAttachment bounds one attached file.
const maxAttachment = 25 << 20

// The composer's delays: the check of Encrypt and Sign after the
// recipients change, and keeping the draft after the typing stops.
const (
	checkDelay = 300 * time.Millisecond
	saveDelay  = 800 * time.Millisecond
)

// composer writes an answer in a ticket or the first message of a new
// ticket (DESIGN.md §3 "Outgoing", §6): To, Cc, Subject, the text, the
// attachments, the Encrypt and Sign toggles and Send.
//
// Encrypt and Sign follow the engine's Check, asked again (off the UI
// goroutine) as the recipients change: Sign needs the sender's signing
// certificate with its key, Encrypt a certificate for every recipient.
// Each starts from the Security defaults unless the agent switched it.
// What the agent writes is kept as a draft as they type; Send puts it
// into the outbox, and the composer shows the outbox's state of it.
//
// An answer starts with the article answered quoted below the cursor
// (Desk.QuotedReplyDraft); "::" and a name in the text offers the text
// modules, and To and Cc offer the known contacts. Sending unencrypted
// to a customer who wrote encrypted asks first, or is refused when the
// setting requires encryption. After Send, "Sending… Undo" shows while
// the outbox holds the message back.
//
// The widgets are in the Tab order To, Cc, Subject, the text, Attach,
// Encrypt, Sign, Send: the focus follows the order of the objects in the
// tree, so the form, the text and the buttons are placed in that order
// whatever their place on screen (see stackedInOrder).
type composer struct {
	u        *UI
	ticketID int64 // 0: a new ticket

	draft    siegelmail.Draft // ID, account and threading of what is written
	accounts []account.Account
	// sigAccount is the account whose signature the text holds (a new
	// ticket's From may change).
	sigAccount int64
	loaded     bool
	noAccount  bool
	filling    bool // fill is setting the widgets: not the agent's edit
	dirty      bool
	saving     bool
	saveAgain  bool
	closed     bool

	// encWant and signWant are the agent's choice (nil: the default).
	encWant, signWant *bool
	caps              smime.Capabilities
	capsKnown         bool
	checkGen          int

	tracking int64 // the outbox message whose state is shown
	sent     []int64

	from                  *widget.Select
	fromLabel             *widget.Label
	to, cc, subject, body *entry
	// draftGen counts the drafts the composer took up, so a save that
	// ends after another draft came does not give it its ID.
	draftGen      int
	attachments   []message.Attachment
	files         *fyne.Container
	encrypt, sign *toggle
	attach        *ttwidget.Button
	sendBtn       *ttwidget.Button
	status        *widget.Label
	resend        *widget.Button
	obj           fyne.CanvasObject

	// The suggestion lists: text modules in the text, contacts in To
	// and Cc; the generations drop answers overtaken by more typing.
	moduleList, toList, ccList *suggestions
	moduleGen, contactGen      int
	inserting                  bool // a suggestion is going in: not typing

	// undoItem is the message sent that Undo can still take back.
	undoItem  siegelmail.OutboxItem
	undoTimer *time.Timer
	undoBox   *fyne.Container

	checkLater, saveLater *debouncer
	// onWork, when set, runs when the composer finds work in progress
	// (a kept draft, a message not sent yet): the ticket then opens it.
	onWork func()
}

func newComposer(u *UI, ticketID int64) *composer {
	return &composer{
		u: u, ticketID: ticketID,
		draft:      siegelmail.Draft{TicketID: ticketID},
		checkLater: newDebouncer(u.jobs, checkDelay),
		saveLater:  newDebouncer(u.jobs, saveDelay),
	}
}

// build makes the composer's widgets, keeping what the old ones held (the
// language changed).
func (c *composer) build() fyne.CanvasObject {
	var keep *siegelmail.Draft
	if c.body != nil {
		d := c.current()
		keep = &d
	}
	u := c.u
	c.fromLabel = widget.NewLabel("")
	c.from = widget.NewSelect(nil, func(string) {
		c.swapSignature()
		c.edited(true)
	})
	c.from.Hide()
	c.to = newEntry(u.keys)
	c.to.SetPlaceHolder(tr("compose.to.placeholder"))
	c.to.Validator = addressValidator(true)
	c.cc = newEntry(u.keys)
	c.cc.SetPlaceHolder(tr("compose.cc.placeholder"))
	c.cc.Validator = addressValidator(false)
	c.subject = newEntry(u.keys)
	c.body = newMultiLineEntry(u.keys)
	// Tab leaves the text for Attach, as in the rest of the form: Fyne
	// hands Tab to a multi-line entry, which would type a tab character
	// (rarely wanted in mail) and leave the buttons out of reach of the
	// keyboard. The composer's text is the window's one multi-line entry
	// with the keymap, so the key is bound there.
	u.keys.addKey(fyne.KeyTab, func() { tabFrom(u.win.Canvas()) })
	c.body.SetPlaceHolder(tr("compose.body.placeholder"))
	// Three rows at least: more would leave the articles above, the
	// reading, two lines of text in the default window.
	c.body.SetMinRowsVisible(3)
	c.moduleList = newSuggestions(c.body, c.insertModule)
	c.toList = newSuggestions(c.to, func(s suggestion) { c.insertContact(c.to, s) })
	c.ccList = newSuggestions(c.cc, func(s suggestion) { c.insertContact(c.cc, s) })
	c.to.OnChanged = func(string) { c.typed(true, func() { c.offerContacts(c.to, c.toList) }) }
	c.cc.OnChanged = func(string) { c.typed(true, func() { c.offerContacts(c.cc, c.ccList) }) }
	c.subject.OnChanged = func(string) { c.edited(false) }
	c.body.OnChanged = func(string) { c.typed(false, c.offerModules) }

	c.encrypt = newToggle(tr("compose.encrypt"), iconLock, iconLockOpen, func(on bool) {
		c.encWant = &on
		c.edited(false)
	})
	c.encrypt.tooltipFor = c.encryptTooltip
	c.sign = newToggle(tr("compose.sign"), iconSigned, iconNotSigned, func(on bool) {
		c.signWant = &on
		c.edited(false)
	})
	c.sign.tooltipFor = c.signTooltip
	c.attach = ttwidget.NewButtonWithIcon(tr("compose.attach"), theme.ContentAddIcon(), c.addAttachment)
	c.attach.SetToolTip(tr("compose.attach.tip"))
	c.sendBtn = ttwidget.NewButtonWithIcon(tr("compose.send"), theme.MailSendIcon(), c.send)
	c.sendBtn.Importance = widget.HighImportance
	c.sendBtn.SetToolTip(tr("compose.send.tip"))
	c.status = widget.NewLabel("")
	c.status.Wrapping = fyne.TextWrapWord
	c.status.Hide()
	c.resend = widget.NewButtonWithIcon(tr("compose.resend"), theme.MailSendIcon(), c.resendTracked)
	c.resend.Hide()
	c.files = container.NewVBox()
	undoBtn := widget.NewButtonWithIcon(tr("compose.undo"), theme.ContentUndoIcon(), c.undo)
	c.undoBox = container.NewHBox(widget.NewLabel(tr("compose.undo.sending")), undoBtn)
	c.undoBox.Hide()

	form := container.New(layout.NewFormLayout(),
		widget.NewLabel(tr("compose.from")), container.NewStack(c.fromLabel, c.from),
		widget.NewLabel(tr("compose.to")), c.to,
		widget.NewLabel(tr("compose.cc")), c.cc,
		widget.NewLabel(tr("compose.subject")), c.subject,
	)
	buttons := container.NewHBox(c.attach, c.encrypt, c.sign, layout.NewSpacer(), c.resend, c.sendBtn)
	// The buttons first in the tree, below the files and the status on
	// screen: Tab goes from the text to Attach, and the files' Remove
	// buttons and Undo come after Send.
	bottom := container.New(stackedInOrder{c.files, c.status, c.undoBox, buttons}, buttons, c.files, c.status, c.undoBox)
	// Border's own constructor puts the centre first, before the form.
	c.obj = container.NewPadded(container.New(layout.NewBorderLayout(form, bottom, nil, nil), form, c.body, bottom))

	if keep != nil {
		c.fill(*keep)
		c.showCaps()
	} else {
		c.showAccounts()
		c.encrypt.enable(false)
		c.sign.enable(false)
	}
	c.securityChanged()
	if !c.loaded {
		c.sendBtn.Disable()
	}
	return c.obj
}

// load reads the draft to continue (or prepares a new one) and the
// accounts to send from.
func (c *composer) load() {
	desk, ctx, ticketID := c.u.c.Desk, c.u.userCtx(), c.ticketID
	c.u.jobs.run(func() {
		accts, err := desk.Accounts(ctx)
		var dr siegelmail.Draft
		restored := false
		if err == nil {
			var drafts []siegelmail.Draft
			drafts, err = desk.Drafts(ctx, ticketID)
			if len(drafts) > 0 {
				dr, restored = drafts[len(drafts)-1], true
			}
		}
		var unsent []siegelmail.OutboxItem
		if err == nil && !restored && ticketID != 0 {
			dr, err = desk.QuotedReplyDraft(ctx, ticketID, attribution)
		}
		if err == nil && ticketID != 0 {
			unsent, _ = desk.Outbox(ctx, siegelmail.OutboxQuery{TicketID: ticketID, Unsent: true})
		}
		if errors.Is(err, siegelmail.ErrNoAccount) {
			err = nil
		}
		c.u.jobs.do(func() { c.loaded1(accts, dr, restored, unsent, err) })
	})
}

func (c *composer) loaded1(accts []account.Account, dr siegelmail.Draft, restored bool, unsent []siegelmail.OutboxItem, err error) {
	if c.closed {
		return
	}
	if err != nil {
		c.setStatus(errorText(err), true)
		return
	}
	c.accounts = accts
	c.noAccount = len(accts) == 0
	if dr.AccountID == 0 && len(accts) > 0 {
		dr.AccountID = accts[0].ID
	}
	dr.TicketID = c.ticketID
	if !restored && c.ticketID == 0 {
		// A new ticket starts with the signature; an answer got it from
		// the desk (Desk.ReplyDraft).
		dr.Text = account.SignatureBlock(c.signatureOf(dr.AccountID))
	}
	c.sigAccount = dr.AccountID
	if c.dirty {
		// The agent began typing before the draft arrived: keep that.
		cur := c.current()
		dr.To, dr.Cc, dr.Subject, dr.Text, dr.Attachments = cur.To, cur.Cc, cur.Subject, cur.Text, cur.Attachments
	}
	c.replaceDraft(dr)
	if restored {
		enc, sign := dr.Encrypt, dr.Sign
		c.encWant, c.signWant = &enc, &sign
	}
	c.loaded = true
	c.fill(dr)
	c.showAccounts()
	for _, it := range unsent {
		c.tracking = it.ID
		c.showItem(it)
	}
	if (restored || len(unsent) > 0 || c.dirty) && c.onWork != nil {
		c.onWork()
	}
	if c.noAccount {
		c.setStatus(tr("compose.no-account"), true)
	} else {
		c.sendBtn.Enable()
	}
	c.recheck()
}

// fill shows a draft in the widgets.
func (c *composer) fill(dr siegelmail.Draft) {
	c.filling = true
	defer func() { c.filling = false }()
	c.to.SetText(strings.Join(dr.To, ", "))
	c.cc.SetText(strings.Join(dr.Cc, ", "))
	c.subject.SetText(dr.Subject)
	c.body.SetText(dr.Text)
	// The agent writes above the quote (or the forwarded message).
	c.body.CursorRow, c.body.CursorColumn = 0, 0
	c.body.Refresh()
	c.attachments = slices.Clone(dr.Attachments)
	c.showFiles()
}

// replaceDraft takes up another draft: the one taken back by Undo, a
// forward, the next answer after Send.
func (c *composer) replaceDraft(dr siegelmail.Draft) {
	c.draftGen++
	c.draft = dr
}

// startDraft shows a draft the ticket began (a forward) in place of what
// the composer held, which stays a draft of its own if it was written.
func (c *composer) startDraft(dr siegelmail.Draft) {
	c.saveLater.stop()
	c.save()
	c.replaceDraft(dr)
	c.encWant, c.signWant = nil, nil
	if dr.Encrypt {
		on := true
		c.encWant = &on
	}
	c.fill(dr)
	c.edited(true)
}

// showAccounts shows the sending account: a choice for a new ticket when
// there are several.
func (c *composer) showAccounts() {
	var names []string
	selected := ""
	for _, a := range c.accounts {
		names = append(names, person(a.Name, a.Address))
		if a.ID == c.draft.AccountID {
			selected = person(a.Name, a.Address)
		}
	}
	c.filling = true
	c.from.Options = names
	c.from.SetSelected(selected)
	c.filling = false
	c.fromLabel.SetText(selected)
	if c.ticketID == 0 && len(names) > 1 {
		c.from.Show()
		c.fromLabel.Hide()
	} else {
		c.from.Hide()
		c.fromLabel.Show()
	}
	if len(names) == 0 {
		c.fromLabel.SetText(tr("compose.no-account.short"))
	}
}

// signatureOf is the text signature of one of the accounts.
func (c *composer) signatureOf(id int64) string {
	for _, a := range c.accounts {
		if a.ID == id {
			return a.Signature
		}
	}
	return ""
}

// swapSignature puts the signature of the account now chosen in place of
// the one of the account before, where the text still holds it as it was.
func (c *composer) swapSignature() {
	a, ok := c.account()
	if c.filling || !ok || a.ID == c.sigAccount {
		return
	}
	old, repl := account.SignatureBlock(c.signatureOf(c.sigAccount)), account.SignatureBlock(a.Signature)
	c.sigAccount = a.ID
	text := c.body.Text
	switch {
	case old != "" && strings.Contains(text, old):
		text = strings.Replace(text, old, repl, 1)
	case old == "" && repl != "":
		text += repl
	default:
		return
	}
	row, col := c.body.CursorRow, c.body.CursorColumn
	c.body.SetText(text)
	c.body.CursorRow, c.body.CursorColumn = row, col
	c.body.Refresh()
}

// account returns the sending account.
func (c *composer) account() (account.Account, bool) {
	for _, a := range c.accounts {
		if c.from.Visible() && person(a.Name, a.Address) == c.from.Selected || !c.from.Visible() && a.ID == c.draft.AccountID {
			return a, true
		}
	}
	return account.Account{}, false
}

// current is the draft as the widgets show it.
func (c *composer) current() siegelmail.Draft {
	d := c.draft
	if a, ok := c.account(); ok {
		d.AccountID = a.ID
	}
	d.To = nonEmpty(c.to.Text)
	d.Cc = nonEmpty(c.cc.Text)
	d.Subject = c.subject.Text
	d.Text = c.body.Text
	d.Attachments = slices.Clone(c.attachments)
	d.Encrypt = c.u.sec.enabled && c.encrypt.on
	d.Sign = c.u.sec.enabled && c.sign.on
	return d
}

func nonEmpty(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return []string{strings.TrimSpace(s)}
}

// typed follows typing in a field that offers suggestions: the edit,
// then the offer.
func (c *composer) typed(recipients bool, offer func()) {
	if c.filling {
		return
	}
	c.edited(recipients)
	if !c.inserting {
		offer()
	}
}

// edited follows the agent's edits: the draft is kept after a while, and
// a change of the recipients (or sender) asks the engine again.
func (c *composer) edited(recipients bool) {
	if c.filling {
		return
	}
	c.dirty = true
	if recipients {
		c.recheck()
	}
	c.saveLater.trigger(func() { c.u.jobs.do(c.save) })
}

// save stores the draft if it changed.
func (c *composer) save() {
	if !c.dirty || !c.loaded || c.noAccount {
		return
	}
	if c.saving {
		c.saveAgain = true
		return
	}
	c.saving, c.dirty = true, false
	d := c.current()
	desk, ctx, gen := c.u.c.Desk, c.u.userCtx(), c.draftGen
	c.u.jobs.run(func() {
		id, err := desk.SaveDraft(ctx, d)
		c.u.jobs.do(func() {
			c.saving = false
			if err != nil {
				c.dirty = true
				c.setStatus(trf("compose.save-failed", map[string]any{"Error": errorText(err)}), true)
				return
			}
			if c.draft.ID == 0 && gen == c.draftGen {
				c.draft.ID = id
			}
			if c.saveAgain {
				c.saveAgain = false
				c.save()
			}
		})
	})
}

// recheck asks the engine what Encrypt and Sign can do, after the
// recipients settle.
func (c *composer) recheck() {
	c.checkLater.trigger(func() { c.u.jobs.do(c.check) })
}

func (c *composer) check() {
	if c.closed || c.body == nil {
		return
	}
	c.checkGen++
	gen := c.checkGen
	from := ""
	if a, ok := c.account(); ok {
		from = a.Address
	}
	rcpts := append(addresses(c.to.Text), addresses(c.cc.Text)...)
	engine, ctx := c.u.c.Engine, c.u.userCtx()
	c.u.jobs.run(func() {
		caps := engine.Check(ctx, from, rcpts, time.Now())
		c.u.jobs.do(func() {
			if gen != c.checkGen || c.closed {
				return
			}
			c.caps, c.capsKnown = caps, true
			c.showCaps()
		})
	})
}

// showCaps sets the toggles from the engine's answer, the defaults and
// the agent's choice.
func (c *composer) showCaps() {
	if !c.capsKnown {
		return
	}
	want := func(choice *bool, def bool) bool {
		if choice != nil {
			return *choice
		}
		return def
	}
	c.sign.enable(c.caps.CanSign)
	c.sign.setOn(c.caps.CanSign && want(c.signWant, c.u.sec.signDefault), false)
	c.encrypt.enable(c.caps.CanEncrypt)
	c.encrypt.setOn(c.caps.CanEncrypt && want(c.encWant, c.u.sec.encryptDefault), false)
	if c.caps.Err != nil {
		c.setStatus(errorText(c.caps.Err), true)
	}
}

// encryptTooltip is the Encrypt toggle's text (DESIGN.md §3) with one
// line per recipient certificate, or the recipients without one.
func (c *composer) encryptTooltip(on, enabled bool) string {
	now := time.Now()
	var lines []string
	switch {
	case !enabled:
		lines = append(lines, tr("compose.encrypt.disabled"))
		if len(c.caps.Missing) > 0 {
			lines = append(lines, trf("compose.encrypt.missing", map[string]any{"Addresses": strings.Join(c.caps.Missing, ", ")}))
		}
		for _, rv := range c.caps.Revoked {
			lines = append(lines, revokedRecipientLine(rv))
		}
		if len(c.caps.Missing) == 0 && len(c.caps.Revoked) == 0 && c.capsKnown && len(c.caps.Recipients) == 0 {
			lines = append(lines, tr("compose.encrypt.no-recipients"))
		}
	case on:
		lines = append(lines, tr("compose.encrypt.on"))
	default:
		lines = append(lines, tr("compose.encrypt.off"))
	}
	if len(c.caps.Recipients) > 0 {
		lines = append(lines, "", tr("compose.encrypt.certs"))
		for _, rc := range c.caps.Recipients {
			lines = append(lines, recipientLine(rc, now))
		}
	}
	if c.caps.Own != nil {
		lines = append(lines, trf("compose.encrypt.own", map[string]any{"Line": recipientLine(smime.RecipientCert{Address: c.fromAddress(), Cert: *c.caps.Own}, now)}))
	}
	return joinTooltip(lines)
}

// revokedRecipientLine says whose certificate its CA revoked: the agent
// needs a new certificate from that recipient, as for a missing one.
func revokedRecipientLine(rv smime.RevokedRecipient) string {
	if rv.Revocation.RevokedAt.IsZero() {
		return trf("compose.encrypt.revoked.no-date", map[string]any{"Address": rv.Address})
	}
	return trf("compose.encrypt.revoked", map[string]any{"Address": rv.Address, "Date": formatDate(rv.Revocation.RevokedAt)})
}

// signTooltip is the Sign toggle's text with the signing certificate.
func (c *composer) signTooltip(on, enabled bool) string {
	var lines []string
	switch {
	case !enabled:
		lines = append(lines, tr("compose.sign.disabled"))
		if from := c.fromAddress(); from != "" && c.capsKnown {
			lines = append(lines, trf("compose.sign.missing", map[string]any{"Address": from}))
		}
	case on:
		lines = append(lines, tr("compose.sign.on"))
	default:
		lines = append(lines, tr("compose.sign.off"))
	}
	if c.caps.Signer != nil {
		lines = append(lines, "", tr("compose.sign.cert"))
		lines = append(lines, certLines(c.caps.Signer, time.Now())...)
	}
	return joinTooltip(lines)
}

func (c *composer) fromAddress() string {
	if a, ok := c.account(); ok {
		return a.Address
	}
	return ""
}

// securityChanged shows or hides the toggles (S/MIME on or off).
func (c *composer) securityChanged() {
	if c.encrypt == nil {
		return
	}
	if c.u.sec.enabled {
		c.encrypt.Show()
		c.sign.Show()
		c.showCaps()
	} else {
		c.encrypt.Hide()
		c.sign.Hide()
	}
}

// addresses reads the addresses typed so far, skipping what does not
// parse yet.
func addresses(s string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		if l, err := message.ParseAddresses(part); err == nil && len(l) == 1 {
			out = append(out, l[0].Address)
		}
	}
	return out
}

// addressValidator checks a To or Cc field (several addresses separated
// by commas).
func addressValidator(required bool) fyne.StringValidator {
	return func(s string) error {
		if strings.TrimSpace(s) == "" {
			if required {
				return errors.New(tr("compose.to.required"))
			}
			return nil
		}
		if _, err := message.ParseAddresses(strings.ReplaceAll(s, ";", ",")); err != nil {
			return errors.New(tr("compose.invalid-address"))
		}
		return nil
	}
}

// send puts the message into the outbox (Ctrl+Enter). If sealing fails
// (a missing certificate, no signing key) nothing is queued and the draft
// stays.
func (c *composer) send() {
	if !c.loaded || c.sendBtn.Disabled() {
		return
	}
	if c.noAccount {
		c.setStatus(tr("compose.no-account"), true)
		return
	}
	if err := addressValidator(true)(c.to.Text); err != nil {
		c.setStatus(err.Error(), true)
		return
	}
	if err := addressValidator(false)(c.cc.Text); err != nil {
		c.setStatus(err.Error(), true)
		return
	}
	c.saveLater.stop()
	d := c.current()
	c.sendBtn.Disable()
	if d.Encrypt {
		c.sendNow(d)
		return
	}
	desk, prof, ctx, ticketID := c.u.c.Desk, c.u.c.Profile, c.u.userCtx(), c.ticketID
	c.u.jobs.run(func() {
		rule, err := prof.Setting(ctx, siegelmail.SettingEncryptedReplies, "ask")
		enc := d.Confidential
		if err == nil && !enc && ticketID != 0 {
			enc, err = desk.CustomerWroteEncrypted(ctx, ticketID)
		}
		c.u.jobs.do(func() { c.sendUnencrypted(d, enc, rule, err) })
	})
}

// sendUnencrypted sends with Encrypt off: at once, unless the customer
// wrote encrypted (or the draft holds what an encrypted message said).
// Then the agent is asked first, or, when the setting requires it, told
// that it must be encrypted: a plain answer would repeat in the open what
// the customer took care to hide.
func (c *composer) sendUnencrypted(d siegelmail.Draft, customerEncrypted bool, rule string, err error) {
	switch {
	case err != nil:
		c.sendBtn.Enable()
		c.setStatus(errorText(err), true)
	case !customerEncrypted:
		c.sendNow(d)
	case rule == "require":
		c.sendBtn.Enable()
		c.setStatus(tr("compose.must-encrypt"), true)
	default:
		ask := dialog.NewCustomConfirm(tr("compose.unencrypted.title"), tr("compose.unencrypted.send"), tr("compose.unencrypted.cancel"),
			wrapLabel(tr("compose.unencrypted.question")), func(send bool) {
				if send {
					c.sendNow(d)
				} else {
					c.sendBtn.Enable()
				}
			}, c.u.win)
		showModal(c.u.win, ask, nil)
	}
}

// sendNow keeps the draft and hands it to the outbox.
func (c *composer) sendNow(d siegelmail.Draft) {
	c.sendBtn.Disable()
	c.setStatus(tr("compose.sending"), false)
	desk, ctx := c.u.c.Desk, c.u.userCtx()
	c.u.jobs.run(func() {
		id, err := desk.SaveDraft(ctx, d)
		var item siegelmail.OutboxItem
		if err == nil {
			d.ID = id
			item, err = desk.Send(ctx, id)
		}
		c.u.jobs.do(func() { c.queued(d, item, err) })
	})
}

func (c *composer) queued(d siegelmail.Draft, item siegelmail.OutboxItem, err error) {
	c.sendBtn.Enable()
	if err != nil {
		if d.ID != 0 {
			c.draft.ID = d.ID
		}
		if errors.Is(err, siegelmail.ErrMustEncrypt) {
			c.setStatus(tr("compose.must-encrypt"), true)
		} else {
			c.setStatus(errorText(err), true)
		}
		return
	}
	c.tracking = item.ID
	c.sent = append(c.sent, item.ID)
	c.showItem(item)
	c.showUndo(item)
	// Start the next message: an answer keeps the recipients and subject.
	next := siegelmail.Draft{AccountID: d.AccountID, TicketID: c.ticketID, InReplyTo: d.InReplyTo, References: d.References}
	if c.ticketID != 0 {
		next.To, next.Cc, next.Subject = d.To, d.Cc, d.Subject
	}
	c.replaceDraft(next)
	c.encWant, c.signWant = nil, nil
	c.fill(next)
	c.dirty = false
	c.recheck()
}

// outboxChanged follows the outbox: the state of what this composer sent.
func (c *composer) outboxChanged(it siegelmail.OutboxItem) {
	if it.ID != c.tracking && !(c.ticketID != 0 && it.TicketID == c.ticketID) {
		return
	}
	c.tracking = it.ID
	if it.ID == c.undoItem.ID {
		if it.State == siegelmail.OutboxQueued {
			c.undoItem = it
			return // still held back: the bar stays
		}
		c.hideUndo()
	}
	c.showItem(it)
	if c.ticketID == 0 && it.State == siegelmail.OutboxSent && it.TicketID != 0 && slices.Contains(c.sent, it.ID) {
		c.u.main.openTicketID(it.TicketID)
	}
}

// showItem shows an outgoing message's state: queued, sending, sent, or
// failed with the server's words and Resend.
func (c *composer) showItem(it siegelmail.OutboxItem) {
	c.resend.Hide()
	switch it.State {
	case siegelmail.OutboxQueued:
		if it.Attempts > 0 && it.LastError != "" {
			c.setStatus(trf("outbox.retrying", map[string]any{"Subject": it.Subject, "Error": it.LastError, "Time": formatTime(it.NextAttempt)}), true)
		} else {
			c.setStatus(trf("outbox.queued", map[string]any{"Subject": it.Subject}), false)
		}
	case siegelmail.OutboxSending, siegelmail.OutboxCommitting:
		c.setStatus(trf("outbox.sending", map[string]any{"Subject": it.Subject}), false)
	case siegelmail.OutboxSent:
		c.setStatus(trf("outbox.sent", map[string]any{"Subject": it.Subject, "Time": formatTime(it.Sent)}), false)
	case siegelmail.OutboxFailed:
		c.setStatus(trf("outbox.failed", map[string]any{"Subject": it.Subject, "Error": serverReply(it)}), true)
		c.resend.Show()
	case siegelmail.OutboxUncertain:
		c.setStatus(trf("outbox.uncertain", map[string]any{"Subject": it.Subject}), true)
		c.resend.Show()
	case siegelmail.OutboxUndone:
		c.setStatus(tr("compose.undo.done"), false)
	}
}

// serverReply is the server's words for a refused message.
func serverReply(it siegelmail.OutboxItem) string {
	if it.ErrorCode != 0 && !strings.Contains(it.LastError, fmt.Sprint(it.ErrorCode)) {
		return fmt.Sprintf("%d %s", it.ErrorCode, it.LastError)
	}
	return it.LastError
}

// resendTracked sends a failed message again.
func (c *composer) resendTracked() {
	id, desk, ctx := c.tracking, c.u.c.Desk, c.u.userCtx()
	c.resend.Hide()
	c.u.jobs.run(func() {
		err := desk.Resend(ctx, id)
		c.u.jobs.do(func() {
			if err != nil {
				c.setStatus(errorText(err), true)
				c.resend.Show()
			}
		})
	})
}

func (c *composer) setStatus(text string, problem bool) {
	c.status.SetText(text)
	c.status.Hidden = text == ""
	if problem {
		c.status.Importance = widget.DangerImportance
	} else {
		c.status.Importance = widget.MediumImportance
	}
	c.status.Refresh()
}

// addAttachment asks for a file and attaches it.
func (c *composer) addAttachment() {
	d := c.u.newFileOpen(c.u.win, taskAttach, func(r fyne.URIReadCloser, err error) {
		if err != nil {
			showError(c.u.win, err)
			return
		}
		if r == nil {
			return
		}
		name := r.URI().Name()
		c.u.jobs.run(func() {
			data, err := io.ReadAll(io.LimitReader(r, maxAttachment+1))
			r.Close()
			if err == nil && len(data) > maxAttachment {
				err = fmt.Errorf("%s: %w", name, errTooLarge)
			}
			c.u.jobs.do(func() {
				if err != nil {
					showError(c.u.win, err)
					return
				}
				c.addFile(name, data)
			})
		})
	})
	d.Resize(dialogSize(c.u.win, 800, 600))
	showModal(c.u.win, d, nil)
}

var errTooLarge = errors.New("file too large")

// addFile attaches data as a file called name.
func (c *composer) addFile(name string, data []byte) {
	c.attachments = append(c.attachments, message.Attachment{Name: name, Data: data})
	c.showFiles()
	c.edited(false)
}

func (c *composer) showFiles() {
	c.files.Objects = nil
	for i, a := range c.attachments {
		remove := widget.NewButtonWithIcon("", theme.DeleteIcon(), func() {
			c.attachments = slices.Delete(c.attachments, i, i+1)
			c.showFiles()
			c.edited(false)
		})
		label := widget.NewLabel(a.Name + "  (" + formatSize(len(a.Data)) + ")")
		label.Truncation = fyne.TextTruncateEllipsis
		c.files.Add(container.NewBorder(nil, nil, widget.NewIcon(theme.FileIcon()), remove, label))
	}
	c.files.Refresh()
}

// focus puts the cursor where the agent writes next.
func (c *composer) focus() {
	canvas := c.u.win.Canvas()
	if c.ticketID == 0 && c.to.Text == "" {
		canvas.Focus(c.to)
		return
	}
	canvas.Focus(c.body)
}

// focusTo puts the cursor into To (a forward: the agent names whom to).
func (c *composer) focusTo() {
	c.u.win.Canvas().Focus(c.to)
}

// close keeps what was written; the composer goes away.
func (c *composer) close() {
	c.closed = true
	c.moduleList.hide()
	c.toList.hide()
	c.ccList.hide()
	if c.undoTimer != nil {
		c.undoTimer.Stop()
	}
	c.checkLater.stop()
	c.saveLater.stop()
	c.save()
}

// stackedInOrder lays objects out one below the other in its own order,
// whatever their order in the container: that order is the Tab order,
// which need not be the order on screen.
type stackedInOrder []fyne.CanvasObject

func (l stackedInOrder) MinSize([]fyne.CanvasObject) fyne.Size {
	return layout.NewVBoxLayout().MinSize(l)
}

func (l stackedInOrder) Layout(_ []fyne.CanvasObject, size fyne.Size) {
	layout.NewVBoxLayout().Layout(l, size)
}

// tabFrom moves the focus as Tab (or Shift+Tab) would between fields.
func tabFrom(c fyne.Canvas) {
	if d, ok := fyne.CurrentApp().Driver().(desktop.Driver); ok && d.CurrentKeyModifiers()&fyne.KeyModifierShift != 0 {
		c.FocusPrevious()
		return
	}
	c.FocusNext()
}
