package oauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"siegel/mail/account"
)

// Source gives the access tokens of one account. It is safe for
// concurrent use: sync and the outbox share one, so a refresh is made once.
type Source struct {
	cfg   *oauth2.Config
	hc    *http.Client
	saved func(ctx context.Context, refresh string) error
	log   *slog.Logger

	mu      sync.Mutex
	tok     *oauth2.Token
	renewAt time.Time // when to refresh rather than use tok
}

// SourceOptions adjust NewSource; nil means the defaults.
type SourceOptions struct {
	// Saved is called with a new refresh token when the provider rotates
	// it (Microsoft does), so the stored one stays the one that works. If
	// it fails, the token is not used: the next refresh would need it.
	Saved      func(ctx context.Context, refresh string) error
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// NewSource returns the token source of settings s, starting from tok (the
// answer of SignIn, or just the stored refresh token).
func NewSource(s account.OAuth2, tok *oauth2.Token, o *SourceOptions) *Source {
	if o == nil {
		o = &SourceOptions{}
	}
	src := &Source{cfg: config(s, ""), hc: o.HTTPClient, saved: o.Saved, log: o.Logger, tok: tok}
	if src.log == nil {
		src.log = slog.New(slog.DiscardHandler)
	}
	src.renewAt = renewTime(tok, time.Now())
	return src
}

// renewTime is when tok, obtained at now, should be refreshed: a tenth of
// its lifetime, at most a minute, before it expires, so a login never
// starts with a token about to lapse. A token without an access token or
// expiry is refreshed at once.
func renewTime(tok *oauth2.Token, now time.Time) time.Time {
	if tok == nil || tok.AccessToken == "" || tok.Expiry.IsZero() {
		return time.Time{}
	}
	early := min(time.Minute, tok.Expiry.Sub(now)/10)
	return tok.Expiry.Add(-early)
}

// Token is an account.TokenFunc: the current access token, or a refreshed
// one when it is (nearly) expired or renew is set. A refresh the provider
// refuses for good wraps ErrSignInAgain; other failures (no network) are
// worth retrying later.
func (s *Source) Token(ctx context.Context, renew bool) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	if !renew && s.tok != nil && s.tok.AccessToken != "" && now.Before(s.renewAt) {
		return s.tok.AccessToken, nil
	}
	if s.tok == nil || s.tok.RefreshToken == "" {
		return "", fmt.Errorf("%w: no refresh token stored", ErrSignInAgain)
	}
	old := s.tok.RefreshToken
	// Only the refresh token is handed over, so x/oauth2's TokenSource
	// refreshes whatever the access token's expiry says.
	ts := s.cfg.TokenSource(withClient(ctx, s.hc), &oauth2.Token{RefreshToken: old})
	tok, err := ts.Token()
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && signInAgain(re.ErrorCode) {
			s.log.Warn("oauth: refresh refused, the account must sign in again", "token_url", s.cfg.Endpoint.TokenURL, "error", re.ErrorCode)
			return "", fmt.Errorf("%w (%s: %s)", ErrSignInAgain, re.ErrorCode, re.ErrorDescription)
		}
		s.log.Warn("oauth: refresh failed", "token_url", s.cfg.Endpoint.TokenURL, "err", err)
		return "", fmt.Errorf("oauth: refreshing the access token: %w", err)
	}
	if tok.RefreshToken != old && s.saved != nil {
		if err := s.saved(ctx, tok.RefreshToken); err != nil {
			return "", fmt.Errorf("oauth: storing the new refresh token: %w", err)
		}
	}
	s.tok, s.renewAt = tok, renewTime(tok, now)
	s.log.Info("oauth: access token refreshed", "token_url", s.cfg.Endpoint.TokenURL, "expiry", tok.Expiry, "renewed", renew)
	return tok.AccessToken, nil
}

// RefreshToken is the refresh token the source holds now.
func (s *Source) RefreshToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok == nil {
		return ""
	}
	return s.tok.RefreshToken
}

// signInAgain reports whether a token endpoint's error code (RFC 6749
// §5.2) means the stored grant is gone: revoked or expired
// (invalid_grant), or the provider now wants the user at the sign-in page
// (Microsoft's interaction_required, e.g. a new MFA policy).
func signInAgain(code string) bool {
	return code == "invalid_grant" || code == "interaction_required" || code == "consent_required"
}
