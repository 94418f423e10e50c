// Build makes the outgoing messages of Siegel: a Draft (what the agent
// typed, with its attachments and threading headers) becomes a complete
// RFC 5322 message, ready for the S/MIME engine to seal and for SMTP.
//
// The output is what the engine expects and what survives transport
// unchanged, so a signature over it still verifies on arrival:
//   - CRLF line ends everywhere, no line longer than 78 characters;
//   - 7-bit only: the UTF-8 text is quoted-printable (with "From " at the
//     start of a line escaped, because mbox-style transports rewrite it),
//     attachments are base64 in lines of 76 characters;
//   - non-ASCII header text (names, subject, file names) as RFC 2047 encoded
//     words;
//   - a Message-ID and a Date when the draft has none.

package message

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net/mail"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"
)

// Draft is an outgoing message before it is built.
type Draft struct {
	// From is the sender, "addr@example.com" or "Name <addr@example.com>".
	From string
	// To and Cc hold one address (or a comma-separated list) per entry.
	To, Cc      []string
	Subject     string
	Text        string // the body, UTF-8, any line ends
	Attachments []Attachment

	// Threading: Message-IDs with or without angle brackets.
	InReplyTo  string
	References []string
	// MessageID is generated (from random bytes and the From domain) when
	// empty; Date is the current time when zero.
	MessageID string
	Date      time.Time
}

// Errors of Build; they are wrapped with detail, so test with errors.Is.
var (
	ErrNoSender     = errors.New("no sender address")
	ErrNoRecipients = errors.New("no recipient address")
	ErrAddress      = errors.New("invalid address")
	ErrInvalidText  = errors.New("text is not valid UTF-8")
	ErrContentType  = errors.New("invalid content type")
)

// Build makes the message. It fails with ErrNoSender, ErrNoRecipients,
// ErrAddress (naming the field and the address), ErrInvalidText or
// ErrContentType (naming the attachment).
func Build(d Draft) ([]byte, error) {
	from, err := parseList("From", []string{d.From})
	if err != nil {
		return nil, err
	}
	if len(from) == 0 {
		return nil, ErrNoSender
	}
	if len(from) > 1 {
		return nil, fmt.Errorf("%w: From: one address expected, got %d", ErrAddress, len(from))
	}
	to, err := parseList("To", d.To)
	if err != nil {
		return nil, err
	}
	cc, err := parseList("Cc", d.Cc)
	if err != nil {
		return nil, err
	}
	if len(to)+len(cc) == 0 {
		return nil, ErrNoRecipients
	}
	if !utf8.ValidString(d.Text) {
		return nil, ErrInvalidText
	}
	if !utf8.ValidString(d.Subject) {
		return nil, fmt.Errorf("%w: subject", ErrInvalidText)
	}
	types := make([]string, len(d.Attachments))
	size := len(d.Text)*3 + 2048
	for i, a := range d.Attachments {
		if types[i], err = attachmentType(a); err != nil {
			return nil, err
		}
		size += Base64Len(len(a.Data)) + 512
	}

	date := d.Date
	if date.IsZero() {
		date = time.Now()
	}
	msgID := d.MessageID
	if msgID == "" {
		msgID = NewMessageID(from[0].Address)
	}

	b := bytes.NewBuffer(make([]byte, 0, size))
	writeField(b, "Date", date.Format(time.RFC1123Z))
	writeAddresses(b, "From", from)
	writeAddresses(b, "To", to)
	writeAddresses(b, "Cc", cc)
	writeField(b, "Subject", encodeText(d.Subject))
	writeField(b, "Message-ID", angle(msgID))
	if d.InReplyTo != "" {
		writeField(b, "In-Reply-To", angle(d.InReplyTo))
	}
	if len(d.References) > 0 {
		refs := make([]string, 0, len(d.References))
		for _, r := range d.References {
			if r = strings.TrimSpace(r); r != "" {
				refs = append(refs, angle(r))
			}
		}
		if len(refs) > 0 {
			writeField(b, "References", strings.Join(refs, " "))
		}
	}
	writeField(b, "MIME-Version", "1.0")

	if len(d.Attachments) == 0 {
		writeTextPart(b, d.Text)
		return b.Bytes(), nil
	}
	boundary := newBoundary()
	writeField(b, "Content-Type", mime.FormatMediaType("multipart/mixed", map[string]string{"boundary": boundary}))
	b.WriteString("\r\nThis is a multi-part message in MIME format.\r\n")
	b.WriteString("\r\n--" + boundary + "\r\n")
	writeTextPart(b, d.Text)
	for i, a := range d.Attachments {
		b.WriteString("\r\n--" + boundary + "\r\n")
		name := encodeFileName(fileName(a.Name))
		writeField(b, "Content-Type", types[i]+"; name="+quote(name))
		writeField(b, "Content-Transfer-Encoding", "base64")
		writeField(b, "Content-Disposition", "attachment; filename="+quote(name))
		b.WriteString("\r\n")
		b.Write(AppendBase64Lines(b.AvailableBuffer(), a.Data))
	}
	b.WriteString("\r\n--" + boundary + "--\r\n")
	return b.Bytes(), nil
}

