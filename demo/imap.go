package demo

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"net"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// imapServer is the demo's IMAP server: go-imap's imapserver over an
// in-memory mailbox with INBOX and Sent, on a random loopback port,
// without TLS (the account package allows that on loopback only).
type imapServer struct {
	addr string
	user *imapmemserver.User
	srv  *imapserver.Server
	done chan struct{}
}

func startIMAP(username, password string) (*imapServer, error) {
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(username, password)
	for _, name := range []string{"INBOX", "Sent"} {
		if err := user.Create(name, nil); err != nil {
			return nil, fmt.Errorf("demo: IMAP folder %s: %w", name, err)
		}
	}
	mem.AddUser(user)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		// IMAP4rev2 brings IDLE: mail the customers send arrives at once.
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		InsecureAuth: true,
		Logger:       log.New(io.Discard, "", 0),
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo: IMAP server: %w", err)
	}
	s := &imapServer{addr: ln.Addr().String(), user: user, srv: srv, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		srv.Serve(ln)
	}()
	return s, nil
}

// deliver stores a message in a folder, as mail delivery would.
func (s *imapServer) deliver(mailbox string, raw []byte, date time.Time, seen bool) error {
	opts := &imap.AppendOptions{Time: date}
	if seen {
		opts.Flags = []imap.Flag{imap.FlagSeen}
	}
	if _, err := s.user.Append(mailbox, literal{bytes.NewReader(raw), int64(len(raw))}, opts); err != nil {
		return fmt.Errorf("demo: store in %s: %w", mailbox, err)
	}
	return nil
}

// close stops the server and drops its connections.
func (s *imapServer) close() error {
	err := s.srv.Close()
	<-s.done
	return err
}

type literal struct {
	io.Reader
	size int64
}

func (l literal) Size() int64 { return l.size }
