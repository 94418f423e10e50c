package message

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"
)

var testDate = time.Date(2026, 3, 14, 15, 9, 26, 0, time.FixedZone("CET", 3600))

func TestBuildErrors(t *testing.T) {
	ok := Draft{From: "agent@example.com", To: []string{"c@example.org"}}
	tests := []struct {
		name   string
		change func(*Draft)
		want   error
	}{
		{"no sender", func(d *Draft) { d.From = " " }, ErrNoSender},
		{"two senders", func(d *Draft) { d.From = "a@example.com, b@example.com" }, ErrAddress},
		{"bad sender", func(d *Draft) { d.From = "not an address" }, ErrAddress},
		{"no recipients", func(d *Draft) { d.To = nil }, ErrNoRecipients},
		{"empty recipients", func(d *Draft) { d.To = []string{"", " "} }, ErrNoRecipients},
		{"bad cc", func(d *Draft) { d.Cc = []string{"x@"} }, ErrAddress},
		{"invalid utf-8 text", func(d *Draft) { d.Text = "a\xffb" }, ErrInvalidText},
		{"invalid utf-8 subject", func(d *Draft) { d.Subject = "\xc3" }, ErrInvalidText},
		{"bad content type", func(d *Draft) {
			d.Attachments = []Attachment{{Name: "a", ContentType: "no type", Data: []byte("x")}}
		}, ErrContentType},
		{"multipart attachment", func(d *Draft) {
			d.Attachments = []Attachment{{Name: "a", ContentType: "multipart/mixed", Data: []byte("x")}}
		}, ErrContentType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := ok
			tt.change(&d)
			_, err := Build(d)
			if !errors.Is(err, tt.want) {
				t.Errorf("Build: got error %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := Build(ok); err != nil {
		t.Errorf("Build(valid draft): %v", err)
	}
}

func TestBuildFields(t *testing.T) {
	tests := []struct {
		name  string
		draft Draft
		want  []string // substrings of the header block
		not   []string
	}{
		{
			name: "plain",
			draft: Draft{From: "Agent <agent@example.com>", To: []string{"c@example.org"},
				Subject: "Hello", Text: "Hi", Date: testDate, MessageID: "id1@example.com"},
			want: []string{"Date: Sat, 14 Mar 2026 15:09:26 +0100\r\n", "From: \"Agent\" <agent@example.com>\r\n",
				"To: <c@example.org>\r\n", "Subject: Hello\r\n", "Message-ID: <id1@example.com>\r\n",
				"MIME-Version: 1.0\r\n", "Content-Type: text/plain; charset=utf-8\r\n",
				"Content-Transfer-Encoding: quoted-printable\r\n"},
			not: []string{"Cc:", "In-Reply-To:", "References:"},
		},
		{
			name: "threading",
			draft: Draft{From: "agent@example.com", To: []string{"a@example.org, b@example.org"}, Cc: []string{"c@example.org"},
				InReplyTo: "x@y", References: []string{"<w@y>", "x@y"}},
			want: []string{"To: <a@example.org>, <b@example.org>\r\n", "Cc: <c@example.org>\r\n",
				"In-Reply-To: <x@y>\r\n", "References: <w@y> <x@y>\r\n", "Message-ID: <", "@example.com>\r\n"},
		},
		{
			name:  "encoded subject and name",
			draft: Draft{From: "Jürgen Müller <j@example.com>", To: []string{"c@example.org"}, Subject: "Grüße"},
			want:  []string{"From: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <j@example.com>\r\n", "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n"},
		},
		{
			name:  "partly encoded subject",
			draft: Draft{From: "a@example.com", To: []string{"c@example.org"}, Subject: "Re: [Ticket#10042] Überweisung für März ok"},
			want:  []string{"Subject: Re: [Ticket#10042] =?utf-8?q?=C3=9Cberweisung_f=C3=BCr_M=C3=A4rz?=\r\n ok\r\n"},
		},
		{
			name: "attachment",
			draft: Draft{From: "agent@example.com", To: []string{"c@example.org"},
				Attachments: []Attachment{{Name: "/tmp/Bericht März.pdf", Data: []byte("%PDF")}}},
			want: []string{"Content-Type: multipart/mixed; boundary=siegel-", "Content-Type: application/pdf; name=\"=?utf-8?q?Bericht_M=C3=A4rz.pdf?=\"\r\n",
				"Content-Disposition: attachment; filename=\"=?utf-8?q?Bericht_M=C3=A4rz.pdf?=\"\r\n", "\r\nJVBERg==\r\n"},
		},
		{
			name: "quoted file name",
			draft: Draft{From: "agent@example.com", To: []string{"c@example.org"},
				Attachments: []Attachment{{Name: `a "b".txt`, Data: []byte("x")}, {Name: "", ContentType: "image/png; x=y", Data: nil}}},
			want: []string{`Content-Type: text/plain; name="a \"b\".txt"`, `Content-Type: image/png; name="attachment"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, err := Build(tt.draft)
			if err != nil {
				t.Fatal(err)
			}
			checkWellFormed(t, msg)
			for _, w := range tt.want {
				if !bytes.Contains(msg, []byte(w)) {
					t.Errorf("message lacks %q:\n%s", w, msg)
				}
			}
			for _, n := range tt.not {
				if bytes.Contains(msg, []byte(n)) {
					t.Errorf("message has %q:\n%s", n, msg)
				}
			}
		})
	}
}

// checkWellFormed checks the transport rules: 7-bit, CRLF only, lines of at
// most 78 characters.
func checkWellFormed(t *testing.T, msg []byte) {
	t.Helper()
	if !bytes.HasSuffix(msg, []byte("\r\n")) {
		t.Errorf("message does not end in CRLF")
	}
	for i, line := range bytes.Split(msg, []byte("\r\n")) {
		if len(line) > 78 {
			t.Errorf("line %d has %d characters: %q", i+1, len(line), line)
		}
		for _, c := range line {
			if c >= 0x80 || c == '\r' || c == '\n' || c == 0 {
				t.Errorf("line %d has byte %#x: %q", i+1, c, line)
				break
			}
		}
	}
}

func TestBuildRoundTrip(t *testing.T) {
	text := "Guten Tag,\n\nFrom now on: ä ö ü ß € — \"quotes\" = equals.  \n" +
		strings.Repeat("long line ", 30) + "\r\nTrailing tab\t\nLast line without break"
	bin := make([]byte, 70000)
	for i := range bin {
		bin[i] = byte(i * 7)
	}
	d := Draft{
		From:    "Siegel Helpdesk <helpdesk@example.com>",
		To:      []string{"Kundin Öztürk <kunde@example.org>", "b@example.org"},
		Cc:      []string{"cc@example.net"},
		Subject: "Re: [Ticket#10042] Überweisung — eine sehr lange Betreffzeile, die gefaltet werden muss, damit sie passt",
		Text:    text,
		Attachments: []Attachment{
			{Name: "Übersicht.txt", ContentType: "text/plain", Data: []byte("eins\r\nzwei\r\n")},
			{Name: "data.bin", Data: bin},
		},
		InReplyTo:  "<orig@example.org>",
		References: []string{"<first@example.org>", "<orig@example.org>"},
		Date:       testDate,
	}
	msg, err := Build(d)
	if err != nil {
		t.Fatal(err)
	}
	checkWellFormed(t, msg)

	r, err := mail.CreateReader(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	h := r.Header
	if got, err := h.Subject(); err != nil || got != d.Subject {
		t.Errorf("Subject: got %q (%v), want %q", got, err, d.Subject)
	}
	from, err := h.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Address != "helpdesk@example.com" || from[0].Name != "Siegel Helpdesk" {
		t.Errorf("From: got %v (%v)", from, err)
	}
	to, err := h.AddressList("To")
	if err != nil || len(to) != 2 || to[0].Name != "Kundin Öztürk" || to[1].Address != "b@example.org" {
		t.Errorf("To: got %v (%v)", to, err)
	}
	if got, err := h.Date(); err != nil || !got.Equal(testDate) {
		t.Errorf("Date: got %v (%v), want %v", got, err, testDate)
	}
	if got, _ := h.MsgIDList("References"); len(got) != 2 || got[1] != "orig@example.org" {
		t.Errorf("References: got %v", got)
	}
	if got, _ := h.MsgIDList("In-Reply-To"); len(got) != 1 || got[0] != "orig@example.org" {
		t.Errorf("In-Reply-To: got %v", got)
	}
	if id, err := h.MessageID(); err != nil || !strings.HasSuffix(id, "@example.com") {
		t.Errorf("Message-ID: got %q (%v)", id, err)
	}

	wantText := strings.NewReplacer("\r\n", "\r\n", "\n", "\r\n").Replace(text)
	var attachments []Attachment
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(p.Body)
		if err != nil {
			t.Fatal(err)
		}
		switch ph := p.Header.(type) {
		case *mail.InlineHeader:
			if string(body) != wantText {
				t.Errorf("text: got %q, want %q", body, wantText)
			}
		case *mail.AttachmentHeader:
			name, err := ph.Filename()
			if err != nil {
				t.Errorf("filename: %v", err)
			}
			ct, _, _ := ph.ContentType()
			attachments = append(attachments, Attachment{Name: name, ContentType: ct, Data: body})
		}
	}
	if len(attachments) != 2 {
		t.Fatalf("got %d attachments, want 2", len(attachments))
	}
	for i, want := range d.Attachments {
		got := attachments[i]
		if got.Name != want.Name || !bytes.Equal(got.Data, want.Data) {
			t.Errorf("attachment %d: got %q (%d bytes), want %q (%d bytes)", i, got.Name, len(got.Data), want.Name, len(want.Data))
		}
	}
	if attachments[1].ContentType != "application/octet-stream" {
		t.Errorf("attachment content type: got %q, want application/octet-stream", attachments[1].ContentType)
	}
}
