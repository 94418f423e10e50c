package mailtest

import (
	"errors"
	"io"
	"log"
	"sync"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"siegel/mail/account"
)

// Received is one message an SMTP server accepted.
type Received struct {
	From string
	To   []string
	Data []byte
}

// SMTP is an in-process SMTP server that records the messages it accepts
// and can be told to fail.
type SMTP struct {
	Endpoint

	mu       sync.Mutex
	received []Received
	// Hooks, all optional, called with the server's lock released. An
	// error they return is the server's reply (use *smtp.SMTPError for a
	// code).
	onMail func(from string) error
	onRcpt func(to string) error
	// onData may also read part of r and then return errDisconnect to
	// drop the connection in the middle of the data.
	onData func(c *smtp.Conn, r io.Reader) error
	// onAccept runs for each accepted message (e.g. to file it in an IMAP
	// Sent folder, as some providers do).
	onAccept func(Received)
	srv      *smtp.Server
}

// SMTPOptions choose how the server talks.
type SMTPOptions struct {
	Security account.Security // account.Plain (default), TLS or StartTLS
	Cert     *ServerCert
	// MaxMessageBytes, when not 0, is the size limit the server announces
	// (SIZE, RFC 1870) and enforces.
	MaxMessageBytes int64
}

// NewSMTP starts an SMTP server on 127.0.0.1; it stops with the test.
func NewSMTP(t testing.TB, o *SMTPOptions) *SMTP {
	t.Helper()
	if o == nil {
		o = &SMTPOptions{}
	}
	s := &SMTP{Endpoint: Endpoint{Username: DeskAddress, Password: "smtp secret", Security: o.Security}}
	ln, startTLS := s.listen(t, o.Cert)
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &smtpSession{s: s, c: c}, nil
	}))
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = s.Security == account.Plain
	s.srv.TLSConfig = startTLS
	s.srv.MaxMessageBytes = o.MaxMessageBytes
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	go s.srv.Serve(ln)
	t.Cleanup(func() { s.srv.Close() })
	return s
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
	s.onMail, s.onRcpt, s.onData, s.onAccept = nil, nil, nil, nil
}

// OnMail sets the MAIL FROM hook.
func (s *SMTP) OnMail(f func(from string) error) { s.mu.Lock(); s.onMail = f; s.mu.Unlock() }

// OnRcpt sets the RCPT TO hook.
func (s *SMTP) OnRcpt(f func(to string) error) { s.mu.Lock(); s.onRcpt = f; s.mu.Unlock() }

// OnData sets the DATA hook; it must read r to the end unless it drops
// the connection (ErrDisconnect).
func (s *SMTP) OnData(f func(r io.Reader) error) {
	s.mu.Lock()
	s.onData = func(_ *smtp.Conn, r io.Reader) error { return f(r) }
	s.mu.Unlock()
}

// OnAccept sets the hook that sees every accepted message.
func (s *SMTP) OnAccept(f func(Received)) { s.mu.Lock(); s.onAccept = f; s.mu.Unlock() }

// ErrDisconnect, returned by an OnData hook, drops the connection without
// a reply.
var ErrDisconnect = errors.New("mailtest: disconnect")

type smtpSession struct {
	s    *SMTP
	c    *smtp.Conn
	from string
	to   []string
}

func (x *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (x *smtpSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != x.s.Username || password != x.s.Password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "authentication failed"}
		}
		return nil
	}), nil
}

func (x *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	x.s.mu.Lock()
	f := x.s.onMail
	x.s.mu.Unlock()
	if f != nil {
		if err := f(from); err != nil {
			return err
		}
	}
	x.from = from
	return nil
}

func (x *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.s.mu.Lock()
	f := x.s.onRcpt
	x.s.mu.Unlock()
	if f != nil {
		if err := f(to); err != nil {
			return err
		}
	}
	x.to = append(x.to, to)
	return nil
}

func (x *smtpSession) Data(r io.Reader) error {
	x.s.mu.Lock()
	f := x.s.onData
	x.s.mu.Unlock()
	var data []byte
	if f != nil {
		var buf dataBuffer
		err := f(x.c, io.TeeReader(r, &buf))
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
		data = append(buf.b, rest...)
	} else {
		var err error
		if data, err = io.ReadAll(r); err != nil {
			return err
		}
	}
	m := Received{From: x.from, To: append([]string(nil), x.to...), Data: data}
	x.s.mu.Lock()
	x.s.received = append(x.s.received, m)
	accept := x.s.onAccept
	x.s.mu.Unlock()
	if accept != nil {
		accept(m)
	}
	return nil
}

func (x *smtpSession) Reset()        { x.from, x.to = "", nil }
func (x *smtpSession) Logout() error { return nil }

type dataBuffer struct{ b []byte }

func (d *dataBuffer) Write(p []byte) (int, error) { d.b = append(d.b, p...); return len(p), nil }
