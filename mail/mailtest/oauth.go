package mailtest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"siegel/mail/account"
)

// AuthServer is an OAuth2 authorization server on loopback for one test:
// it approves every sign-in for User at once (a browser that follows
// /authorize lands on the redirect with a code), checks the client ID, the
// loopback redirect and PKCE S256, issues short-lived access tokens with
// refresh tokens, and answers token introspection (RFC 7662) for Dovecot.
type AuthServer struct {
	URL      string
	ClientID string
	User     string
	// Lifetime of the access tokens (default a minute).
	Lifetime time.Duration
	// Deny makes the user decline the sign-in (error=access_denied).
	Deny bool

	srv *httptest.Server
	mu  sync.Mutex
	// codes maps an authorization code to its PKCE challenge and
	// redirect.
	codes     map[string]authCode
	access    map[string]time.Time // access token → expiry
	refresh   map[string]bool      // refresh token → valid
	counts    map[string]int       // grant type → requests answered with tokens
	authorize int
}

type authCode struct{ challenge, redirect string }

// NewAuthServer starts the server; it stops with the test.
func NewAuthServer(t testing.TB) *AuthServer {
	t.Helper()
	s := &AuthServer{ClientID: "siegel-test-client", User: DeskAddress, Lifetime: time.Minute,
		codes: map[string]authCode{}, access: map[string]time.Time{}, refresh: map[string]bool{}, counts: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/authorize", s.handleAuthorize)
	mux.HandleFunc("/token", s.handleToken)
	mux.HandleFunc("/introspect", s.handleIntrospect)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	s.URL = s.srv.URL
	return s
}

// Settings are the account's OAuth2 settings for this server.
func (s *AuthServer) Settings() account.OAuth2 {
	return account.OAuth2{AuthURL: s.URL + "/authorize", TokenURL: s.URL + "/token", ClientID: s.ClientID,
		Scopes: []string{"mail", "offline_access"}}
}

// IntrospectionURL is the endpoint Dovecot asks about tokens.
func (s *AuthServer) IntrospectionURL() string { return s.URL + "/introspect" }

// Grants is how many token requests of grant type ("authorization_code",
// "refresh_token") were answered with tokens.
func (s *AuthServer) Grants(grant string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[grant]
}

// Authorizations is how many sign-ins were approved.
func (s *AuthServer) Authorizations() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authorize
}

// RevokeAll revokes every refresh token and access token, as a password
// change or an administrator does.
func (s *AuthServer) RevokeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.refresh)
	clear(s.access)
}

// ForgetAccessTokens makes every access token invalid before its time;
// refresh tokens keep working.
func (s *AuthServer) ForgetAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.access)
}

// Valid reports whether token is a live access token, and for whom (the
// SMTP server's check).
func (s *AuthServer) Valid(token string) (user string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.access[token]
	if !ok || time.Now().After(exp) {
		return "", false
	}
	return s.User, true
}

func oauthError(w http.ResponseWriter, code int, e, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"error": e, "error_description": desc})
}

func (s *AuthServer) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	// RFC 8252 §7.3: a loopback IP literal, any port, http.
	if err != nil || redirect.Scheme != "http" || net.ParseIP(redirect.Hostname()) == nil || !net.ParseIP(redirect.Hostname()).IsLoopback() || redirect.Port() == "" {
		http.Error(w, "redirect_uri is not a loopback address", http.StatusBadRequest)
		return
	}
	back := func(v url.Values) {
		v.Set("state", q.Get("state"))
		redirect.RawQuery = v.Encode()
		http.Redirect(w, r, redirect.String(), http.StatusFound)
	}
	switch {
	case q.Get("client_id") != s.ClientID:
		// RFC 6749 §4.1.2.1: never redirect for an unknown client.
		http.Error(w, "unknown client_id", http.StatusBadRequest)
		return
	case q.Get("response_type") != "code":
		back(url.Values{"error": {"unsupported_response_type"}})
		return
	case q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) < 43:
		back(url.Values{"error": {"invalid_request"}, "error_description": {"PKCE S256 required"}})
		return
	}
	s.mu.Lock()
	deny := s.Deny
	s.mu.Unlock()
	if deny {
		back(url.Values{"error": {"access_denied"}, "error_description": {"the user declined"}})
		return
	}
	code := randomToken()
	s.mu.Lock()
	s.codes[code] = authCode{challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri")}
	s.authorize++
	s.mu.Unlock()
	back(url.Values{"code": {code}})
}

func (s *AuthServer) handleToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "POST a form")
		return
	}
	id := r.PostForm.Get("client_id")
	if u, _, ok := r.BasicAuth(); ok {
		id = u
	}
	if id != s.ClientID {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "unknown client")
		return
	}
	grant := r.PostForm.Get("grant_type")
	s.mu.Lock()
	defer s.mu.Unlock()
	switch grant {
	case "authorization_code":
		c, ok := s.codes[r.PostForm.Get("code")]
		delete(s.codes, r.PostForm.Get("code")) // a code is used once
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		switch {
		case !ok:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown code")
			return
		case base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "code_verifier does not match")
			return
		case r.PostForm.Get("redirect_uri") != c.redirect:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri differs")
			return
		}
	case "refresh_token":
		rt := r.PostForm.Get("refresh_token")
		if !s.refresh[rt] {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "refresh token revoked")
			return
		}
		delete(s.refresh, rt) // rotated, as Microsoft does
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", grant)
		return
	}
	access, refresh := randomToken(), randomToken()
	s.access[access] = time.Now().Add(s.Lifetime)
	s.refresh[refresh] = true
	s.counts[grant]++
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"access_token": access, "token_type": "Bearer",
		"expires_in": int(s.Lifetime.Seconds()), "refresh_token": refresh})
}

func (s *AuthServer) handleIntrospect(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	token := r.Form.Get("token")
	w.Header().Set("Content-Type", "application/json")
	if user, ok := s.Valid(token); ok {
		json.NewEncoder(w).Encode(map[string]any{"active": true, "username": user})
		return
	}
	json.NewEncoder(w).Encode(map[string]any{"active": false})
}

func randomToken() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ApprovingBrowser sets $BROWSER for the test to a script that follows the
// sign-in URL with curl, as a user who approves at once would, and lands
// on the redirect. The test is skipped without curl.
func ApprovingBrowser(t *testing.T) {
	t.Helper()
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed: no browser for the OAuth2 sign-in")
	}
	p := filepath.Join(t.TempDir(), "browser")
	script := "#!/bin/sh\nexec " + curl + " -fsSL --max-time 20 -o /dev/null \"$1\"\n"
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BROWSER", p)
}

// AccessToken issues a live access token (not counted as a grant), for
// tests that need one without a sign-in.
func AccessToken(s *AuthServer) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tok := randomToken()
	s.access[tok] = time.Now().Add(s.Lifetime)
	return tok, nil
}
