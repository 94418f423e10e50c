package demo

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/emersion/go-smtp"

	"siegel/mail/loopback"
)

// maxMessage bounds one message the demo SMTP server takes: generous for
// attachments, small enough for memory.
const maxMessage = 64 << 20

// startSMTP starts the demo's SMTP server (mail/loopback) on a random
// loopback port. It accepts mail only after the demo account's login, and
// delivers nothing: each message is written, exactly as
// received, to a file in folder (receivedFolder), and then handed to
// onAccept.
func startSMTP(folder, username, password string, onAccept func(string, []string, []byte)) (*loopback.SMTP, error) {
	rf := &receivedFolder{dir: folder}
	if err := os.MkdirAll(folder, 0o700); err != nil {
		return nil, fmt.Errorf("demo: SMTP folder: %w", err)
	}
	s, err := loopback.StartSMTP(loopback.SMTPOptions{
		Username: username, Password: password,
		RequireAuth:     true,
		MaxMessageBytes: maxMessage,
		MaxRecipients:   100,
	}, loopback.SMTPHooks{
		Accept: func(m loopback.Received) error {
			if _, err := rf.store(m.Data); err != nil {
				return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "cannot store the message: " + err.Error()}
			}
			if onAccept != nil {
				onAccept(m.From, m.To, m.Data)
			}
			return nil
		},
	})
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	return s, nil
}

// receivedFolder is where the demo SMTP server writes what it accepts.
type receivedFolder struct {
	dir string
	mu  sync.Mutex
	n   int // messages written
}

// store writes one message to the next numbered file, 0001.eml, 0002.eml,
// …, through a temporary file, so that a reader never sees half of it.
func (r *receivedFolder) store(data []byte) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f, err := os.CreateTemp(r.dir, ".receiving-*")
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	name := filepath.Join(r.dir, fmt.Sprintf("%04d.eml", r.n+1))
	if err == nil {
		err = os.Rename(f.Name(), name)
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	r.n++
	return name, nil
}
