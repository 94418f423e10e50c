package account_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"siegel/crypto/certinfo"
	"siegel/mail/account"
	"siegel/mail/mailtest"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		proto account.Protocol
		in    string
		want  account.Server
		err   error
	}{
		{account.IMAP, "imaps://help@imap.example.org:993", account.Server{Host: "imap.example.org", Port: 993, Security: account.TLS, User: "help"}, nil},
		{account.IMAP, "imaps://help@example.org@imap.example.org", account.Server{Host: "imap.example.org", Port: 993, Security: account.TLS, User: "help@example.org"}, nil},
		{account.IMAP, "imap+starttls://u@imap.example.org", account.Server{Host: "imap.example.org", Port: 143, Security: account.StartTLS, User: "u"}, nil},
		{account.IMAP, "IMAP://u@127.0.0.1:1143", account.Server{Host: "127.0.0.1", Port: 1143, Security: account.Plain, User: "u"}, nil},
		{account.IMAP, "imap://u@[::1]:1143", account.Server{Host: "::1", Port: 1143, Security: account.Plain, User: "u"}, nil},
		{account.SMTP, "smtps://u@smtp.example.org", account.Server{Host: "smtp.example.org", Port: 465, Security: account.TLS, User: "u"}, nil},
		{account.SMTP, "smtp+starttls://u%40x.org@smtp.example.org:587", account.Server{Host: "smtp.example.org", Port: 587, Security: account.StartTLS, User: "u@x.org"}, nil},
		{account.SMTP, "smtp://localhost:2525", account.Server{Host: "localhost", Port: 2525, Security: account.Plain}, nil},
		{account.IMAP, "imap://u@imap.example.org", account.Server{}, account.ErrPlainRemote},
		{account.SMTP, "smtp://u@10.0.0.1", account.Server{}, account.ErrPlainRemote},
		{account.IMAP, "smtps://u@smtp.example.org", account.Server{}, account.ErrURL},
		{account.IMAP, "imaps://u:secret@imap.example.org", account.Server{}, account.ErrURL},
		{account.IMAP, "imaps://imap.example.org:99999", account.Server{}, account.ErrURL},
		{account.IMAP, "imaps://imap.example.org/INBOX", account.Server{}, account.ErrURL},
		{account.IMAP, "imaps://", account.Server{}, account.ErrURL},
		{account.IMAP, "imap.example.org", account.Server{}, account.ErrURL},
	}
	for _, tt := range tests {
		got, err := account.ParseURL(tt.proto, tt.in)
		if !errors.Is(err, tt.err) || got != tt.want {
			t.Errorf("ParseURL(%s, %q) = %+v, %v; want %+v, %v", tt.proto, tt.in, got, err, tt.want, tt.err)
			continue
		}
		if err == nil {
			back, err := account.ParseURL(tt.proto, got.URL(tt.proto))
			if err != nil || back != got {
				t.Errorf("ParseURL(URL()) of %q = %+v, %v (URL %q)", tt.in, back, err, got.URL(tt.proto))
			}
		}
	}
	// The password never appears in the URL.
	s := account.Server{Host: "h", Port: 993, Security: account.TLS, User: "u", Password: "pw"}
	if u := s.URL(account.IMAP); strings.Contains(u, "pw") {
		t.Errorf("URL %q shows the password", u)
	}
}

