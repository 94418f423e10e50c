package account

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// AuthMethod is how an account logs in to its servers.
type AuthMethod string

// The authentication methods. The zero value is AuthPassword, so accounts
// stored before OAuth2 existed keep working.
const (
	AuthPassword AuthMethod = "password"
	AuthOAuth2   AuthMethod = "oauth2"
)

// OAuth2 holds the sign-in settings of an account whose provider refuses
// passwords (Microsoft 365, Google). The client ID is the organisation's
// own registration of Siegel: none is built in.
type OAuth2 struct {
	// Provider is "microsoft", "google" or "" for endpoints given by hand;
	// it only chooses provider quirks (Google's access_type=offline).
	Provider string `json:",omitempty"`
	AuthURL  string
	TokenURL string
	ClientID string
	// ClientSecret is optional (Google issues one to desktop clients). An
	// installed application cannot keep it secret (RFC 8252 §8.5), so it
	// is a setting, not a credential, and is stored as such.
	ClientSecret string `json:",omitempty"`
	Scopes       []string
	// RefreshToken is held in memory only; the mail core stores it sealed,
	// like a password.
	RefreshToken string `json:"-"`
}

// TokenFunc returns an OAuth2 access token for logging in. renew asks for
// a fresh one because the server refused the last.
type TokenFunc func(ctx context.Context, renew bool) (string, error)

// Errors of OAuth2 settings and logins.
var (
	ErrOAuth2 = errors.New("invalid OAuth2 settings")
	// ErrMechanism is returned when the server offers neither OAUTHBEARER
	// nor XOAUTH2.
	ErrMechanism = errors.New("the server offers no OAuth2 login (OAUTHBEARER or XOAUTH2)")
	// ErrNoToken is returned when an OAuth2 account is dialled without a
	// TokenFunc.
	ErrNoToken = errors.New("no OAuth2 token: sign in first")
	// ErrToken is the Kind of an *Error when no access token could be had
	// from the provider; the cause (oauth.ErrSignInAgain, a network
	// failure) is wrapped with it.
	ErrToken = errors.New("could not get an OAuth2 access token")
)

// UsesOAuth2 reports whether the account signs in with OAuth2.
func (a *Account) UsesOAuth2() bool { return a.Auth == AuthOAuth2 }

func (o *OAuth2) validate() error {
	if strings.TrimSpace(o.ClientID) == "" {
		return fmt.Errorf("%w: no client ID (register Siegel with the provider, see README)", ErrOAuth2)
	}
	if len(o.Scopes) == 0 {
		return fmt.Errorf("%w: no scopes", ErrOAuth2)
	}
	for _, s := range []struct{ name, u string }{{"authorization URL", o.AuthURL}, {"token URL", o.TokenURL}} {
		u, err := url.Parse(s.u)
		if err != nil || u.Host == "" {
			return fmt.Errorf("%w: %s %q", ErrOAuth2, s.name, s.u)
		}
		// The token endpoint receives the refresh token: as with the
		// servers, no TLS only on this computer.
		if u.Scheme != "https" && !(u.Scheme == "http" && IsLoopback(u.Hostname())) {
			return fmt.Errorf("%w: %s %q must be https://", ErrOAuth2, s.name, s.u)
		}
	}
	return nil
}
