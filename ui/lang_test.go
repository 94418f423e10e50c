package ui

import (
	"os"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"siegel/mail"
)

// newTestUIIn is newTestUI in a language choice ("" follows the system).
func newTestUIIn(t testing.TB, c *cores, l string) *UI {
	t.Helper()
	a := test.NewTempApp(t)
	a.Preferences().SetString(prefLanguage, l)
	u := newUI(a, Cores{Desk: c.desk, Store: c.side.Store, Engine: c.side.Engine, Profile: c.side.Profile}, Options{}, &jobs{inline: true})
	t.Cleanup(func() {
		u.Close()
		SetLanguage(langEnglish)
	})
	return u
}

// germanTexts are DESIGN.md §3's texts the fixtures show, in German.
var germanTexts = map[int64][]string{
	10000: {"Verschlüsselt", "Signiert", "Verschlüsseln", "Signieren", "Senden"},
	10001: {"Signieren: Zertifikat für Validierung nicht auffindbar.",
		"Bitte Deinen Administrator, das Zertifikat des Absenders zum Zertifikatsspeicher hinzuzufügen.",
		"IMMER die Zertifikate persönlich oder telefonisch überprüfen!", "Sicherheitsprüfung wiederholen"},
	10002: {"Signieren: Die Nachricht wurde nach dem Signieren verändert."},
	10004: {"Signieren: Dem Zertifikat des Absenders wird nicht vertraut: Es stammt nicht von einer Zertifizierungsstelle im Zertifikatsspeicher oder ist nicht für E-Mail bestimmt."},
	10005: {"Verschlüsselung: Kann keinen privaten Schlüssel zum Entschlüsseln finden.",
		"Bitte Deinen Administrator, den privaten Schlüssel Deiner Organisation im Zertifikatsspeicher zu verifizieren"},
}

func checkGerman(t *testing.T, u *UI) {
	t.Helper()
	for n, texts := range germanTexts {
		openReply(t, u, n)
		showDetails(t, u.win)
		wantText(t, u.win, texts...)
	}
	v := openTicket(t, u, 10000)
	for _, tip := range []struct{ got, want string }{
		{v.composer.encrypt.ToolTip(), "Diese Nachricht wird verschlüsselt."},
		{v.composer.sign.ToolTip(), "Diese Nachricht wird signiert."},
	} {
		if !strings.Contains(tip.got, tip.want) {
			t.Errorf("tooltip %q lacks %q", tip.got, tip.want)
		}
	}
	var card *articleCard
	for _, c := range v.byID {
		card = c
	}
	if tip := card.bar.enc.ToolTip(); !strings.Contains(tip, "Diese Nachricht wurde für Dich verschlüsselt.") {
		t.Errorf("the lock's tooltip %q is not German", tip)
	}
	if tip := card.bar.sig.ToolTip(); !strings.Contains(tip, "Die Signatur dieser Nachricht wurde erfolgreich verifiziert.") || !strings.Contains(tip, "Fingerabdruck (SHA-256):") {
		t.Errorf("the seal's tooltip %q is not German", tip)
	}
	notText(t, u.win, "New ticket", "Retry security check")
}

// Choosing Deutsch shows the German texts of DESIGN.md §3.
func TestGermanTexts(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	u := newTestUIIn(t, c, langGerman)
	wantText(t, u.win, "Neues Ticket", "Mail abrufen", "Einstellungen")
	checkGerman(t, u)
}

// By default the texts follow the system locale, as go-locale reads it
// from the environment; a choice overrides it, also under LANG=C.
func TestLanguageFollowsSystem(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	setLocale := func(vars map[string]string) {
		for _, v := range localeVars {
			val, ok := vars[v]
			if ok {
				t.Setenv(v, val)
			} else {
				t.Setenv(v, "")
				os.Unsetenv(v)
			}
		}
		captureSystemLocale()
	}
	t.Cleanup(captureSystemLocale)

	setLocale(map[string]string{"LANG": "de_AT.UTF-8"})
	u := newTestUIIn(t, c, langSystem)
	checkGerman(t, u)

	setLocale(map[string]string{"LANG": "en_GB.UTF-8", "LANGUAGE": "en"})
	u = newTestUIIn(t, c, langSystem)
	wantText(t, u.win, "New ticket")

	setLocale(map[string]string{"LC_ALL": "C"})
	u = newTestUIIn(t, c, langGerman)
	wantText(t, u.win, "Neues Ticket")
	if got := os.Getenv("LC_ALL"); got != "de_DE.UTF-8" {
		t.Errorf("with LC_ALL=C and Deutsch chosen, LC_ALL is %q", got)
	}
	u = newTestUIIn(t, c, langSystem)
	wantText(t, u.win, "New ticket")
	if got := os.Getenv("LC_ALL"); got != "C" {
		t.Errorf("following the system again, LC_ALL is %q, want C", got)
	}
}

// Switching the language in Appearance rebuilds the windows at once,
// keeping the open ticket and what the composer holds.
func TestSwitchLanguage(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	u := newTestUI(t, c)
	v := openReply(t, u, 10001)
	test.Type(v.composer.body, "Moment bitte")
	u.main.status.synced(mail.SyncReport{Accounts: []mail.AccountSync{{New: 2}}}, nil)
	s := openSettings(t, u, 3)
	s.appearance.choice.SetSelected("Deutsch")
	wantText(t, u.win, "Neues Ticket", "Signieren: Zertifikat für Validierung nicht auffindbar.", "Moment bitte",
		"2 neue Nachrichten", "Neu (5)", "Alle (5)", "Wartend")
	if got := u.win.Title(); got != "Siegel — 5 ungelesen" {
		t.Errorf("the window title reads %q", got)
	}
	wantText(t, u.settings.win, "Sprache")
	if got := u.settings.win.Title() + " / " + u.settings.tabs.Items[0].Text; got != "Siegel – Einstellungen / Konten" {
		t.Errorf("the settings window reads %q", got)
	}
	if got := u.settings.appearance.choice.Options[0]; got != "Wie das System" {
		t.Errorf("the first language choice reads %q", got)
	}
	if u.app.Preferences().String(prefLanguage) != langGerman {
		t.Error("the choice was not stored")
	}
	u.settings.appearance.choice.SetSelected("English")
	wantText(t, u.win, "New ticket", "Sign: The certificate for verification could not be found.", "Moment bitte")
}
