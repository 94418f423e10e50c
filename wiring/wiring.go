// Package wiring opens Siegel's cores in the one order they depend on each
// other — the profile folder and its database, the certificate store in
// it, the S/MIME engine on that store, the mail desk over all three — and
// closes them in reverse. The window (main), the command line (cli) and
// the demo open a profile only through it, so that a new core (a team
// database, a revocation checker) is wired in one place.
package wiring

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"

	"siegel/certs"
	"siegel/certs/revocation"
	"siegel/crypto/smime"
	"siegel/mail"
	"siegel/profile"
)

// Options say how to open the parts. The zero value opens everything with
// the application's defaults, asking for no passphrase (a sealed secret
// then fails with profile.ErrNoPassphrase).
type Options struct {
	// Passphrase asks for the profile passphrase at its first use.
	Passphrase profile.PassphraseFunc
	// Profile tunes the profile (the vault cost of a new one).
	Profile *profile.Options
	// Engine tunes the S/MIME engine.
	Engine smime.Options
	// Desk tunes the mail desk.
	Desk *mail.Options
	// NoDesk stops after the engine: the certificate commands and inspect
	// need no mail tables.
	NoDesk bool
	// Offline checks revocation against imported CRLs and cached answers
	// only (inspect --offline), whatever the profile's setting says.
	Offline bool
	// RevocationWait makes revocation checks wait for the CA's answer
	// (the command line) instead of answering later (the desk).
	RevocationWait bool
	// Revocation tunes the revocation checker (tests, the demo); its
	// Offline and Wait come from the fields above and the settings.
	Revocation *revocation.Options
	// Verbose, when set, receives the log records too (--verbose: the
	// terminal's standard error), besides the profile's log file.
	Verbose io.Writer
}

// Parts are the opened cores. Desk is nil when Options.NoDesk was set.
type Parts struct {
	Profile *profile.Profile
	Store   *certs.Store
	Engine  *smime.Engine
	Desk    *mail.Desk
	// Revocation is the revocation checker the engine asks, and
	// Revocations its administration.
	Revocation  *revocation.Checker
	Revocations *Revocations
	// Log records the background work's decisions and the errors nobody
	// returns, in the profile's rotating log file (profile.Log).
	Log *slog.Logger

	logFile   *profile.Log
	closeOnce sync.Once
	closeErr  error
}

// Open opens the profile in dir (making it when it does not exist) and the
// cores above it. On error nothing stays open.
func Open(ctx context.Context, dir string, o Options) (*Parts, error) {
	prof, err := profile.Open(ctx, dir, o.Passphrase, o.Profile)
	if err != nil {
		return nil, err
	}
	p := &Parts{Profile: prof}
	if p.logFile, err = profile.OpenLog(prof.Dir); err != nil {
		p.Close()
		return nil, err
	}
	var w io.Writer = p.logFile
	if o.Verbose != nil {
		w = io.MultiWriter(p.logFile, o.Verbose)
	}
	p.Log = slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if p.Store, err = certs.Open(ctx, prof); err != nil {
		p.Close()
		return nil, err
	}
	strict := false
	if p.Revocation, strict, err = openRevocation(ctx, p, o); err != nil {
		p.Close()
		return nil, err
	}
	eo := o.Engine
	if eo.Revocation == nil {
		eo.Revocation, eo.RevocationStrict = p.Revocation, strict
	}
	p.Engine = smime.NewEngineWithOptions(p.Store, eo)
	p.Revocations = &Revocations{checker: p.Revocation, store: p.Store, engine: p.Engine, prof: p.Profile, offline: o.Offline}
	if o.NoDesk {
		return p, nil
	}
	var do mail.Options
	if o.Desk != nil {
		do = *o.Desk
	}
	if do.Logger == nil {
		do.Logger = p.Log
	}
	if do.Revocation == nil {
		do.Revocation = p.Revocation
	}
	if p.Desk, err = mail.Open(ctx, prof, p.Store, p.Engine, &do); err != nil {
		p.Close()
		return nil, err
	}
	p.Revocations.desk = p.Desk
	return p, nil
}

// Close closes the desk (ending its background work), then the profile and
// the log file;
// the store and the engine hold nothing of their own. It is safe to call
// more than once.
func (p *Parts) Close() error {
	p.closeOnce.Do(func() {
		var errs []error
		if p.Desk != nil {
			errs = append(errs, p.Desk.Close())
		}
		if p.Revocation != nil {
			errs = append(errs, p.Revocation.Close())
		}
		errs = append(errs, p.Profile.Close())
		if p.logFile != nil {
			errs = append(errs, p.logFile.Close())
		}
		p.closeErr = errors.Join(errs...)
	})
	return p.closeErr
}
