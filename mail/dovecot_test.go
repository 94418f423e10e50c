package mail

import (
	"context"
	"errors"
	"testing"
	"time"

	"siegel/crypto/certinfo"
	"siegel/crypto/smime"
	"siegel/mail/account"
	"siegel/mail/imapsync"
	"siegel/mail/mailtest"
)

func TestDovecotEndToEnd(t *testing.T) {
	dc := mailtest.StartDovecot(t)
	ctx := context.Background()
	k := mailtest.TestPKI(t)
	bob := mailtest.CustomerSide(t, k.Bob)
	alice := mailtest.CustomerSide(t, k.Alice)

	side := mailtest.DeskSide(t)
	smtpServer := mailtest.NewSMTP(t, &mailtest.SMTPOptions{Security: account.StartTLS})
	d, err := Open(ctx, side.Profile, side.Store, side.Engine, &Options{PollInterval: time.Minute, RetryMin: 20 * time.Millisecond, RetryMax: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	acct := account.Account{
		Address: mailtest.DeskAddress, Name: "Siegel Helpdesk",
		IMAP: dc.Server(account.TLS), SMTP: smtpServer.Server(),
		// The Dovecot certificate is pinned; the SMTP server's CA trusted.
		Trust: account.Trust{Pins: []string{certinfo.Fingerprint(dc.Cert.Cert)}, RootsPEM: smtpServer.Cert.PEM},
	}

	// Test connection: implicit TLS and STARTTLS, and the wrong password.
	rep, err := d.TestConnection(ctx, acct)
	if err != nil || !rep.Idle || rep.Sent != mailtest.DovecotSentName {
		t.Fatalf("TestConnection = %+v, %v; want IDLE and the Sent folder %q found by SPECIAL-USE", rep, err, mailtest.DovecotSentName)
	}
	starttls := acct
	starttls.IMAP = dc.Server(account.StartTLS)
	if _, err := d.TestConnection(ctx, starttls); err != nil {
		t.Errorf("TestConnection over STARTTLS: %v", err)
	}
	wrong := acct
	wrong.IMAP.Password = "wrong"
	if _, err := d.TestConnection(ctx, wrong); !errors.Is(err, account.ErrAuth) {
		t.Errorf("TestConnection with a wrong password = %v, want ErrAuth", err)
	}
	untrusted := acct
	untrusted.Trust = account.Trust{RootsPEM: smtpServer.Cert.PEM}
	if _, err := d.TestConnection(ctx, untrusted); !errors.Is(err, account.ErrCertificate) {
		t.Errorf("TestConnection without trusting Dovecot's certificate = %v, want ErrCertificate", err)
	}

	if acct.ID, err = d.AddAccount(ctx, acct); err != nil {
		t.Fatal(err)
	}
	dc.Deliver(t,
		mailtest.Message(t, "Alice Example <alice@example.org>", mailtest.DeskAddress, "Drucker kaputt", "Der Drucker druckt nicht.",
			mailtest.WithID("d1@example.org")),
		bob.Seal(t, mailtest.Message(t, "bob@example.org", mailtest.DeskAddress, "Vertrag", "Vertraulich.", mailtest.WithID("d2@example.org")), true, true),
	)
	sync, err := d.Sync(ctx)
	if err != nil || sync.Accounts[0].New != 2 {
		t.Fatalf("first sync: %+v, %v; want 2 new", sync, err)
	}
	t2, err := d.TicketByNumber(ctx, 10001)
	if err != nil || t2.Encryption != smime.EncDecrypted || t2.Signature != smime.SigValid {
		t.Errorf("Bob's ticket = %+v, %v; want decrypted and valid", t2, err)
	}

	// IDLE: the running desk picks up new mail by itself.
	if err := d.Start(ctx); err != nil {
		t.Fatal(err)
	}
	dc.Deliver(t, alice.Seal(t, mailtest.Message(t, "alice@example.org", mailtest.DeskAddress, "Re: Drucker kaputt", "Immer noch.",
		mailtest.WithID("d3@example.org"), mailtest.ReplyTo("d1@example.org")), true, false))
	waitFor(t, "IDLE to bring Alice's answer", func() bool {
		t1, err := d.TicketByNumber(ctx, 10000)
		return err == nil && t1.Articles == 2
	})

	// An encrypted and signed answer: delivered over SMTP unchanged,
	// appended to Dovecot's Sent folder, filed once in the ticket.
	t1, _ := d.TicketByNumber(ctx, 10000)
	dr, err := d.ReplyDraft(ctx, t1.ID)
	if err != nil {
		t.Fatal(err)
	}
	dr.Text, dr.Sign, dr.Encrypt = "Bitte neu starten.", true, true
	id, err := d.SaveDraft(ctx, dr)
	if err != nil {
		t.Fatal(err)
	}
	item, err := d.Send(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the answer to be sent and appended to Sent", func() bool {
		var appended int
		d.db.QueryRow(`SELECT appended FROM outbox WHERE id = ?`, item.ID).Scan(&appended)
		return appended == 1
	})
	if got := smtpServer.Received(); len(got) != 1 {
		t.Fatalf("SMTP server received %d messages, want 1", len(got))
	} else if res, _ := alice.Engine.Open(ctx, got[0].Data); res.Encryption != smime.EncDecrypted || res.Signature != smime.SigValid {
		t.Errorf("Alice opens the answer as %s/%s", res.Encryption, res.Signature)
	}
	c, err := imapsync.Dial(ctx, &account.Account{Address: acct.Address, IMAP: acct.IMAP, Trust: acct.Trust})
	if err != nil {
		t.Fatal(err)
	}
	has, err := c.HasMessageID(ctx, mailtest.DovecotSentName, item.MessageID)
	c.Close()
	if err != nil || !has {
		t.Errorf("answer in Dovecot's %q folder: %v, %v", mailtest.DovecotSentName, has, err)
	}
	if _, err := d.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	t1, _ = d.TicketByNumber(ctx, 10000)
	if t1.Articles != 3 || t1.State != TicketOpen {
		t.Errorf("ticket 10000 has %d articles, state %s; want 3 (the answer once), open", t1.Articles, t1.State)
	}
	checkConsistent(t, d.db, nil)
}
