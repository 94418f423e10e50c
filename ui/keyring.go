package ui

import (
	"context"

	"fyne.io/fyne/v2"
)

// Keyring is the profile's passphrase in the desktop's secret service
// (*keyring.Entry of siegel/profile/keyring). Main gives one to the
// Prompter only when a secret service answers; without one the dialog
// offers no "remember" and Settings → Security no "Forget".
type Keyring interface {
	// Recalled is the remembered passphrase if verify accepts it.
	Recalled(ctx context.Context, verify func(context.Context, []byte) error) ([]byte, bool)
	Stored() (bool, error)
	Remember(pw []byte) error
	// Update replaces a remembered passphrase (after a change), and
	// remembers nothing when none was.
	Update(pw []byte) error
	Forget() error
}

// SetKeyring lets the dialog remember the passphrase in k, and tries what
// k remembers before asking.
func (p *Prompter) SetKeyring(k Keyring) {
	p.mu.Lock()
	p.keyring = k
	p.mu.Unlock()
}

// Keyring is the Prompter's keyring, nil without one.
func (p *Prompter) Keyring() Keyring {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.keyring
}

// remember stores an accepted passphrase when the agent ticked the box. A
// failure only costs the convenience, so it is shown and the unlock goes
// on.
func (p *Prompter) remember(kr Keyring, ticked bool, pw []byte) {
	if kr == nil || !ticked {
		return
	}
	if err := kr.Remember(pw); err != nil {
		p.mu.Lock()
		win := p.win
		p.mu.Unlock()
		fyne.Do(func() { showError(win, err) })
	}
}
