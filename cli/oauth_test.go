package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"siegel/mail/account"
	"siegel/mail/mailtest"
)

// urlFollower is a terminal whose user opens the address printed on it.
type urlFollower struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	done bool
}

var printedURL = regexp.MustCompile(`(?m)^  (http://\S+)$`)

func (f *urlFollower) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.buf.Write(p)
	if m := printedURL.FindSubmatch(f.buf.Bytes()); m != nil && !f.done {
		f.done = true
		go http.Get(string(m[1]))
	}
	return len(p), nil
}

func (f *urlFollower) String() string { f.mu.Lock(); defer f.mu.Unlock(); return f.buf.String() }

// TestAccountAddOAuth2 adds an OAuth2 account on the command line against
// an authorization server on loopback, a Dovecot with the oauth2 passdb
// and an SMTP server taking bearer tokens; revokes the sign-in and signs
// in again with `account signin`, once with a browser ($BROWSER) and once
// with none, the address printed for the user to open.
func TestAccountAddOAuth2(t *testing.T) {
	mailtest.ApprovingBrowser(t)
	as := mailtest.NewAuthServer(t)
	dc := mailtest.StartDovecotWith(t, mailtest.DovecotOptions{IntrospectionURL: as.IntrospectionURL()})
	smtpServer := mailtest.NewSMTP(t, &mailtest.SMTPOptions{Security: account.TLS, RequireAuth: true,
		Bearer: func(_, token string) bool { _, ok := as.Valid(token); return ok }})
	f := newMailFixture(t)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(ca, append(append([]byte(nil), dc.Cert.PEM...), smtpServer.Cert.PEM...), 0o644)

	run := func(browser string, args ...string) (string, string, int) {
		t.Helper()
		env, out, _ := newEnv("", mailtest.Passphrase, f.dir)
		errOut := &urlFollower{}
		env.Stderr = errOut
		env.Getenv = func(k string) string {
			switch k {
			case "SIEGEL_PASSPHRASE":
				return mailtest.Passphrase
			case "BROWSER":
				return browser
			}
			return ""
		}
		code := Run(context.Background(), env, args)
		return out.String(), errOut.String(), code
	}
	browser := os.Getenv("BROWSER")
	s := as.Settings()
	imapURL := "imaps://" + strings.ReplaceAll(dc.User, "@", "%40") + "@127.0.0.1:" + strconv.Itoa(dc.IMAPSPort)
	smtpURL := "smtps://" + strings.ReplaceAll(smtpServer.Username, "@", "%40") + "@" + smtpServer.Addr
	add := []string{"account", "add", "--email", mailtest.DeskAddress, "--imap", imapURL, "--smtp", smtpURL, "--tls-ca", ca,
		"--oauth2-auth-url", s.AuthURL, "--oauth2-token-url", s.TokenURL, "--oauth2-scope", "mail", "--oauth2-scope", "offline_access"}

	// Without a client ID: a usage error, nothing stored.
	if _, errOut, code := run(browser, add...); code != 2 || !strings.Contains(errOut, "--oauth2-client-id") {
		t.Errorf("account add without a client ID: exit %d, stderr %q; want 2 naming --oauth2-client-id", code, errOut)
	}
	// The user declines: nothing stored.
	as.Deny = true
	if _, errOut, code := run(browser, append(add, "--oauth2-client-id", as.ClientID)...); code != 1 || !strings.Contains(errOut, "access_denied") || !strings.Contains(errOut, "not stored") {
		t.Errorf("account add, sign-in declined: exit %d, stderr %q; want 1, access_denied, not stored", code, errOut)
	}
	as.Deny = false
	if a, _, _ := run(browser, "account", "list"); a != "" {
		t.Errorf("accounts after a declined sign-in: %q, want none", a)
	}
	out, errOut, code := run(browser, append(add, "--oauth2-client-id", as.ClientID)...)
	if code != 0 || !strings.Contains(out, "IMAP "+imapURL+": logged in") || !strings.Contains(out, "SMTP "+smtpURL+": logged in") {
		t.Fatalf("account add: exit %d\n%s%s", code, out, errOut)
	}
	if got := as.Grants("authorization_code"); got != 1 {
		t.Errorf("got %d code grants, want 1", got)
	}
	list := func() accountJSON {
		t.Helper()
		out, _, _ := run(browser, "account", "list", "--json")
		var a accountJSON
		if err := json.Unmarshal([]byte(out), &a); err != nil {
			t.Fatalf("account list: %q: %v", out, err)
		}
		return a
	}
	if a := list(); a.Auth != "oauth2" || a.NeedsSignIn {
		t.Errorf("listed %+v; want auth oauth2, signed in", a)
	}
	dc.Deliver(t, mailtest.Message(t, "alice@example.org", mailtest.DeskAddress, "Drucker", "Kaputt.", mailtest.WithID("c1@example.org")))
	// A new process: the stored refresh token gives the access token.
	if out, errOut, code := run(browser, "sync"); code != 0 || !strings.Contains(out, ": 1 new") {
		t.Fatalf("sync: exit %d\n%s%s", code, out, errOut)
	}

	as.RevokeAll()
	if out, errOut, code := run(browser, "sync"); code != 1 || !strings.Contains(errOut, "siegel account signin "+mailtest.DeskAddress) {
		t.Errorf("sync after the revocation: exit %d\n%s%s; want 1 and the hint to sign in", code, out, errOut)
	}
	if a := list(); !a.NeedsSignIn {
		t.Errorf("listed %+v after the revocation; want needs_signin", a)
	}
	// No browser: the address is printed, and the user opens it.
	out, errOut, code = run("/nonexistent/browser", "account", "signin", mailtest.DeskAddress)
	if code != 0 || !strings.Contains(errOut, "Open this address in a browser") || !strings.Contains(out, "signed in") {
		t.Fatalf("account signin without a browser: exit %d\n%s%s", code, out, errOut)
	}
	if a := list(); a.NeedsSignIn {
		t.Errorf("listed %+v after signin; want signed in", a)
	}
	dc.Deliver(t, mailtest.Message(t, "bob@example.org", mailtest.DeskAddress, "Noch was", "Hallo.", mailtest.WithID("c2@example.org")))
	if out, errOut, code := run(browser, "sync"); code != 0 || !strings.Contains(out, ": 1 new") {
		t.Fatalf("sync after signin: exit %d\n%s%s", code, out, errOut)
	}
}
