package mail

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"siegel/mail/account/oauth"
	"siegel/mail/imapsync"
	"siegel/profile"
)

// backoff is an exponential delay between min and max with jitter.
type backoff struct {
	min, max, cur time.Duration
}

func (b *backoff) next() time.Duration {
	if b.cur == 0 {
		b.cur = b.min
	} else {
		b.cur = min(2*b.cur, b.max)
	}
	// ±20 %, so many clients do not come back at the same moment.
	j := time.Duration(rand.Int64N(int64(b.cur)/5 + 1))
	return b.cur - b.cur/10 + j
}

func (b *backoff) reset() { b.cur = 0 }

// sleep waits for d or until ctx ends; it reports whether ctx is still
// alive.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// watch keeps one account in sync until ctx ends: connect, sync, then wait
// for new mail (IDLE, else polling) and sync again; after a failure
// reconnect with exponential backoff.
//
// An OAuth2 account whose sign-in the provider refused waits for SignIn.
//
// When the passphrase that opens the account's password is refused
// (ErrNoPassphrase: the user cancelled the prompt), the watcher does not
// ask again; it waits until the profile is unlocked by some other use
// (Check mail, importing a key).
func (d *Desk) watch(ctx context.Context, id int64) {
	b := backoff{min: d.opts.RetryMin, max: d.opts.RetryMax}
	for ctx.Err() == nil {
		signIn := d.signInWait()
		synced, err := d.watchSession(ctx, id)
		if synced {
			b.reset()
		}
		if errors.Is(err, oauth.ErrSignInAgain) {
			// Retrying cannot help: wait for SignIn.
			d.log.Info("sync: waiting for a new sign-in", "account", id)
			if !d.waitSignIn(ctx, id, signIn) {
				return
			}
			b.reset()
			continue
		}
		if errors.Is(err, profile.ErrNoPassphrase) {
			for !d.p.Unlocked() {
				if !sleep(ctx, d.opts.RetryMin) {
					return
				}
			}
			continue
		}
		wait := b.next()
		d.log.Info("sync: reconnecting", "account", id, "after", wait)
		if !sleep(ctx, wait) {
			return
		}
	}
}

// waitSignIn waits until account id is signed in again: by SignIn in this
// process (signIn closes), or in another (the command line), which the
// stored mark shows — looked at every RetryMax, without a connection. It
// reports whether ctx is still alive.
func (d *Desk) waitSignIn(ctx context.Context, id int64, signIn <-chan struct{}) bool {
	t := time.NewTicker(d.opts.RetryMax)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-signIn:
			return true
		case <-t.C:
			var needs bool
			if err := d.db.QueryRowContext(ctx, `SELECT needs_signin FROM accounts WHERE id = ?`, id).Scan(&needs); err != nil || !needs {
				return ctx.Err() == nil // signed in, or the account is gone
			}
		}
	}
}

// syncDone logs the end of a sync pass and reports it.
func (d *Desk) syncDone(ev SyncDone) {
	if ev.Err != nil {
		d.log.Warn("sync: pass failed", "account", ev.AccountID, "new", ev.New, "err", ev.Err)
	} else {
		d.log.Info("sync: pass done", "account", ev.AccountID, "new", ev.New)
	}
	d.emit(ev)
}

// watchSession runs one connection of the watcher until it fails; it
// reports whether at least one sync pass completed, and the error of
// opening the account.
func (d *Desk) watchSession(ctx context.Context, id int64) (synced bool, err error) {
	acct, err := d.accountWithPasswords(ctx, id)
	if err != nil {
		if ctx.Err() == nil {
			d.syncDone(SyncDone{AccountID: id, Err: err})
		}
		return false, err
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// One pass is the new mail and, while history is left, a slice of
	// it: between slices the new mail is looked at again, so history
	// never delays it.
	left := false
	pass := func(conn *imapsync.Conn) bool {
		as := AccountSync{AccountID: id, Address: acct.Address}
		left = d.syncStep(cctx, acct, conn, &as, true, d.opts.HistorySlice)
		if ctx.Err() != nil {
			return false
		}
		d.syncDone(SyncDone{AccountID: id, New: as.New, Err: as.Err})
		return as.Err == nil
	}
	conn, err := imapsync.Dial(cctx, acct)
	if err != nil {
		if ctx.Err() == nil {
			d.syncDone(SyncDone{AccountID: id, Err: err})
		}
		return false, err
	}
	defer conn.Close()
	d.watchConn(id, conn)
	defer d.watchConn(id, nil)
	if !pass(conn) {
		return false, nil
	}
	for {
		if !left {
			if err := conn.Wait(cctx, imapsync.Inbox, d.opts.PollInterval); err != nil {
				if ctx.Err() == nil {
					d.syncDone(SyncDone{AccountID: id, Err: err})
				}
				return true, nil
			}
		}
		if !pass(conn) {
			return true, nil
		}
	}
}
