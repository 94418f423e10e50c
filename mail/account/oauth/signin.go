package oauth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"html"
	"log/slog"
	"net"
	"net/http"
	"time"

	"golang.org/x/oauth2"

	"siegel/mail/account"
)

// SignInOptions adjust SignIn; nil means the defaults.
type SignInOptions struct {
	// Browser opens the sign-in page; nil means OpenBrowser. When it
	// fails, SignIn fails: a caller that can show the URL instead (the
	// command line) wraps OpenBrowser and returns nil.
	Browser func(url string) error
	// LoginHint is the address, so the provider asks no account picker
	// question.
	LoginHint string
	// HTTPClient reaches the token endpoint; nil means http.DefaultClient.
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// SignIn runs the authorization-code flow with PKCE through the system
// browser and a loopback redirect, and returns the provider's tokens. It
// waits until the browser comes back or ctx ends (give it a timeout of a
// few minutes).
func SignIn(ctx context.Context, s account.OAuth2, o *SignInOptions) (*oauth2.Token, error) {
	if o == nil {
		o = &SignInOptions{}
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// 127.0.0.1 rather than localhost (RFC 8252 §8.3): no name lookup
	// that could answer with another interface.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("oauth: redirect listener: %w", err)
	}
	defer ln.Close()
	redirect := fmt.Sprintf("http://127.0.0.1:%d/", ln.Addr().(*net.TCPAddr).Port)
	cfg := config(s, redirect)
	verifier := oauth2.GenerateVerifier()
	state := randomString()
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}
	if o.LoginHint != "" {
		opts = append(opts, oauth2.SetAuthURLParam("login_hint", o.LoginHint))
	}
	if p, ok := Lookup(s.Provider); ok {
		for k, v := range p.params {
			opts = append(opts, oauth2.SetAuthURLParam(k, v))
		}
	}
	authURL := cfg.AuthCodeURL(state, opts...)

	type answer struct {
		code string
		err  error
	}
	answers := make(chan answer, 1)
	srv := &http.Server{
		ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/" {
				http.NotFound(w, r) // favicon.ico and the like
				return
			}
			q := r.URL.Query()
			var a answer
			switch {
			case q.Get("state") != state:
				a.err = ErrState
			case q.Get("error") != "":
				a.err = fmt.Errorf("%w: %s %s", ErrDenied, q.Get("error"), q.Get("error_description"))
			case q.Get("code") == "":
				a.err = fmt.Errorf("%w: no code in the answer", ErrDenied)
			default:
				a.code = q.Get("code")
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			if a.err != nil {
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprintf(w, page, "Sign-in failed", html.EscapeString(a.err.Error())+" You can close this window and try again in Siegel.")
			} else {
				fmt.Fprintf(w, page, "Signed in", "You can close this window and return to Siegel.")
			}
			select {
			case answers <- a:
			default: // one answer only; a second request changes nothing
			}
		}),
	}
	go srv.Serve(ln)
	defer func() {
		// Let the page reach the browser, then stop listening.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()

	browser := o.Browser
	if browser == nil {
		browser = OpenBrowser
	}
	log.Info("oauth: opening the sign-in page", "auth_url", s.AuthURL, "redirect", redirect)
	if err := browser(authURL); err != nil {
		return nil, err
	}
	var a answer
	select {
	case <-ctx.Done():
		return nil, fmt.Errorf("oauth: waiting for the browser: %w", ctx.Err())
	case a = <-answers:
	}
	if a.err != nil {
		return nil, a.err
	}
	tok, err := cfg.Exchange(withClient(ctx, o.HTTPClient), a.code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, fmt.Errorf("oauth: exchanging the code: %w", err)
	}
	if tok.RefreshToken == "" {
		return nil, ErrNoRefreshToken
	}
	log.Info("oauth: signed in", "token_url", s.TokenURL, "expiry", tok.Expiry)
	return tok, nil
}

// page is the answer the browser shows: the title, then the text.
const page = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Siegel: %[1]s</title>
<style>body{font-family:sans-serif;margin:4em auto;max-width:32em;text-align:center}</style></head>
<body><h1>%[1]s</h1><p>%[2]s</p></body></html>
`

func randomString() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
