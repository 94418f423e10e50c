// Package keyring keeps a profile's passphrase in the desktop's secret
// service, so that Siegel can unlock the profile at start without asking:
// the Secret Service API over D-Bus on Linux (GNOME Keyring, KWallet), the
// Credential Manager on Windows, both through github.com/zalando/go-keyring.
//
// An entry is keyed by the profile folder's absolute path, so two profiles
// (the default one, one given with --data-dir) never share a passphrase.
// Nothing here knows Fyne: the window uses an *Entry through its own
// interface, the start-up through PassphraseFunc.
package keyring

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	gokeyring "github.com/zalando/go-keyring"

	"siegel/crypto/vault"
)

// Service is the name the entries are filed under in the secret service
// (what the desktop's password manager shows).
const Service = "Siegel profile passphrase"

// ErrNotFound is returned by Backend.Get when no entry exists.
var ErrNotFound = gokeyring.ErrNotFound

// Backend is a secret service: the system's (System) or one in memory
// (Memory, for tests).
type Backend interface {
	Get(service, user string) (string, error)
	Set(service, user, secret string) error
	Delete(service, user string) error
}

// system is the desktop's secret service through go-keyring.
type system struct{}

func (system) Get(service, user string) (string, error) { return gokeyring.Get(service, user) }
func (system) Set(service, user, secret string) error   { return gokeyring.Set(service, user, secret) }
func (system) Delete(service, user string) error        { return gokeyring.Delete(service, user) }

// System returns the desktop's secret service, or false when there is
// none (no D-Bus session, no Secret Service on it): the caller then offers
// no "remember" at all rather than one that fails.
func System() (Backend, bool) {
	if !available() {
		return nil, false
	}
	return system{}, true
}

// Entry is one profile's passphrase in a Backend.
type Entry struct {
	b    Backend
	user string
}

// For is the entry of the profile in dir.
func For(b Backend, dir string) (*Entry, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	return &Entry{b: b, user: filepath.Clean(abs)}, nil
}

// Recall returns the remembered passphrase, or ErrNotFound.
func (e *Entry) Recall() ([]byte, error) {
	s, err := e.b.Get(Service, e.user)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("keyring: reading the passphrase of %s: %w", e.user, err)
	}
	return []byte(s), nil
}

// Stored reports whether a passphrase is remembered.
func (e *Entry) Stored() (bool, error) {
	_, err := e.Recall()
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, ErrNotFound):
		return false, nil
	}
	return false, err
}

// Remember stores pw, replacing what was stored.
func (e *Entry) Remember(pw []byte) error {
	if err := e.b.Set(Service, e.user, string(pw)); err != nil {
		return fmt.Errorf("keyring: storing the passphrase of %s: %w", e.user, err)
	}
	return nil
}

// Forget removes the stored passphrase; forgetting none is no error.
func (e *Entry) Forget() error {
	if err := e.b.Delete(Service, e.user); err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("keyring: removing the passphrase of %s: %w", e.user, err)
	}
	return nil
}

// Update replaces a stored passphrase with pw after a change of the
// passphrase; with none stored it stores nothing (the agent did not ask
// to be remembered).
func (e *Entry) Update(pw []byte) error {
	stored, err := e.Stored()
	if err != nil || !stored {
		return err
	}
	return e.Remember(pw)
}

// Recalled returns the remembered passphrase when verify (the profile's
// VerifyPassphrase) accepts it, and false when none is remembered, the
// service fails, or verify rejects it. One that verify finds wrong was
// changed behind the keyring's back (by `siegel` on another computer
// sharing the folder, or a restored backup): it is forgotten, so that the
// dialog the caller shows next replaces it instead of it failing at every
// start.
func (e *Entry) Recalled(ctx context.Context, verify func(context.Context, []byte) error) ([]byte, bool) {
	pw, err := e.Recall()
	if err != nil {
		return nil, false
	}
	if err := verify(ctx, pw); err != nil {
		if errors.Is(err, vault.ErrWrongPassphrase) {
			e.Forget()
		}
		clear(pw)
		return nil, false
	}
	return pw, true
}
