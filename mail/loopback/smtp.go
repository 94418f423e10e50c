package loopback

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"strings"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"siegel/mail/account"
)

// SMTPOptions choose how the SMTP server talks.
type SMTPOptions struct {
	// Username and Password are the one login the server accepts.
	Username, Password string
	// Security is account.Plain (default), account.TLS or
	// account.StartTLS; the last two need TLS.
	Security account.Security
	TLS      *tls.Config
	// RequireAuth refuses MAIL FROM and RCPT TO before a login, as a
	// submission server does. Without it a client may also send without
	// logging in.
	RequireAuth bool
	// MaxMessageBytes, when not 0, is the size limit the server announces
	// (SIZE, RFC 1870) and enforces.
	MaxMessageBytes int64
	// MaxRecipients, when not 0, bounds the recipients of one message.
	MaxRecipients int
	// Bearer, when set, checks the OAuth2 access tokens of OAUTHBEARER
	// and XOAUTH2 logins (offered besides PLAIN, or instead of it when
	// Password is empty). BearerMechanisms limits the mechanisms offered.
	Bearer           func(user, token string) bool
	BearerMechanisms []string
}

// Received is one message the SMTP server accepted.
type Received struct {
	From string
	To   []string
	Data []byte
}

// SMTPHooks let the caller decide each step of a transaction. All are
// optional; an error they return is the server's reply (an *smtp.SMTPError
// gives the code, anything else is a 554). They may be called from several
// connections at once.
type SMTPHooks struct {
	Mail func(from string) error
	Rcpt func(to string) error
	// Data sees the message data as it arrives. It may read part of r and
	// return ErrDisconnect to drop the connection in the middle of the
	// data; what it leaves unread is read after it, so Accept gets the
	// whole message.
	Data func(r io.Reader) error
	// Accept gets each message whose data came in whole. When it returns
	// nil the server confirms the message.
	Accept func(Received) error
}

// ErrDisconnect, returned by an SMTPHooks.Data hook, drops the connection
// without a reply.
var ErrDisconnect = errors.New("loopback: disconnect")

var (
	errAuthRequired = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "authentication required"}
	errAuthFailed   = &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "authentication failed"}
)

// SMTP is an SMTP server on 127.0.0.1 with one login.
type SMTP struct {
	addr  string
	opts  SMTPOptions
	hooks SMTPHooks
	srv   *smtp.Server
	done  chan struct{}
}

// StartSMTP starts an SMTP server on a random loopback port that runs
// hooks for each transaction. Close stops it.
func StartSMTP(o SMTPOptions, hooks SMTPHooks) (*SMTP, error) {
	ln, startTLS, err := listen(o.Security, o.TLS)
	if err != nil {
		return nil, fmt.Errorf("loopback: SMTP server: %w", err)
	}
	s := &SMTP{addr: ln.Addr().String(), opts: o, hooks: hooks, done: make(chan struct{})}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &smtpSession{s: s, c: c}, nil
	}))
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = o.Security == "" || o.Security == account.Plain
	s.srv.TLSConfig = startTLS
	s.srv.MaxMessageBytes = o.MaxMessageBytes
	s.srv.MaxRecipients = o.MaxRecipients
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	go func() {
		defer close(s.done)
		s.srv.Serve(ln)
	}()
	return s, nil
}

// Addr is the server's host:port.
func (s *SMTP) Addr() string { return s.addr }

// Close stops the server and drops its connections.
func (s *SMTP) Close() error {
	err := s.srv.Close()
	<-s.done
	if errors.Is(err, smtp.ErrServerClosed) {
		err = nil
	}
	return err
}

type smtpSession struct {
	s      *SMTP
	c      *smtp.Conn
	authed bool
	from   string
	to     []string
}

func (x *smtpSession) AuthMechanisms() []string {
	var m []string
	if x.s.opts.Bearer != nil {
		m = x.s.opts.BearerMechanisms
		if m == nil {
			m = []string{sasl.OAuthBearer, "XOAUTH2"}
		}
	}
	if x.s.opts.Password != "" || x.s.opts.Bearer == nil {
		m = append(m, sasl.Plain)
	}
	return m
}

