package ui

import (
	"context"
	"errors"
	"fmt"

	"siegel/mail"
	"siegel/mail/account"
	"siegel/profile"
)

// RealProfile is the profile `siegel` opens without --demo, as the demo
// window sees it: the banner's "Add your account…" adds the agent's own
// account to it and switches the window from the demo to it. main wires
// it with the same opening it uses for the real profile.
type RealProfile struct {
	// Dir is the real profile's folder.
	Dir string
	// Open opens the profile in Dir (creating it when there is none) with
	// prompter as its passphrase dialog, and its certificate store,
	// engine and desk, not started. On failure it leaves nothing open.
	Open func(ctx context.Context, prompter *Prompter) (Opened, error)
	// CloseDemo closes the demo's cores and stops its servers, once the
	// window no longer uses them. It runs off the UI goroutine.
	CloseDemo func()
}

// Opened are the cores of a profile opened for the window.
type Opened interface {
	Cores() Cores
	// Start starts the desk's background work (sync, outbox).
	Start(ctx context.Context) error
	// Close closes the desk and the profile.
	Close()
}

// addAccount opens the real profile and adds a to it, in a job: the
// passphrase dialog of prompter asks for the profile's passphrase when
// the account's passwords are sealed, a new one (twice) when the profile
// is new. On failure nothing stays open, and a profile this call made is
// removed again: a cancelled passphrase dialog leaves no folder behind.
func (r *RealProfile) addAccount(ctx context.Context, prompter *Prompter, a account.Account) (Opened, error) {
	existed, err := profile.Exists(r.Dir)
	if err != nil {
		return nil, err
	}
	o, err := r.Open(ctx, prompter)
	if err == nil {
		if err = addTo(ctx, o.Cores(), a); err != nil {
			o.Close()
		}
	}
	if err != nil {
		if !existed {
			if rerr := profile.Remove(r.Dir); rerr != nil {
				return nil, errors.Join(err, rerr)
			}
		}
		return nil, err
	}
	return o, nil
}

// addTo adds a to the cores' desk, unless an administrator password
// guards the profile's accounts: the demo's window cannot unlock a
// profile it does not show, so the agent is told it needs the password.
func addTo(ctx context.Context, c Cores, a account.Account) error {
	locked, err := c.Profile.AdminLocked(ctx)
	if err != nil {
		return err
	}
	if locked {
		return fmt.Errorf("ui: adding %s to the real profile: %w", a.Address, profile.ErrAdminRequired)
	}
	_, err = c.Desk.AddAccount(ctx, a)
	return err
}

// addRealAccount opens the account dialog for the agent's own account,
// the banner's action. Test connection runs on this window's desk: a new
// account's test reads nothing of a profile, so none is made for it.
func (u *UI) addRealAccount() {
	if u.real == nil || u.detached {
		return
	}
	prompter := NewPrompter(nil)
	prompter.setWindow(u.win)
	var opened Opened
	u.showAccountDialog(u.win, nil, accountTarget{
		test: u.c.Desk.TestConnection,
		save: func(ctx context.Context, a account.Account, _ bool) error {
			o, err := u.real.addAccount(ctx, prompter, a)
			opened = o
			return err
		},
		saved: func() { u.switchTo(opened, prompter) },
	})
}

// switchTo moves the window from this UI's cores to o's, opened with
// prompter: a new UI takes over the window (without the banner), this
// one lets go, o's desk starts, and the demo's cores are closed once this
// UI's jobs have ended. The new UI and o are this UI's to close (Close).
func (u *UI) switchTo(o Opened, prompter *Prompter) {
	if u.settings != nil {
		u.settings.win.Close()
	}
	u.detach()
	next := newUIOn(u.app, u.win, o.Cores(), Options{Prompter: prompter, Placement: u.place}, &jobs{inline: u.jobs.inline, serial: u.jobs.serial})
	next.room = u.room
	u.nextMu.Lock()
	u.next, u.nextParts = next, o
	u.nextMu.Unlock()
	closeDemo := u.real.CloseDemo
	u.switching.Add(1)
	finish := func() {
		defer u.switching.Done()
		if err := o.Start(next.ctx); err != nil && !errors.Is(err, mail.ErrClosed) {
			next.jobs.do(func() { showError(next.win, err) })
		}
		u.finish()
		if closeDemo != nil {
			closeDemo()
		}
	}
	if u.jobs.inline {
		finish()
		return
	}
	go finish()
}
