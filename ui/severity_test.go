package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"siegel/crypto/certinfo"
	"siegel/crypto/smime"
	"siegel/mail"
	"siegel/message"
)

// bannerLook is the icon and fill of a card's failure banner.
func bannerLook(t *testing.T, c *articleCard) (fyne.Resource, string) {
	t.Helper()
	var icon fyne.Resource
	fill := ""
	for _, o := range objects(c.failures) {
		switch x := o.(type) {
		case *widget.Icon:
			if icon == nil {
				icon = x.Resource
			}
		case *canvas.Rectangle:
			if fill == "" {
				switch x.FillColor {
				case tinted(theme.ColorNameWarning, 40):
					fill = "warning"
				case tinted(theme.ColorNameError, 40):
					fill = "error"
				}
			}
		}
	}
	return icon, fill
}

// Weak, date, arrival and sender doubts, a missing certificate and an
// expired one are amber with their own advice; only a changed, unreadable,
// untrusted or revoked signature is red with "Do not rely on this
// message". The texts name the addresses and times concerned.
func TestBannerSeverity(t *testing.T) {
	c := newCores(t, nil)
	u := newTestUI(t, c)
	signed := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	dated := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	signer := &certinfo.Info{Subject: "Bob", Emails: []string{"bob@example.org"}, NotBefore: signed.AddDate(-1, 0, 0), NotAfter: signed.AddDate(1, 0, 0)}
	env := message.Envelope{Author: message.Address{Address: "boss@example.org"}, Date: dated}
	for _, tt := range []struct {
		state  smime.SignatureState
		danger bool
		want   []string
	}{
		{smime.SigWeak, false, []string{"SHA-1 no longer protects a signature"}},
		{smime.SigDateMismatch, false, []string{"The signature says it was made on 2025-03-01 08:00, the message is dated 2025-03-01 12:00.", "The sender's clock may be wrong"}},
		{smime.SigArrivalMismatch, false, []string{"the message arrived on 2025-03-01 12:00.", "held back"}},
		{smime.SigSenderMismatch, false, []string{"The signer's certificate belongs to bob@example.org, but the message says it is from boss@example.org.", "writing in another person's name"}},
		{smime.SigExpired, false, []string{"renew their certificate"}},
		{smime.SigCertNotFound, false, []string{"Ask your administrator to add the sender's certificate"}},
		{smime.SigTampered, true, []string{"Do not rely on this message."}},
		{smime.SigMalformed, true, []string{"Do not rely on this message."}},
		{smime.SigUntrusted, true, []string{"Do not rely on this message."}},
		{smime.SigRevoked, true, []string{"Do not rely on this message."}},
	} {
		res := &smime.Result{Encryption: smime.EncNone, Signature: tt.state, Signer: signer, SigningTime: signed,
			Arrived: dated, Envelope: env}
		card := newArticleCard(u, mail.Article{Security: res}, true)
		card.detailed = true
		u.win.SetContent(card.build())
		icon, fill := bannerLook(t, card)
		wantIcon, wantFill := theme.WarningIcon(), "warning"
		if tt.danger {
			wantIcon, wantFill = theme.ErrorIcon(), "error"
		}
		if icon == nil || icon.Name() != wantIcon.Name() || fill != wantFill {
			t.Errorf("%s: banner icon %v, fill %q; want %s, %s", tt.state, icon, fill, wantIcon.Name(), wantFill)
		}
		wantText(t, u.win, tt.want...)
		if !tt.danger {
			notText(t, u.win, "Do not rely on this message.")
		}
	}
	SetLanguage(langGerman)
	res := &smime.Result{Encryption: smime.EncNone, Signature: smime.SigSenderMismatch, Signer: signer, Envelope: env}
	card := newArticleCard(u, mail.Article{Security: res}, true)
	card.detailed = true
	u.win.SetContent(card.build())
	wantText(t, u.win, "Das Zertifikat des Unterzeichners gehört zu bob@example.org, aber die Nachricht gibt boss@example.org als Absender an.")
}

// A missing certificate is named by its issuer and serial number (in the
// seal's tooltip and the banner), a missing key by the certificates the
// message was encrypted for; in English and German.
func TestFailuresNameTheThing(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	k := getPKI(t)
	for _, l := range []string{langEnglish, langGerman} {
		u := newTestUIIn(t, c, l)
		u.win.Resize(fyne.NewSize(1280, 860))
		bob := "CN=Siegel Test CA,O=Siegel Tests"
		want := map[string][2]string{
			langEnglish: {"The message was signed with the certificate with serial number 05 from " + bob + ", which is neither in the message nor in the certificate store.",
				// Support's and the sender's own.
				"The message was encrypted for 2 certificates, and the private key of none of them is in the certificate store: the certificate with serial number 07 from " + bob + "; the certificate with serial number 04 from " + bob + "."},
			langGerman: {"Die Nachricht wurde mit dem Zertifikat mit der Seriennummer 05 von " + bob + " signiert, das weder in der Nachricht noch im Zertifikatsspeicher ist.",
				"Die Nachricht wurde passend zu 2 Zertifikaten verschlüsselt, und zu keinem ist der private Schlüssel im Zertifikatsspeicher: dem Zertifikat mit der Seriennummer 07 von " + bob},
		}[l]
		if got := k.bob.cert.SerialNumber.Int64(); got != 5 || k.support.cert.SerialNumber.Int64() != 7 {
			t.Fatalf("the fixture's serials changed: bob %d", got)
		}
		card := cardOf(t, openTicket(t, u, 10001))
		if tip := card.bar.sig.ToolTip(); !strings.Contains(tip, want[0]) {
			t.Errorf("%s: the seal's tooltip does not name the certificate:\n%s", l, tip)
		}
		showDetails(t, u.win)
		wantText(t, u.win, want[0])
		if l == langGerman {
			wantText(t, u.win, "Zertifikat des Absenders fehlt")
			notText(t, u.win, "Absender unbekannt")
		}
		openTicket(t, u, 10005)
		showDetails(t, u.win)
		wantText(t, u.win, want[1])
		u.Close()
	}
}

