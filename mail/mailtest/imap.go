package mailtest

import (
	"bytes"
	"io"
	"log"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"siegel/mail/account"
)

// IMAP is an in-process IMAP server with one user whose mailboxes are
// INBOX and Sent.
type IMAP struct {
	Endpoint
	User *imapmemserver.User
	srv  *imapserver.Server
}

// IMAPOptions choose how the server talks.
type IMAPOptions struct {
	// Security is account.Plain (default), account.TLS or
	// account.StartTLS.
	Security account.Security
	// NoIdle makes a plain IMAP4rev1 server without IDLE.
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
	ln, startTLS := s.listen(t, o.Cert)
	mem := imapmemserver.New()
	s.User = imapmemserver.NewUser(s.Username, s.Password)
	s.User.Create("INBOX", nil)
	if !o.NoSent {
		s.User.Create("Sent", nil)
	}
	mem.AddUser(s.User)
	caps := imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}}
	if o.NoIdle {
		caps = imap.CapSet{imap.CapIMAP4rev1: {}}
	}
	s.srv = imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         caps,
		InsecureAuth: s.Security == account.Plain,
		TLSConfig:    startTLS,
		Logger:       log.New(io.Discard, "", 0),
	})
	go s.srv.Serve(ln)
	t.Cleanup(func() { s.srv.Close() })
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
	if _, err := s.User.Append(mailbox, literal(raw), &imap.AppendOptions{Time: at}); err != nil {
		t.Fatalf("append to %s: %v", mailbox, err)
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

type literalReader struct {
	io.Reader
	size int64
}

func (l literalReader) Size() int64 { return l.size }

func literal(b []byte) imap.LiteralReader {
	return literalReader{Reader: bytes.NewReader(b), size: int64(len(b))}
}
