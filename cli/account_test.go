package cli

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"siegel/mail/mailtest"
)

// mailFixture is a profile folder with the helpdesk's certificates, and
// an IMAP and an SMTP server on loopback.
type mailFixture struct {
	dir          string
	imap         *mailtest.IMAP
	smtp         *mailtest.SMTP
	imapPassword string // file names
	smtpPassword string
}

func newMailFixture(t *testing.T) *mailFixture {
	t.Helper()
	k := mailtest.TestPKI(t)
	f := &mailFixture{dir: t.TempDir(), imap: mailtest.NewIMAP(t, nil), smtp: mailtest.NewSMTP(t, nil)}
	side := mailtest.OpenSide(t, f.dir, k.CA.CertPEM, k.Desk.PEM(), k.Alice.CertPEM)
	side.Profile.Close()
	files := t.TempDir()
	f.imapPassword = filepath.Join(files, "imap.pw")
	f.smtpPassword = filepath.Join(files, "smtp.pw")
	os.WriteFile(f.imapPassword, []byte(f.imap.Password+"\n"), 0o600)
	os.WriteFile(f.smtpPassword, []byte(f.smtp.Password+"\n"), 0o600)
	return f
}

// run runs `siegel ARGS…` on the fixture's profile.
func (f *mailFixture) run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	env, out, errOut := newEnv("", mailtest.Passphrase, f.dir)
	code = Run(context.Background(), env, args)
	return out.String(), errOut.String(), code
}

func (f *mailFixture) urls() (imapURL, smtpURL string) {
	u := url.URL{Scheme: "imap", User: url.User(f.imap.Username), Host: f.imap.Addr}
	s := url.URL{Scheme: "smtp", User: url.User(f.smtp.Username), Host: f.smtp.Addr}
	return u.String(), s.String()
}

func (f *mailFixture) addAccount(t *testing.T) {
	t.Helper()
	imapURL, smtpURL := f.urls()
	out, errOut, code := f.run(t, "account", "add", "--email", mailtest.DeskAddress, "--name", "Siegel Helpdesk",
		"--imap", imapURL, "--smtp", smtpURL, "--password-file", f.imapPassword, "--smtp-password-file", f.smtpPassword)
	if code != 0 {
		t.Fatalf("account add: exit %d\n%s%s", code, out, errOut)
	}
}

func TestAccountCommands(t *testing.T) {
	f := newMailFixture(t)
	imapURL, smtpURL := f.urls()

	// A wrong SMTP password: tested, refused, not stored.
	_, errOut, code := f.run(t, "account", "add", "--email", mailtest.DeskAddress, "--imap", imapURL, "--smtp", smtpURL,
		"--password-file", f.imapPassword)
	if code != 1 || !strings.Contains(errOut, "SMTP server") || !strings.Contains(errOut, "login failed") || !strings.Contains(errOut, "not stored") {
		t.Errorf("account add with a wrong SMTP password: exit %d, stderr %q", code, errOut)
	}
	// Usage errors.
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"account", "add", "--email", mailtest.DeskAddress, "--imap", "imap://u@mail.example.org", "--smtp", smtpURL}, "only allowed on this computer"},
		{[]string{"account", "add", "--email", mailtest.DeskAddress, "--imap", "imaps://u:pw@mail.example.org", "--smtp", smtpURL}, "password-file"},
		{[]string{"account", "add", "--email", "nobody", "--imap", imapURL, "--smtp", smtpURL}, "invalid e-mail address"},
		{[]string{"account", "add", "--email", mailtest.DeskAddress}, "usage"},
		{[]string{"account", "frobnicate"}, "unknown command"},
	}
	for _, tt := range tests {
		if _, errOut, code := f.run(t, tt.args...); code != 2 || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, errOut, tt.want)
		}
	}

	f.addAccount(t)
	out, _, code := f.run(t, "account", "list", "--json")
	var a accountJSON
	if code != 0 || json.Unmarshal([]byte(out), &a) != nil || a.Address != mailtest.DeskAddress || a.IMAP != imapURL {
		t.Errorf("account list --json: exit %d, %q", code, out)
	}
	if strings.Contains(out, "secret") {
		t.Errorf("account list shows a password: %q", out)
	}
	out, errOut, code = f.run(t, "account", "test")
	if code != 0 || !strings.Contains(out, "IMAP "+imapURL+": logged in, new mail arrives at once (IDLE)") {
		t.Errorf("account test: exit %d\n%s%s", code, out, errOut)
	}
	if _, errOut, code := f.run(t, "account", "add", "--email", mailtest.DeskAddress, "--imap", imapURL, "--smtp", smtpURL,
		"--password-file", f.imapPassword, "--no-test"); code != 1 || !strings.Contains(errOut, "exists already") {
		t.Errorf("adding the account twice: exit %d, %q", code, errOut)
	}
	if out, _, code := f.run(t, "account", "delete", mailtest.DeskAddress); code != 0 || !strings.Contains(out, "deleted") {
		t.Errorf("account delete: exit %d, %q", code, out)
	}
	if out, _, _ := f.run(t, "account", "list"); out != "" {
		t.Errorf("account list after delete = %q", out)
	}
}

