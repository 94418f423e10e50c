package ui

import (
	"crypto/x509"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"software.sslmate.com/src/go-pkcs12"

	"siegel/mail/account"
	"siegel/mail/mailtest"
)

// openSettings opens the settings window on a tab.
func openSettings(t testing.TB, u *UI, tab int) *settingsWindow {
	t.Helper()
	u.showSettings()
	if u.settings == nil {
		t.Fatal("no settings window")
	}
	u.settings.tabs.SelectIndex(tab)
	return u.settings
}

// typeFocused types into the entry that has the focus (a dialog's).
func typeFocused(t testing.TB, w fyne.Window, s string) {
	t.Helper()
	e, ok := w.Canvas().Focused().(*entry)
	if !ok {
		t.Fatalf("no entry has the focus (%T); the screen shows:\n%s", w.Canvas().Focused(), text(w))
	}
	e.SetText("")
	test.Type(e, s)
}

// selectCert selects the certificate with a subject in the table.
func selectCert(t testing.TB, p *certsPage, subject string) {
	t.Helper()
	for i, s := range p.list {
		if s.Subject == subject {
			p.table.Select(widget.TableCellID{Row: i, Col: colSubject})
			return
		}
	}
	t.Fatalf("%q is not in the certificate list", subject)
}

// The import dialog imports a PKCS#12 file with its passphrase after a
// preview, and rejects a wrong passphrase and a garbage file with their
// own messages.
func TestImportDialog(t *testing.T) {
	c := newCores(t, nil)
	u := newTestUI(t, c)
	s := openSettings(t, u, 1)
	k := getPKI(t)
	p12, err := pkcs12.Modern.Encode(k.bob.key, k.bob.cert, []*x509.Certificate{k.ca.cert}, "p12 secret")
	if err != nil {
		t.Fatal(err)
	}

	s.certs.importData("garbage.p12", []byte("this is not a certificate"), nil)
	wantText(t, s.win, "garbage.p12: The certificate or key data is damaged and cannot be read.")
	tap(t, s.win, "OK")
	s.certs.importData("notes.pem", []byte("just some text"), nil)
	wantText(t, s.win, "notes.pem: The file holds no certificate and no private key.")
	tap(t, s.win, "OK")

	s.certs.importData("bob.p12", p12, nil)
	wantText(t, s.win, "bob.p12 is protected by a passphrase.")
	typeFocused(t, s.win, "wrong")
	tap(t, s.win, "OK")
	wantText(t, s.win, "The passphrase of the file is wrong.")
	typeFocused(t, s.win, "p12 secret")
	tap(t, s.win, "OK")
	// The preview, before anything is stored.
	wantText(t, s.win, "Import certificates", "Bob Example", "bob@example.org", "CN=Siegel Test CA,O=Siegel Tests",
		groupedFingerprint(fingerprint(k.bob)), "Always verify certificates in person or by phone!", "included")
	if list, _ := c.side.Store.List(c.ctx); len(list) != 3 {
		t.Fatalf("the preview stored something: %d certificates", len(list))
	}
	tap(t, s.win, "Import")
	wantText(t, s.win, "Certificate Bob Example <bob@example.org>: stored", "Private key for Bob Example <bob@example.org>: stored",
		"Siegel Test CA: already in the store")
	var bob bool
	for _, sum := range s.certs.list {
		if sum.Subject == "Bob Example" {
			bob = sum.HasKey
		}
	}
	if !bob {
		t.Errorf("after the import the list has no Bob Example with his key: %+v", s.certs.list)
	}
}