func TestValidate(t *testing.T) {
	good := account.Account{
		Address: "help@example.org",
		IMAP:    account.Server{Host: "imap.example.org", Port: 993, Security: account.TLS},
		SMTP:    account.Server{Host: "smtp.example.org", Port: 465, Security: account.TLS},
	}
	if err := good.Validate(); err != nil {
		t.Fatalf("Validate(good) = %v", err)
	}
	tests := []struct {
		name string
		edit func(a *account.Account)
		want error
	}{
		{"bad address", func(a *account.Account) { a.Address = "not an address" }, account.ErrAddress},
		{"address with name", func(a *account.Account) { a.Address = "Help <help@example.org>" }, account.ErrAddress},
		{"plain remote SMTP", func(a *account.Account) { a.SMTP.Security = account.Plain }, account.ErrPlainRemote},
		{"no IMAP host", func(a *account.Account) { a.IMAP.Host = "" }, account.ErrURL},
		{"unknown security", func(a *account.Account) { a.IMAP.Security = "ssl" }, account.ErrURL},
		{"bad pin", func(a *account.Account) { a.Trust.Pins = []string{"abc"} }, account.ErrTrust},
		{"roots without certificates", func(a *account.Account) { a.Trust.RootsPEM = []byte("nothing") }, account.ErrTrust},
		{"OAuth2 without client ID", func(a *account.Account) {
			a.Auth, a.OAuth2 = account.AuthOAuth2, oauthSettings("")
			a.IMAP.User, a.SMTP.User = "u", "u"
		}, account.ErrOAuth2},
		{"OAuth2 without user", func(a *account.Account) { a.Auth, a.OAuth2 = account.AuthOAuth2, oauthSettings("id") }, account.ErrOAuth2},
		{"OAuth2 token URL without TLS", func(a *account.Account) {
			a.Auth, a.OAuth2 = account.AuthOAuth2, oauthSettings("id")
			a.IMAP.User, a.SMTP.User = "u", "u"
			a.OAuth2.TokenURL = "http://login.example.org/token"
		}, account.ErrOAuth2},
		{"OAuth2 without scopes", func(a *account.Account) {
			a.Auth, a.OAuth2 = account.AuthOAuth2, oauthSettings("id")
			a.IMAP.User, a.SMTP.User = "u", "u"
			a.OAuth2.Scopes = nil
		}, account.ErrOAuth2},
		{"unknown auth", func(a *account.Account) { a.Auth = "kerberos" }, account.ErrOAuth2},
		{"OAuth2, loopback token URL", func(a *account.Account) {
			a.Auth, a.OAuth2 = account.AuthOAuth2, oauthSettings("id")
			a.IMAP.User, a.SMTP.User = "u", "u"
			a.OAuth2.TokenURL = "http://127.0.0.1:8080/token"
		}, nil},
	}
	for _, tt := range tests {
		a := good
		tt.edit(&a)
		if err := a.Validate(); !errors.Is(err, tt.want) {
			t.Errorf("%s: Validate = %v, want %v", tt.name, err, tt.want)
		}
	}
	ok := good
	ok.Auth, ok.OAuth2 = account.AuthOAuth2, oauthSettings("id")
	ok.IMAP.User, ok.SMTP.User = "u", "u"
	if err := ok.Validate(); err != nil {
		t.Errorf("Validate(OAuth2) = %v", err)
	}
	if p, err := account.NormalizePin(strings.ToUpper("AB:" + strings.Repeat("cd", 31))); err != nil || p != "ab"+strings.Repeat("cd", 31) {
		t.Errorf("NormalizePin = %q, %v", p, err)
	}
}

func oauthSettings(clientID string) account.OAuth2 {
	return account.OAuth2{AuthURL: "https://login.example.org/authorize", TokenURL: "https://login.example.org/token",
		ClientID: clientID, Scopes: []string{"mail"}}
}

// freePort returns a loopback port nothing listens on.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

