package mail

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/oauth2"

	"siegel/mail/account"
	"siegel/mail/account/oauth"
)

// ErrNotOAuth2 is returned by SignIn for an account that logs in with a
// password.
var ErrNotOAuth2 = errors.New("mail: the account does not sign in with OAuth2")

// tokens holds the OAuth2 token sources of the accounts, in memory (the
// access tokens never reach the database), and wakes the watchers and the
// outbox that wait for a sign-in.
type tokens struct {
	mu      sync.Mutex
	sources map[int64]*oauth.Source
	// signIn is closed (and replaced) by every sign-in.
	signIn chan struct{}
}

// SignIn runs the OAuth2 sign-in of account id in the browser (nil:
// $BROWSER, else xdg-open) and stores the new refresh token sealed. An
// account marked "sign in again" is cleared: its watcher syncs and its
// queued mail is sent. ctx bounds the wait for the browser.
func (d *Desk) SignIn(ctx context.Context, id int64, browser func(url string) error) error {
	a, err := d.Account(ctx, id)
	if err != nil {
		return err
	}
	if !a.UsesOAuth2() {
		return fmt.Errorf("%w: %s", ErrNotOAuth2, a.Address)
	}
	tok, err := oauth.SignIn(ctx, a.OAuth2, &oauth.SignInOptions{Browser: browser, LoginHint: a.Address, Logger: d.log})
	if err != nil {
		return err
	}
	if err := d.storeRefresh(ctx, id, tok.RefreshToken, true); err != nil {
		return err
	}
	src := oauth.NewSource(a.OAuth2, tok, d.sourceOptions(id))
	d.tok.mu.Lock()
	if d.tok.sources == nil {
		d.tok.sources = map[int64]*oauth.Source{}
	}
	d.tok.sources[id] = src
	d.tok.mu.Unlock()
	d.log.Info("oauth: signed in", "account", id)
	d.signedIn(id)
	return nil
}

// storeRefresh seals and stores a refresh token; clear also lifts the
// "sign in again" mark.
func (d *Desk) storeRefresh(ctx context.Context, id int64, refresh string, clear bool) error {
	sealed, err := d.p.Seal(ctx, "accounts", "oauth2_refresh", []byte(refresh))
	if err != nil {
		return err
	}
	q := `UPDATE accounts SET oauth2_refresh = ? WHERE id = ?`
	if clear {
		q = `UPDATE accounts SET oauth2_refresh = ?, needs_signin = 0 WHERE id = ?`
	}
	if _, err := d.db.ExecContext(ctx, q, sealed, id); err != nil {
		return fmt.Errorf("mail: account %d: storing the sign-in: %w", id, err)
	}
	return nil
}

func (d *Desk) sealRefresh(ctx context.Context, a account.Account) ([]byte, error) {
	if !a.UsesOAuth2() || a.OAuth2.RefreshToken == "" {
		return nil, nil
	}
	return d.p.Seal(ctx, "accounts", "oauth2_refresh", []byte(a.OAuth2.RefreshToken))
}

func (d *Desk) sourceOptions(id int64) *oauth.SourceOptions {
	return &oauth.SourceOptions{Logger: d.log, Saved: func(ctx context.Context, refresh string) error {
		// The provider rotated the refresh token: the old one is dead.
		return d.storeRefresh(context.WithoutCancel(ctx), id, refresh, false)
	}}
}

// tokenSource returns the account's token source, made from its stored
// refresh token on first use.
func (d *Desk) tokenSource(ctx context.Context, a *account.Account) (*oauth.Source, error) {
	d.tok.mu.Lock()
	src := d.tok.sources[a.ID]
	d.tok.mu.Unlock()
	if src != nil {
		return src, nil
	}
	var sealed []byte
	if err := d.db.QueryRowContext(ctx, `SELECT oauth2_refresh FROM accounts WHERE id = ?`, a.ID).Scan(&sealed); err != nil {
		return nil, fmt.Errorf("mail: account %d: %w", a.ID, err)
	}
	var refresh string
	if sealed != nil {
		b, err := d.p.Open(ctx, "accounts", "oauth2_refresh", sealed)
		if err != nil {
			return nil, err
		}
		refresh = string(b)
	}
	src = oauth.NewSource(a.OAuth2, &oauth2.Token{RefreshToken: refresh}, d.sourceOptions(a.ID))
	d.tok.mu.Lock()
	defer d.tok.mu.Unlock()
	if d.tok.sources == nil {
		d.tok.sources = map[int64]*oauth.Source{}
	}
	if s := d.tok.sources[a.ID]; s != nil {
		return s, nil // made meanwhile by another goroutine
	}
	d.tok.sources[a.ID] = src
	return src, nil
}

