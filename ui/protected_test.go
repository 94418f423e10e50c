package ui

import (
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"siegel/crypto/smime"
	"siegel/mail"
	"siegel/mail/mailtest"
	"siegel/message"
)

// protectedNotes are the texts of the card's notes on its header, each
// whole.
func protectedNotes(c *articleCard) []string {
	var out []string
	for _, o := range objects(c.protected) {
		if l, ok := o.(*widget.Label); ok {
			out = append(out, l.Text)
		}
	}
	return out
}

// cardOf is the only card of the open ticket.
func cardOf(t testing.TB, v *ticketView) *articleCard {
	t.Helper()
	cards := v.ordered()
	if len(cards) != 1 {
		t.Fatalf("the ticket has %d cards, want 1", len(cards))
	}
	return cards[0]
}

// A signed message whose outer Subject was changed after signing ("You
// are fired") shows the Subject the sender signed, and beside the header,
// outside the body, the note what the unsigned outer header says — in
// English and German. The same message unchanged has no note.
func TestProtectedSubjectChanged(t *testing.T) {
	c := newCores(t, nil)
	alice := customer(t, getPKI(t).alice)
	signed := alice.SealAt(t, mailtest.Message(t, "Alice Example <alice@example.org>", mailtest.DeskAddress, "Printer broken",
		"The printer in room 4 is broken.", mailtest.At(epoch), mailtest.WithID("changed@example.org")), epoch, true, false)
	kept := alice.SealAt(t, mailtest.Message(t, "Alice Example <alice@example.org>", mailtest.DeskAddress, "Scanner broken",
		"The scanner in room 4 is broken.", mailtest.At(epoch.Add(time.Hour)), mailtest.WithID("kept@example.org")), epoch.Add(time.Hour), true, false)
	// The outer header comes first: this changes it alone.
	c.deliver(tamper(t, signed, "Subject: Printer broken", "Subject: You are fired"), kept)
	for _, tt := range []struct{ lang, note string }{
		{langEnglish, "Outside the signature the Subject reads: “You are fired”"},
		{langGerman, "Außerhalb der Signatur lautet der Betreff: „You are fired“"},
	} {
		u := newRevocationUI(t, c, tt.lang, nil, nil)
		v := openTicket(t, u, 10000)
		card := cardOf(t, v)
		if got := card.res.Signature; got != smime.SigValid {
			t.Fatalf("%s: the changed outer Subject made the signature %s; the test needs a valid one", tt.lang, got)
		}
		wantText(t, u.win, "Printer broken")
		notText(t, u.win, "[Ticket#10000]  You are fired")
		if got := strings.Join(protectedNotes(card), "\n"); got != tt.note {
			t.Errorf("%s: the card's note reads %q, want %q", tt.lang, got, tt.note)
		}
		// The note stands with the header, above the security bar and
		// the body, never where the signed text is.
		relayout(u.win.Canvas())
		d := fyne.CurrentApp().Driver()
		if n, b := d.AbsolutePositionForObject(card.protected).Y, d.AbsolutePositionForObject(card.bar.obj).Y; n >= b {
			t.Errorf("%s: the note (y %v) is not above the security bar (y %v)", tt.lang, n, b)
		}
		if strings.Contains(card.body.Text, "You are fired") {
			t.Errorf("%s: the body shows the outer Subject: %q", tt.lang, card.body.Text)
		}

		v = openTicket(t, u, 10001)
		card = cardOf(t, v)
		if notes := protectedNotes(card); len(notes) != 0 || card.res.Protected == nil {
			t.Errorf("%s: the unchanged message has the notes %q (protected %+v)", tt.lang, notes, card.res.Protected)
		}
		if got, want := card.bar.sig.ToolTip(), tr("tip.protected.signed"); !strings.Contains(got, want) {
			t.Errorf("%s: the seal's tooltip lacks %q:\n%s", tt.lang, want, got)
		}
	}
}

