package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"siegel/certs/revocation"
	"siegel/crypto/smime"
)

// The times of the revocation fixtures (time.Local is UTC in the tests).
var (
	revokedAt = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	checkedAt = time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
)

// fakeRevocations is the settings' view of revocation checking, keeping
// the two settings and recording every call that changes something.
type fakeRevocations struct {
	mu             sync.Mutex
	online, strict bool
	calls          []string
	imported       [][]byte
	// importErr is what ImportCRL answers for a file's content; other
	// content is imported as importInfo.
	importErr  map[string]error
	importInfo revocation.CRLInfo
	crls       []revocation.CRLInfo
	status     map[string]smime.Revocation // by fingerprint
}

func (f *fakeRevocations) ImportCRL(_ context.Context, data []byte) (revocation.CRLInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "ImportCRL")
	if err := f.importErr[string(data)]; err != nil {
		return revocation.CRLInfo{}, err
	}
	f.imported = append(f.imported, data)
	return f.importInfo, nil
}

func (f *fakeRevocations) CRLs(context.Context) ([]revocation.CRLInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.crls, nil
}

func (f *fakeRevocations) Status(_ context.Context, fp string) (smime.Revocation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r, ok := f.status[fp]; ok {
		return r, nil
	}
	return smime.Revocation{Status: smime.RevNotChecked, Reason: "the issuing CA certificate is not in the store"}, nil
}

func (f *fakeRevocations) Online(context.Context) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.online, nil
}

func (f *fakeRevocations) SetOnline(_ context.Context, on bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf("SetOnline(%v)", on))
	f.online = on
	return nil
}

func (f *fakeRevocations) Strict(context.Context) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.strict, nil
}

func (f *fakeRevocations) SetStrict(_ context.Context, strict bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf("SetStrict(%v)", strict))
	f.strict = strict
	return nil
}

func (f *fakeRevocations) called() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// newRevocationUI is newTestUIIn with revocation checking (revs) and,
// when engine is not nil, another Check than the real engine's.
func newRevocationUI(t testing.TB, c *cores, l string, revs Revocations, engine Checker) *UI {
	t.Helper()
	a := test.NewTempApp(t)
	a.Preferences().SetString(prefLanguage, l)
	cs := Cores{Desk: c.desk, Store: c.side.Store, Engine: c.side.Engine, Profile: c.side.Profile, Revocations: revs}
	if engine != nil {
		cs.Engine = engine
	}
	u := newUI(a, cs, Options{}, &jobs{inline: true})
	t.Cleanup(func() {
		u.Close()
		SetLanguage(langEnglish)
	})
	u.win.Resize(fyne.NewSize(1280, 860))
	u.jobs.drain()
	return u
}

// labelTexts are the texts of the labels on screen, each whole.
func labelTexts(w fyne.Window) []string {
	var out []string
	for _, o := range onScreen(w) {
		if l, ok := o.(*widget.Label); ok {
			out = append(out, l.Text)
		}
	}
	return out
}

// wantLabel fails unless a label on screen reads exactly text, n times at
// least.
func wantLabel(t testing.TB, w fyne.Window, text string, n int) {
	t.Helper()
	got := 0
	for _, l := range labelTexts(w) {
		if l == text {
			got++
		}
	}
	if got < n {
		t.Errorf("%d labels read %q, want %d; the labels are:\n%s", got, text, n, strings.Join(labelTexts(w), "\n---\n"))
	}
}

