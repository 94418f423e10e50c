package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/emersion/go-smtp"

	"siegel/mail"
	"siegel/mail/mailtest"
)

// newTicketComposer opens the new-ticket composer (Ctrl+N).
func newTicketComposer(t testing.TB, u *UI) *composer {
	t.Helper()
	u.keys.shortcut(ctrl(fyne.KeyN))
	if u.main.newTicket == nil {
		t.Fatal("Ctrl+N did not open the new-ticket composer")
	}
	return u.main.newTicket
}

// Encrypt is disabled, naming the recipient without a certificate, and
// enables (on, by default) once the certificate is imported. Sign is
// possible with the helpdesk's key.
func TestEncryptFollowsRecipients(t *testing.T) {
	c := newCores(t, nil)
	u := newTestUI(t, c)
	cp := newTicketComposer(t, u)
	test.Type(cp.to, "Bob Example <bob@example.org>")
	if !cp.encrypt.Disabled() || cp.encrypt.on {
		t.Errorf("Encrypt for Bob without certificate: disabled %v on %v, want disabled and off", cp.encrypt.Disabled(), cp.encrypt.on)
	}
	tip := cp.encrypt.ToolTip()
	for _, want := range []string{"Ask your administrator to add the recipient's certificate to the certificate store.", "bob@example.org"} {
		if !strings.Contains(tip, want) {
			t.Errorf("disabled Encrypt's tooltip %q lacks %q", tip, want)
		}
	}
	if cp.sign.Disabled() || !cp.sign.on {
		t.Errorf("Sign with the helpdesk's key: disabled %v on %v, want enabled and on (default)", cp.sign.Disabled(), cp.sign.on)
	}
	if tip := cp.sign.ToolTip(); !strings.Contains(tip, "This message will be signed.") || !strings.Contains(tip, mailtest.DeskAddress) {
		t.Errorf("Sign's tooltip %q lacks the on text or the signing certificate", tip)
	}

	if _, err := c.side.Store.Import(c.ctx, getPKI(t).bob.certPEM, "bob.pem", nil); err != nil {
		t.Fatal(err)
	}
	u.jobs.drain() // the store's change notice
	if cp.encrypt.Disabled() || !cp.encrypt.on {
		t.Errorf("Encrypt after importing Bob's certificate: disabled %v on %v, want enabled and on", cp.encrypt.Disabled(), cp.encrypt.on)
	}
	tip = cp.encrypt.ToolTip()
	for _, want := range []string{"This message will be encrypted.", "bob@example.org: Bob Example"} {
		if !strings.Contains(tip, want) {
			t.Errorf("Encrypt's tooltip %q lacks %q", tip, want)
		}
	}
	// A second recipient without a certificate disables it again; the
	// agent's choice is kept for when it is possible again.
	test.Tap(cp.encrypt)
	if cp.encrypt.on {
		t.Fatal("tapping Encrypt did not switch it off")
	}
	test.Type(cp.cc, "carol@example.com")
	if !cp.encrypt.Disabled() || !strings.Contains(cp.encrypt.ToolTip(), "carol@example.com") {
		t.Errorf("with Carol in Cc Encrypt is disabled %v, tooltip %q", cp.encrypt.Disabled(), cp.encrypt.ToolTip())
	}
	cp.cc.SetText("")
	if cp.encrypt.Disabled() || cp.encrypt.on {
		t.Errorf("without Carol: disabled %v on %v, want enabled and off (the agent's choice)", cp.encrypt.Disabled(), cp.encrypt.on)
	}
	if !strings.Contains(cp.encrypt.ToolTip(), "This message will not be encrypted.") {
		t.Errorf("off Encrypt's tooltip %q", cp.encrypt.ToolTip())
	}
}