// The certificate list shows usage, expiry warnings, keys and collected
// certificates (DESIGN.md §4).
func TestCertificateList(t *testing.T) {
	c := newCores(t, nil)
	k := getPKI(t)
	if _, err := c.side.Store.Import(c.ctx, k.expiring.certPEM, "erin.pem", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.side.Store.Collect(c.ctx, k.bob.cert); err != nil {
		t.Fatal(err)
	}
	u := newTestUI(t, c)
	s := openSettings(t, u, 1)
	wantText(t, s.win, "5 certificates", "Signature & Encryption", "CA", "collected", "expires in 10 days")
	for _, o := range onScreen(s.win) {
		if l, ok := o.(*widget.Label); ok && strings.Contains(l.Text, "expires in") && l.Importance != widget.WarningImportance {
			t.Errorf("expiring certificate's date %q shown with importance %v, want the warning colour", l.Text, l.Importance)
		}
	}
	var keys int
	for _, o := range onScreen(s.win) {
		if ic, ok := o.(*widget.Icon); ok && ic.Resource == iconKey {
			keys++
		}
	}
	if keys < 1 { // the helpdesk's key
		t.Errorf("%d key icons on screen, want the helpdesk's", keys)
	}
	selectCert(t, s.certs, "Erin Example")
	tap(t, s.win, "Details")
	wantText(t, s.win, "erin@example.org", "CN=Siegel Test CA,O=Siegel Tests", "Copy PEM")
}

// Delete asks first, then removes the certificate.
func TestDeleteCertificate(t *testing.T) {
	c := newCores(t, nil)
	u := newTestUI(t, c)
	s := openSettings(t, u, 1)
	selectCert(t, s.certs, "Alice Example")
	tap(t, s.win, "Delete")
	wantText(t, s.win, "Delete the certificate of Alice Example (alice@example.org)?")
	tap(t, s.win, "Cancel")
	if len(s.certs.list) != 3 {
		t.Fatal("Cancel deleted the certificate")
	}
	tap(t, s.win, "Delete")
	tapLast(t, s.win, "Delete")
	if len(s.certs.list) != 2 {
		t.Errorf("after Delete %d certificates are listed, want 2", len(s.certs.list))
	}
}

// tapLast taps the last button with the label (a dialog's, above the
// window's own).
func tapLast(t testing.TB, w fyne.Window, label string) {
	t.Helper()
	var last fyne.Tappable
	for _, o := range onScreen(w) {
		if tb, ok := o.(fyne.Tappable); ok && buttonText(o) == label {
			last = tb
		}
	}
	if last == nil {
		t.Fatalf("no button %q", label)
	}
	test.Tap(last)
}

// With an administrator password set, import and delete stay closed (and
// say why) until it is entered; a wrong one is refused.
func TestAdminLock(t *testing.T) {
	c := newCores(t, nil)
	if err := c.side.Profile.SetAdmin(c.ctx, nil, []byte("admin secret")); err != nil {
		t.Fatal(err)
	}
	u := newTestUI(t, c)
	s := openSettings(t, u, 1)
	selectCert(t, s.certs, "Alice Example")
	for _, label := range []string{"Import from file…", "Paste…", "Delete"} {
		b := buttonOn(t, s.win, label)
		if !disabled(b) {
			t.Errorf("%s is enabled while locked", label)
		}
		if tip := b.(interface{ ToolTip() string }).ToolTip(); !strings.Contains(tip, "needs the administrator password") {
			t.Errorf("locked %s's tooltip %q does not say why", label, tip)
		}
	}
	// Read-only: details and export of the public certificate stay open.
	if disabled(buttonOn(t, s.win, "Details")) || disabled(buttonOn(t, s.win, "Export…")) {
		t.Error("Details or Export is closed while locked")
	}
	wantText(t, s.win, "An administrator password protects the certificate store")

	tap(t, s.win, "Unlock")
	typeFocused(t, s.win, "guess")
	tapLast(t, s.win, "Unlock")
	wantText(t, s.win, "The administrator password is wrong.")
	if !disabled(buttonOn(t, s.win, "Delete")) {
		t.Fatal("a wrong password opened Delete")
	}
	typeFocused(t, s.win, "admin secret")
	tapLast(t, s.win, "Unlock")
	for _, label := range []string{"Import from file…", "Paste…", "Delete"} {
		if disabled(buttonOn(t, s.win, label)) {
			t.Errorf("%s is still closed after unlocking", label)
		}
	}
	tap(t, s.win, "Delete")
	tapLast(t, s.win, "Delete")
	if len(s.certs.list) != 2 {
		t.Errorf("after unlocking, Delete left %d certificates, want 2", len(s.certs.list))
	}
	// The Security page is closed too until unlocked; Lock closes it again.
	tap(t, s.win, "Lock")
	s.tabs.SelectIndex(2)
	if !s.security.smime.Disabled() || !disabled(buttonOn(t, s.win, "Change administrator password…")) {
		t.Error("the Security page is open after Lock")
	}
	// Accounts: adding stays closed as well.
	s.tabs.SelectIndex(0)
	if !disabled(buttonOn(t, s.win, "Add…")) {
		t.Error("Add account is open while locked")
	}
}

// Setting an administrator password in the Security page locks the next
// settings window.
func TestSetAdminPassword(t *testing.T) {
	c := newCores(t, nil)
	u := newTestUI(t, c)
	s := openSettings(t, u, 2)
	tap(t, s.win, "Set administrator password…")
	tap(t, s.win, "Save")
	wantText(t, s.win, tr("security.admin.empty"))
	typeFocusedN(t, s.win, 0, "sesame")
	typeFocusedN(t, s.win, 1, "sesame!")
	tap(t, s.win, "Save")
	wantText(t, s.win, "The two entries differ.")
	if locked, _ := c.side.Profile.AdminLocked(c.ctx); locked {
		t.Fatal("an administrator password was set although the entries differ")
	}
	passwordEntries(s.win)[1].SetText("sesame")
	tap(t, s.win, "Save")
	if locked, _ := c.side.Profile.AdminLocked(c.ctx); !locked {
		t.Fatal("no administrator password was set")
	}
	s.win.Close()
	s = openSettings(t, u, 1)
	if !disabled(buttonOn(t, s.win, "Import from file…")) {
		t.Error("a new settings window is open although a password is set")
	}
}

// typeFocusedN types into the n-th password entry of the top dialog.
func typeFocusedN(t testing.TB, w fyne.Window, n int, s string) {
	t.Helper()
	entries := passwordEntries(w)
	if n >= len(entries) {
		t.Fatalf("the dialog has %d password entries", len(entries))
	}
	test.Type(entries[n], s)
}

// S/MIME off hides every Encrypt and Sign button and every security bar;
// on shows them again.
func TestSMIMEOffHidesControls(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	u := newTestUI(t, c)
	v := openTicket(t, u, 10000)
	wantText(t, u.win, "Encrypted", "Signed", "Encrypt", "Sign")

	s := openSettings(t, u, 2)
	test.Tap(s.security.smime)
	if on, _ := c.side.Profile.Setting(c.ctx, settingSMIME, ""); on != "false" {
		t.Fatalf("the setting is %q after unchecking", on)
	}
	for _, hidden := range []string{"Encrypted", "Signed", "Encrypt", "Sign", "Retry security check"} {
		for _, o := range onScreen(u.win) {
			if textOf(o) == hidden {
				t.Errorf("%q is shown with S/MIME off", hidden)
			}
		}
	}
	for _, o := range onScreen(u.win) {
		if r, ok := o.(*ticketRow); ok && r.icons.Visible() {
			t.Error("a list row shows security icons with S/MIME off")
			break
		}
	}
	// A message sent now is neither signed nor encrypted.
	if d := v.composer.current(); d.Encrypt || d.Sign {
		t.Errorf("with S/MIME off the draft asks encrypt %v sign %v", d.Encrypt, d.Sign)
	}
	// It stays off in a new window.
	u2 := newTestUI(t, c)
	openTicket(t, u2, 10001)
	notText(t, u2.win, "Signer unknown", "Retry security check")

	test.Tap(s.security.smime)
	wantText(t, u.win, "Encrypted", "Signed", "Encrypt", "Sign")
}

// Test connection says what is wrong in words: here the login.
func TestAccountTestConnection(t *testing.T) {
	c := newCores(t, &coreOptions{noAccount: true})
	u := newTestUI(t, c)
	s := openSettings(t, u, 0)
	wantText(t, s.win, "No account yet.")
	tap(t, s.win, "Add…")
	imap, smtp := c.imap.Server(), c.smtp.Server()
	imap.Password = "wrong"
	fillAccount(t, s.win, mailtest.DeskAddress, imap, smtp)
	pws := formEntries(s.win, "Password")
	tap(t, s.win, "Test connection")
	wantText(t, s.win, "IMAP server 127.0.0.1:", "the login failed: wrong user name or password")
	notText(t, s.win, "SMTP server 127.0.0.1:")
	pws[0].SetText(c.imap.Password)
	tap(t, s.win, "Test connection")
	wantText(t, s.win, "Both servers answer and accept the login.", "Sent messages are filed in “Sent”.")
	tap(t, s.win, "Save")
	accts, err := c.desk.Accounts(c.ctx)
	if err != nil || len(accts) != 1 || accts[0].IMAP.Security != account.Plain {
		t.Fatalf("accounts after Save: %+v, %v", accts, err)
	}
	wantText(t, s.win, mailtest.DeskAddress, "IMAP 127.0.0.1:")
}

// fillAccount types an account into the open account dialog, as the
// agent would.
func fillAccount(t testing.TB, w fyne.Window, address string, imap, smtp account.Server) {
	t.Helper()
	formEntries(w, "E-mail address")[0].SetText(address)
	for i, srv := range []account.Server{imap, smtp} {
		formEntries(w, "Server")[i].SetText(srv.Host)
		formSelects(w, "Security")[i].SetSelected(securityName(srv.Security))
		formEntries(w, "Port")[i].SetText(strconv.Itoa(srv.Port))
		formEntries(w, "User name")[i].SetText(srv.User)
		formEntries(w, "Password")[i].SetText(srv.Password)
	}
}

// formItems returns the widgets of the top dialog's form rows labelled
// label, in order.
func formItems(w fyne.Window, label string) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	for _, o := range objects(w.Canvas().Overlays().Top()) {
		if f, ok := o.(*widget.Form); ok {
			for _, it := range f.Items {
				if it.Text == label {
					out = append(out, it.Widget)
				}
			}
		}
	}
	return out
}