// The revocation cases of the seal's tooltip and the details dialog.
var revocationCases = []struct {
	name  string
	state smime.SignatureState
	rev   smime.Revocation
	// tip and details per language: the whole tooltip, and the whole
	// revocation field of the details ("" when it has none).
	tip, details map[string]string
}{
	{
		name: "revoked signer", state: smime.SigRevoked,
		rev: smime.Revocation{Status: smime.RevRevoked, Source: "ocsp", RevokedAt: revokedAt, Reason: "keyCompromise", CheckedAt: checkedAt},
		tip: map[string]string{
			langEnglish: "Sign: The signer's certificate was revoked by its certificate authority.\nThe Subject is not covered by the signature.\n" +
				"The signer's certificate was revoked on 2026-12-01.\nReason: key compromise\nSource: OCSP, checked 2026-12-02 08:00\n\n" +
				"Click for all details.",
			langGerman: "Signieren: Das Zertifikat des Absenders wurde von seiner Zertifizierungsstelle widerrufen.\nDer Betreff ist nicht durch die Signatur geschützt.\n" +
				"Das Zertifikat des Absenders wurde am 01.12.2026 widerrufen.\nGrund: Schlüssel kompromittiert\nQuelle: OCSP, geprüft 02.12.2026 08:00\n\n" +
				"Klicken für alle Details.",
		},
		details: map[string]string{
			langEnglish: "The signer's certificate was revoked on 2026-12-01.\nReason: key compromise\nSource: OCSP, checked 2026-12-02 08:00",
			langGerman:  "Das Zertifikat des Absenders wurde am 01.12.2026 widerrufen.\nGrund: Schlüssel kompromittiert\nQuelle: OCSP, geprüft 02.12.2026 08:00",
		},
	},
	{
		name: "revoked intermediate", state: smime.SigRevoked,
		rev: smime.Revocation{Status: smime.RevRevoked, Source: "crl", RevokedAt: revokedAt, Reason: "cACompromise", CheckedAt: checkedAt,
			Subject: "Siegel Intermediate CA"},
		tip: map[string]string{
			langEnglish: "Sign: The signer's certificate was revoked by its certificate authority.\nThe Subject is not covered by the signature.\n" +
				"The certificate of the issuing CA “Siegel Intermediate CA” was revoked on 2026-12-01.\nReason: CA compromise\n" +
				"Source: CRL, checked 2026-12-02 08:00\n\nClick for all details.",
			langGerman: "Signieren: Das Zertifikat des Absenders wurde von seiner Zertifizierungsstelle widerrufen.\nDer Betreff ist nicht durch die Signatur geschützt.\n" +
				"Das Zertifikat der ausstellenden Zertifizierungsstelle „Siegel Intermediate CA“ wurde am 01.12.2026 widerrufen.\n" +
				"Grund: Zertifizierungsstelle kompromittiert\nQuelle: CRL, geprüft 02.12.2026 08:00\n\nKlicken für alle Details.",
		},
		details: map[string]string{
			langEnglish: "The certificate of the issuing CA “Siegel Intermediate CA” was revoked on 2026-12-01.\nReason: CA compromise\n" +
				"Source: CRL, checked 2026-12-02 08:00",
			langGerman: "Das Zertifikat der ausstellenden Zertifizierungsstelle „Siegel Intermediate CA“ wurde am 01.12.2026 widerrufen.\n" +
				"Grund: Zertifizierungsstelle kompromittiert\nQuelle: CRL, geprüft 02.12.2026 08:00",
		},
	},
	{
		name: "unknown", state: smime.SigValid,
		rev: smime.Revocation{Status: smime.RevUnknown, Reason: "the OCSP responder did not answer"},
		tip: map[string]string{
			langEnglish: "The signature of this message was verified successfully.\nThe Subject is not covered by the signature.\n" +
				"Revocation could not be checked: the OCSP responder did not answer\n\nClick for all details.",
			langGerman: "Die Signatur dieser Nachricht wurde erfolgreich verifiziert.\nDer Betreff ist nicht durch die Signatur geschützt.\n" +
				"Widerruf konnte nicht geprüft werden: the OCSP responder did not answer\n\nKlicken für alle Details.",
		},
		details: map[string]string{
			langEnglish: "Revocation could not be checked: the OCSP responder did not answer",
			langGerman:  "Widerruf konnte nicht geprüft werden: the OCSP responder did not answer",
		},
	},
	{
		name: "checking", state: smime.SigValid,
		rev: smime.Revocation{Status: smime.RevChecking},
		tip: map[string]string{
			langEnglish: "The signature of this message was verified successfully.\nThe Subject is not covered by the signature.\nChecking revocation…\n\nClick for all details.",
			langGerman:  "Die Signatur dieser Nachricht wurde erfolgreich verifiziert.\nDer Betreff ist nicht durch die Signatur geschützt.\nWiderruf wird geprüft…\n\nKlicken für alle Details.",
		},
		details: map[string]string{langEnglish: "Checking revocation…", langGerman: "Widerruf wird geprüft…"},
	},
	{
		name: "good", state: smime.SigValid,
		rev: smime.Revocation{Status: smime.RevGood, Source: "ocsp", CheckedAt: checkedAt},
		tip: map[string]string{
			langEnglish: "The signature of this message was verified successfully.\nThe Subject is not covered by the signature.\nNot revoked (checked 2026-12-02 08:00, OCSP)\n\nClick for all details.",
			langGerman:  "Die Signatur dieser Nachricht wurde erfolgreich verifiziert.\nDer Betreff ist nicht durch die Signatur geschützt.\nNicht widerrufen (geprüft 02.12.2026 08:00, OCSP)\n\nKlicken für alle Details.",
		},
		details: map[string]string{
			langEnglish: "Not revoked (checked 2026-12-02 08:00, OCSP)",
			langGerman:  "Nicht widerrufen (geprüft 02.12.2026 08:00, OCSP)",
		},
	},
	{
		name: "not checked", state: smime.SigValid,
		rev: smime.Revocation{Status: smime.RevNotChecked, Reason: "self-signed certificate"},
		tip: map[string]string{
			langEnglish: "The signature of this message was verified successfully.\nThe Subject is not covered by the signature.\n\nClick for all details.",
			langGerman:  "Die Signatur dieser Nachricht wurde erfolgreich verifiziert.\nDer Betreff ist nicht durch die Signatur geschützt.\n\nKlicken für alle Details.",
		},
		details: map[string]string{
			langEnglish: "Revocation not checked: self-signed certificate",
			langGerman:  "Widerruf nicht geprüft: self-signed certificate",
		},
	},
}