func TestDialErrors(t *testing.T) {
	ctx := context.Background()
	plainIMAP := mailtest.NewIMAP(t, nil)
	tlsIMAP := mailtest.NewIMAP(t, &mailtest.IMAPOptions{Security: account.TLS})
	startIMAP := mailtest.NewIMAP(t, &mailtest.IMAPOptions{Security: account.StartTLS})
	otherName := mailtest.NewServerCert(t, "mail.example.test")
	namedIMAP := mailtest.NewIMAP(t, &mailtest.IMAPOptions{Security: account.TLS, Cert: otherName})
	plainSMTP := mailtest.NewSMTP(t, nil)
	tlsSMTP := mailtest.NewSMTP(t, &mailtest.SMTPOptions{Security: account.TLS})
	startSMTP := mailtest.NewSMTP(t, &mailtest.SMTPOptions{Security: account.StartTLS})

	trust := func(pems ...[]byte) account.Trust {
		var tr account.Trust
		for _, p := range pems {
			tr.RootsPEM = append(tr.RootsPEM, p...)
		}
		return tr
	}
	imapCases := []struct {
		name  string
		srv   account.Server
		trust account.Trust
		want  error // nil: the login works
	}{
		{"plain loopback", plainIMAP.Server(), account.Trust{}, nil},
		{"implicit TLS, trusted root", tlsIMAP.Server(), trust(tlsIMAP.Cert.PEM), nil},
		{"STARTTLS, trusted root", startIMAP.Server(), trust(startIMAP.Cert.PEM), nil},
		{"implicit TLS, pinned", tlsIMAP.Server(), account.Trust{Pins: []string{certinfo.Fingerprint(tlsIMAP.Cert.Cert)}}, nil},
		{"pin of another certificate", tlsIMAP.Server(), account.Trust{Pins: []string{certinfo.Fingerprint(otherName.Cert)}}, account.ErrCertificate},
		{"implicit TLS, untrusted", tlsIMAP.Server(), account.Trust{}, account.ErrCertificate},
		{"STARTTLS, untrusted", startIMAP.Server(), account.Trust{}, account.ErrCertificate},
		{"wrong host name", namedIMAP.Server(), trust(otherName.PEM), account.ErrCertificate},
		{"wrong host name, pinned", namedIMAP.Server(), account.Trust{Pins: []string{certinfo.Fingerprint(otherName.Cert)}}, nil},
		{"TLS to a plain server", withSecurity(plainIMAP.Server(), account.TLS), account.Trust{}, account.ErrTLS},
		{"wrong password", withPassword(plainIMAP.Server(), "wrong"), account.Trust{}, account.ErrAuth},
		{"refused", account.Server{Host: "127.0.0.1", Port: freePort(t), Security: account.Plain}, account.Trust{}, account.ErrRefused},
		{"unknown host", account.Server{Host: "no-such-host.invalid", Port: 993, Security: account.TLS}, account.Trust{}, account.ErrDNS},
	}
	for _, tt := range imapCases {
		t.Run("IMAP "+tt.name, func(t *testing.T) {
			a := &account.Account{Address: mailtest.DeskAddress, IMAP: tt.srv, Trust: tt.trust}
			c, err := account.DialIMAP(ctx, a, nil)
			if c != nil {
				c.Close()
			}
			checkDialError(t, err, tt.want, account.IMAP)
		})
	}
	smtpCases := []struct {
		name  string
		srv   account.Server
		trust account.Trust
		want  error
	}{
		{"plain loopback", plainSMTP.Server(), account.Trust{}, nil},
		{"implicit TLS, trusted root", tlsSMTP.Server(), trust(tlsSMTP.Cert.PEM), nil},
		{"STARTTLS, trusted root", startSMTP.Server(), trust(startSMTP.Cert.PEM), nil},
		{"implicit TLS, untrusted", tlsSMTP.Server(), account.Trust{}, account.ErrCertificate},
		{"STARTTLS, untrusted", startSMTP.Server(), account.Trust{}, account.ErrCertificate},
		{"wrong password", withPassword(tlsSMTP.Server(), "wrong"), trust(tlsSMTP.Cert.PEM), account.ErrAuth},
		{"refused", account.Server{Host: "127.0.0.1", Port: freePort(t), Security: account.TLS}, account.Trust{}, account.ErrRefused},
		{"unknown host", account.Server{Host: "no-such-host.invalid", Port: 465, Security: account.TLS}, account.Trust{}, account.ErrDNS},
	}
	for _, tt := range smtpCases {
		t.Run("SMTP "+tt.name, func(t *testing.T) {
			a := &account.Account{Address: mailtest.DeskAddress, SMTP: tt.srv, Trust: tt.trust}
			c, err := account.DialSMTP(ctx, a)
			if c != nil {
				c.Close()
			}
			checkDialError(t, err, tt.want, account.SMTP)
		})
	}
}

func checkDialError(t *testing.T, err, want error, p account.Protocol) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("dial error = %v, want %v", err, want)
	}
	var e *account.Error
	if !errors.As(err, &e) || e.Protocol != p {
		t.Errorf("dial error %v is not an *account.Error for %s", err, p)
	}
}

func withSecurity(s account.Server, sec account.Security) account.Server { s.Security = sec; return s }

func withPassword(s account.Server, pw string) account.Server { s.Password = pw; return s }

func FuzzParseURL(f *testing.F) {
	for _, s := range []string{"imaps://help@imap.example.org:993", "imap://u@127.0.0.1:1143", "smtp+starttls://a%40b@h", "imaps://[::1]:x", "imaps://u:p@h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, p := range []account.Protocol{account.IMAP, account.SMTP} {
			srv, err := account.ParseURL(p, s)
			if err != nil {
				continue
			}
			if srv.Security == account.Plain && !account.IsLoopback(srv.Host) {
				t.Fatalf("ParseURL(%q) accepted plain %s to %q", s, p, srv.Host)
			}
			back, err := account.ParseURL(p, srv.URL(p))
			if err != nil || back != srv {
				t.Fatalf("ParseURL(%q) = %+v, but its URL %q reads back as %+v, %v", s, srv, srv.URL(p), back, err)
			}
		}
	})
}