// Without the organisation's key Sign is disabled, with the text of
// DESIGN.md §3.
func TestSignNeedsOrganisationKey(t *testing.T) {
	c := newCores(t, &coreOptions{noDeskKey: true})
	u := newTestUI(t, c)
	cp := newTicketComposer(t, u)
	test.Type(cp.to, "alice@example.org")
	if !cp.sign.Disabled() || cp.sign.on {
		t.Errorf("Sign without the key: disabled %v on %v", cp.sign.Disabled(), cp.sign.on)
	}
	if tip := cp.sign.ToolTip(); !strings.Contains(tip, "Ask your administrator to check your organisation's private key in the certificate store.") {
		t.Errorf("disabled Sign's tooltip %q", tip)
	}
	// Encrypting needs the sender's own certificate too (for the sent
	// copy), which is missing here.
	if !cp.encrypt.Disabled() || !strings.Contains(cp.encrypt.ToolTip(), mailtest.DeskAddress) {
		t.Errorf("Encrypt without the helpdesk's certificate: disabled %v, tooltip %q", cp.encrypt.Disabled(), cp.encrypt.ToolTip())
	}
}

// The defaults of the Security page decide the toggles' first state.
func TestToggleDefaults(t *testing.T) {
	c := newCores(t, nil)
	for key, v := range map[string]string{settingSignDefault: "false", settingEncryptDefault: "false"} {
		if err := c.side.Profile.SetSetting(c.ctx, key, v); err != nil {
			t.Fatal(err)
		}
	}
	u := newTestUI(t, c)
	cp := newTicketComposer(t, u)
	test.Type(cp.to, "alice@example.org")
	if cp.sign.Disabled() || cp.sign.on || cp.encrypt.Disabled() || cp.encrypt.on {
		t.Errorf("with both defaults off: sign %v/%v encrypt %v/%v, want both enabled and off",
			!cp.sign.Disabled(), cp.sign.on, !cp.encrypt.Disabled(), cp.encrypt.on)
	}
}

// Send goes through the outbox: queued, then sent; the answer reaches the
// SMTP server signed and encrypted, and becomes an article of the ticket.
func TestSendShowsOutboxState(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	u := newTestUI(t, c)
	v := openReply(t, u, 10000)
	cp := v.composer
	if !cp.encrypt.on || !cp.sign.on {
		t.Fatalf("answer to Alice: encrypt %v sign %v, want both on", cp.encrypt.on, cp.sign.on)
	}
	test.Type(cp.body, "Thank you, the contract is fine.")
	u.keys.shortcut(ctrl(fyne.KeyReturn))
	wantText(t, u.win, "is queued and will be sent in a moment.")
	if cp.body.Text != "" {
		t.Errorf("after Send the composer still holds %q", cp.body.Text)
	}
	if err := c.desk.DeliverOutbox(c.ctx); err != nil {
		t.Fatal(err)
	}
	u.jobs.drain()
	wantText(t, u.win, "Re: [Ticket#10000] Contract renewal” was sent at")
	got := c.smtp.Received()
	if len(got) != 1 || !strings.Contains(string(got[0].Data), "application/pkcs7-mime") || strings.Contains(string(got[0].Data), "the contract is fine") {
		t.Fatalf("the SMTP server got %d messages; want one, encrypted", len(got))
	}
	if n := len(v.byID); n != 2 {
		t.Errorf("the ticket shows %d articles after sending, want 2", n)
	}
	wantText(t, u.win, "Thank you, the contract is fine.", "sent by the helpdesk")
}

// A refused message shows the server's words and Resend; Resend sends it.
func TestSendFailureAndResend(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	u := newTestUI(t, c)
	v := openReply(t, u, 10003)
	refuse := &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Relaying denied for this sender"}
	c.smtp.OnMail(func(string) error { return refuse })
	test.Type(v.composer.body, "We reset it.")
	tap(t, u.win, "Send")
	c.desk.DeliverOutbox(c.ctx)
	u.jobs.drain()
	wantText(t, u.win, "could not be sent. The server said:", "Relaying denied for this sender")
	resend := buttonOn(t, u.win, "Resend")
	c.smtp.OnMail(nil)
	test.Tap(resend.(interface{ Tapped(*fyne.PointEvent) }))
	c.desk.DeliverOutbox(c.ctx)
	u.jobs.drain()
	wantText(t, u.win, "was sent at")
	if n := len(c.smtp.Received()); n != 1 {
		t.Errorf("the server got %d messages after Resend, want 1", n)
	}
}