func formEntries(w fyne.Window, label string) []*entry {
	var out []*entry
	for _, o := range formItems(w, label) {
		if e, ok := o.(*entry); ok {
			out = append(out, e)
		}
	}
	return out
}

func formSelects(w fyne.Window, label string) []*widget.Select {
	var out []*widget.Select
	for _, o := range formItems(w, label) {
		if s, ok := o.(*widget.Select); ok {
			out = append(out, s)
		}
	}
	return out
}

// The Security page stores the algorithms of outgoing mail and changes
// the profile passphrase (re-sealing the keys).
func TestSecuritySettings(t *testing.T) {
	c := newCores(t, nil)
	u := newTestUI(t, c)
	s := openSettings(t, u, 2)
	s.security.cipherSel.SetSelected("AES-256-GCM (authenticated; newer clients)")
	s.security.ktSel.SetSelected("RSA-OAEP (newer clients)")
	for key, want := range map[string]string{"smime.cipher": "aes-256-gcm", "smime.key_transport": "rsa-oaep"} {
		if got, _ := c.side.Profile.Setting(c.ctx, key, ""); got != want {
			t.Errorf("setting %s = %q, want %q", key, got, want)
		}
	}
	test.Tap(s.security.signDef)
	if got, _ := c.side.Profile.Setting(c.ctx, settingSignDefault, ""); got != "false" || u.sec.signDefault {
		t.Errorf("sign by default after unchecking: setting %q, UI %v", got, u.sec.signDefault)
	}

	tap(t, s.win, "Change profile passphrase…")
	typeFocusedN(t, s.win, 0, "not the passphrase")
	typeFocusedN(t, s.win, 1, "new passphrase")
	typeFocusedN(t, s.win, 2, "new passphrase")
	tap(t, s.win, "Change")
	wantText(t, s.win, "The profile passphrase is wrong.")
	entries := passwordEntries(s.win)
	entries[0].SetText(mailtest.Passphrase)
	tap(t, s.win, "Change")
	wantText(t, s.win, "The profile passphrase was changed.")
	if err := c.side.Profile.VerifyPassphrase(c.ctx, []byte("new passphrase")); err != nil {
		t.Errorf("the new passphrase does not open the profile: %v", err)
	}
}

