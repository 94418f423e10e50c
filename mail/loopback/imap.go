package loopback

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"siegel/mail/account"
)

// IMAPOptions choose how the IMAP server talks. The zero value (with a
// login) is a plain IMAP4rev2 server with IDLE, INBOX and Sent.
type IMAPOptions struct {
	Username, Password string
	// Security is account.Plain (default), account.TLS or
	// account.StartTLS; the last two need TLS.
	Security account.Security
	TLS      *tls.Config
	// Rev1Only makes an IMAP4rev1 server, without IMAP4rev2. It does not
	// make one without IDLE: go-imap's server offers IDLE to IMAP4rev1
	// clients after the login whatever its options say.
	Rev1Only bool
	// NoSent leaves out the Sent folder.
	NoSent bool
}

// IMAP is an IMAP server on 127.0.0.1 with one user.
type IMAP struct {
	addr string
	user *imapmemserver.User
	srv  *imapserver.Server
	done chan struct{}
}

// StartIMAP starts an IMAP server on a random loopback port. Close stops
// it.
func StartIMAP(o IMAPOptions) (*IMAP, error) {
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(o.Username, o.Password)
	folders := []string{"INBOX", "Sent"}
	if o.NoSent {
		folders = folders[:1]
	}
	for _, name := range folders {
		if err := user.Create(name, nil); err != nil {
			return nil, fmt.Errorf("loopback: IMAP folder %s: %w", name, err)
		}
	}
	mem.AddUser(user)
	// IMAP4rev2 brings IDLE: mail that arrives is announced at once.
	caps := imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}}
	if o.Rev1Only {
		caps = imap.CapSet{imap.CapIMAP4rev1: {}}
	}
	ln, startTLS, err := listen(o.Security, o.TLS)
	if err != nil {
		return nil, fmt.Errorf("loopback: IMAP server: %w", err)
	}
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         caps,
		InsecureAuth: o.Security == "" || o.Security == account.Plain,
		TLSConfig:    startTLS,
		Logger:       log.New(io.Discard, "", 0),
	})
	s := &IMAP{addr: ln.Addr().String(), user: user, srv: srv, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		srv.Serve(ln)
	}()
	return s, nil
}

// Addr is the server's host:port.
func (s *IMAP) Addr() string { return s.addr }

// User is the server's one user, whose folders the caller may change
// directly (create, delete, look into).
func (s *IMAP) User() *imapmemserver.User { return s.user }

// Deliver stores a message in a folder, as mail delivery would, with the
// internal date date (the time the server received it) and flags.
func (s *IMAP) Deliver(mailbox string, raw []byte, date time.Time, flags ...imap.Flag) error {
	opts := &imap.AppendOptions{Time: date, Flags: flags}
	if _, err := s.user.Append(mailbox, literal{bytes.NewReader(raw), int64(len(raw))}, opts); err != nil {
		return fmt.Errorf("loopback: store in %s: %w", mailbox, err)
	}
	return nil
}

// Close stops the server and drops its connections.
func (s *IMAP) Close() error {
	err := s.srv.Close()
	<-s.done
	return err
}

// literal is a message as imapmemserver takes it.
type literal struct {
	io.Reader
	size int64
}

func (l literal) Size() int64 { return l.size }
