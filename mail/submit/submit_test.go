package submit_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"siegel/mail/account"
	"siegel/mail/mailtest"
	"siegel/mail/submit"
)

func send(t *testing.T, s *mailtest.SMTP, raw []byte, rcpts ...string) error {
	t.Helper()
	a := &account.Account{Address: mailtest.DeskAddress, SMTP: s.Server()}
	c, err := account.DialSMTP(context.Background(), a)
	if err != nil {
		return submit.Classify(err)
	}
	defer c.Close()
	return submit.Send(context.Background(), c, mailtest.DeskAddress, rcpts, raw, nil)
}

func TestSendExactBytes(t *testing.T) {
	s := mailtest.NewSMTP(t, nil)
	// Lines that SMTP must dot-stuff, and a long line: they arrive as
	// they were.
	raw := []byte("From: help@siegel.example\r\nTo: a@example.org\r\nSubject: dots\r\n\r\n.\r\n..\r\n.hidden\r\n" +
		string(bytes.Repeat([]byte("x"), 900)) + "\r\nend\r\n")
	if err := send(t, s, raw, "a@example.org", "b@example.org"); err != nil {
		t.Fatal(err)
	}
	got := s.Received()
	if len(got) != 1 || !bytes.Equal(got[0].Data, raw) {
		t.Fatalf("received %d messages; bytes equal: %v", len(got), len(got) == 1 && bytes.Equal(got[0].Data, raw))
	}
	if len(got[0].To) != 2 {
		t.Errorf("recipients = %v", got[0].To)
	}
}

func TestSendErrors(t *testing.T) {
	msg := []byte("Subject: x\r\n\r\nbody\r\n")
	tests := []struct {
		name      string
		setup     func(s *mailtest.SMTP)
		temporary bool
		code      int
		uncertain bool
	}{
		{"421", func(s *mailtest.SMTP) {
			s.OnMail(func(string) error { return &smtp.SMTPError{Code: 421, Message: "closing"} })
		}, true, 421, false},
		{"550 recipient", func(s *mailtest.SMTP) {
			s.OnRcpt(func(string) error { return &smtp.SMTPError{Code: 550, Message: "unknown user"} })
		}, false, 550, false},
		{"451 after data", func(s *mailtest.SMTP) {
			s.OnData(func(r io.Reader) error {
				io.Copy(io.Discard, r)
				return &smtp.SMTPError{Code: 451, Message: "try later"}
			})
		}, true, 451, false},
		{"554 after data", func(s *mailtest.SMTP) {
			s.OnData(func(r io.Reader) error { io.Copy(io.Discard, r); return &smtp.SMTPError{Code: 554, Message: "spam"} })
		}, false, 554, false},
		{"disconnect during data", func(s *mailtest.SMTP) {
			s.OnData(func(r io.Reader) error { io.CopyN(io.Discard, r, 5); return mailtest.ErrDisconnect })
		}, true, 0, false},
		{"disconnect after the data", func(s *mailtest.SMTP) {
			s.OnData(func(r io.Reader) error { io.Copy(io.Discard, r); return mailtest.ErrDisconnect })
		}, false, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mailtest.NewSMTP(t, nil)
			tt.setup(s)
			err := send(t, s, msg, "a@example.org")
			if tt.uncertain {
				if !errors.Is(err, submit.ErrUncertain) || submit.IsTemporary(err) {
					t.Fatalf("error = %v, want ErrUncertain, not temporary", err)
				}
				return
			}
			var e *submit.Error
			if !errors.As(err, &e) {
				t.Fatalf("error = %v, want *submit.Error", err)
			}
			if e.Temporary != tt.temporary || e.Code != tt.code || submit.IsTemporary(err) != tt.temporary {
				t.Errorf("error = %+v, want temporary %v, code %d", e, tt.temporary, tt.code)
			}
		})
	}
	s := mailtest.NewSMTP(t, nil)
	srv := s.Server()
	srv.Password = "wrong"
	_, err := account.DialSMTP(context.Background(), &account.Account{Address: mailtest.DeskAddress, SMTP: srv})
	if err = submit.Classify(err); submit.IsTemporary(err) || !errors.Is(err, account.ErrAuth) {
		t.Errorf("refused login: %v, temporary %v; want ErrAuth, not temporary", err, submit.IsTemporary(err))
	}
}

// The upload of a large message gets time in proportion to its size, not
// the fixed time of one exchange: a slow line must not cut it off.
func TestSendSlowUpload(t *testing.T) {
	if testing.Short() {
		t.Skip("slow upload takes seconds")
	}
	defer submit.SetTimeout(300 * time.Millisecond)()
	s := mailtest.NewSMTP(t, nil)
	// 3 MB/s: 12 MB take 4 s, far beyond one exchange but within the
	// data's budget. Loopback buffers hold far less than 12 MB.
	s.OnData(func(r io.Reader) error {
		buf := make([]byte, 30*1024)
		for {
			if _, err := io.ReadFull(r, buf); err != nil {
				return nil
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
	raw := []byte("From: " + mailtest.DeskAddress + "\r\nTo: a@example.org\r\nSubject: big\r\n\r\n" +
		strings.Repeat(strings.Repeat("x", 998)+"\r\n", 12*1024))
	if err := send(t, s, raw, "a@example.org"); err != nil {
		t.Fatalf("slow upload of %d bytes: %v", len(raw), err)
	}
}

// A server that announces SIZE gets no MAIL FROM for a larger message:
// the refusal comes before anything is uploaded, and is final.
func TestSendRespectsSize(t *testing.T) {
	const limit = 1000
	head := "From: " + mailtest.DeskAddress + "\r\nTo: a@example.org\r\nSubject: size\r\n\r\n"
	sized := func(n int) []byte { return []byte(head + strings.Repeat("x", n-len(head))) }
	tests := []struct {
		name     string
		size     int
		tooLarge bool
	}{
		{"below", limit - 100, false},
		// Exactly the limit is left to the server: go-smtp counts one
		// byte more than the message.
		{"one byte over", limit + 1, true},
		{"far over", 50 * limit, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mailtest.NewSMTP(t, &mailtest.SMTPOptions{MaxMessageBytes: limit})
			mails := 0
			s.OnMail(func(string) error { mails++; return nil })
			err := send(t, s, sized(tt.size), "a@example.org")
			if !tt.tooLarge {
				if err != nil || len(s.Received()) != 1 {
					t.Fatalf("got %v, %d received; want it delivered", err, len(s.Received()))
				}
				return
			}
			var e *submit.Error
			if !errors.As(err, &e) || !errors.Is(err, submit.ErrTooLarge) {
				t.Fatalf("got %v, want an *Error wrapping ErrTooLarge", err)
			}
			if e.Temporary || submit.IsTemporary(err) || e.Stage != "MAIL FROM" {
				t.Errorf("got %+v, want stage MAIL FROM, not temporary", e)
			}
			if mails != 0 || len(s.Received()) != 0 {
				t.Errorf("got %d MAIL FROM and %d messages on the server, want none", mails, len(s.Received()))
			}
		})
	}
}
