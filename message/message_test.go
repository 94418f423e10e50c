package message

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReadEnvelope(t *testing.T) {
	h := ReadEnvelope(readTestdata(t, "mixed.eml"))
	want := Envelope{
		From:        []Address{{Name: "Jürgen Müller", Address: "juergen@example.de"}},
		To:          []Address{{Name: "Help Desk", Address: "help@siegel.example"}, {Address: "other@example.org"}},
		Cc:          []Address{{Address: "boss@example.de"}},
		Subject:     "Re: [Ticket#10042] Drücker kaputt",
		Date:        time.Date(2025, 3, 4, 10, 15, 0, 0, time.FixedZone("", 3600)),
		MessageID:   "abc.123@example.de",
		InReplyTo:   []string{"first@siegel.example"},
		References:  []string{"root@example.de", "first@siegel.example"},
		ContentType: "multipart/mixed",
		Author:      Address{Name: "Jürgen Müller", Address: "juergen@example.de"},
	}
	if !h.Date.Equal(want.Date) {
		t.Errorf("Date = %v, want %v", h.Date, want.Date)
	}
	h.Date, want.Date = time.Time{}, time.Time{}
	if !reflect.DeepEqual(h, want) {
		t.Errorf("ReadEnvelope =\n%+v\nwant\n%+v", h, want)
	}
}

func TestReadEnvelopeLenient(t *testing.T) {
	tests := []struct {
		name, raw string
		check     func(h Envelope) string
	}{
		{"broken from keeps address", "From: Jane Doe jane@example.org (home)\r\n\r\nx",
			func(h Envelope) string {
				if len(h.From) != 1 || h.From[0].Address != "jane@example.org" {
					return "From = " + toString(h.From)
				}
				return ""
			}},
		{"message-id without brackets", "Message-ID: abc@def\r\n\r\n",
			func(h Envelope) string {
				if h.MessageID != "abc@def" {
					return "MessageID = " + h.MessageID
				}
				return ""
			}},
		// The engine reads a first line that is no header field as the
		// start of a bare text; the envelope reads it the same way.
		{"garbage first line: no header", "this is not a header\r\nSubject: ok\r\n\r\n",
			func(h Envelope) string {
				if h.Subject != "" || h.FromProblem != "no From field" {
					return "Subject = " + h.Subject
				}
				return ""
			}},
		{"no body, LF only", "Subject: a\n b\nDate: not a date",
			func(h Envelope) string {
				if h.Subject != "a b" || !h.Date.IsZero() {
					return "Subject = " + h.Subject + ", Date = " + h.Date.String()
				}
				return ""
			}},
		{"header stops at empty line", "Subject: a\r\n\r\nSubject: b\r\n",
			func(h Envelope) string {
				if h.Subject != "a" {
					return "Subject = " + h.Subject
				}
				return ""
			}},
		{"empty input", "",
			func(h Envelope) string {
				if h.ContentType != "text/plain" || h.MessageID != "" {
					return "ContentType = " + h.ContentType
				}
				return ""
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if msg := tt.check(ReadEnvelope([]byte(tt.raw))); msg != "" {
				t.Errorf("ReadEnvelope(%q): %s", tt.raw, msg)
			}
		})
	}
}

func toString(as []Address) string {
	var s []string
	for _, a := range as {
		s = append(s, a.String())
	}
	return strings.Join(s, ", ")
}