// The seal's tooltip and the details dialog say what the CA answered:
// revoked (which certificate, when, why, per which source), unknown and
// why, still checking, or not revoked — and "not checked" only in the
// details. A valid signature keeps its green seal beside an unknown
// answer.
func TestRevocationTexts(t *testing.T) {
	defer SetLanguage(langEnglish)
	a := test.NewTempApp(t)
	for _, lang := range []string{langEnglish, langGerman} {
		SetLanguage(lang)
		for _, tc := range revocationCases {
			rev := tc.rev
			r := &smime.Result{Signature: tc.state, Revocation: &rev, Layers: []smime.Layer{{
				Kind: smime.LayerSigned, State: string(tc.state),
				Signers: []smime.Signer{{State: tc.state, Revocation: &rev}},
			}}}
			if got := signatureTooltip(r, epoch); got != tc.tip[lang] {
				t.Errorf("%s, %s: the tooltip reads\n%s\nwant\n%s", lang, tc.name, got, tc.tip[lang])
			}
			w := a.NewWindow("details")
			w.Resize(fyne.NewSize(900, 700))
			showSecurityDetails(nil, w, r)
			// Once for the message, once for its signer.
			wantLabel(t, w, tc.details[lang], 2)
			w.Close()
		}
	}
	SetLanguage(langEnglish)
	if signatureIcon(smime.SigRevoked) != iconSignError {
		t.Error("a revoked signer's seal is not the error seal")
	}
	if signatureIcon(smime.SigValid) != iconSigned {
		t.Error("a valid signature with an unknown revocation status is not the green seal")
	}
	if got := signatureLabel(smime.SigRevoked); got != "Signer's certificate revoked" {
		t.Errorf("the short label of revoked reads %q", got)
	}
}

// The failure banner of a revoked signer gives the state's text, the
// revocation and the advice, under the error icon.
func TestRevokedBanner(t *testing.T) {
	defer SetLanguage(langEnglish)
	c := newCores(t, nil)
	u := newTestUI(t, c)
	for _, tt := range []struct{ lang, state, detail string }{
		{langEnglish, "Sign: The signer's certificate was revoked by its certificate authority.",
			"The signer's certificate was revoked on 2026-12-01.\nReason: key compromise\nSource: OCSP, checked 2026-12-02 08:00"},
		{langGerman, "Signieren: Das Zertifikat des Absenders wurde von seiner Zertifizierungsstelle widerrufen.",
			"Das Zertifikat des Absenders wurde am 01.12.2026 widerrufen.\nGrund: Schlüssel kompromittiert\nQuelle: OCSP, geprüft 02.12.2026 08:00"},
	} {
		SetLanguage(tt.lang)
		rev := revocationCases[0].rev
		card := &articleCard{u: u, failures: container.NewVBox(), detailed: true}
		card.showFailures(&smime.Result{Signature: smime.SigRevoked, Encryption: smime.EncNone, Revocation: &rev})
		var texts []string
		errorIcon := false
		for _, o := range objects(card.failures) {
			if s := textOf(o); s != "" {
				texts = append(texts, s)
			}
			if ic, ok := o.(*widget.Icon); ok && ic.Resource != nil && ic.Resource.Name() == theme.ErrorIcon().Name() {
				errorIcon = true
			}
		}
		got := strings.Join(texts, "\n---\n")
		for _, want := range []string{tt.state, tt.detail, tr("advice.revoked")} {
			if !strings.Contains(got, want) {
				t.Errorf("%s: the banner lacks %q; it reads:\n%s", tt.lang, want, got)
			}
		}
		if !errorIcon {
			t.Errorf("%s: the banner of a revoked signer has no error icon", tt.lang)
		}
	}
}

