package mail

import (
	"errors"
	"strings"
	"testing"
	"time"

	"siegel/mail/mailtest"
	"siegel/message"
)

// encryptedTicket is a ticket whose customer wrote encrypted and signed.
func encryptedTicket(t *testing.T, e *env) Ticket {
	t.Helper()
	k := mailtest.TestPKI(t)
	alice := mailtest.CustomerSide(t, k.Alice)
	e.deliver(alice.Seal(t, mailtest.Message(t, "Alice Example <"+k.Alice.Email+">", mailtest.DeskAddress, "Contract",
		"Our new IBAN is DE02 1203 0000 0000 2020 51.\n-- \nAlice"), true, true))
	e.sync()
	return e.ticket(10000)
}

func TestQuotedReply(t *testing.T) {
	e := newEnv(t, nil)
	tk := encryptedTicket(t, e)
	attribution := func(date time.Time, name string) string {
		return "On " + date.Format("2006-01-02") + ", " + name + " wrote:"
	}
	dr, err := e.desk.QuotedReplyDraft(e.ctx, tk.ID, attribution)
	if err != nil {
		t.Fatal(err)
	}
	arts := e.articles(tk.ID)
	want := "\n\nOn " + arts[0].Date.Format("2006-01-02") + ", Alice Example wrote:\n> Our new IBAN is DE02 1203 0000 0000 2020 51.\n"
	if dr.Text != want {
		t.Errorf("got text %q, want %q", dr.Text, want)
	}
	if !dr.Confidential || !dr.Encrypt {
		t.Errorf("a quote of an encrypted article: got Confidential %v, Encrypt %v, want both", dr.Confidential, dr.Encrypt)
	}
	// Saved with Encrypt switched off, the quote is still sealed at rest.
	dr.Encrypt = false
	id, err := e.desk.SaveDraft(e.ctx, dr)
	if err != nil {
		t.Fatal(err)
	}
	if n := e.count(`SELECT count(*) FROM drafts WHERE id = ? AND content IS NULL AND content_sealed IS NOT NULL`, id); n != 1 {
		t.Errorf("the quoting draft is not sealed at rest")
	}
	// And stays sealed when a later save forgets it holds a quote.
	dr.ID, dr.Confidential = id, false
	if _, err := e.desk.SaveDraft(e.ctx, dr); err != nil {
		t.Fatal(err)
	}
	if n := e.count(`SELECT count(*) FROM drafts WHERE id = ? AND content IS NULL AND confidential = 1`, id); n != 1 {
		t.Errorf("a later save unsealed the quoting draft")
	}
	got, err := e.desk.Draft(e.ctx, id)
	if err != nil || !got.Confidential || got.Text != want {
		t.Errorf("stored draft: %+v, %v", got, err)
	}

	// The setting makes encryption a hard rule for such answers.
	if err := e.side.Profile.SetSetting(e.ctx, SettingEncryptedReplies, "require"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.desk.Send(e.ctx, id); !errors.Is(err, ErrMustEncrypt) {
		t.Errorf("Send unencrypted under the rule: got %v, want ErrMustEncrypt", err)
	}
	if enc, err := e.desk.CustomerWroteEncrypted(e.ctx, tk.ID); err != nil || !enc {
		t.Errorf("CustomerWroteEncrypted: got %v, %v", enc, err)
	}
	if len(e.smtp.Received()) != 0 {
		t.Error("something was sent")
	}
	got.Encrypt = true
	if _, err := e.desk.SaveDraft(e.ctx, got); err != nil {
		t.Fatal(err)
	}
	if _, err := e.desk.Send(e.ctx, id); err != nil {
		t.Errorf("Send encrypted under the rule: %v", err)
	}
}

func TestForwardDraft(t *testing.T) {
	e := newEnv(t, nil)
	e.deliver(mailtest.Message(t, "Alice Example <alice@example.org>", mailtest.DeskAddress, "Invoice", "See the attachment.",
		func(d *message.Draft) {
			d.Attachments = append(d.Attachments, message.Attachment{Name: "invoice.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4 invoice")})
		}))
	e.sync()
	tk := e.ticket(10000)
	a := e.articles(tk.ID)[0]
	dr, err := e.desk.ForwardDraft(e.ctx, a.ID, "Forwarded: see the invoice.")
	if err != nil {
		t.Fatal(err)
	}
	if dr.Subject != "Fwd: [Ticket#10000] Invoice" || dr.TicketID != tk.ID || dr.Text != "Forwarded: see the invoice." || dr.Confidential {
		t.Errorf("got %+v", dr)
	}
	if len(dr.Attachments) != 1 || dr.Attachments[0].Name != "invoice.pdf" || !strings.HasPrefix(string(dr.Attachments[0].Data), "%PDF") {
		t.Errorf("attachments: got %+v", dr.Attachments)
	}
	dr.To = []string{"accounting@example.org"}
	e.sendDraft(t, dr)
	if got := e.smtp.Received(); len(got) != 1 || !strings.Contains(string(got[0].Data), "invoice.pdf") {
		t.Errorf("the forward did not go out with its attachment")
	}
}

