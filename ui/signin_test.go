package ui

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"siegel/mail/account"
	"siegel/mail/account/discover"
	"siegel/mail/account/discover/discovertest"
	"siegel/mail/account/oauth"
	"siegel/mail/mailtest"
)

// withDiscovery points the account form's look-up at a DNS server on
// loopback and at an HTTPS server that has no autoconfig document, so
// the look-up falls through to the DNS records at once.
func withDiscovery(t *testing.T) *discovertest.DNS {
	t.Helper()
	dns := discovertest.NewDNS(t)
	web := discovertest.NewHTTPS(t, "autoconfig.example")
	discoverOptions = &discover.Options{DNSServer: dns.Addr, HTTPClient: web.Client(), Timeout: 2 * time.Second}
	t.Cleanup(func() { discoverOptions = nil })
	return dns
}

// withAuthServer puts an authorization server on loopback in Microsoft's
// place among the form's providers.
func withAuthServer(t *testing.T) *mailtest.AuthServer {
	t.Helper()
	as := mailtest.NewAuthServer(t)
	s := as.Settings()
	ms := oauth.Microsoft
	ms.AuthURL, ms.TokenURL, ms.Scopes = s.AuthURL, s.TokenURL, s.Scopes
	presets = func() []oauth.Preset { return []oauth.Preset{ms, oauth.Google} }
	t.Cleanup(func() { presets = oauth.Presets })
	return as
}

// openAddAccount opens Settings → Accounts → Add….
func openAddAccount(t *testing.T, u *UI) fyne.Window {
	t.Helper()
	s := openSettings(t, u, 0)
	tap(t, s.win, "Add…")
	return s.win
}