// writeTextPart writes the Content-* fields, the blank line and the body of
// the text part.
func writeTextPart(b *bytes.Buffer, text string) {
	writeField(b, "Content-Type", "text/plain; charset=utf-8")
	writeField(b, "Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	b.Write(AppendQuotedPrintable(b.AvailableBuffer(), []byte(text)))
}

// fileName is the last element of name, or "attachment" when that is empty.
func fileName(name string) string {
	name = strings.TrimSpace(name)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	if name == "" || name == "." || name == ".." {
		return "attachment"
	}
	return name
}

func parseList(field string, entries []string) ([]*mail.Address, error) {
	var out []*mail.Address
	for _, e := range entries {
		if strings.TrimSpace(e) == "" {
			continue
		}
		l, err := mail.ParseAddressList(e)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %q: %v", ErrAddress, field, e, err)
		}
		out = append(out, l...)
	}
	return out, nil
}

func attachmentType(a Attachment) (string, error) {
	ct := a.ContentType
	if ct == "" {
		ct = mime.TypeByExtension(strings.ToLower(filepath.Ext(a.Name)))
	}
	if ct == "" {
		return "application/octet-stream", nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || !strings.Contains(mt, "/") || strings.HasPrefix(mt, "multipart/") {
		return "", fmt.Errorf("%w: attachment %q: %q", ErrContentType, a.Name, ct)
	}
	return mt, nil
}

// writeAddresses writes an address field, folded after commas.
func writeAddresses(b *bytes.Buffer, name string, l []*mail.Address) {
	if len(l) == 0 {
		return
	}
	words := make([]string, len(l))
	for i, a := range l {
		words[i] = a.String()
		if i < len(l)-1 {
			words[i] += ","
		}
	}
	writeField(b, name, strings.Join(words, " "))
}

// writeField writes "Name: value" folded at spaces so that lines stay within
// 78 characters where the value allows it (a long first word starts on a
// continuation line).
func writeField(b *bytes.Buffer, name, value string) {
	line := len(name) + 2
	b.WriteString(name)
	b.WriteString(":")
	for _, w := range strings.Split(value, " ") {
		if line > 0 && line+1+len(w) > 78 {
			b.WriteString("\r\n")
			line = 0
		}
		b.WriteByte(' ')
		b.WriteString(w)
		line += 1 + len(w)
	}
	b.WriteString("\r\n")
}

// encodeText makes header text 7-bit: runs of words with non-ASCII or
// control characters (or too long to fold) become RFC 2047 Q-encoded words,
// the other words stay readable, so "Re: [Ticket#10042]" survives as it is.
func encodeText(s string) string {
	words := strings.Split(s, " ")
	var out []string
	for i := 0; i < len(words); {
		if !needsEncoding(words[i]) {
			out = append(out, words[i])
			i++
			continue
		}
		j := i + 1
		for j < len(words) && needsEncoding(words[j]) {
			j++
		}
		out = append(out, mime.QEncoding.Encode("utf-8", strings.Join(words[i:j], " ")))
		i = j
	}
	return strings.Join(out, " ")
}

// encodeFileName encodes a whole file name as RFC 2047 words when any of it
// needs encoding: mail readers decode a quoted parameter only as a whole.
func encodeFileName(name string) string {
	if encodeText(name) != name {
		return mime.QEncoding.Encode("utf-8", name)
	}
	return name
}

func needsEncoding(w string) bool {
	if len(w) > 70 || strings.HasPrefix(w, "=?") {
		return true
	}
	for i := 0; i < len(w); i++ {
		if c := w[i]; c >= 0x7f || (c < ' ' && c != '\t') {
			return true
		}
	}
	return false
}

// quote makes a MIME parameter value a quoted-string.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}

func angle(id string) string {
	id = strings.TrimSpace(id)
	id = strings.TrimPrefix(id, "<")
	id = strings.TrimSuffix(id, ">")
	return "<" + id + ">"
}

func randomHex(n int) string {
	buf := make([]byte, n)
	_, _ = rand.Read(buf) // crypto/rand.Read never fails
	return hex.EncodeToString(buf)
}

// NewMessageID makes a Message-ID (without angle brackets) from random
// bytes in the domain of the sending address, as Build does when the draft
// has none; the outbox makes it before building, to track the message.
func NewMessageID(from string) string {
	domain := "siegel.invalid"
	if at := strings.LastIndexByte(from, '@'); at >= 0 && at < len(from)-1 {
		domain = from[at+1:]
	}
	return randomHex(16) + "@" + domain
}

func newBoundary() string { return "siegel-" + randomHex(15) }
