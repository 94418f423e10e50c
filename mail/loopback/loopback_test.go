package loopback_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"siegel/mail/account"
	"siegel/mail/loopback"
)

func TestSMTPRequireAuthAndAccept(t *testing.T) {
	var got []loopback.Received
	s, err := loopback.StartSMTP(loopback.SMTPOptions{
		Username: "desk@example.org", Password: "secret", RequireAuth: true, MaxMessageBytes: 4096,
	}, loopback.SMTPHooks{Accept: func(m loopback.Received) error { got = append(got, m); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, err := smtp.Dial(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if ok, size := c.Extension("SIZE"); !ok || size != "4096" {
		t.Errorf("got SIZE %v %q, want 4096", ok, size)
	}
	var se *smtp.SMTPError
	if err := c.Mail("desk@example.org", nil); !errors.As(err, &se) || se.Code != 530 {
		t.Errorf("got %v for MAIL before the login, want 530", err)
	}
	if err := c.Auth(sasl.NewPlainClient("", "desk@example.org", "guess")); !errors.As(err, &se) || se.Code != 535 {
		t.Errorf("got %v for a wrong password, want 535", err)
	}
	if err := c.Auth(sasl.NewPlainClient("", "desk@example.org", "secret")); err != nil {
		t.Fatalf("got %v for the right login, want none", err)
	}
	raw := []byte("Subject: hi\r\n\r\n.dot\r\n")
	if err := c.SendMail("desk@example.org", []string{"a@example.org", "b@example.org"}, bytes.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].From != "desk@example.org" || !slices.Equal(got[0].To, []string{"a@example.org", "b@example.org"}) || !bytes.Equal(got[0].Data, raw) {
		t.Errorf("got %+v, want the message from desk@example.org to a and b, byte for byte", got)
	}
}

func TestTLSNeedsCertificate(t *testing.T) {
	for _, sec := range []account.Security{account.TLS, account.StartTLS} {
		if s, err := loopback.StartIMAP(loopback.IMAPOptions{Security: sec}); err == nil {
			s.Close()
			t.Errorf("IMAP %s without certificate: got no error, want one", sec)
		}
		if s, err := loopback.StartSMTP(loopback.SMTPOptions{Security: sec}, loopback.SMTPHooks{}); err == nil {
			s.Close()
			t.Errorf("SMTP %s without certificate: got no error, want one", sec)
		}
	}
}

func TestIMAPFoldersAndDeliver(t *testing.T) {
	tests := []struct {
		name    string
		opts    loopback.IMAPOptions
		folders []string
		rev2    bool
	}{
		{"default", loopback.IMAPOptions{}, []string{"INBOX", "Sent"}, true},
		{"no Sent, IMAP4rev1", loopback.IMAPOptions{NoSent: true, Rev1Only: true}, []string{"INBOX"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Username, tt.opts.Password = "desk@example.org", "secret"
			s, err := loopback.StartIMAP(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			date := time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)
			if err := s.Deliver("INBOX", []byte("Subject: x\r\n\r\nx\r\n"), date, imap.FlagSeen); err != nil {
				t.Fatal(err)
			}
			if err := s.Deliver("Nowhere", []byte("x"), date); err == nil {
				t.Errorf("got no error delivering to a missing folder, want one")
			}
			c, err := imapclient.DialInsecure(s.Addr(), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := c.Login("desk@example.org", "secret").Wait(); err != nil {
				t.Fatal(err)
			}
			if got := c.Caps().Has(imap.CapIMAP4rev2); got != tt.rev2 {
				t.Errorf("got IMAP4rev2 %v, want %v", got, tt.rev2)
			}
			list, err := c.List("", "*", nil).Collect()
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, l := range list {
				names = append(names, l.Mailbox)
			}
			slices.Sort(names)
			if !slices.Equal(names, tt.folders) {
				t.Errorf("got folders %v, want %v", names, tt.folders)
			}
			if _, err := c.Select("INBOX", nil).Wait(); err != nil {
				t.Fatal(err)
			}
			msgs, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{Flags: true, InternalDate: true}).Collect()
			if err != nil || len(msgs) != 1 {
				t.Fatalf("got %d messages, %v; want 1", len(msgs), err)
			}
			if !msgs[0].InternalDate.Equal(date) || !slices.Contains(msgs[0].Flags, imap.FlagSeen) {
				t.Errorf("got date %v, flags %v; want %v and \\Seen", msgs[0].InternalDate, msgs[0].Flags, date)
			}
		})
	}
}