// The address finds the servers: SRV records fill the form and say so;
// fields typed by hand stay as typed when another look-up runs; the MX of
// Microsoft 365 switches the form to Sign in with Microsoft, without
// password fields.
func TestAccountFormDiscovers(t *testing.T) {
	dns := withDiscovery(t)
	dns.Add(t,
		"_imaps._tcp.srv.example. 300 IN SRV 0 1 993 imap.srv.example.",
		"_submissions._tcp.srv.example. 300 IN SRV 0 1 465 smtp.srv.example.",
		"contoso.example. 300 IN MX 0 contoso-example.mail.protection.outlook.com.",
		"nowhere.example. 300 IN TXT \"nothing for mail\"",
	)
	c := newCores(t, &coreOptions{noAccount: true})
	u := newTestUI(t, c)
	w := openAddAccount(t, u)

	formEntries(w, "E-mail address")[0].SetText("help@srv.example")
	tap(t, w, "Find settings")
	wantText(t, w, "Found in the DNS SRV records (_imaps._tcp.srv.example, _submissions._tcp.srv.example).")
	hosts, ports, users := formEntries(w, "Server"), formEntries(w, "Port"), formEntries(w, "User name")
	if hosts[0].Text != "imap.srv.example" || ports[0].Text != "993" || hosts[1].Text != "smtp.srv.example" || ports[1].Text != "465" {
		t.Errorf("servers after the look-up: IMAP %s:%s, SMTP %s:%s", hosts[0].Text, ports[0].Text, hosts[1].Text, ports[1].Text)
	}
	if users[0].Text != "help@srv.example" || formSelects(w, "Security")[1].Selected != securityName(account.TLS) {
		t.Errorf("user %q, SMTP security %q; want the address and TLS", users[0].Text, formSelects(w, "Security")[1].Selected)
	}
	if len(formEntries(w, "Password")) != 2 {
		t.Errorf("a password provider shows %d password fields, want 2", len(formEntries(w, "Password")))
	}

	// The agent corrects the IMAP server by hand; then the address
	// changes to a Microsoft 365 domain (Enter looks it up).
	hosts[0].SetText("imap.mine.example")
	addr := formEntries(w, "E-mail address")[0]
	addr.SetText("help@contoso.example")
	addr.OnSubmitted(addr.Text)
	wantText(t, w, "Found by the MX record: Microsoft 365 (contoso-example.mail.protection.outlook.com).")
	hosts, ports, users = formEntries(w, "Server"), formEntries(w, "Port"), formEntries(w, "User name")
	if hosts[0].Text != "imap.mine.example" {
		t.Errorf("the IMAP server typed by hand became %q", hosts[0].Text)
	}
	if hosts[1].Text != "smtp.office365.com" || ports[1].Text != "587" || formSelects(w, "Security")[1].Selected != securityName(account.StartTLS) {
		t.Errorf("SMTP after the MX look-up: %s:%s %s", hosts[1].Text, ports[1].Text, formSelects(w, "Security")[1].Selected)
	}
	if users[1].Text != "help@contoso.example" {
		t.Errorf("the SMTP user %q did not follow the address", users[1].Text)
	}
	if n := len(formEntries(w, "Password")); n != 0 {
		t.Errorf("Microsoft 365 shows %d password fields, want none", n)
	}
	buttonOn(t, w, "Sign in with Microsoft")
	if len(formEntries(w, "Client ID")) != 1 || len(formEntries(w, "Client secret")) != 0 {
		t.Errorf("Microsoft wants a client ID and no secret: %d, %d fields", len(formEntries(w, "Client ID")), len(formEntries(w, "Client secret")))
	}
	// Google's sign-in asks for the secret too.
	formSelects(w, "Sign-in")[0].SetSelected("Google (sign in in the browser)")
	buttonOn(t, w, "Sign in with Google")
	if len(formEntries(w, "Client secret")) != 1 {
		t.Error("Google's sign-in has no client secret field")
	}

	// A domain without any of it is entered by hand.
	addr.SetText("help@nowhere.example")
	tap(t, w, "Find settings")
	wantText(t, w, "No settings found — enter them by hand.")
	if formEntries(w, "Server")[1].Text != "smtp.office365.com" {
		t.Error("a failed look-up emptied the form")
	}

	// Leaving the field looks the address up too (Tab to the next one).
	addr.SetText("help@srv.example")
	w.Canvas().Focus(addr)
	w.Canvas().Focus(formEntries(w, "Display name")[0])
	wantText(t, w, "Found in the DNS SRV records (_imaps._tcp.srv.example, _submissions._tcp.srv.example).")
}

// fillServers types the servers of an account, without passwords.
func fillServers(t *testing.T, w fyne.Window, address string, imap, smtp account.Server) {
	t.Helper()
	formEntries(w, "E-mail address")[0].SetText(address)
	for i, srv := range []account.Server{imap, smtp} {
		formEntries(w, "Server")[i].SetText(srv.Host)
		formSelects(w, "Security")[i].SetSelected(securityName(srv.Security))
		formEntries(w, "Port")[i].SetText(strconv.Itoa(srv.Port))
		formEntries(w, "User name")[i].SetText(srv.User)
	}
}

