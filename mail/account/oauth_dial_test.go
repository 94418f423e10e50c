package account_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"siegel/mail/account"
	"siegel/mail/mailtest"
)

// tokens is a TokenFunc that hands out first, and good once asked to
// renew; it counts the calls.
type tokens struct {
	first, good string
	calls       []bool
}

func (tk *tokens) token(_ context.Context, renew bool) (string, error) {
	tk.calls = append(tk.calls, renew)
	if renew {
		return tk.good, nil
	}
	return tk.first, nil
}

// liveToken is an access token of the auth server, got by a refresh.
func liveToken(t *testing.T, as *mailtest.AuthServer) string {
	t.Helper()
	tok, err := mailtest.AccessToken(as)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestDialOAuth2Dovecot(t *testing.T) {
	as := mailtest.NewAuthServer(t)
	ctx := context.Background()
	for _, tt := range []struct {
		mechs []string
		want  string // the mechanism Dovecot logs
	}{
		{[]string{"xoauth2"}, "XOAUTH2"},
		{[]string{"xoauth2", "oauthbearer"}, "OAUTHBEARER"}, // preferred
	} {
		t.Run(tt.want, func(t *testing.T) {
			dc := mailtest.StartDovecotWith(t, mailtest.DovecotOptions{IntrospectionURL: as.IntrospectionURL(), OAuth2Mechanisms: tt.mechs})
			srv := dc.Server(account.TLS)
			srv.Password = ""
			good := liveToken(t, as)
			tk := &tokens{first: good, good: good}
			a := &account.Account{Address: mailtest.DeskAddress, IMAP: srv, Auth: account.AuthOAuth2, Token: tk.token,
				Trust: account.Trust{RootsPEM: dc.Cert.PEM}}
			c, err := account.DialIMAP(ctx, a, nil)
			if err != nil {
				t.Fatalf("DialIMAP with a live token: %v", err)
			}
			c.Close()
			if len(tk.calls) != 1 || tk.calls[0] {
				t.Errorf("got token calls %v, want one without renew", tk.calls)
			}
			if log := dc.Log(); !strings.Contains(log, "method="+tt.want) {
				t.Errorf("Dovecot log has no login with method=%s:\n%s", tt.want, log)
			}

			// A refused token is renewed once, on the same connection.
			tk = &tokens{first: "stale", good: good}
			a.Token = tk.token
			if c, err = account.DialIMAP(ctx, a, nil); err != nil {
				t.Fatalf("DialIMAP with a stale, then a live token: %v", err)
			}
			c.Close()
			if len(tk.calls) != 2 || !tk.calls[1] {
				t.Errorf("got token calls %v, want a renew after the refusal", tk.calls)
			}

			// Twice refused: ErrAuth.
			tk = &tokens{first: "stale", good: "also stale"}
			a.Token = tk.token
			if c, err = account.DialIMAP(ctx, a, nil); !errors.Is(err, account.ErrAuth) {
				if c != nil {
					c.Close()
				}
				t.Errorf("DialIMAP with refused tokens = %v, want ErrAuth", err)
			}

			// A failure to get a token is no refused login.
			a.Token = func(context.Context, bool) (string, error) { return "", errTokenEndpoint }
			if _, err := account.DialIMAP(ctx, a, nil); !errors.Is(err, account.ErrToken) || !errors.Is(err, errTokenEndpoint) || errors.Is(err, account.ErrAuth) {
				t.Errorf("DialIMAP without a token = %v, want ErrToken wrapping the cause", err)
			}
		})
	}
}

var errTokenEndpoint = errors.New("token endpoint down")

func TestDialOAuth2SMTP(t *testing.T) {
	as := mailtest.NewAuthServer(t)
	ctx := context.Background()
	bearer := func(_, token string) bool { _, ok := as.Valid(token); return ok }
	for _, mechs := range [][]string{{"XOAUTH2"}, {"OAUTHBEARER"}, nil} {
		name := strings.Join(mechs, "+")
		t.Run("mechanisms "+name, func(t *testing.T) {
			s := mailtest.NewSMTP(t, &mailtest.SMTPOptions{Security: account.TLS, Bearer: bearer, BearerMechanisms: mechs, RequireAuth: true})
			srv := s.Server()
			srv.Password = ""
			good := liveToken(t, as)
			tk := &tokens{first: "stale", good: good}
			a := &account.Account{Address: mailtest.DeskAddress, SMTP: srv, Auth: account.AuthOAuth2, Token: tk.token,
				Trust: account.Trust{RootsPEM: s.Cert.PEM}}
			c, err := account.DialSMTP(ctx, a)
			if err != nil {
				t.Fatalf("DialSMTP with a stale, then a live token: %v", err)
			}
			c.Close()
			if len(tk.calls) != 2 || !tk.calls[1] {
				t.Errorf("got token calls %v, want a renew after the refusal", tk.calls)
			}
			tk = &tokens{first: "stale", good: "stale"}
			a.Token = tk.token
			if _, err := account.DialSMTP(ctx, a); !errors.Is(err, account.ErrAuth) {
				t.Errorf("DialSMTP with refused tokens = %v, want ErrAuth", err)
			}
		})
	}
	// A server without bearer mechanisms.
	s := mailtest.NewSMTP(t, &mailtest.SMTPOptions{Security: account.TLS})
	a := &account.Account{Address: mailtest.DeskAddress, SMTP: s.Server(), Auth: account.AuthOAuth2,
		Token: (&tokens{first: "x", good: "x"}).token, Trust: account.Trust{RootsPEM: s.Cert.PEM}}
	if _, err := account.DialSMTP(ctx, a); !errors.Is(err, account.ErrMechanism) {
		t.Errorf("DialSMTP to a server without OAuth2 = %v, want ErrMechanism", err)
	}
}