func TestSyncTicketsShow(t *testing.T) {
	f := newMailFixture(t)
	k := mailtest.TestPKI(t)
	bob := mailtest.CustomerSide(t, k.Bob)
	if _, errOut, code := f.run(t, "sync"); code != 1 || !strings.Contains(errOut, "no account") {
		t.Errorf("sync without an account: exit %d, %q", code, errOut)
	}
	f.addAccount(t)
	f.imap.Append(t, "INBOX", mailtest.Message(t, "Alice Example <alice@example.org>", mailtest.DeskAddress, "Drucker kaputt",
		"Der Drucker druckt nicht.", mailtest.WithID("c1@example.org")))
	f.imap.Append(t, "INBOX", bob.Seal(t, mailtest.Message(t, "bob@example.org", mailtest.DeskAddress, "Contract",
		"The code word is swordfish.", mailtest.WithID("c2@example.org")), true, true))

	out, errOut, code := f.run(t, "sync")
	if code != 0 {
		t.Fatalf("sync: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		mailtest.DeskAddress + ": 2 new",
		`[Ticket#10000] new ticket Alice Example <alice@example.org> "Drucker kaputt" [not encrypted, not signed]`,
		`[Ticket#10001] new ticket bob@example.org "Contract" [encrypted, signature valid]`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("sync output lacks %q:\n%s", want, out)
		}
	}
	if out, _, _ := f.run(t, "sync"); !strings.Contains(out, ": 0 new") {
		t.Errorf("second sync: %q", out)
	}

	out, _, code = f.run(t, "tickets", "--json")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 2 {
		t.Fatalf("tickets --json: exit %d, %d lines", code, len(lines))
	}
	var tk ticketJSON
	if err := json.Unmarshal([]byte(lines[0]), &tk); err != nil {
		t.Fatal(err)
	}
	if tk.Number != 10001 || tk.Encryption != "decrypted" || tk.Signature != "valid" || tk.State != "new" || tk.Unread != 1 {
		t.Errorf("first ticket = %+v, want 10001, decrypted, valid, new, unread", tk)
	}
	if out, _, _ := f.run(t, "tickets", "--search", "drucker"); !strings.Contains(out, "[Ticket#10000]") || strings.Contains(out, "10001") {
		t.Errorf("tickets --search drucker = %q", out)
	}
	if out, _, _ := f.run(t, "tickets", "--search", "swordfish"); out != "" {
		t.Errorf("searching the text of an encrypted article finds %q", out)
	}

	out, _, code = f.run(t, "show", "--json", "Ticket#10001")
	if code != 0 {
		t.Fatalf("show --json: exit %d", code)
	}
	var keys map[string]json.RawMessage
	json.Unmarshal([]byte(out), &keys)
	checkKeys(t, keys, "ticket", "articles")
	var arts []map[string]json.RawMessage
	json.Unmarshal(keys["articles"], &arts)
	if len(arts) != 1 {
		t.Fatalf("show --json: %d articles, want 1", len(arts))
	}
	var enc, sig map[string]json.RawMessage
	json.Unmarshal(arts[0]["encryption"], &enc)
	checkKeys(t, enc, "state", "message", "recipient", "cipher")
	json.Unmarshal(arts[0]["signature"], &sig)
	checkKeys(t, sig, "state", "message", "signer", "digest", "revocation")
	var rep showJSON
	json.Unmarshal([]byte(out), &rep)
	a := rep.Articles[0]
	if a.Encryption.State != "decrypted" || a.Signature.State != "valid" || a.Signature.Signer.Email != "bob@example.org" ||
		a.Encryption.Recipient == "" || !strings.Contains(a.Text, "swordfish") {
		t.Errorf("article = %+v", a)
	}
	if a.Encryption.Message != "This message was encrypted for you. Even if a third party intercepted it, they could not read it." {
		t.Errorf("encryption message = %q", a.Encryption.Message)
	}

	out, _, code = f.run(t, "show", "10000")
	if code != 0 || !strings.Contains(out, "Der Drucker druckt nicht.") || !strings.Contains(out, "Signature: none — This message is not signed.") {
		t.Errorf("show 10000: exit %d\n%s", code, out)
	}
	if _, errOut, code := f.run(t, "show", "99999"); code != 1 || !strings.Contains(errOut, "no such ticket") {
		t.Errorf("show 99999: exit %d, %q", code, errOut)
	}
	if _, _, code := f.run(t, "show", "abc"); code != 2 {
		t.Errorf("show abc: exit %d, want 2", code)
	}
}