// revokedChecker reports every recipient as revoked, the way the engine
// does when a recipient's only certificate was revoked.
type revokedChecker struct{ at time.Time }

func (r revokedChecker) Check(_ context.Context, from string, rcpts []string, _ time.Time) smime.Capabilities {
	c := smime.Capabilities{}
	for _, a := range rcpts {
		c.Revoked = append(c.Revoked, smime.RevokedRecipient{Address: a,
			Revocation: smime.Revocation{Status: smime.RevRevoked, Source: "crl", RevokedAt: r.at, Reason: "keyCompromise"}})
	}
	return c
}

// A recipient whose certificate was revoked makes Encrypt unavailable as
// a missing certificate does, and its tooltip says whose certificate was
// revoked and when.
func TestEncryptRevokedRecipient(t *testing.T) {
	c := newCores(t, nil)
	for _, tt := range []struct {
		lang string
		at   time.Time
		want string
	}{
		{langEnglish, revokedAt, "Ask your administrator to add the recipient's certificate to the certificate store.\n" +
			"The certificate of bob@example.org was revoked on 2026-12-01."},
		{langEnglish, time.Time{}, "Ask your administrator to add the recipient's certificate to the certificate store.\n" +
			"The certificate of bob@example.org was revoked."},
		{langGerman, revokedAt, "Bitte Deinen Administrator, das Zertifikat des Empfängers dem Zertifikatsspeicher hinzuzufügen.\n" +
			"Das Zertifikat von bob@example.org wurde am 01.12.2026 widerrufen."},
		{langGerman, time.Time{}, "Bitte Deinen Administrator, das Zertifikat des Empfängers dem Zertifikatsspeicher hinzuzufügen.\n" +
			"Das Zertifikat von bob@example.org wurde widerrufen."},
	} {
		u := newRevocationUI(t, c, tt.lang, nil, revokedChecker{at: tt.at})
		cp := newTicketComposer(t, u)
		// Each UI continues the draft of the one before: replace its To.
		cp.to.SetText("Bob Example <bob@example.org>")
		if !cp.encrypt.Disabled() || cp.encrypt.on {
			t.Errorf("%s: Encrypt to a revoked recipient: disabled %v on %v, want disabled and off", tt.lang, cp.encrypt.Disabled(), cp.encrypt.on)
		}
		if got := cp.encrypt.ToolTip(); got != tt.want {
			t.Errorf("%s: disabled Encrypt's tooltip reads\n%s\nwant\n%s", tt.lang, got, tt.want)
		}
	}
}

// The Security page shows the two revocation switches as stored, and
// switching them goes to the core; the administrator lock closes them,
// and without revocation checking they are not there.
func TestRevocationSwitches(t *testing.T) {
	c := newCores(t, nil)
	revs := &fakeRevocations{online: false, strict: true}
	u := newRevocationUI(t, c, langEnglish, revs, nil)
	s := openSettings(t, u, 2)
	wantText(t, s.win, "Check revocation online (OCSP and CRL)", "Treat unknown revocation status as untrusted")
	p := s.security
	if p.online.Checked || !p.strict.Checked {
		t.Fatalf("the switches show online %v strict %v, want the stored false and true", p.online.Checked, p.strict.Checked)
	}
	if len(revs.called()) != 0 {
		t.Fatalf("showing the stored state changed it: %v", revs.called())
	}
	test.Tap(p.online)
	test.Tap(p.strict)
	if got, want := strings.Join(revs.called(), " "), "SetOnline(true) SetStrict(false)"; got != want {
		t.Errorf("switching called %q, want %q", got, want)
	}
	if !p.online.Checked || p.strict.Checked {
		t.Errorf("after switching: online %v strict %v", p.online.Checked, p.strict.Checked)
	}
	s.win.Close()

	// A new window reads the state again.
	s = openSettings(t, u, 2)
	if !s.security.online.Checked || s.security.strict.Checked {
		t.Errorf("a new window shows online %v strict %v, want true and false", s.security.online.Checked, s.security.strict.Checked)
	}
	s.win.Close()

	if err := c.side.Profile.SetAdmin(c.ctx, nil, []byte("admin secret")); err != nil {
		t.Fatal(err)
	}
	s = openSettings(t, u, 2)
	for _, ch := range []*widget.Check{&s.security.online.Check, &s.security.strict.Check} {
		if !ch.Disabled() {
			t.Errorf("%q is open while the administrator lock is closed", ch.Text)
		}
	}
	if tip := s.security.online.ToolTip(); !strings.Contains(tip, "needs the administrator password") {
		t.Errorf("the locked switch's tooltip %q does not say why", tip)
	}
	before := len(revs.called())
	test.Tap(s.security.online)
	if len(revs.called()) != before {
		t.Errorf("a locked switch called %v", revs.called()[before:])
	}
	s.win.Close()

	plain := newTestUI(t, c)
	s = openSettings(t, plain, 2)
	if s.security.online != nil {
		t.Error("without revocation checking the page has its switches")
	}
	notText(t, s.win, "Check revocation online (OCSP and CRL)")
}