func TestUndoSend(t *testing.T) {
	clock := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	e := newEnv(t, &envOptions{desk: &Options{UndoDelay: 5 * time.Second, Now: now}})
	tk := aliceTicket(t, e)
	id := reply(t, e, tk, "Oops, wrong customer.", false, false)
	item, err := e.desk.Send(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	// Within the delay the outbox does not take it, and Undo gives the
	// draft back as it was.
	if err := e.desk.DeliverOutbox(e.ctx); err != nil {
		t.Fatal(err)
	}
	if len(e.smtp.Received()) != 0 {
		t.Fatal("delivered within the undo delay")
	}
	dr, err := e.desk.Undo(e.ctx, item.ID)
	if err != nil {
		t.Fatal(err)
	}
	if dr.ID != id || dr.State != DraftOpen || dr.Text != "Oops, wrong customer." {
		t.Errorf("undone draft: got %+v", dr)
	}
	if _, err := e.desk.OutboxItem(e.ctx, item.ID); err == nil {
		t.Error("the outbox item is still there")
	}
	// Sent again, and the delay passes: it goes, and Undo is too late.
	item, err = e.desk.Send(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(6 * time.Second)
	e.deliverUntil(t, item.ID, OutboxSent)
	if _, err := e.desk.Undo(e.ctx, item.ID); !errors.Is(err, ErrTooLate) {
		t.Errorf("Undo after delivery: got %v, want ErrTooLate", err)
	}
	if n := len(e.smtp.Received()); n != 1 {
		t.Errorf("delivered %d times, want 1", n)
	}
}

func TestTextModules(t *testing.T) {
	e := newEnv(t, nil)
	for _, m := range []TextModule{{Name: "greeting", Text: "Dear customer,"}, {Name: "Gruss", Text: "Mit freundlichen Grüßen"}, {Name: "sig_long", Text: "x"}} {
		if _, err := e.desk.SaveTextModule(e.ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.desk.SaveTextModule(e.ctx, TextModule{Name: "GREETING", Text: "again"}); !errors.Is(err, ErrModuleTaken) {
		t.Errorf("duplicate name: got %v", err)
	}
	if _, err := e.desk.SaveTextModule(e.ctx, TextModule{Name: "has space", Text: "x"}); !errors.Is(err, ErrModuleName) {
		t.Errorf("bad name: got %v", err)
	}
	got, err := e.desk.TextModules(e.ctx, "g")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range got {
		names = append(names, m.Name)
	}
	if strings.Join(names, ",") != "greeting,Gruss" {
		t.Errorf("prefix g: got %v", names)
	}
	// LIKE's wildcards are plain characters in a prefix.
	if got, _ := e.desk.TextModules(e.ctx, "sig_"); len(got) != 1 {
		t.Errorf("prefix sig_: got %v", got)
	}
	if got, _ := e.desk.TextModules(e.ctx, "s%"); len(got) != 0 {
		t.Errorf("prefix s%%: got %v", got)
	}
	if err := e.desk.DeleteTextModule(e.ctx, got2ID(t, e, "greeting")); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.desk.TextModules(e.ctx, ""); len(got) != 2 {
		t.Errorf("after delete: got %v", got)
	}
}

func got2ID(t *testing.T, e *env, name string) int64 {
	t.Helper()
	ms, err := e.desk.TextModules(e.ctx, name)
	if err != nil || len(ms) != 1 {
		t.Fatalf("module %q: %v, %v", name, ms, err)
	}
	return ms[0].ID
}

func TestCountsAndContacts(t *testing.T) {
	e := newEnv(t, nil)
	tk := aliceTicket(t, e)
	e.deliver(mailtest.Message(t, "Bob Builder <bob@example.net>", mailtest.DeskAddress, "Second", "Hello."))
	e.sync()
	if err := e.desk.SetTicketState(e.ctx, tk.ID, TicketClosed); err != nil {
		t.Fatal(err)
	}
	c, err := e.desk.Counts(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c[""] != (StateCount{2, 2}) || c[TicketClosed] != (StateCount{1, 1}) || c[TicketNew] != (StateCount{1, 1}) {
		t.Errorf("counts: got %v", c)
	}

	// Alice is a customer and has a certificate (the desk side's store
	// holds it); Bob is only a customer.
	got, err := e.desk.Contacts(e.ctx, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) < 2 || got[0].Address != "alice@example.org" || !got[0].HasCert || got[0].Name != "Alice Example" {
		t.Errorf("contacts: got %+v", got)
	}
	// Found by the customer's name, not by a certificate's address: the
	// store is still asked whether Alice has one.
	if got, err := e.desk.Contacts(e.ctx, "alice e", 10); err != nil || len(got) != 1 || !got[0].HasCert {
		t.Errorf("Alice by name: got %+v, %v, want her with her certificate", got, err)
	}
	byName, err := e.desk.Contacts(e.ctx, "bob b", 10)
	if err != nil || len(byName) != 1 || byName[0].Address != "bob@example.net" || byName[0].HasCert {
		t.Errorf("by name: got %+v, %v", byName, err)
	}

	// A new ticket typed to Bob's bare address carries his name.
	dr := Draft{AccountID: tk.AccountID, To: []string{"bob@example.net"}, Subject: "Your order", Text: "Shipped."}
	item := e.sendDraft(t, dr)
	nt, err := e.desk.TicketByNumber(e.ctx, item.TicketNumber)
	if err != nil {
		t.Fatal(err)
	}
	if nt.Customer.Name != "Bob Builder" {
		t.Errorf("new ticket's customer: got %+v, want Bob Builder", nt.Customer)
	}
}
