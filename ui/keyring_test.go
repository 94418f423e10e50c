package ui

import (
	"context"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"siegel/mail/mailtest"
	"siegel/profile/keyring"
)

// The unlock dialog with a keyring: its box stores the accepted
// passphrase; the next start unlocks from the keyring without a dialog;
// a passphrase that no longer fits is dropped and asked for.
func TestPassphraseRemembered(t *testing.T) {
	dir := t.TempDir()
	kr, err := keyring.For(keyring.NewMemory(), dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.WithValue(context.Background(), userKey{}, true)
	done := make(chan error)

	p, pr, shown := newPromptProfile(t, dir)
	pr.SetKeyring(kr)
	go func() { _, err := p.Vault(ctx); done <- err }()
	d := <-shown
	if d.remember == nil {
		t.Fatal("the dialog for a new passphrase has no \"Remember passphrase on this computer\"")
	}
	if d.remember.Text != "Remember passphrase on this computer" || d.remember.Checked {
		t.Errorf("the box reads %q, ticked %v; want it unticked", d.remember.Text, d.remember.Checked)
	}
	test.Type(d.first, "right one")
	test.Type(d.again, "right one")
	test.Tap(d.remember)
	d.again.OnSubmitted("")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if pw, err := kr.Recall(); err != nil || string(pw) != "right one" {
		t.Fatalf("the keyring holds %q (%v), want the accepted passphrase", pw, err)
	}
	p.Close()

	// The next start: no dialog.
	p, pr, shown = newPromptProfile(t, dir)
	pr.SetKeyring(kr)
	go func() { _, err := p.Vault(ctx); done <- err }()
	select {
	case err := <-done:
		if err != nil || !p.Unlocked() {
			t.Fatalf("unlocking from the keyring: %v (unlocked %v)", err, p.Unlocked())
		}
	case <-shown:
		t.Fatal("a dialog asked for the remembered passphrase")
	}
	p.Close()

	// Changed behind the keyring's back: asked, and the stale one is gone;
	// unticked, nothing new is stored.
	kr.Remember([]byte("stale"))
	p, pr, shown = newPromptProfile(t, dir)
	pr.SetKeyring(kr)
	go func() { _, err := p.Vault(ctx); done <- err }()
	d = <-shown
	test.Type(d.first, "right one")
	d.first.OnSubmitted("")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if ok, _ := kr.Stored(); ok {
		t.Error("the stale passphrase stays in the keyring, or an unticked box stored one")
	}
}

// securityTabIndex is the Security tab's place in the settings.
const securityTabIndex = 2

// dialogEntries are the entries of the dialogs on w, in their order.
func dialogEntries(w fyne.Window) []*entry {
	var out []*entry
	for _, o := range w.Canvas().Overlays().List() {
		for _, x := range objects(o) {
			if e, ok := x.(*entry); ok {
				out = append(out, e)
			}
		}
	}
	return out
}

// Without a secret service the dialog is as it always was.
func TestPassphraseNoKeyring(t *testing.T) {
	p, _, shown := newPromptProfile(t, t.TempDir())
	done := make(chan error)
	go func() { _, err := p.Vault(context.Background()); done <- err }()
	d := <-shown
	if d.remember != nil {
		t.Error("without a keyring the dialog offers to remember the passphrase")
	}
	test.Type(d.first, "x")
	test.Type(d.again, "x")
	d.again.OnSubmitted("")
	<-done
}

// Settings → Security: with a remembered passphrase, Forget removes it;
// a changed passphrase replaces it; without a keyring neither shows.
func TestSettingsKeyring(t *testing.T) {
	c := newCores(t, nil)
	kr, _ := keyring.For(keyring.NewMemory(), c.dir)
	kr.Remember([]byte(mailtest.Passphrase))
	pr := NewPrompter(nil)
	pr.SetKeyring(kr)
	a := test.NewTempApp(t)
	a.Preferences().SetString(prefLanguage, langEnglish)
	u := newUI(a, Cores{Desk: c.desk, Store: c.side.Store, Engine: c.side.Engine, Profile: c.side.Profile}, Options{Prompter: pr}, &jobs{inline: true})
	t.Cleanup(u.Close)
	s := openSettings(t, u, securityTabIndex)
	s.win.Resize(fyne.NewSize(900, 1400))
	wantText(t, s.win, tr("security.keyring.stored"))

	// Changing the passphrase puts the new one in.
	tap(t, s.win, "Change profile passphrase…")
	entries := dialogEntries(s.win)
	if len(entries) != 3 {
		t.Fatalf("the dialog has %d entries, want current, new and repeated", len(entries))
	}
	for i, text := range []string{mailtest.Passphrase, "a new passphrase", "a new passphrase"} {
		test.Type(entries[i], text)
	}
	tap(t, s.win, "Change")
	u.jobs.drain()
	if pw, _ := kr.Recall(); string(pw) != "a new passphrase" {
		t.Fatalf("after the change the keyring holds %q", pw)
	}

	if disabled(s.security.forgetBtn) {
		t.Fatal("Forget is disabled with a remembered passphrase")
	}
	test.Tap(s.security.forgetBtn)
	u.jobs.drain()
	if ok, _ := kr.Stored(); ok {
		t.Fatal("Forget left the passphrase in the keyring")
	}
	wantText(t, s.win, tr("security.keyring.none"))
	if !disabled(s.security.forgetBtn) {
		t.Error("Forget stays enabled with nothing to forget")
	}

	// Without a keyring (no secret service) the page has no such line.
	u2 := newTestUI(t, c)
	s2 := openSettings(t, u2, securityTabIndex)
	notText(t, s2.win, "Forget passphrase", tr("security.keyring.none"), tr("security.keyring.stored"))
}