// The notes name every field that differs, with the outer value or that
// it is missing, and say "outside the encryption" for a protected copy
// that only encryption covers.
func TestProtectedNotes(t *testing.T) {
	c := newCores(t, nil)
	u := newTestUI(t, c)
	date := time.Date(2026, 11, 30, 9, 15, 0, 0, time.UTC)
	outer := message.Envelope{Subject: "You are fired", From: []message.Address{{Name: "Boss", Address: "boss@example.net"}}, Date: date}
	// formatTime writes the date in the time zone TestMain fixes.
	for _, tt := range []struct {
		lang   string
		signed bool
		want   []string
	}{
		{langEnglish, true, []string{
			"Outside the signature the Subject reads: “You are fired”",
			"Outside the signature the From reads: “Boss <boss@example.net>”",
			"Outside the signature there is no To.",
			"Outside the signature the Date reads: “2026-11-30 09:15”",
		}},
		{langEnglish, false, []string{
			"Outside the encryption the Subject reads: “You are fired”",
			"Outside the encryption the From reads: “Boss <boss@example.net>”",
			"Outside the encryption there is no To.",
			"Outside the encryption the Date reads: “2026-11-30 09:15”",
		}},
		{langGerman, true, []string{
			"Außerhalb der Signatur lautet der Betreff: „You are fired“",
			"Außerhalb der Signatur lautet der Absender (Von): „Boss <boss@example.net>“",
			"Außerhalb der Signatur fehlt das Feld „An“.",
			"Außerhalb der Signatur lautet das Datum: „30.11.2026 09:15“",
		}},
		{langGerman, false, []string{
			"Außerhalb der Verschlüsselung lautet der Betreff: „You are fired“",
			"Außerhalb der Verschlüsselung lautet der Absender (Von): „Boss <boss@example.net>“",
			"Außerhalb der Verschlüsselung fehlt das Feld „An“.",
			"Außerhalb der Verschlüsselung lautet das Datum: „30.11.2026 09:15“",
		}},
	} {
		SetLanguage(tt.lang)
		res := &smime.Result{Encryption: smime.EncDecrypted, Signature: smime.SigValid, Envelope: outer,
			Protected: &smime.Protected{Mode: "cipher", Signed: tt.signed, Differs: []string{"Subject", "From", "To", "Date"}}}
		card := newArticleCard(u, mail.Article{ID: 1, Security: res}, true)
		card.build()
		if got, want := strings.Join(protectedNotes(card), "\n"), strings.Join(tt.want, "\n"); got != want {
			t.Errorf("%s, signed %v: the notes read\n%s\nwant\n%s", tt.lang, tt.signed, got, want)
		}
		res.Protected.Differs = nil
		card.show()
		if notes := protectedNotes(card); len(notes) != 0 {
			t.Errorf("%s: without differing fields the card has the notes %q", tt.lang, notes)
		}
	}
}

// The seal's tooltip says what the signature covers: without a protected
// header not the Subject, with a signed one the whole header; the lock's
// tooltip says when the sender hid the Subject outside the encryption.
func TestProtectedTooltips(t *testing.T) {
	defer SetLanguage(langEnglish)
	plain := &smime.Result{Signature: smime.SigValid, Encryption: smime.EncNone}
	protected := &smime.Result{Signature: smime.SigValid, Encryption: smime.EncNone,
		Protected: &smime.Protected{Mode: "clear", Signed: true}}
	obscured := &smime.Result{Signature: smime.SigNone, Encryption: smime.EncDecrypted, Envelope: message.Envelope{Subject: "[...]"},
		Protected: &smime.Protected{Mode: "cipher", Obscured: []string{"Subject"}}}
	for _, tt := range []struct {
		lang                           string
		plain, protected, obscured, no string
	}{
		{langEnglish,
			"The signature of this message was verified successfully.\nThe Subject is not covered by the signature.\n\nClick for all details.",
			"The signature of this message was verified successfully.\nSubject, From, To, Cc and Date are covered by the signature.\n\nClick for all details.",
			"This message was encrypted for you. Even if a third party intercepted it, they could not read it.\n" +
				"The subject was hidden outside the encryption (“[...]”).\n\nClick for all details.",
			"This message is not signed."},
		{langGerman,
			"Die Signatur dieser Nachricht wurde erfolgreich verifiziert.\nDer Betreff ist nicht durch die Signatur geschützt.\n\nKlicken für alle Details.",
			"Die Signatur dieser Nachricht wurde erfolgreich verifiziert.\nBetreff, Von, An, Kopie und Datum sind durch die Signatur geschützt.\n\nKlicken für alle Details.",
			"Diese Nachricht wurde für Dich verschlüsselt. Selbst wenn sie von einer dritten Partei abgefangen würde, könnte diese sie nicht lesen.\n" +
				"Der Betreff wurde außerhalb der Verschlüsselung verborgen („[...]“).\n\nKlicken für alle Details.",
			"Diese Nachricht ist nicht signiert."},
	} {
		SetLanguage(tt.lang)
		for _, c := range []struct{ name, got, want string }{
			{"signed without protected header", signatureTooltip(plain, epoch), tt.plain},
			{"signed with protected header", signatureTooltip(protected, epoch), tt.protected},
			{"obscured subject", encryptionTooltip(obscured, epoch), tt.obscured},
			{"not signed", signatureTooltip(obscured, epoch), tt.no},
		} {
			if c.got != c.want {
				t.Errorf("%s, %s: the tooltip reads\n%s\nwant\n%s", tt.lang, c.name, c.got, c.want)
			}
		}
	}
}

