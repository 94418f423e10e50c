// Package oauth signs an account in with OAuth2 for providers that refuse
// passwords over IMAP and SMTP (Microsoft 365, Google), and keeps its
// access tokens fresh.
//
// SignIn runs the authorization-code flow of a native application
// (RFC 8252) with PKCE S256 (RFC 7636): it listens on 127.0.0.1 on a port
// of its own, opens the provider's sign-in page in the system browser
// ($BROWSER when set, else xdg-open) with http://127.0.0.1:PORT/ as the
// redirect, takes the one redirect that carries its state, and exchanges
// the code for tokens. No client ID is built in: an organisation registers
// Siegel in its own tenant and the ID is a setting of the account.
//
// A Source hands out the access token, refreshing it shortly before it
// expires and, asked to renew, after a server refused it. When the
// provider refuses the refresh token (revoked, expired, password changed)
// the error wraps ErrSignInAgain: only a new SignIn helps.
package oauth

import (
	"context"
	"errors"
	"net/http"

	"golang.org/x/oauth2"

	"siegel/mail/account"
)

// Errors of SignIn and Source.
var (
	// ErrSignInAgain is wrapped by the errors of a refresh that the
	// provider refused for good (invalid_grant).
	ErrSignInAgain = errors.New("sign in again: the provider no longer accepts the stored sign-in")
	// ErrState is returned when the redirect does not carry the state
	// SignIn sent: it is not the answer to this sign-in.
	ErrState = errors.New("oauth: the sign-in answer does not belong to this sign-in (state mismatch)")
	// ErrDenied is returned when the provider redirected with an error
	// (the user declined, or the registration is wrong).
	ErrDenied = errors.New("oauth: sign-in refused")
	// ErrNoRefreshToken is returned when the provider gave no refresh
	// token, without which the account would need a sign-in every hour.
	ErrNoRefreshToken = errors.New("oauth: the provider gave no refresh token (is offline_access among the scopes?)")
)

// config is the x/oauth2 configuration of settings s with redirect.
func config(s account.OAuth2, redirect string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     s.ClientID,
		ClientSecret: s.ClientSecret,
		// In the body: public clients (no secret) must send their ID
		// there, and both providers accept a secret there too, so no
		// request is made twice to find out.
		Endpoint:    oauth2.Endpoint{AuthURL: s.AuthURL, TokenURL: s.TokenURL, AuthStyle: oauth2.AuthStyleInParams},
		RedirectURL: redirect,
		Scopes:      s.Scopes,
	}
}

// withClient makes x/oauth2 use hc (nil: http.DefaultClient).
func withClient(ctx context.Context, hc *http.Client) context.Context {
	if hc == nil {
		return ctx
	}
	return context.WithValue(ctx, oauth2.HTTPClient, hc)
}