func (x *smtpSession) Auth(mech string) (sasl.Server, error) {
	check := func(user, token string) bool {
		ok := x.s.opts.Bearer != nil && user == x.s.opts.Username && x.s.opts.Bearer(user, token)
		x.authed = ok
		return ok
	}
	switch mech {
	case sasl.OAuthBearer:
		return authFailed{sasl.NewOAuthBearerServer(func(o sasl.OAuthBearerOptions) *sasl.OAuthBearerError {
			if !check(o.Username, o.Token) {
				return &sasl.OAuthBearerError{Status: "invalid_token", Schemes: "bearer"}
			}
			return nil
		})}, nil
	case "XOAUTH2":
		return &xoauth2Server{check: check}, nil
	}
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != x.s.opts.Username || password != x.s.opts.Password {
			return errAuthFailed
		}
		x.authed = true
		return nil
	}), nil
}

// authFailed answers a failed exchange with 535, as submission servers
// do, rather than go-smtp's 454 for errors that are not *smtp.SMTPError.
type authFailed struct{ sasl.Server }

func (a authFailed) Next(resp []byte) ([]byte, bool, error) {
	ch, done, err := a.Server.Next(resp)
	if err != nil {
		err = errAuthFailed
	}
	return ch, done, err
}

// xoauth2Server is the server side of XOAUTH2: one response
// "user=U\x01auth=Bearer T\x01\x01"; a refused token gets a JSON status
// challenge, whose (empty) answer ends in failure.
type xoauth2Server struct {
	check  func(user, token string) bool
	failed bool
}

func (s *xoauth2Server) Next(resp []byte) ([]byte, bool, error) {
	if s.failed {
		return nil, true, errAuthFailed
	}
	if resp == nil {
		return []byte{}, false, nil // ask for the initial response
	}
	var user, token string
	for _, f := range strings.Split(string(resp), "\x01") {
		if v, ok := strings.CutPrefix(f, "user="); ok {
			user = v
		} else if v, ok := strings.CutPrefix(f, "auth=Bearer "); ok {
			token = v
		}
	}
	if s.check(user, token) {
		return nil, true, nil
	}
	s.failed = true
	return []byte(`{"status":"401","schemes":"bearer","scope":"mail"}`), false, nil
}

func (x *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if x.s.opts.RequireAuth && !x.authed {
		return errAuthRequired
	}
	if f := x.s.hooks.Mail; f != nil {
		if err := f(from); err != nil {
			return err
		}
	}
	x.from = from
	return nil
}

func (x *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if x.s.opts.RequireAuth && !x.authed {
		return errAuthRequired
	}
	if f := x.s.hooks.Rcpt; f != nil {
		if err := f(to); err != nil {
			return err
		}
	}
	x.to = append(x.to, to)
	return nil
}

func (x *smtpSession) Data(r io.Reader) error {
	var data []byte
	if f := x.s.hooks.Data; f != nil {
		var seen dataBuffer
		err := f(io.TeeReader(r, &seen))
		if errors.Is(err, ErrDisconnect) {
			x.c.Conn().Close()
			return err
		}
		if err != nil {
			return err
		}
		rest, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		data = append(seen.b, rest...)
	} else {
		var err error
		if data, err = io.ReadAll(r); err != nil {
			return err
		}
	}
	if f := x.s.hooks.Accept; f != nil {
		return f(Received{From: x.from, To: append([]string(nil), x.to...), Data: data})
	}
	return nil
}

func (x *smtpSession) Reset()        { x.from, x.to = "", nil }
func (x *smtpSession) Logout() error { return nil }

type dataBuffer struct{ b []byte }

func (d *dataBuffer) Write(p []byte) (int, error) { d.b = append(d.b, p...); return len(p), nil }
