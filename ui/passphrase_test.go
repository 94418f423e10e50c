package ui

import (
	"context"
	"errors"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"siegel/crypto/vault"
	"siegel/profile"
)

func newPromptProfile(t *testing.T, dir string) (*profile.Profile, *Prompter, chan *passDialog) {
	t.Helper()
	test.NewTempApp(t)
	SetLanguage(langEnglish)
	w := test.NewTempWindow(t, widget.NewLabel("Siegel"))
	pr := NewPrompter(nil)
	shown := make(chan *passDialog)
	pr.shown = func(d *passDialog) { shown <- d }
	p, err := profile.Open(context.Background(), dir, pr.Passphrase, &profile.Options{Cost: vault.Cost{Time: 1, MemoryKiB: 1024, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	pr.SetVerify(p.VerifyPassphrase)
	pr.setWindow(w)
	return p, pr, shown
}

// A new profile asks for a passphrase twice; entries that differ are
// refused in the dialog. Later, a wrong passphrase is asked again with
// the vault's error shown until it is right.
func TestPassphraseDialog(t *testing.T) {
	dir := t.TempDir()
	p, _, shown := newPromptProfile(t, dir)
	ctx := context.WithValue(context.Background(), userKey{}, true)
	done := make(chan error)
	go func() { _, err := p.Vault(ctx); done <- err }()
	d := <-shown
	if !d.create {
		t.Error("a new passphrase is asked once, want twice")
	}
	test.Type(d.first, "right one")
	test.Type(d.again, "right 1")
	d.again.OnSubmitted("")
	if d.problem.Text != "The two entries differ." || !d.problem.Visible() {
		t.Errorf("different entries: problem %q", d.problem.Text)
	}
	d.again.SetText("right one")
	d.again.OnSubmitted("")
	if err := <-done; err != nil {
		t.Fatalf("creating the vault: %v", err)
	}
	p.Close()

	p, _, shown = newPromptProfile(t, dir)
	go func() { _, err := p.Vault(ctx); done <- err }()
	d = <-shown
	if d.create || d.problem.Visible() {
		t.Error("an existing passphrase is asked twice, or with a problem")
	}
	test.Type(d.first, "wrong")
	d.first.OnSubmitted("")
	d = <-shown
	if d.problem.Text != "The profile passphrase is wrong." {
		t.Errorf("after a wrong passphrase the dialog says %q", d.problem.Text)
	}
	test.Type(d.first, "right one")
	d.first.OnSubmitted("")
	if err := <-done; err != nil {
		t.Fatalf("unlocking with the right passphrase: %v", err)
	}
	if !p.Unlocked() {
		t.Error("the profile is not unlocked")
	}
}

// Cancel leaves the background work without secrets, silently; the
// agent's own next action asks again.
func TestPassphraseCancel(t *testing.T) {
	dir := t.TempDir()
	p, pr, shown := newPromptProfile(t, dir)
	user := context.WithValue(context.Background(), userKey{}, true)
	done := make(chan error)
	go func() { _, err := p.Vault(user); done <- err }()
	d := <-shown
	d.dlg.Hide()
	if err := <-done; !errors.Is(err, profile.ErrNoPassphrase) {
		t.Fatalf("cancelled: %v, want ErrNoPassphrase", err)
	}
	if _, err := pr.Passphrase(context.Background(), true); !errors.Is(err, profile.ErrNoPassphrase) {
		t.Errorf("background work after a cancel: %v, want ErrNoPassphrase without a dialog", err)
	}
	go func() { _, err := p.Vault(user); done <- err }()
	d = <-shown
	test.Type(d.first, "new")
	test.Type(d.again, "new")
	d.again.OnSubmitted("")
	if err := <-done; err != nil {
		t.Fatalf("the agent's action after a cancel: %v", err)
	}
}
