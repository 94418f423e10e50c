// Package account describes a mail account of the helpdesk — its address,
// its IMAP and SMTP servers and how to trust them — and opens the
// connections to those servers.
//
// Servers are written as URLs (DESIGN.md §8):
//
//	imaps://user@host:993          IMAP, implicit TLS
//	imap+starttls://user@host:143  IMAP, STARTTLS
//	smtps://user@host:465          SMTP, implicit TLS
//	smtp+starttls://user@host:587  SMTP, STARTTLS
//	imap://user@127.0.0.1:1143     no TLS: only for loopback hosts
//	smtp://user@localhost:2525     (test and demo servers)
//
// An account logs in with a password, or (Auth = AuthOAuth2) with an
// OAuth2 access token from its Token func over SASL OAUTHBEARER (RFC 7628)
// or XOAUTH2, whichever the server offers, OAUTHBEARER first; a refused
// token is renewed and tried once more. Signing in and refreshing are
// mail/account/oauth's work.
//
// DialIMAP and DialSMTP connect, secure the connection and log in. Their
// failures are *Error values whose Kind (ErrDNS, ErrRefused, ErrTimeout,
// ErrTLS, ErrCertificate, ErrAuth, ErrToken) callers test with errors.Is, so the
// settings dialog can say exactly what is wrong.
package account

import (
	"errors"
	"fmt"
	"net/mail"
	"net/netip"
	"strings"
)

// Security is how a connection to a server is secured.
type Security string

// The connection securities.
const (
	TLS      Security = "tls"      // implicit TLS from the first byte
	StartTLS Security = "starttls" // plain connection upgraded with STARTTLS
	Plain    Security = "plain"    // no TLS; accepted only for loopback hosts
)

// Server is one IMAP or SMTP server of an account.
type Server struct {
	Host     string
	Port     int
	Security Security
	User     string
	// Password is held in memory only; the mail core stores it sealed.
	Password string `json:"-"`
}

// Account is one mailbox the helpdesk reads and sends from.
type Account struct {
	ID      int64
	Address string // the helpdesk's address, e.g. help@example.org
	Name    string // display name for the From header
	IMAP    Server
	SMTP    Server
	Trust   Trust
	// Auth is how both servers are logged in to; "" is AuthPassword.
	Auth   AuthMethod `json:",omitempty"`
	OAuth2 OAuth2     `json:",omitempty"`
	// Token gives the access tokens of an OAuth2 account. It is set by
	// whoever holds the refresh token (the mail core) and never stored.
	Token TokenFunc `json:"-"`
	// NeedsSignIn is set by the mail core when the provider refused the
	// refresh token: sync and sending wait until the user signs in again.
	NeedsSignIn bool `json:"-"`
	// HistoryDays is how far back the first sync of a folder fetches:
	// 0 means DefaultHistoryDays, HistoryAll everything.
	HistoryDays int
	// LargeMessage is the size in bytes above which a message's raw
	// bytes stay on the server (analysed once at sync, fetched again when
	// opened); 0 means DefaultLargeMessage.
	LargeMessage int64
	// Signature is the agent's text signature for this account: it goes
	// under the agent's text of every new message, reply and forward, in
	// the body and so inside the signed part (SignatureBlock). At most
	// MaxSignature bytes.
	Signature string
}

// MaxSignature bounds a text signature: a few lines, not a letter.
const MaxSignature = 4 << 10

// SignatureBlock is a text signature as it stands in a message: after the
// agent's text, parted from it by the "-- " line that mail readers know
// (RFC 3676 4.3), so they can grey it out or leave it out of a quote.
func SignatureBlock(sig string) string {
	sig = strings.TrimRight(strings.ReplaceAll(sig, "\r\n", "\n"), " \n\t")
	if strings.TrimSpace(sig) == "" {
		return ""
	}
	return "\n\n-- \n" + sig
}

// The defaults and special values of the history settings.
const (
	DefaultHistoryDays = 365
	HistoryAll         = -1
	// DefaultLargeMessage is 25 MB, the attachment size mail systems
	// commonly pass before base64: larger messages are rare and costly to
	// keep twice (on the server and in the profile).
	DefaultLargeMessage = 25 << 20
)

