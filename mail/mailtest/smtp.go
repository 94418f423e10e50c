package mailtest

import (
	"io"
	"sync"
	"testing"

	"siegel/mail/account"
	"siegel/mail/loopback"
)

// Received is one message an SMTP server accepted.
type Received = loopback.Received

// SMTP is the loopback SMTP server (mail/loopback, the one the demo runs
// on), which records the messages it accepts and can be told to fail.
type SMTP struct {
	Endpoint

	mu       sync.Mutex
	received []Received
	hooks    smtpHooks
}

// smtpHooks are the test's hooks, all optional, called with the lock
// released. An error they return is the server's reply (use
// *smtp.SMTPError for a code).
type smtpHooks struct {
	onMail func(from string) error
	onRcpt func(to string) error
	onData func(r io.Reader) error
	// onAccept runs for each accepted message (e.g. to file it in an IMAP
	// Sent folder, as some providers do).
	onAccept func(Received)
}

// SMTPOptions choose how the server talks.
type SMTPOptions struct {
	Security account.Security // account.Plain (default), TLS or StartTLS
	Cert     *ServerCert
	// MaxMessageBytes, when not 0, is the size limit the server announces
	// (SIZE, RFC 1870) and enforces.
	MaxMessageBytes int64
	// Bearer, when set, also accepts OAUTHBEARER and XOAUTH2 logins whose
	// token it approves (AuthServer.Valid); BearerMechanisms limits the
	// mechanisms offered.
	Bearer           func(user, token string) bool
	BearerMechanisms []string
	// RequireAuth refuses to send before a login.
	RequireAuth bool
}

// NewSMTP starts an SMTP server on 127.0.0.1; it stops with the test. A
// client may send without logging in; a login must be the endpoint's.
func NewSMTP(t testing.TB, o *SMTPOptions) *SMTP {
	t.Helper()
	if o == nil {
		o = &SMTPOptions{}
	}
	s := &SMTP{Endpoint: Endpoint{Username: DeskAddress, Password: "smtp secret", Security: o.Security}}
	cfg := s.tlsConfig(t, o.Cert)
	srv, err := loopback.StartSMTP(loopback.SMTPOptions{
		Username: s.Username, Password: s.Password,
		Security: s.Security, TLS: cfg,
		MaxMessageBytes: o.MaxMessageBytes,
		Bearer:          o.Bearer, BearerMechanisms: o.BearerMechanisms,
		RequireAuth: o.RequireAuth,
	}, loopback.SMTPHooks{
		Mail: func(from string) error {
			if f := s.hook().onMail; f != nil {
				return f(from)
			}
			return nil
		},
		Rcpt: func(to string) error {
			if f := s.hook().onRcpt; f != nil {
				return f(to)
			}
			return nil
		},
		Data: func(r io.Reader) error {
			if f := s.hook().onData; f != nil {
				return f(r)
			}
			return nil
		},
		Accept: s.accept,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	s.setAddr(srv.Addr())
	return s
}

// hook returns the hooks as they are now.
func (s *SMTP) hook() smtpHooks {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hooks
}

func (s *SMTP) accept(m Received) error {
	s.mu.Lock()
	s.received = append(s.received, m)
	f := s.hooks.onAccept
	s.mu.Unlock()
	if f != nil {
		f(m)
	}
	return nil
}

// Received returns the messages accepted so far.
func (s *SMTP) Received() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

// Reset forgets the received messages and the hooks.
func (s *SMTP) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.received = nil
	s.hooks = smtpHooks{}
}

// OnMail sets the MAIL FROM hook.
func (s *SMTP) OnMail(f func(from string) error) { s.mu.Lock(); s.hooks.onMail = f; s.mu.Unlock() }

// OnRcpt sets the RCPT TO hook.
func (s *SMTP) OnRcpt(f func(to string) error) { s.mu.Lock(); s.hooks.onRcpt = f; s.mu.Unlock() }

// OnData sets the DATA hook; it must read r to the end unless it drops
// the connection (ErrDisconnect).
func (s *SMTP) OnData(f func(r io.Reader) error) { s.mu.Lock(); s.hooks.onData = f; s.mu.Unlock() }

// OnAccept sets the hook that sees every accepted message.
func (s *SMTP) OnAccept(f func(Received)) { s.mu.Lock(); s.hooks.onAccept = f; s.mu.Unlock() }

// ErrDisconnect, returned by an OnData hook, drops the connection without
// a reply.
var ErrDisconnect = loopback.ErrDisconnect
