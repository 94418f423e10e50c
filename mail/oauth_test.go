package mail

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"siegel/mail/account"
	"siegel/mail/account/oauth"
	"siegel/mail/mailtest"
)

// events records the desk's events of some types.
type events struct {
	mu  sync.Mutex
	all []Event
}

func (e *events) add(ev Event) { e.mu.Lock(); e.all = append(e.all, ev); e.mu.Unlock() }

// count is how many recorded events match.
func (e *events) count(match func(Event) bool) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, ev := range e.all {
		if match(ev) {
			n++
		}
	}
	return n
}

// eventually polls cond for a few seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestOAuth2EndToEnd signs in through a browser ($BROWSER) against an
// authorization server on loopback, and syncs from Dovecots whose oauth2
// passdb asks that server about the tokens — one offering only XOAUTH2,
// one also OAUTHBEARER — and sends over SMTP with the token: expired and
// refused access tokens are refreshed, a revoked refresh token marks the
// account "sign in again" with its mail kept queued, and SignIn resumes.
func TestOAuth2EndToEnd(t *testing.T) {
	mailtest.ApprovingBrowser(t)
	as := mailtest.NewAuthServer(t)
	ctx := context.Background()
	xoauth2 := mailtest.StartDovecotWith(t, mailtest.DovecotOptions{IntrospectionURL: as.IntrospectionURL(), OAuth2Mechanisms: []string{"xoauth2"}})
	bearer := mailtest.StartDovecotWith(t, mailtest.DovecotOptions{IntrospectionURL: as.IntrospectionURL(), OAuth2Mechanisms: []string{"xoauth2", "oauthbearer"}})
	smtpServer := mailtest.NewSMTP(t, &mailtest.SMTPOptions{Security: account.StartTLS, RequireAuth: true,
		Bearer: func(_, token string) bool { _, ok := as.Valid(token); return ok }})

	side := mailtest.DeskSide(t)
	d, err := Open(ctx, side.Profile, side.Store, side.Engine, &Options{PollInterval: time.Minute, RetryMin: 20 * time.Millisecond, RetryMax: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var evs events
	defer d.Subscribe(evs.add)()

	oauthAccount := func(addr string, dc *mailtest.Dovecot) account.Account {
		a := account.Account{Address: addr, IMAP: dc.Server(account.TLS), SMTP: smtpServer.Server(),
			Auth: account.AuthOAuth2, OAuth2: as.Settings(),
			Trust: account.Trust{RootsPEM: append(append([]byte(nil), dc.Cert.PEM...), smtpServer.Cert.PEM...)}}
		a.IMAP.Password, a.SMTP.Password = "", ""
		return a
	}

	// XOAUTH2, signed in before the account is stored (as `account add`
	// does): test, store with the refresh token, sync.
	a1 := oauthAccount(mailtest.DeskAddress, xoauth2)
	tok, err := oauth.SignIn(ctx, a1.OAuth2, nil)
	if err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	src := oauth.NewSource(a1.OAuth2, tok, nil)
	a1.Token = src.Token
	if _, err := d.TestConnection(ctx, a1); err != nil {
		t.Fatalf("TestConnection over XOAUTH2: %v", err)
	}
	a1.OAuth2.RefreshToken = src.RefreshToken()
	if a1.ID, err = d.AddAccount(ctx, a1); err != nil {
		t.Fatal(err)
	}
	xoauth2.Deliver(t, mailtest.Message(t, "alice@example.org", mailtest.DeskAddress, "Drucker", "Kaputt.", mailtest.WithID("x1@example.org")))
	if s := d.SyncAccount(ctx, a1.ID); s.Err != nil || s.New != 1 {
		t.Fatalf("sync over XOAUTH2 = %+v; want 1 new", s)
	}
	if log := xoauth2.Log(); !strings.Contains(log, "method=XOAUTH2") {
		t.Errorf("the XOAUTH2 Dovecot logged no XOAUTH2 login:\n%s", log)
	}
	if err := d.DeleteAccount(ctx, a1.ID); err != nil {
		t.Fatal(err)
	}

	// OAUTHBEARER, stored first and then signed in by the desk.
	as.Lifetime = 2 * time.Second
	a2 := oauthAccount("support@siegel.example", bearer)
	if a2.ID, err = d.AddAccount(ctx, a2); err != nil {
		t.Fatal(err)
	}
	if got, _ := d.Account(ctx, a2.ID); !got.NeedsSignIn {
		t.Errorf("an OAuth2 account stored without a sign-in: NeedsSignIn = false, want true")
	}
	if s := d.SyncAccount(ctx, a2.ID); !errors.Is(s.Err, oauth.ErrSignInAgain) {
		t.Errorf("sync before the sign-in = %v, want ErrSignInAgain", s.Err)
	}
	codes := as.Grants("authorization_code")
	if err := d.SignIn(ctx, a2.ID, nil); err != nil {
		t.Fatalf("Desk.SignIn: %v", err)
	}
	if got := as.Grants("authorization_code"); got != codes+1 {
		t.Errorf("got %d code grants, want %d", got, codes+1)
	}
	refreshes := as.Grants("refresh_token")
	bearer.Deliver(t, mailtest.Message(t, "bob@example.org", mailtest.DeskAddress, "Vertrag", "Bitte.", mailtest.WithID("b1@example.org")))
	if s := d.SyncAccount(ctx, a2.ID); s.Err != nil || s.New != 1 {
		t.Fatalf("sync over OAUTHBEARER = %+v; want 1 new", s)
	}
	if log := bearer.Log(); !strings.Contains(log, "method=OAUTHBEARER") {
		t.Errorf("the Dovecot offering OAUTHBEARER logged no OAUTHBEARER login:\n%s", log)
	}
	if got := as.Grants("refresh_token"); got != refreshes {
		t.Errorf("got %d refreshes right after the sign-in, want %d", got, refreshes)
	}

	// The access token expires: refreshed before the login.
	time.Sleep(as.Lifetime + 100*time.Millisecond)
	as.Lifetime = time.Hour
	if s := d.SyncAccount(ctx, a2.ID); s.Err != nil {
		t.Fatalf("sync after the token expired: %v", s.Err)
	}
	if got := as.Grants("refresh_token"); got != refreshes+1 {
		t.Errorf("got %d refreshes after expiry, want %d", got, refreshes+1)
	}
	// The server refuses a token that is not expired: renewed once.
	as.ForgetAccessTokens()
	if s := d.SyncAccount(ctx, a2.ID); s.Err != nil {
		t.Fatalf("sync after the server forgot the token: %v", s.Err)
	}
	if got := as.Grants("refresh_token"); got != refreshes+2 {
		t.Errorf("got %d refreshes after a refused token, want %d", got, refreshes+2)
	}

	// Another desk on the profile (the command line) refreshes, and the
	// provider rotates the refresh token: this desk's is dead, and it
	// takes the stored one rather than asking for a sign-in.
	other, err := Open(ctx, side.Profile, side.Store, side.Engine, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := other.SyncAccount(ctx, a2.ID); s.Err != nil {
		t.Fatalf("sync by a second desk: %v", s.Err)
	}
	other.Close()
	as.ForgetAccessTokens()
	if s := d.SyncAccount(ctx, a2.ID); s.Err != nil {
		t.Fatalf("sync after another desk rotated the refresh token: %v", s.Err)
	}
	if got, _ := d.Account(ctx, a2.ID); got.NeedsSignIn {
		t.Fatalf("NeedsSignIn after another desk rotated the refresh token, want false")
	}

	// Sending with the token.
	send := func(subject string) OutboxItem {
		t.Helper()
		id, err := d.SaveDraft(ctx, Draft{AccountID: a2.ID, To: []string{"alice@example.org"}, Subject: subject, Text: "Antwort."})
		if err != nil {
			t.Fatal(err)
		}
		item, err := d.Send(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return item
	}
	first := send("Erste Antwort")
	if err := d.DeliverOutbox(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := d.OutboxItem(ctx, first.ID); got.State != OutboxSent || len(smtpServer.Received()) != 1 {
		t.Fatalf("outbox item = %+v, %d received; want sent, 1 received", got, len(smtpServer.Received()))
	}

	// Revoked: the account must sign in again; nothing is lost.
	as.RevokeAll()
	second := send("Zweite Antwort")
	if err := d.DeliverOutbox(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := d.OutboxItem(ctx, second.ID); got.State != OutboxQueued || got.Attempts != 0 || got.LastError != "" {
		t.Errorf("outbox item after the revocation = %+v; want queued, no attempt counted, no error", got)
	}
	if n := len(smtpServer.Received()); n != 1 {
		t.Errorf("got %d messages received, want 1", n)
	}
	needs := func(ev Event) bool { e, ok := ev.(AccountNeedsSignIn); return ok && e.AccountID == a2.ID }
	// Only the refusal is announced: an account stored without a sign-in
	// is one its form signs in next.
	if n := evs.count(needs); n != 1 {
		t.Errorf("got %d AccountNeedsSignIn events, want 1", n)
	}
	if got, _ := d.Account(ctx, a2.ID); !got.NeedsSignIn {
		t.Errorf("NeedsSignIn = false after the revocation, want true (persisted)")
	}
	// A restarted desk knows it too.
	d2, err := Open(ctx, side.Profile, side.Store, side.Engine, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := d2.Account(ctx, a2.ID); !got.NeedsSignIn {
		t.Errorf("NeedsSignIn = false in a reopened desk, want true")
	}
	d2.Close()

	// The running desk waits without retrying.
	syncs := func(ev Event) bool { e, ok := ev.(SyncDone); return ok && e.AccountID == a2.ID }
	base := evs.count(syncs)
	if err := d.Start(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	before := evs.count(syncs) - base
	time.Sleep(500 * time.Millisecond) // RetryMin is 20 ms: a retrying watcher would sync often
	if after := evs.count(syncs) - base; after != before || before > 1 {
		t.Errorf("got %d, then %d sync passes while waiting for the sign-in; want at most 1, then none", before, after)
	}
	if got, _ := d.OutboxItem(ctx, second.ID); got.State != OutboxQueued {
		t.Errorf("outbox item while waiting = %s, want queued", got.State)
	}
	// Another process may sign in (`siegel account signin`): the watcher
	// sees the stored mark go (every RetryMax) and syncs.
	okSyncs := func(ev Event) bool { e, ok := ev.(SyncDone); return ok && e.AccountID == a2.ID && e.Err == nil }
	okBase := evs.count(okSyncs)
	other, err = Open(ctx, side.Profile, side.Store, side.Engine, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.SignIn(ctx, a2.ID, nil); err != nil {
		t.Fatalf("SignIn by another desk: %v", err)
	}
	other.Close()
	eventually(t, "the watcher to sync after the other desk's sign-in", func() bool { return evs.count(okSyncs) > okBase })
	eventually(t, "the outbox to send after the other desk's sign-in", func() bool {
		got, _ := d.OutboxItem(ctx, second.ID)
		return got.State == OutboxSent && len(smtpServer.Received()) == 2
	})

	// Revoked once more, with the desk running: the outbox keeps the
	// message queued.
	as.RevokeAll()
	d.forgetTokens(a2.ID)
	third := send("Dritte Antwort")
	eventually(t, "the account to be marked again", func() bool { a, _ := d.Account(ctx, a2.ID); return a.NeedsSignIn })
	time.Sleep(300 * time.Millisecond)
	if got, _ := d.OutboxItem(ctx, third.ID); got.State != OutboxQueued || got.Attempts != 0 || len(smtpServer.Received()) != 2 {
		t.Errorf("outbox item after the second revocation = %+v; want queued, no attempt counted", got)
	}

	// Signing in again resumes sync and sending.
	newMail := func(ev Event) bool {
		e, ok := ev.(SyncDone)
		return ok && e.AccountID == a2.ID && e.New == 1 && e.Err == nil
	}
	mailBase := evs.count(newMail)
	bearer.Deliver(t, mailtest.Message(t, "carol@example.org", mailtest.DeskAddress, "Neu", "Hallo.", mailtest.WithID("b2@example.org")))
	if err := d.SignIn(ctx, a2.ID, nil); err != nil {
		t.Fatalf("Desk.SignIn again: %v", err)
	}
	eventually(t, "the queued message to be sent", func() bool {
		got, _ := d.OutboxItem(ctx, third.ID)
		return got.State == OutboxSent && len(smtpServer.Received()) == 3
	})
	eventually(t, "the new message to be synced", func() bool { return evs.count(newMail) > mailBase })
	if got, _ := d.Account(ctx, a2.ID); got.NeedsSignIn {
		t.Errorf("NeedsSignIn = true after SignIn, want false")
	}
	if n := evs.count(func(ev Event) bool { _, ok := ev.(AccountSignedIn); return ok }); n != 2 {
		t.Errorf("got %d AccountSignedIn events, want 2", n)
	}
}

// TestOAuth2RefreshTokenSealed checks that the refresh token is stored
// sealed, never as it is.
func TestOAuth2RefreshTokenSealed(t *testing.T) {
	side := mailtest.DeskSide(t)
	ctx := context.Background()
	d, err := Open(ctx, side.Profile, side.Store, side.Engine, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	a := account.Account{Address: mailtest.DeskAddress,
		IMAP: account.Server{Host: "imap.example.org", Port: 993, Security: account.TLS, User: mailtest.DeskAddress},
		SMTP: account.Server{Host: "smtp.example.org", Port: 465, Security: account.TLS, User: mailtest.DeskAddress},
		Auth: account.AuthOAuth2, OAuth2: oauth.Microsoft.Settings("client-1", "")}
	a.OAuth2.RefreshToken = "refresh-token-in-the-clear"
	id, err := d.AddAccount(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	d.db.QueryRow(`SELECT count(*) FROM accounts WHERE id = ? AND oauth2_refresh IS NOT NULL AND instr(CAST(oauth2_refresh AS TEXT), 'in-the-clear') = 0
		AND instr(oauth2, 'in-the-clear') = 0`, id).Scan(&n)
	if n != 1 {
		t.Errorf("the refresh token is not stored sealed")
	}
	got, err := d.Account(ctx, id)
	if err != nil || got.Auth != account.AuthOAuth2 || got.OAuth2.ClientID != "client-1" || got.OAuth2.RefreshToken != "" || got.NeedsSignIn {
		t.Errorf("Account = %+v, %v; want OAuth2 with client-1, no token shown, signed in", got, err)
	}
	src, err := d.accountWithPasswords(ctx, id)
	if err != nil || src.Token == nil {
		t.Fatalf("accountWithPasswords = %+v, %v; want a token source", src, err)
	}
}
