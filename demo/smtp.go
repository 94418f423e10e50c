package demo

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"sync"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// smtpServer is the demo's SMTP server (go-smtp) on a random loopback
// port. It accepts mail from the demo account only and delivers nothing:
// each message is written, exactly as received, to a file in its folder,
// and then handed to onAccept.
type smtpServer struct {
	addr     string
	folder   string
	username string
	password string
	onAccept func(from string, to []string, data []byte)
	srv      *smtp.Server
	done     chan struct{}

	mu sync.Mutex
	n  int // messages written
}

// maxMessage bounds one message: generous for attachments, small enough
// for memory.
const maxMessage = 64 << 20

func startSMTP(folder, username, password string, onAccept func(string, []string, []byte)) (*smtpServer, error) {
	if err := os.MkdirAll(folder, 0o700); err != nil {
		return nil, fmt.Errorf("demo: SMTP folder: %w", err)
	}
	s := &smtpServer{folder: folder, username: username, password: password, onAccept: onAccept, done: make(chan struct{})}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &smtpSession{s: s}, nil }))
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true // plain loopback, as the account allows
	s.srv.MaxMessageBytes = maxMessage
	s.srv.MaxRecipients = 100
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo: SMTP server: %w", err)
	}
	s.addr = ln.Addr().String()
	go func() {
		defer close(s.done)
		s.srv.Serve(ln)
	}()
	return s, nil
}

// close stops the server and drops its connections.
func (s *smtpServer) close() error {
	err := s.srv.Close()
	<-s.done
	if errors.Is(err, smtp.ErrServerClosed) {
		err = nil
	}
	return err
}

// store writes one message to the next numbered file, 0001.eml, 0002.eml,
// …, through a temporary file, so that a reader never sees half of it.
func (s *smtpServer) store(data []byte) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := os.CreateTemp(s.folder, ".receiving-*")
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	name := filepath.Join(s.folder, fmt.Sprintf("%04d.eml", s.n+1))
	if err == nil {
		err = os.Rename(f.Name(), name)
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	s.n++
	return name, nil
}

type smtpSession struct {
	s      *smtpServer
	authed bool
	from   string
	to     []string
}

var (
	errAuthRequired = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "authentication required"}
	errAuthFailed   = &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "authentication failed"}
)

func (x *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (x *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != x.s.username || password != x.s.password {
			return errAuthFailed
		}
		x.authed = true
		return nil
	}), nil
}

func (x *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if !x.authed {
		return errAuthRequired
	}
	x.from = from
	return nil
}

func (x *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if !x.authed {
		return errAuthRequired
	}
	x.to = append(x.to, to)
	return nil
}

func (x *smtpSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if _, err := x.s.store(data); err != nil {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "cannot store the message: " + err.Error()}
	}
	if x.s.onAccept != nil {
		x.s.onAccept(x.from, append([]string(nil), x.to...), data)
	}
	return nil
}

func (x *smtpSession) Reset()        { x.from, x.to = "", nil }
func (x *smtpSession) Logout() error { return nil }
