package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"siegel/mail"
	"siegel/mail/account"
	"siegel/mail/account/oauth"
)

// signInTimeout bounds the wait for the browser to come back.
const signInTimeout = 5 * time.Minute

// oauthFlags are the OAuth2 options of `account add`.
type oauthFlags struct {
	provider, authURL, tokenURL, clientID, secretFile *string
	scopes                                            listFlag
}

func addOAuthFlags(fs *flag.FlagSet) *oauthFlags {
	o := &oauthFlags{
		provider:   fs.String("provider", "", "microsoft or google: the OAuth2 endpoints and scopes of the provider"),
		authURL:    fs.String("oauth2-auth-url", "", "OAuth2 authorization endpoint"),
		tokenURL:   fs.String("oauth2-token-url", "", "OAuth2 token endpoint"),
		clientID:   fs.String("oauth2-client-id", "", "client ID of your organisation's registration of Siegel"),
		secretFile: fs.String("oauth2-client-secret-file", "", "file with the client secret, if the registration has one (Google)"),
	}
	fs.Var(&o.scopes, "oauth2-scope", "OAuth2 scope (repeatable; replaces the provider's)")
	return o
}

// used reports whether any OAuth2 option was given.
func (o *oauthFlags) used() bool {
	return *o.provider != "" || *o.authURL != "" || *o.tokenURL != "" || *o.clientID != "" || *o.secretFile != "" || len(o.scopes) > 0
}

// settings builds the account's OAuth2 settings from the options, the
// preset of provider (from --provider or discovery) filling in what is not
// given.
func (o *oauthFlags) settings(provider string) (account.OAuth2, error) {
	var s account.OAuth2
	if *o.provider != "" {
		provider = *o.provider
	}
	if provider != "" {
		p, ok := oauth.Lookup(provider)
		if !ok {
			p, ok = oauth.ForProvider(provider)
		}
		if !ok {
			return s, fmt.Errorf("--provider %q: want microsoft or google", provider)
		}
		s = p.Settings("", "")
	}
	if *o.authURL != "" {
		s.AuthURL = *o.authURL
	}
	if *o.tokenURL != "" {
		s.TokenURL = *o.tokenURL
	}
	if len(o.scopes) > 0 {
		s.Scopes = append([]string(nil), o.scopes...)
	}
	s.ClientID = strings.TrimSpace(*o.clientID)
	if *o.secretFile != "" {
		b, err := readFileSecret(*o.secretFile)
		if err != nil {
			return s, fmt.Errorf("client secret file: %w", err)
		}
		s.ClientSecret = strings.TrimSpace(string(b))
	}
	if s.ClientID == "" {
		return s, errors.New("OAuth2 needs --oauth2-client-id: register Siegel with your provider (README: \"Microsoft 365 and Google (OAuth2)\")")
	}
	return s, nil
}

// terminalBrowser opens the sign-in page with $BROWSER (or xdg-open), and
// when no browser can be opened prints the address to open by hand, as
// `gh auth login` does.
func terminalBrowser(env Env) func(url string) error {
	open := oauth.Opener(env.Getenv("BROWSER"))
	return func(url string) error {
		if err := open(url); err != nil {
			fmt.Fprintf(env.Stderr, "No browser could be opened (%v).\nOpen this address in a browser to sign in:\n\n  %s\n\nWaiting for the sign-in…\n", err, url)
			return nil
		}
		fmt.Fprintln(env.Stderr, "Sign in in the browser window that opened; waiting…")
		return nil
	}
}

// signInNew runs the sign-in of an account not stored yet and sets its
// token source and refresh token.
func signInNew(ctx context.Context, env Env, a *account.Account) (*oauth.Source, error) {
	ctx, cancel := context.WithTimeout(ctx, signInTimeout)
	defer cancel()
	tok, err := oauth.SignIn(ctx, a.OAuth2, &oauth.SignInOptions{Browser: terminalBrowser(env), LoginHint: a.Address})
	if err != nil {
		return nil, err
	}
	src := oauth.NewSource(a.OAuth2, tok, nil)
	a.Token = src.Token
	a.OAuth2.RefreshToken = src.RefreshToken()
	return src, nil
}

// accountSignIn is `siegel account signin ADDR|ID`: sign in again.
func accountSignIn(ctx context.Context, env Env, args []string) int {
	fs := newFlagSet("account signin", &env)
	rest, err := parseInterspersed(fs, args)
	if err != nil || len(rest) != 1 {
		fmt.Fprintln(env.Stderr, "usage: siegel account signin ADDR|ID")
		return 2
	}
	d, done, err := openDesk(ctx, env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "siegel account signin: %v\n", err)
		return 1
	}
	defer done()
	a, err := findAccount(ctx, d, rest[0])
	if err != nil {
		fmt.Fprintf(env.Stderr, "siegel account signin: %v\n", err)
		return 1
	}
	sctx, cancel := context.WithTimeout(ctx, signInTimeout)
	defer cancel()
	if err := d.SignIn(sctx, a.ID, terminalBrowser(env)); err != nil {
		fmt.Fprintf(env.Stderr, "siegel account signin: %s: %v\n", a.Address, err)
		return 1
	}
	fmt.Fprintf(env.Stdout, "Account %s signed in.\n", a.Address)
	// Mail queued while the sign-in was refused goes out now.
	if err := d.DeliverOutbox(ctx); err != nil {
		fmt.Fprintf(env.Stderr, "siegel account signin: outbox: %v\n", err)
		return 1
	}
	return 0
}

// findAccount finds one account by address or ID.
func findAccount(ctx context.Context, d *mail.Desk, s string) (account.Account, error) {
	if id, err := strconv.ParseInt(s, 10, 64); err == nil {
		return d.Account(ctx, id)
	}
	list, err := findAccounts(ctx, d, s)
	if err != nil {
		return account.Account{}, err
	}
	return list[0], nil
}