// Import CRL says what it imported, or for each refusal why; the
// certificate's details give its revocation status; Revocation lists
// shows the stored lists.
func TestImportCRL(t *testing.T) {
	defer SetLanguage(langEnglish)
	c := newCores(t, nil)
	k := getPKI(t)
	revs := &fakeRevocations{online: true,
		importErr: map[string]error{
			"garbage": fmt.Errorf("revocation: %w: no CRL", revocation.ErrNotCRL),
			"orphan":  fmt.Errorf("revocation: CRL of %q: %w", "Other CA", revocation.ErrNoIssuer),
			"forged":  fmt.Errorf("revocation: CRL of %q: %w", "Siegel Test CA", revocation.ErrBadSignature),
			"old":     fmt.Errorf("revocation: CRL of %q: %w: next update 2025-01-01", "Siegel Test CA", revocation.ErrStale),
			"huge":    fmt.Errorf("revocation: CRL file of 40000000 bytes: %w", revocation.ErrTooLarge),
			"broken":  errors.New("disk on fire"),
		},
		importInfo: revocation.CRLInfo{Issuer: "Siegel Test CA", ThisUpdate: checkedAt, NextUpdate: checkedAt.Add(7 * 24 * time.Hour),
			FetchedAt: checkedAt, Entries: 2, Imported: true},
		crls: []revocation.CRLInfo{
			{Issuer: "Siegel Test CA", ThisUpdate: checkedAt, NextUpdate: checkedAt.Add(7 * 24 * time.Hour), FetchedAt: checkedAt, Entries: 2, Imported: true},
			{Issuer: "Partner CA", URL: "http://crl.partner.example/ca.crl", ThisUpdate: checkedAt, FetchedAt: checkedAt.Add(time.Hour), Entries: 0},
		},
		status: map[string]smime.Revocation{
			fingerprint(k.alice): {Status: smime.RevRevoked, Source: "crl", RevokedAt: revokedAt, Reason: "superseded", CheckedAt: checkedAt},
			fingerprint(k.desk):  {Status: smime.RevGood, Source: "ocsp", CheckedAt: checkedAt},
		},
	}
	errorsIn := map[string]map[string]string{
		langEnglish: {
			"garbage": "x.crl: The file holds no certificate revocation list (CRL).",
			"orphan":  "x.crl: The certificate authority that issued this revocation list is not in the certificate store. Import its CA certificate first.",
			"forged":  "x.crl: The signature of the revocation list does not match its CA's certificate: the list is forged or damaged.",
			"old":     "x.crl: The revocation list is out of date: its next update is past. Get a current one from the certificate authority.",
			"huge":    "x.crl: The file is larger than 32 MB: no revocation list is that large.",
			"broken":  "x.crl: disk on fire",
		},
		langGerman: {
			"garbage": "x.crl: Die Datei enthält keine Zertifikatsperrliste (CRL).",
			"orphan":  "x.crl: Die Zertifizierungsstelle, die diese Sperrliste ausgestellt hat, ist nicht im Zertifikatsspeicher. Importiere zuerst ihr CA-Zertifikat.",
			"forged":  "x.crl: Die Signatur der Sperrliste passt nicht zum Zertifikat ihrer Zertifizierungsstelle: Die Liste ist gefälscht oder beschädigt.",
			"old":     "x.crl: Die Sperrliste ist veraltet: Ihre nächste Aktualisierung ist überfällig. Hol eine aktuelle bei der Zertifizierungsstelle.",
			"huge":    "x.crl: Die Datei ist größer als 32 MB – so groß ist keine Sperrliste.",
			"broken":  "x.crl: disk on fire",
		},
	}
	success := map[string]string{
		langEnglish: "The revocation list of “Siegel Test CA” was imported.\nRevoked certificates: 2\nNext update: 2026-12-09 08:00",
		langGerman:  "Die Sperrliste von „Siegel Test CA“ wurde importiert.\nWiderrufene Zertifikate: 2\nNächste Aktualisierung: 09.12.2026 08:00",
	}
	for _, lang := range []string{langEnglish, langGerman} {
		u := newRevocationUI(t, c, lang, revs, nil)
		s := openSettings(t, u, 1)
		if disabled(buttonOn(t, s.win, tr("certs.import-crl"))) {
			t.Fatalf("%s: Import CRL is closed without an administrator password", lang)
		}
		for data, want := range errorsIn[lang] {
			s.certs.importCRLData("x.crl", []byte(data))
			wantLabel(t, s.win, want, 1)
			tapLast(t, s.win, "OK")
		}
		s.certs.importCRLData("ca.crl", []byte("a good CRL"))
		wantLabel(t, s.win, success[lang], 1)
		tapLast(t, s.win, "OK")

		selectCert(t, s.certs, "Alice Example")
		tap(t, s.win, "Details")
		wantLabel(t, s.win, map[string]string{
			langEnglish: "This certificate was revoked on 2026-12-01.\nReason: superseded by a new certificate\nSource: CRL, checked 2026-12-02 08:00",
			langGerman:  "Dieses Zertifikat wurde am 01.12.2026 widerrufen.\nGrund: durch ein neues Zertifikat ersetzt\nQuelle: CRL, geprüft 02.12.2026 08:00",
		}[lang], 1)
		tapLast(t, s.win, tr("dialog.close"))
		selectCert(t, s.certs, "Siegel Helpdesk")
		tap(t, s.win, "Details")
		wantLabel(t, s.win, map[string]string{
			langEnglish: "Not revoked (checked 2026-12-02 08:00, OCSP)",
			langGerman:  "Nicht widerrufen (geprüft 02.12.2026 08:00, OCSP)",
		}[lang], 1)
		tapLast(t, s.win, tr("dialog.close"))

		tap(t, s.win, tr("certs.crls"))
		if lang == langEnglish {
			wantText(t, s.win, "Siegel Test CA", "imported 2026-12-02 08:00", "2026-12-09 08:00",
				"Partner CA", "fetched 2026-12-02 09:00", "http://crl.partner.example/ca.crl", "none given")
		} else {
			wantText(t, s.win, "Siegel Test CA", "importiert 02.12.2026 08:00", "09.12.2026 08:00",
				"Partner CA", "abgerufen 02.12.2026 09:00", "keine angegeben")
		}
		tapLast(t, s.win, tr("dialog.close"))
		s.win.Close()
	}
	if len(revs.imported) != 2 || string(revs.imported[0]) != "a good CRL" {
		t.Errorf("the core got %q", revs.imported)
	}

	// Administrator only, like the other import.
	if err := c.side.Profile.SetAdmin(c.ctx, nil, []byte("admin secret")); err != nil {
		t.Fatal(err)
	}
	u := newRevocationUI(t, c, langEnglish, revs, nil)
	s := openSettings(t, u, 1)
	b := buttonOn(t, s.win, "Import CRL…")
	if !disabled(b) {
		t.Error("Import CRL is open while the administrator lock is closed")
	}
	if tip := b.(interface{ ToolTip() string }).ToolTip(); !strings.Contains(tip, "needs the administrator password") {
		t.Errorf("the locked Import CRL's tooltip %q does not say why", tip)
	}
	before := len(revs.called())
	s.certs.importCRLData("x.crl", []byte("a good CRL"))
	if len(revs.called()) != before {
		t.Error("a locked window imported a CRL")
	}
	if disabled(buttonOn(t, s.win, "Revocation lists…")) {
		t.Error("the revocation lists are closed to agents")
	}
	s.win.Close()

	// Without revocation checking there is neither.
	s = openSettings(t, newTestUI(t, c), 1)
	notText(t, s.win, "Import CRL…", "Revocation lists…")
}