// tokenFunc is src's TokenFunc that marks the account "sign in again"
// when the provider refuses the refresh token — unless another process on
// the profile (the command line beside the window) has stored a newer one:
// providers that rotate refresh tokens kill the old one at each refresh.
func (d *Desk) tokenFunc(a *account.Account, src *oauth.Source) account.TokenFunc {
	id, settings := a.ID, a.OAuth2
	return func(ctx context.Context, renew bool) (string, error) {
		tok, err := src.Token(ctx, renew)
		if errors.Is(err, oauth.ErrSignInAgain) {
			if fresh := d.reloadSource(ctx, id, settings, src); fresh != nil {
				d.log.Info("oauth: using the refresh token another process stored", "account", id)
				src = fresh
				tok, err = src.Token(ctx, true)
			}
		}
		if errors.Is(err, oauth.ErrSignInAgain) {
			d.needSignIn(context.WithoutCancel(ctx), id, err)
		}
		return tok, err
	}
}

// reloadSource returns a source made from the stored refresh token when it
// differs from old's, and puts it in old's place; else nil.
func (d *Desk) reloadSource(ctx context.Context, id int64, s account.OAuth2, old *oauth.Source) *oauth.Source {
	var sealed []byte
	if err := d.db.QueryRowContext(ctx, `SELECT oauth2_refresh FROM accounts WHERE id = ?`, id).Scan(&sealed); err != nil || sealed == nil {
		return nil
	}
	b, err := d.p.Open(ctx, "accounts", "oauth2_refresh", sealed)
	if err != nil || string(b) == old.RefreshToken() {
		return nil
	}
	src := oauth.NewSource(s, &oauth2.Token{RefreshToken: string(b)}, d.sourceOptions(id))
	d.tok.mu.Lock()
	if d.tok.sources[id] == old {
		d.tok.sources[id] = src
	}
	d.tok.mu.Unlock()
	return src
}

// needSignIn persists the "sign in again" mark and announces it once.
func (d *Desk) needSignIn(ctx context.Context, id int64, cause error) {
	d.forgetTokens(id)
	res, err := d.db.ExecContext(ctx, `UPDATE accounts SET needs_signin = 1 WHERE id = ? AND needs_signin = 0`, id)
	if err != nil {
		d.log.Error("oauth: cannot mark the account for a new sign-in", "account", id, "err", err)
		return
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return
	}
	d.log.Warn("oauth: the account must sign in again; sync and sending wait", "account", id, "err", cause)
	d.emit(AccountNeedsSignIn{AccountID: id, Err: cause})
}

// forgetTokens drops the account's token source (new settings, or a
// refresh token that no longer works).
func (d *Desk) forgetTokens(id int64) {
	d.tok.mu.Lock()
	delete(d.tok.sources, id)
	d.tok.mu.Unlock()
}

// signInWait returns a channel closed at the next sign-in of any account.
// Take it before looking at the mark, so a sign-in in between is not
// missed.
func (d *Desk) signInWait() <-chan struct{} {
	d.tok.mu.Lock()
	defer d.tok.mu.Unlock()
	if d.tok.signIn == nil {
		d.tok.signIn = make(chan struct{})
	}
	return d.tok.signIn
}

// signedIn wakes what waited for account id and announces it.
func (d *Desk) signedIn(id int64) {
	d.tok.mu.Lock()
	if d.tok.signIn != nil {
		close(d.tok.signIn)
		d.tok.signIn = nil
	}
	d.tok.mu.Unlock()
	kick(d.outboxKick)
	d.emit(AccountSignedIn{AccountID: id})
}
