package mail

import (
	"bytes"
	"errors"
	"io"
	"mime/quotedprintable"
	"strings"
	"testing"
	"time"

	"siegel/crypto/smime"
	"siegel/mail/account"
	"siegel/mail/mailtest"
)

const testSignature = "Anna Schmidt\nSiegel Helpdesk · +49 30 1234567"

func TestSignatureInDraftsAndInsideTheSignedPart(t *testing.T) {
	e := newEnv(t, &envOptions{account: func(a *account.Account) { a.Signature = testSignature + "\n\n" }})
	tk := aliceTicket(t, e)
	block := "\n\n-- \n" + testSignature

	dr, err := e.desk.ReplyDraft(e.ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := dr.Text, block; got != want {
		t.Errorf("reply draft text: got %q, want %q", got, want)
	}
	at := func(date time.Time, name string) string { return name + " wrote:" }
	dr, err = e.desk.QuotedReplyDraft(e.ctx, tk.ID, at)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := dr.Text, block+"\n\nAlice Example wrote:\n> It prints nothing.\n"; got != want {
		t.Errorf("quoted reply text: got %q, want %q", got, want)
	}
	arts := e.articles(tk.ID)
	fwd, err := e.desk.ForwardDraft(e.ctx, arts[0].ID, "\n\n--- Forwarded ---\nIt prints nothing.")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fwd.Text, block+"\n\n--- Forwarded ---\nIt prints nothing."; got != want {
		t.Errorf("forward text: got %q, want %q", got, want)
	}

	// Sent signed, the signature is part of what the signature covers.
	dr.Text = "Please restart it." + dr.Text
	dr.Sign = true
	e.sendDraft(t, dr)
	got := e.smtp.Received()
	if len(got) != 1 {
		t.Fatalf("SMTP server received %d messages, want 1", len(got))
	}
	alice := mailtest.CustomerSide(t, mailtest.TestPKI(t).Alice)
	res, content := alice.Engine.Open(e.ctx, got[0].Data)
	_, body, _ := bytes.Cut(content, []byte("\r\n\r\n"))
	text, _ := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
	if res.Signature != smime.SigValid || !bytes.Contains(text, []byte("Please restart it.\r\n\r\n-- \r\nAnna Schmidt\r\nSiegel Helpdesk · ")) {
		t.Errorf("at Alice's: %s, signed text %q; want valid with the signature inside", res.Signature, text)
	}
}

func TestSignatureSettings(t *testing.T) {
	e := newEnv(t, nil)
	dr, err := e.desk.ReplyDraft(e.ctx, aliceTicket(t, e).ID)
	if err != nil || dr.Text != "" {
		t.Errorf("without a signature: text %q (%v), want empty", dr.Text, err)
	}
	a := e.acct
	a.Signature = "Bob"
	if err := e.desk.UpdateAccount(e.ctx, a); err != nil {
		t.Fatal(err)
	}
	if got, err := e.desk.Account(e.ctx, a.ID); err != nil || got.Signature != "Bob" {
		t.Errorf("stored signature: got %q (%v), want Bob", got.Signature, err)
	}
	a.Signature = strings.Repeat("x", account.MaxSignature+1)
	if err := e.desk.UpdateAccount(e.ctx, a); !errors.Is(err, account.ErrSignature) {
		t.Errorf("a signature of %d bytes: got %v, want ErrSignature", len(a.Signature), err)
	}
}

func TestSignatureBlock(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{" \n\t\n", ""},
		{"Anna", "\n\n-- \nAnna"},
		{"Anna\r\nHelpdesk\r\n\r\n", "\n\n-- \nAnna\nHelpdesk"},
	} {
		if got := account.SignatureBlock(c.in); got != c.want {
			t.Errorf("SignatureBlock(%q): got %q, want %q", c.in, got, c.want)
		}
	}
}
