package mailtest

import (
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"siegel/mail/account"
	"siegel/mail/loopback"
)

// IMAP is the loopback IMAP server (mail/loopback, the one the demo runs
// on) with one user whose mailboxes are INBOX and Sent, and helpers that
// fail the test.
type IMAP struct {
	Endpoint
	User *imapmemserver.User
	srv  *loopback.IMAP
}

// IMAPOptions choose how the server talks.
type IMAPOptions struct {
	// Security is account.Plain (default), account.TLS or
	// account.StartTLS.
	Security account.Security
	// NoIdle makes a plain IMAP4rev1 server (loopback.IMAPOptions.Rev1Only).
	// go-imap's server still offers IDLE to it after the login, so this
	// does not force the client to poll.
	NoIdle bool
	// Cert is the TLS certificate; one is made when nil.
	Cert *ServerCert
	// NoSent leaves out the Sent folder.
	NoSent bool
}

// NewIMAP starts an IMAP server on 127.0.0.1; it stops with the test.
func NewIMAP(t testing.TB, o *IMAPOptions) *IMAP {
	t.Helper()
	if o == nil {
		o = &IMAPOptions{}
	}
	s := &IMAP{Endpoint: Endpoint{Username: DeskAddress, Password: "imap secret", Security: o.Security}}
	cfg := s.tlsConfig(t, o.Cert)
	srv, err := loopback.StartIMAP(loopback.IMAPOptions{
		Username: s.Username, Password: s.Password,
		Security: s.Security, TLS: cfg,
		Rev1Only: o.NoIdle, NoSent: o.NoSent,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	s.srv, s.User = srv, srv.User()
	s.setAddr(srv.Addr())
	return s
}

// Append stores a message in a mailbox, as mail delivery would, now.
func (s *IMAP) Append(t testing.TB, mailbox string, raw []byte) {
	t.Helper()
	s.AppendAt(t, mailbox, raw, time.Now())
}

// AppendAt stores a message in a mailbox with the internal date at (the
// time the server received it), for fixtures that must not change.
func (s *IMAP) AppendAt(t testing.TB, mailbox string, raw []byte, at time.Time) {
	t.Helper()
	if err := s.srv.Deliver(mailbox, raw, at); err != nil {
		t.Fatal(err)
	}
}

// Recreate deletes a mailbox and creates it again with the same messages,
// so it gets a new UIDVALIDITY (as after a server migration).
func (s *IMAP) Recreate(t testing.TB, mailbox string, raws [][]byte) {
	t.Helper()
	if err := s.User.Delete(mailbox); err != nil {
		t.Fatal(err)
	}
	if err := s.User.Create(mailbox, nil); err != nil {
		t.Fatal(err)
	}
	for _, r := range raws {
		s.Append(t, mailbox, r)
	}
}

// Count returns the number of messages in a mailbox.
func (s *IMAP) Count(t testing.TB, mailbox string) int {
	t.Helper()
	st, err := s.User.Status(mailbox, &imap.StatusOptions{NumMessages: true})
	if err != nil {
		t.Fatal(err)
	}
	return int(*st.NumMessages)
}