func TestMessageIDs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"<a@b> <c@d>", []string{"a@b", "c@d"}},
		{"<a@b>,<c@d>", []string{"a@b", "c@d"}},
		{"plain@id", []string{"plain@id"}},
		{"two words", nil},
		{"<> <x y> <ok@id>", []string{"ok@id"}},
		{"<unterminated@id", nil},
		{"", nil},
	}
	for _, tt := range tests {
		if got := MessageIDs(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("MessageIDs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestExtractMixed(t *testing.T) {
	b := Extract(readTestdata(t, "mixed.eml"))
	if b.Text != "Der Drücker druckt nicht." {
		t.Errorf("Text = %q, want the decoded text/plain alternative", b.Text)
	}
	if b.FromHTML {
		t.Errorf("FromHTML = true, want false (a text/plain alternative exists)")
	}
	if len(b.Attachments) != 2 {
		t.Fatalf("got %d attachments, want 2", len(b.Attachments))
	}
	if a := b.Attachments[0]; a.Name != "Rechnung März.pdf" || a.ContentType != "application/pdf" || string(a.Data) != "%PDF-1.4\n" {
		t.Errorf("attachment 1 = %q %q %q", a.Name, a.ContentType, a.Data)
	}
	// A nested S/MIME part is an attachment, never opened (EFAIL).
	if a := b.Attachments[1]; a.Name != "smime.p7m" || a.ContentType != "application/pkcs7-mime" {
		t.Errorf("attachment 2 = %q %q, want the nested smime.p7m", a.Name, a.ContentType)
	}
}

func TestExtractHTML(t *testing.T) {
	b := Extract(readTestdata(t, "html.eml"))
	want := "Hello World\n[logo]\nLine & two"
	if b.Text != want || !b.FromHTML {
		t.Errorf("Text = %q (FromHTML %v), want %q from HTML", b.Text, b.FromHTML, want)
	}
	if strings.Contains(b.Text, "alert") || strings.Contains(b.Text, "evil") {
		t.Errorf("Text %q contains script or a remote URL", b.Text)
	}
}

func TestExtractCases(t *testing.T) {
	tests := []struct {
		name, raw, text string
		attachments     []string
	}{
		{"plain", "Content-Type: text/plain; charset=utf-8\r\n\r\nhello\r\nworld\r\n", "hello\nworld", nil},
		{"no header", "\r\njust text", "just text", nil},
		{"signed shows content only",
			"Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsigned text\r\n--b\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\n\r\nAAAA\r\n--b--\r\n",
			"signed text", nil},
		{"text attachment by disposition",
			"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nbody\r\n--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"../../etc/notes.txt\"\r\n\r\nnotes\r\n--b--\r\n",
			"body", []string{"notes.txt"}},
		{"forwarded message",
			"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee below\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ninner text\r\n--b--\r\n",
			"see below\n\ninner text", []string{"attachment-1.eml"}},
		{"unknown charset still shown", "Content-Type: text/plain; charset=x-unknown\r\n\r\nabc", "abc", nil},
		{"broken multipart", "Content-Type: multipart/mixed; boundary=zz\r\n\r\nno parts here", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := Extract([]byte(tt.raw))
			if b.Text != tt.text {
				t.Errorf("Text = %q, want %q", b.Text, tt.text)
			}
			var names []string
			for _, a := range b.Attachments {
				names = append(names, a.Name)
			}
			if !reflect.DeepEqual(names, tt.attachments) {
				t.Errorf("attachments = %q, want %q", names, tt.attachments)
			}
		})
	}
}

func TestExtractLimitsNesting(t *testing.T) {
	var b strings.Builder
	for i := range 200 {
		b.WriteString("Content-Type: multipart/mixed; boundary=b" + strings.Repeat("x", i) + "\r\n\r\n--b" + strings.Repeat("x", i) + "\r\n")
	}
	b.WriteString("Content-Type: text/plain\r\n\r\ndeep\r\n")
	got := Extract([]byte(b.String()))
	if got.Text != "" {
		t.Errorf("Text = %q, want nothing beyond the nesting limit", got.Text)
	}
}

func FuzzReadEnvelope(f *testing.F) {
	f.Add(readTestdata(f, "mixed.eml"))
	f.Add([]byte("From: a\r\n b\r\n\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		h := ReadEnvelope(raw)
		// The policy's promise: no problem means one From address, the
		// Author, with a display name that names no other address.
		if h.FromProblem == "" && (len(h.From) != 1 || h.Author != h.From[0] || h.Author.Address == "") {
			t.Errorf("no From problem, but From %v and Author %v", h.From, h.Author)
		}
		if h.FromProblem == "" && nameProblem(h.Author) != "" {
			t.Errorf("no From problem, but the name %q does", h.Author.Name)
		}
		if s := h.Shown(); h.FromProblem != "" && s.Name != "" {
			t.Errorf("shown name %q despite %q", s.Name, h.FromProblem)
		}
		for _, id := range append(append([]string{h.MessageID}, h.InReplyTo...), h.References...) {
			if strings.ContainsAny(id, "<> \t") {
				t.Errorf("message id %q contains brackets or spaces", id)
			}
		}
	})
}

func FuzzExtract(f *testing.F) {
	f.Add(readTestdata(f, "mixed.eml"))
	f.Add(readTestdata(f, "html.eml"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		b := Extract(raw)
		if len(b.Text) > MaxText || !utf8.ValidString(b.Text) || strings.Contains(b.Text, "\r") {
			t.Errorf("text of %d bytes, valid UTF-8 %v, with CR %v", len(b.Text), utf8.ValidString(b.Text), strings.Contains(b.Text, "\r"))
		}
		for _, a := range b.Attachments {
			if strings.ContainsAny(a.Name, `/\`) {
				t.Errorf("attachment name %q contains a path separator", a.Name)
			}
		}
	})
}

func TestAddressString(t *testing.T) {
	tests := []struct {
		a    Address
		want string
	}{
		{Address{Address: "a@b.c"}, "a@b.c"},
		{Address{Name: "Alice Example", Address: "a@b.c"}, "Alice Example <a@b.c>"},
		{Address{Name: "Jürgen Müller", Address: "j@b.c"}, "Jürgen Müller <j@b.c>"},
		{Address{Name: "Müller, Jürgen", Address: "j@b.c"}, `"Müller, Jürgen" <j@b.c>`},
		{Address{Name: `Say "hi"`, Address: "s@b.c"}, `"Say \"hi\"" <s@b.c>`},
	}
	for _, tt := range tests {
		got := tt.a.String()
		if got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.a, got, tt.want)
		}
		// What String writes reads back as the same address.
		h := ReadEnvelope([]byte("To: " + got + "\r\n\r\n"))
		if len(h.To) != 1 || h.To[0] != tt.a {
			t.Errorf("ReadEnvelope(To: %s) = %+v, want %+v", got, h.To, tt.a)
		}
	}
}