// Sign in with Microsoft runs the authorization-code flow in the browser
// against the authorization server and stores the account with its
// sign-in; a sign-in declined in the browser stores nothing and says so.
func TestAccountFormSignsIn(t *testing.T) {
	mailtest.ApprovingBrowser(t)
	as := withAuthServer(t)
	c := newCores(t, &coreOptions{noAccount: true})
	u := newTestUI(t, c)
	w := openAddAccount(t, u)
	fillServers(t, w, mailtest.DeskAddress, c.imap.Server(), c.smtp.Server())
	formSelects(w, "Sign-in")[0].SetSelected("Microsoft (sign in in the browser)")
	for _, b := range []string{"Save", "Test connection"} {
		for _, o := range onScreen(w) {
			if buttonText(o) == b {
				t.Errorf("a new OAuth2 account offers %s before its sign-in", b)
			}
		}
	}

	// Without the client ID there is nothing to sign in with.
	tap(t, w, "Sign in with Microsoft")
	wantText(t, w, "no client ID")

	formEntries(w, "Client ID")[0].SetText(as.ClientID)
	as.SetDeny(true)
	tap(t, w, "Sign in with Microsoft")
	wantText(t, w, "The sign-in was refused in the browser.")
	if accts, _ := c.desk.Accounts(c.ctx); len(accts) != 0 {
		t.Fatalf("a declined sign-in stored %d accounts", len(accts))
	}

	as.SetDeny(false)
	tap(t, w, "Sign in with Microsoft")
	accts, err := c.desk.Accounts(c.ctx)
	if err != nil || len(accts) != 1 {
		t.Fatalf("accounts after the sign-in: %+v, %v", accts, err)
	}
	a := accts[0]
	if a.Auth != account.AuthOAuth2 || a.OAuth2.Provider != "microsoft" || a.OAuth2.ClientID != as.ClientID || a.OAuth2.TokenURL != as.URL+"/token" || a.NeedsSignIn {
		t.Errorf("stored account: auth %q, %+v, needs sign-in %v", a.Auth, a.OAuth2, a.NeedsSignIn)
	}
	if a.IMAP.Password != "" || a.IMAP.User != c.imap.Server().User {
		t.Errorf("stored IMAP server %+v", a.IMAP)
	}
	if got := as.Grants("authorization_code"); got != 1 {
		t.Errorf("%d codes exchanged, want 1", got)
	}
	if n := len(w.Canvas().Overlays().List()); n != 0 {
		t.Errorf("%d dialogs open after the sign-in, want none", n)
	}
	wantText(t, w, mailtest.DeskAddress, "Signed in")
	// The stored sign-in works: the refresh token was kept. (The test
	// IMAP server offers no OAuth2 login; the token is fetched before
	// the SMTP login.)
	if _, err := c.desk.TestConnection(c.ctx, a); errors.Is(err, oauth.ErrSignInAgain) || errors.Is(err, account.ErrNoToken) {
		t.Errorf("the stored sign-in gives no token: %v", err)
	}
	if got := as.Grants("refresh_token"); got == 0 {
		t.Error("testing the stored account asked the provider for no token")
	}
}

// A provider that refuses the stored sign-in puts "Sign in again" in the
// main window and in the account's row; signing in there takes it away.
func TestSignInAgainBanner(t *testing.T) {
	as := mailtest.NewAuthServer(t)
	c := newCores(t, nil)
	u := newTestUI(t, c)
	const addr = "support@siegel.example"
	oa := account.Account{Address: addr, IMAP: c.imap.Server(), SMTP: c.smtp.Server(), Auth: account.AuthOAuth2, OAuth2: as.Settings()}
	oa.OAuth2.RefreshToken = "revoked long ago"
	id, err := c.desk.AddAccount(c.ctx, oa)
	if err != nil {
		t.Fatal(err)
	}
	u.jobs.drain()
	notText(t, u.win, "has expired")

	// The token refresh of a login is refused: the desk marks the account.
	oa.ID = id
	c.desk.TestConnection(c.ctx, oa)
	waitFor(t, "the banner", func() bool {
		u.jobs.drain()
		return strings.Contains(text(u.win), "The sign-in of "+addr+" has expired")
	})
	s := openSettings(t, u, 0)
	wantText(t, s.win, "The sign-in has expired: sign in again.")
	// A window opened later knows it from the stored mark.
	u2 := newTestUI(t, c)
	wantText(t, u2.win, "The sign-in of "+addr+" has expired")

	mailtest.ApprovingBrowser(t)
	tap(t, u.win, "Sign in again")
	waitFor(t, "the banner to go", func() bool {
		u.jobs.drain()
		u2.jobs.drain()
		return !strings.Contains(text(u.win), "has expired") && !strings.Contains(text(u2.win), "has expired")
	})
	if a, err := c.desk.Account(c.ctx, id); err != nil || a.NeedsSignIn {
		t.Errorf("after Sign in again: needs sign-in %v, %v", a.NeedsSignIn, err)
	}
	if as.Authorizations() != 1 {
		t.Errorf("%d sign-ins approved, want 1", as.Authorizations())
	}
	wantText(t, s.win, "Signed in")
	notText(t, s.win, "The sign-in has expired")
}

