package oauth_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"siegel/mail/account"
	"siegel/mail/account/oauth"
	"siegel/mail/mailtest"
)

func signIn(t *testing.T, as *mailtest.AuthServer) *oauth.Source {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tok, err := oauth.SignIn(ctx, as.Settings(), &oauth.SignInOptions{LoginHint: mailtest.DeskAddress})
	if err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	if got := as.Grants("authorization_code"); got != 1 {
		t.Fatalf("got %d code grants, want 1", got)
	}
	return oauth.NewSource(as.Settings(), tok, nil)
}

func TestSignInAndRefresh(t *testing.T) {
	mailtest.ApprovingBrowser(t)
	as := mailtest.NewAuthServer(t)
	as.Lifetime = time.Second
	src := signIn(t, as)
	ctx := context.Background()

	tok, err := src.Token(ctx, false)
	if err != nil || !valid(as, tok) {
		t.Fatalf("first Token = %q, %v; want the signed-in access token", tok, err)
	}
	if got := as.Grants("refresh_token"); got != 0 {
		t.Errorf("got %d refreshes before expiry, want 0", got)
	}
	time.Sleep(1100 * time.Millisecond)
	tok2, err := src.Token(ctx, false)
	if err != nil || tok2 == tok || !valid(as, tok2) {
		t.Fatalf("Token after expiry = %q, %v; want a new live token", tok2, err)
	}
	if got := as.Grants("refresh_token"); got != 1 {
		t.Errorf("got %d refreshes after expiry, want 1", got)
	}
	// renew refreshes a token that is not expired (the server refused it).
	as.Lifetime = time.Hour
	tok3, err := src.Token(ctx, true)
	if err != nil || tok3 == tok2 || as.Grants("refresh_token") != 2 {
		t.Fatalf("Token(renew) = %q, %v after %d refreshes; want a new token, 2 refreshes", tok3, err, as.Grants("refresh_token"))
	}
	if again, _ := src.Token(ctx, false); again != tok3 {
		t.Errorf("Token of a live token = %q, want the cached %q", again, tok3)
	}

	as.RevokeAll()
	if _, err := src.Token(ctx, true); !errors.Is(err, oauth.ErrSignInAgain) {
		t.Errorf("Token after revocation = %v, want ErrSignInAgain", err)
	}
}

func valid(as *mailtest.AuthServer, tok string) bool { _, ok := as.Valid(tok); return ok }

func TestRefreshFailures(t *testing.T) {
	as := mailtest.NewAuthServer(t)
	ctx := context.Background()
	if _, err := oauth.NewSource(as.Settings(), nil, nil).Token(ctx, false); !errors.Is(err, oauth.ErrSignInAgain) {
		t.Errorf("Token without a refresh token = %v, want ErrSignInAgain", err)
	}
	if _, err := oauth.NewSource(as.Settings(), &oauth2.Token{RefreshToken: "unknown"}, nil).Token(ctx, false); !errors.Is(err, oauth.ErrSignInAgain) {
		t.Errorf("Token with an unknown refresh token = %v, want ErrSignInAgain", err)
	}
	down := as.Settings()
	down.TokenURL = "http://127.0.0.1:1/token" // nothing listens
	if _, err := oauth.NewSource(down, &oauth2.Token{RefreshToken: "r"}, nil).Token(ctx, false); err == nil || errors.Is(err, oauth.ErrSignInAgain) {
		t.Errorf("Token with the token endpoint down = %v, want an error worth retrying", err)
	}
}

func TestSignInRefusals(t *testing.T) {
	as := mailtest.NewAuthServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	follow := func(edit func(u *url.URL)) func(string) error {
		return func(s string) error {
			u, _ := url.Parse(s)
			edit(u)
			go http.Get(u.String())
			return nil
		}
	}
	tests := []struct {
		name     string
		settings func(s *account.OAuth2)
		browser  func(string) error
		want     error
	}{
		{"wrong state", nil, follow(func(u *url.URL) {
			q := u.Query()
			q.Set("state", "forged")
			u.RawQuery = q.Encode()
		}), oauth.ErrState},
		{"no PKCE", nil, follow(func(u *url.URL) {
			q := u.Query()
			q.Del("code_challenge")
			u.RawQuery = q.Encode()
		}), oauth.ErrDenied},
		{"browser fails", nil, func(string) error { return oauth.ErrNoBrowser }, oauth.ErrNoBrowser},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := as.Settings()
			if tt.settings != nil {
				tt.settings(&s)
			}
			_, err := oauth.SignIn(ctx, s, &oauth.SignInOptions{Browser: tt.browser})
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
	if got := as.Grants("authorization_code"); got != 0 {
		t.Errorf("got %d code grants, want 0", got)
	}
}

func TestPresets(t *testing.T) {
	for _, tt := range []struct {
		name, host, scope string
	}{
		{"Microsoft", "login.microsoftonline.com", "https://outlook.office.com/IMAP.AccessAsUser.All"},
		{"google", "accounts.google.com", "https://mail.google.com/"},
	} {
		p, ok := oauth.Lookup(tt.name)
		if !ok {
			t.Fatalf("Lookup(%q) found nothing", tt.name)
		}
		s := p.Settings("my-client", "")
		a := account.Account{Address: "help@example.org", Auth: account.AuthOAuth2, OAuth2: s,
			IMAP: account.Server{Host: "imap.example.org", Port: 993, Security: account.TLS, User: "help@example.org"},
			SMTP: account.Server{Host: "smtp.example.org", Port: 465, Security: account.TLS, User: "help@example.org"}}
		if err := a.Validate(); err != nil {
			t.Errorf("%s: Validate = %v", tt.name, err)
		}
		if !strings.Contains(s.AuthURL, tt.host) || !strings.Contains(strings.Join(s.Scopes, " "), tt.scope) {
			t.Errorf("%s: got %+v, want %s and scope %s", tt.name, s, tt.host, tt.scope)
		}
	}
	if _, ok := oauth.Lookup("yahoo"); ok {
		t.Error("Lookup(yahoo) found a preset")
	}
}

// TestSignInLoopback checks the redirect of RFC 8252: an IP literal on
// loopback, PKCE S256 in the request, and nothing listening afterwards.
func TestSignInLoopback(t *testing.T) {
	as := mailtest.NewAuthServer(t)
	var authURL string
	browser := func(s string) error {
		authURL = s
		go func() {
			if resp, err := http.Get(s); err == nil {
				resp.Body.Close()
			}
		}()
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := oauth.SignIn(ctx, as.Settings(), &oauth.SignInOptions{Browser: browser}); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(authURL)
	q := u.Query()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || redirect.Scheme != "http" || redirect.Hostname() != "127.0.0.1" || redirect.Port() == "" || redirect.Path != "/" {
		t.Errorf("got redirect_uri %q, want http://127.0.0.1:PORT/", q.Get("redirect_uri"))
	}
	if q.Get("code_challenge_method") != "S256" || q.Get("state") == "" || q.Get("client_id") != as.ClientID {
		t.Errorf("got authorization request %v, want S256, a state and the client ID", q)
	}
	if resp, err := http.Get(redirect.String()); err == nil {
		resp.Body.Close()
		t.Errorf("the redirect listener still answers after the sign-in")
	}
}
