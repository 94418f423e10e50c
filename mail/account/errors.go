package account

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"os"
	"syscall"

	"github.com/emersion/go-imap/v2"
)

// The kinds of connection failure, for errors.Is on an *Error.
var (
	ErrDNS     = errors.New("server name not found")
	ErrRefused = errors.New("connection refused")
	ErrTimeout = errors.New("connection timed out")
	ErrTLS     = errors.New("TLS failed")
	// ErrCertificate is a TLS failure: the server's certificate did not
	// verify. errors.Is(err, ErrTLS) also holds for it.
	ErrCertificate = fmt.Errorf("%w: server certificate not trusted", ErrTLS)
	ErrAuth        = errors.New("login failed: wrong user name or password")
	// ErrNoMailbox is returned when a mailbox the account needs (INBOX)
	// does not exist on the server.
	ErrNoMailbox = errors.New("mailbox not found")
)

// Error is a failure to reach or use a server.
type Error struct {
	Protocol Protocol
	Addr     string // host:port
	// Kind is one of the Err values of this package, or nil when the
	// failure fits none of them.
	Kind error
	Err  error
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s server %s", e.Protocol, e.Addr)
	if e.Kind != nil {
		s += ": " + e.Kind.Error()
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap gives both the kind and the cause to errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	var errs []error
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// Classify wraps err, a failure while connecting or logging in to srv, in
// an *Error with its Kind. auth says the failure came from the login step.
func Classify(p Protocol, srv Server, err error, auth bool) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Protocol: p, Addr: srv.Addr(), Kind: kind(err, auth), Err: err}
}

func kind(err error, auth bool) error {
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var alert tls.AlertError
	var recordErr tls.RecordHeaderError
	var imapErr *imap.Error
	var smtpErr *textproto.Error
	switch {
	case errors.As(err, &dnsErr):
		if dnsErr.IsTimeout {
			return ErrTimeout
		}
		return ErrDNS
	case errors.Is(err, syscall.ECONNREFUSED):
		return ErrRefused
	case errors.As(err, &certErr), errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &invalid):
		return ErrCertificate
	case errors.As(err, &alert), errors.As(err, &recordErr):
		return ErrTLS
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return ErrTimeout
	case auth && errors.As(err, &imapErr) && imapErr.Type == imap.StatusResponseTypeNo:
		return ErrAuth
	case auth && errors.As(err, &smtpErr) && (smtpErr.Code == 535 || smtpErr.Code == 534 || smtpErr.Code == 530):
		return ErrAuth
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return ErrTimeout
	}
	return nil
}