// passwordEntries are the password entries of the top dialog.
func passwordEntries(w fyne.Window) []*entry {
	var out []*entry
	for _, o := range objects(w.Canvas().Overlays().Top()) {
		if e, ok := o.(*entry); ok && e.Password {
			out = append(out, e)
		}
	}
	return out
}

// Export with private key asks for a new passphrase twice and then where
// to save the PKCS#12 file.
func TestExportWithKey(t *testing.T) {
	c := newCores(t, nil)
	u := newTestUI(t, c)
	s := openSettings(t, u, 1)
	selectCert(t, s.certs, "Alice Example")
	if b := buttonOn(t, s.win, "Export with private key…"); !disabled(b) ||
		!strings.Contains(b.(interface{ ToolTip() string }).ToolTip(), "The private key of this certificate is not in the store.") {
		t.Error("Export with private key is open for a certificate without its key, or does not say why")
	}
	selectCert(t, s.certs, "Siegel Helpdesk")
	tap(t, s.win, "Export with private key…")
	typeFocusedN(t, s.win, 0, "p12 pass")
	typeFocusedN(t, s.win, 1, "p12 typo")
	tap(t, s.win, "Export")
	wantText(t, s.win, "The two entries differ.")
	passwordEntries(s.win)[1].SetText("p12 pass")
	tap(t, s.win, "Export")
	notText(t, s.win, "The two entries differ.", "Something went wrong")
	if len(s.win.Canvas().Overlays().List()) == 0 {
		t.Error("no dialog asks where to save the file")
	}
}