// History returns how many days back the history goes, or 0 for all.
func (a *Account) History() int {
	switch {
	case a.HistoryDays == 0:
		return DefaultHistoryDays
	case a.HistoryDays < 0:
		return 0
	}
	return a.HistoryDays
}

// LargeMessageSize is LargeMessage with its default.
func (a *Account) LargeMessageSize() int64 {
	if a.LargeMessage <= 0 {
		return DefaultLargeMessage
	}
	return a.LargeMessage
}

// Errors of Validate and ParseURL.
var (
	ErrAddress = errors.New("invalid e-mail address")
	ErrURL     = errors.New("invalid server URL")
	// ErrHistory is a history setting out of range.
	ErrHistory = errors.New("invalid history setting")
	// ErrSignature is a text signature longer than MaxSignature.
	ErrSignature = errors.New("the signature is too long")
	// ErrPlainRemote is returned for a URL without TLS whose host is not a
	// loopback address: passwords never cross a network in the clear.
	ErrPlainRemote = errors.New("a server without TLS is only allowed on this computer (127.0.0.1, ::1, localhost); use imaps://, imap+starttls://, smtps:// or smtp+starttls://")
)

// From is the From header value of the account: "Name <address>".
func (a *Account) From() string {
	if a.Name == "" {
		return a.Address
	}
	return (&mail.Address{Name: a.Name, Address: a.Address}).String()
}

// Validate checks the address, both servers and the trust settings.
func (a *Account) Validate() error {
	addr, err := mail.ParseAddress(a.Address)
	if err != nil || addr.Address != strings.TrimSpace(a.Address) {
		return fmt.Errorf("%w: %q", ErrAddress, a.Address)
	}
	if err := a.IMAP.validate(IMAP); err != nil {
		return err
	}
	if err := a.SMTP.validate(SMTP); err != nil {
		return err
	}
	if a.HistoryDays < HistoryAll {
		return fmt.Errorf("%w: history of %d days", ErrHistory, a.HistoryDays)
	}
	if len(a.Signature) > MaxSignature {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrSignature, len(a.Signature), MaxSignature)
	}
	if a.LargeMessage < 0 {
		return fmt.Errorf("%w: large message size %d", ErrHistory, a.LargeMessage)
	}
	switch a.Auth {
	case "", AuthPassword:
	case AuthOAuth2:
		if err := a.OAuth2.validate(); err != nil {
			return err
		}
		// The bearer mechanisms name the user beside the token.
		if a.IMAP.User == "" || a.SMTP.User == "" {
			return fmt.Errorf("%w: OAuth2 needs the user name of both servers (usually the address)", ErrOAuth2)
		}
	default:
		return fmt.Errorf("%w: unknown authentication %q", ErrOAuth2, a.Auth)
	}
	_, err = a.Trust.pool()
	return err
}

func (s *Server) validate(p Protocol) error {
	if s.Host == "" {
		return fmt.Errorf("%w: %s server has no host", ErrURL, p)
	}
	if !validHost(s.Host) {
		return fmt.Errorf("%w: %s server host %q", ErrURL, p, s.Host)
	}
	if s.Port <= 0 || s.Port > 65535 {
		return fmt.Errorf("%w: %s server port %d", ErrURL, p, s.Port)
	}
	switch s.Security {
	case TLS, StartTLS:
	case Plain:
		if !IsLoopback(s.Host) {
			return fmt.Errorf("%s server %s: %w", p, s.Host, ErrPlainRemote)
		}
	default:
		return fmt.Errorf("%w: %s server security %q", ErrURL, p, s.Security)
	}
	return nil
}

// validHost accepts an IP address or a host name of letters, digits,
// hyphens, underscores and dots.
func validHost(h string) bool {
	if strings.Contains(h, ":") {
		_, err := netip.ParseAddr(h)
		return err == nil
	}
	if len(h) > 253 {
		return false
	}
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_') {
			return false
		}
	}
	return true
}