// Siegel's sealing hides the Subject of encrypted mail by default: the
// card of such a message shows the real Subject and no note, and the
// lock says the Subject was hidden outside.
func TestObscuredSubjectCard(t *testing.T) {
	c := newCores(t, nil)
	alice := customer(t, getPKI(t).alice)
	raw, err := alice.Engine.Seal(c.ctx, mailtest.Message(t, "Alice Example <alice@example.org>", mailtest.DeskAddress, "Contract renewal",
		"The signed contract is attached.", mailtest.At(epoch)), smime.SealOptions{Sign: true, Encrypt: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), "Subject: [...]") {
		t.Fatal("the sealed message does not hide its Subject outside")
	}
	c.deliver(raw)
	u := newTestUI(t, c)
	v := openTicket(t, u, 10000)
	card := cardOf(t, v)
	wantText(t, u.win, "[Ticket#10000]  Contract renewal")
	if notes := protectedNotes(card); len(notes) != 0 {
		t.Errorf("a hidden Subject is marked as changed: %q", notes)
	}
	if got, want := card.bar.enc.ToolTip(), "The subject was hidden outside the encryption (“[...]”)."; !strings.Contains(got, want) {
		t.Errorf("the lock's tooltip lacks %q:\n%s", want, got)
	}
}

// The details list the protected header: its form, what covers it and
// the fields that read otherwise outside; without one, that the header
// stands unprotected.
func TestProtectedDetails(t *testing.T) {
	defer SetLanguage(langEnglish)
	a := test.NewTempApp(t)
	layers := []smime.Layer{{Kind: smime.LayerSigned, State: string(smime.SigValid), Signers: []smime.Signer{{State: smime.SigValid}}}}
	for _, tt := range []struct {
		lang string
		res  *smime.Result
		want []string
	}{
		{langEnglish, &smime.Result{Signature: smime.SigValid, Layers: layers, Envelope: message.Envelope{Subject: "You are fired"},
			Protected: &smime.Protected{Mode: "clear", Signed: true, Differs: []string{"Subject", "Cc"}}},
			[]string{"Protected header", "inside the signature (hp=\"clear\")", "the signature", "Subject: “You are fired”\nCc: (missing)"}},
		{langGerman, &smime.Result{Signature: smime.SigValid, Layers: layers, Envelope: message.Envelope{Subject: "[...]"},
			Protected: &smime.Protected{Mode: "cipher", Signed: true, Obscured: []string{"Subject"}}},
			[]string{"Geschützte Kopfzeilen", "innerhalb der Verschlüsselung (hp=\"cipher\")", "Außen absichtlich verborgen", "Betreff: „[...]“"}},
		{langEnglish, &smime.Result{Signature: smime.SigValid, Layers: layers},
			[]string{"This message carries no protected header: Subject, From, To, Cc and Date stand only outside the signature, where anyone on the way can change them."}},
	} {
		SetLanguage(tt.lang)
		w := a.NewWindow("details")
		w.Resize(fyne.NewSize(900, 700))
		showSecurityDetails(nil, w, tt.res)
		for _, want := range tt.want {
			wantLabel(t, w, want, 1)
		}
		w.Close()
	}
}