// Retry says what it found: the same verdict again, or the new one.
func TestRetrySaysWhatHappened(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	u := newTestUI(t, c)
	openTicket(t, u, 10001)
	tap(t, u.win, "Retry security check")
	wantText(t, u.win, "Checked again: still Signer unknown")
	if _, err := c.side.Store.Import(c.ctx, getPKI(t).bob.certPEM, "bob.pem", nil); err != nil {
		t.Fatal(err)
	}
	u.jobs.drain()
	openTicket(t, u, 10002)
	openTicket(t, u, 10001)
	tap(t, u.win, "Retry security check")
	wantText(t, u.win, "Checked again: now Signed")

	SetLanguage(langGerman)
	if got := retryOutcome(&smime.Result{Signature: smime.SigCertNotFound}, &smime.Result{Signature: smime.SigCertNotFound}); got != "Erneut geprüft: weiterhin Zertifikat des Absenders fehlt" {
		t.Errorf("German, the same: %q", got)
	}
	if got := retryOutcome(&smime.Result{Signature: smime.SigCertNotFound}, &smime.Result{Signature: smime.SigValid}); got != "Erneut geprüft: jetzt Signiert" {
		t.Errorf("German, changed: %q", got)
	}
}

// The import preview warns that a CA and a self-signed certificate become
// trusted, with the fingerprint to compare by phone; counts are singular
// for one; an import that stores nothing new is titled so; an error has
// the error icon and a title that says what failed.
func TestImportPreviewTrust(t *testing.T) {
	c := newCores(t, nil)
	u := newTestUI(t, c)
	s := openSettings(t, u, 1)
	k := getPKI(t)

	s.certs.importData("ca.pem", k.ca.certPEM, nil)
	wantText(t, s.win, "ca.pem holds 1 certificate and 0 private keys.",
		"Siegel Test CA is a certificate authority. Importing makes Siegel trust it for every certificate it issues",
		groupedFingerprint(fingerprint(k.ca)))
	tap(t, s.win, "Import")
	wantText(t, s.win, "Already in the store")
	notText(t, s.win, "Imported")
	tap(t, s.win, "OK")

	self, err := newIdentity(99, "Sam Self", "sam@example.com", nil, false, time.Now().Add(-time.Hour), time.Now().AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	s.certs.importData("sam.pem", append(self.certPEM, self.keyPEM...), nil)
	wantText(t, s.win, "sam.pem holds 1 certificate and 1 private key.",
		"Sam Self is self-signed: no certificate authority vouches for it. Importing makes Siegel trust it for signed mail from sam@example.com.",
		groupedFingerprint(fingerprint(self)))
	tap(t, s.win, "Cancel")

	// Alice's certificate comes from the CA: no such warning.
	s.certs.importData("alice.pem", k.alice.certPEM, nil)
	notText(t, s.win, "Alice Example is")
	tap(t, s.win, "Cancel")

	s.certs.importData("garbage.p12", []byte("this is not a certificate"), nil)
	wantText(t, s.win, "Certificate not imported")
	notText(t, s.win, "Something went wrong")
	var errIcon bool
	for _, o := range onScreen(s.win) {
		if ic, ok := o.(*widget.Icon); ok && ic.Resource != nil && ic.Resource.Name() == theme.ErrorIcon().Name() {
			errIcon = true
		}
	}
	if !errIcon {
		t.Error("the error dialog has no error icon")
	}
	tap(t, s.win, "OK")
}

// A click on any cell selects the certificate's whole row; the headers
// fit their columns in German.
func TestCertificateRowSelection(t *testing.T) {
	c := newCores(t, nil)
	u := newTestUIIn(t, c, langGerman)
	u.win.Resize(fyne.NewSize(1280, 860))
	s := openSettings(t, u, 1)
	p := s.certs
	row := -1
	for i, sum := range p.list {
		if sum.Subject == "Alice Example" {
			row = i
		}
	}
	p.table.Select(widget.TableCellID{Row: row, Col: colEmails})
	if p.sel != row {
		t.Fatalf("selected row %d, want %d", p.sel, row)
	}
	selected, other := 0, 0
	for _, o := range onScreen(s.win) {
		if cell, ok := o.(*certCell); ok {
			if cell.bg.Visible() {
				selected++
			} else {
				other++
			}
		}
	}
	if selected != numCols || other == 0 {
		t.Errorf("%d cells drawn selected (%d not), want the row's %d", selected, other, numCols)
	}
	for col, key := range colHeaders {
		need := fyne.MeasureText(tr(key), theme.TextSize(), fyne.TextStyle{Bold: true}).Width + 2*theme.InnerPadding()
		if p.widths[col] < need {
			t.Errorf("column %q is %v wide, its header needs %v", tr(key), p.widths[col], need)
		}
	}
}