// Sending with Encrypt on to a recipient without a certificate cannot
// happen: the toggle is off. Forcing it shows why and keeps the draft.
func TestSendRefusedKeepsDraft(t *testing.T) {
	c := newCores(t, nil)
	u := newTestUI(t, c)
	cp := newTicketComposer(t, u)
	test.Type(cp.to, "carol@example.com")
	test.Type(cp.subject, "Hello")
	test.Type(cp.body, "Secret")
	cp.encrypt.Enable()
	cp.encrypt.setOn(true, true)
	tap(t, u.win, "Send")
	wantText(t, u.win, "The message cannot be encrypted: there is no valid certificate for carol@example.com")
	if cp.body.Text != "Secret" {
		t.Errorf("the composer lost the text: %q", cp.body.Text)
	}
	drafts, err := c.desk.Drafts(c.ctx, 0)
	if err != nil || len(drafts) != 1 || drafts[0].Text != "Secret" {
		t.Errorf("drafts after the refused send: %+v, %v", drafts, err)
	}
	if len(c.smtp.Received()) != 0 {
		t.Error("something reached the SMTP server")
	}
}

// What the agent types is kept: leaving the ticket and coming back, or
// closing the window and starting again, shows the draft.
func TestDraftIsKept(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	u := newTestUI(t, c)
	v := openTicket(t, u, 10003)
	test.Type(v.composer.body, "Half an answer")
	openTicket(t, u, 10000)
	v = openTicket(t, u, 10003)
	if v.composer.body.Text != "Half an answer" {
		t.Errorf("back in the ticket the composer holds %q", v.composer.body.Text)
	}
	v.composer.body.SetText(v.composer.body.Text + ", more") // typed at the end
	u.Close()

	u2 := newTestUI(t, c)
	v = openTicket(t, u2, 10003)
	if v.composer.body.Text != "Half an answer, more" {
		t.Errorf("after a restart the composer holds %q", v.composer.body.Text)
	}
	drafts, _ := c.desk.Drafts(c.ctx, v.ticket.ID)
	if len(drafts) != 1 {
		t.Errorf("%d drafts stored, want 1", len(drafts))
	}
}

// A new ticket, once its first message is sent, opens as a ticket.
func TestNewTicketOpensWhenSent(t *testing.T) {
	c := newCores(t, nil)
	u := newTestUI(t, c)
	cp := newTicketComposer(t, u)
	test.Type(cp.to, "alice@example.org")
	test.Type(cp.subject, "Your new contract")
	test.Type(cp.body, "Please find it attached.")
	cp.addFile("contract.pdf", []byte("%PDF-1.4 fake"))
	tap(t, u.win, "Send")
	if err := c.desk.DeliverOutbox(c.ctx); err != nil {
		t.Fatal(err)
	}
	u.jobs.drain()
	if u.main.view == nil || u.main.view.ticket.Subject != "Your new contract" {
		t.Fatalf("after sending the new ticket the right side shows %+v", u.main.view)
	}
	wantText(t, u.win, "Please find it attached.", "contract.pdf")
	items, _ := c.desk.Outbox(c.ctx, mail.OutboxQuery{})
	if len(items) != 1 || items[0].State != mail.OutboxSent {
		t.Errorf("outbox: %+v", items)
	}
}

// Ctrl+R puts the cursor into the open ticket's answer.
func TestReplyShortcut(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	u := newTestUI(t, c)
	v := openTicket(t, u, 10003)
	u.keys.shortcut(ctrl(fyne.KeyR))
	if u.win.Canvas().Focused() != v.composer.body {
		t.Errorf("Ctrl+R focused %T, want the answer's text", u.win.Canvas().Focused())
	}
	// Typing in an entry, the window's shortcuts still work.
	v.composer.body.TypedShortcut(ctrl(fyne.KeyN))
	if u.main.newTicket == nil {
		t.Error("Ctrl+N in the answer's text did not open a new ticket")
	}
}