// The Security page's "Hide the subject" switch shows the stored state
// (on by default), stores "off" and "on", and is closed by the
// administrator lock.
func TestHideSubjectSwitch(t *testing.T) {
	c := newCores(t, nil)
	u := newTestUI(t, c)
	stored := func() string {
		t.Helper()
		v, err := c.side.Profile.Setting(c.ctx, mail.SettingHideSubject, "unset")
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	s := openSettings(t, u, 2)
	wantText(t, s.win, "Hide the subject of encrypted mail (“[...]”)")
	p := s.security
	if !p.hide.Checked || stored() != "unset" {
		t.Fatalf("before any choice the switch is %v and the setting %q, want on and nothing stored", p.hide.Checked, stored())
	}
	test.Tap(p.hide)
	if got := stored(); got != "off" || p.hide.Checked {
		t.Errorf("switched off: stored %q, checked %v", got, p.hide.Checked)
	}
	s.win.Close()

	s = openSettings(t, u, 2)
	if s.security.hide.Checked {
		t.Error("a new window shows the stored \"off\" as on")
	}
	test.Tap(s.security.hide)
	if got := stored(); got != "on" || !s.security.hide.Checked {
		t.Errorf("switched on: stored %q, checked %v", got, s.security.hide.Checked)
	}
	s.win.Close()

	if err := c.side.Profile.SetSetting(c.ctx, mail.SettingHideSubject, "off"); err != nil {
		t.Fatal(err)
	}
	if err := c.side.Profile.SetAdmin(c.ctx, nil, []byte("admin secret")); err != nil {
		t.Fatal(err)
	}
	s = openSettings(t, u, 2)
	if s.security.hide.Checked || !s.security.hide.Disabled() {
		t.Errorf("locked: checked %v disabled %v, want the stored off and closed", s.security.hide.Checked, s.security.hide.Disabled())
	}
	test.Tap(s.security.hide)
	if got := stored(); got != "off" {
		t.Errorf("a locked switch stored %q", got)
	}
	s.win.Close()

	SetLanguage(langGerman)
	defer SetLanguage(langEnglish)
	if got := tr("security.hide-subject"); got != "Betreff verschlüsselter Nachrichten verbergen („[...]“)" {
		t.Errorf("the German switch reads %q", got)
	}
}

// renderedTexts are the texts an object draws (a cut label draws its
// ellipsis), each with its right edge on the canvas.
func renderedTexts(o fyne.CanvasObject) (texts []string, right []float32) {
	d := fyne.CurrentApp().Driver()
	for _, o := range objects(o) {
		if txt, ok := o.(*canvas.Text); ok && txt.Text != "" {
			texts = append(texts, txt.Text)
			right = append(right, d.AbsolutePositionForObject(txt).X+txt.MinSize().Width)
		}
	}
	return texts, right
}

// A long display name is cut, never the address: at the card's normal
// width the rendered From still holds the whole address, inside the card,
// and the ticket's header too. A short name is not cut at all.
func TestLongDisplayNameKeepsAddress(t *testing.T) {
	c := newCores(t, nil)
	name := strings.TrimSpace(strings.Repeat("Very Important Customer Relations Manager ", 5))[:200]
	c.deliver(mailtest.Message(t, name+" <dave@example.com>", mailtest.DeskAddress, "Hello", "Hi!", mailtest.At(epoch)),
		mailtest.Message(t, "Alice Example <alice@example.org>", mailtest.DeskAddress, "Hi", "Hi!", mailtest.At(epoch.Add(time.Hour))))
	u := newTestUI(t, c)
	v := openTicket(t, u, 10000)
	card := cardOf(t, v)
	if card.art.From.Name != name {
		t.Fatalf("the desk read the display name as %q", card.art.From.Name)
	}
	relayout(u.win.Canvas())
	d := fyne.CurrentApp().Driver()
	cardRight := d.AbsolutePositionForObject(card.card).X + card.card.Size().Width
	texts, right := renderedTexts(card.card)
	found := false
	for i, txt := range texts {
		if txt == "<dave@example.com>" {
			found = true
			if right[i] > cardRight {
				t.Errorf("the address ends at x %v, beyond the card's edge at %v", right[i], cardRight)
			}
		}
	}
	if !found {
		t.Errorf("no rendered text of the card is the whole address; it shows:\n%s", strings.Join(texts, "\n"))
	}
	if got := card.shownFrom(); got != name+" <dave@example.com>" {
		t.Errorf("the card's From is %q", got)
	}
	header, _ := renderedTexts(v.customer)
	if got := strings.Join(header, " "); !strings.Contains(got, "<dave@example.com>") {
		t.Errorf("the ticket's header shows %q, without the address", got)
	}

	card = cardOf(t, openTicket(t, u, 10001))
	relayout(u.win.Canvas())
	texts, _ = renderedTexts(card.card)
	if !slices.Contains(texts, "Alice Example") || !slices.Contains(texts, "<alice@example.org>") {
		t.Errorf("a short From is cut; the card shows:\n%s", strings.Join(texts, "\n"))
	}
}