// tapTop taps a button of the top dialog.
func tapTop(t *testing.T, w fyne.Window, label string) {
	t.Helper()
	for _, o := range objects(w.Canvas().Overlays().Top()) {
		if b, ok := o.(fyne.Tappable); ok && buttonText(o) == label {
			test.Tap(b)
			return
		}
	}
	t.Fatalf("the top dialog has no button %q", label)
}

// Without a browser the waiting dialog shows the address to open, with
// Copy, and goes on waiting; Cancel ends the wait and stores nothing,
// and the address opened by hand completes the sign-in. The jobs run on
// goroutines of their own here, as in the application: the sign-in
// waits while the window goes on.
func TestAccountFormSignInWithoutBrowser(t *testing.T) {
	t.Setenv("BROWSER", "/nonexistent/browser")
	as := withAuthServer(t)
	c := newCores(t, &coreOptions{noAccount: true})
	a := test.NewTempApp(t)
	a.Preferences().SetString(prefLanguage, langEnglish)
	var ui sync.Mutex // the UI goroutine: held by the test while it works the widgets
	ui.Lock()
	u := newUI(a, Cores{Desk: c.desk, Store: c.side.Store, Engine: c.side.Engine, Profile: c.side.Profile}, Options{}, &jobs{serial: &ui})
	defer u.Close()
	w := openSettings(t, u, 0).win
	ui.Unlock()
	u.jobs.wait() // the administrator lock's state opens Add…
	ui.Lock()
	tap(t, w, "Add…")
	ui.Unlock()
	u.jobs.wait()

	signIn := func() string {
		t.Helper()
		ui.Lock()
		fillServers(t, w, mailtest.DeskAddress, c.imap.Server(), c.smtp.Server())
		formSelects(w, "Sign-in")[0].SetSelected("Microsoft (sign in in the browser)")
		formEntries(w, "Client ID")[0].SetText(as.ClientID)
		tap(t, w, "Sign in with Microsoft")
		ui.Unlock()
		var link string
		waitFor(t, "the address to open by hand", func() bool {
			ui.Lock()
			defer ui.Unlock()
			for _, o := range objects(w.Canvas().Overlays().Top()) {
				if e, ok := o.(*entry); ok && strings.HasPrefix(e.Text, as.URL+"/authorize?") {
					link = e.Text
				}
			}
			return link != ""
		})
		return link
	}

	signIn()
	ui.Lock()
	wantText(t, w, "No browser could be opened", "Waiting for the browser…")
	tapTop(t, w, "Copy")
	copied := a.Clipboard().Content()
	tapTop(t, w, "Cancel")
	ui.Unlock()
	u.jobs.wait()
	if !strings.HasPrefix(copied, as.URL+"/authorize?") {
		t.Errorf("Copy put %q on the clipboard", copied)
	}
	ui.Lock()
	wantText(t, w, "Add account") // the account dialog stays, without a complaint
	notText(t, w, "Waiting for the browser…", "Error")
	ui.Unlock()
	if accts, _ := c.desk.Accounts(c.ctx); len(accts) != 0 {
		t.Fatalf("a cancelled sign-in stored %d accounts", len(accts))
	}

	link := signIn()
	resp, err := http.Get(link) // the agent opens the address by hand
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	waitFor(t, "the account", func() bool {
		accts, _ := c.desk.Accounts(c.ctx)
		return len(accts) == 1 && accts[0].UsesOAuth2()
	})
	u.jobs.wait()
	ui.Lock()
	defer ui.Unlock()
	if n := len(w.Canvas().Overlays().List()); n != 0 {
		t.Errorf("%d dialogs open after the sign-in, want none", n)
	}
}
