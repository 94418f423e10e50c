// Package message reads what the mail core needs from a raw RFC 5322
// message: the header fields that thread it into a ticket and describe it
// (Header), and, for display and search, its text and attachments (Extract).
//
// Both are lenient: mail from the wild is often malformed, and a message is
// always stored, so a broken header line or MIME part is skipped rather than
// turned into an error. Neither function panics on any input (see the fuzz
// tests).
package message

import (
	"bytes"
	"mime"
	"net/mail"
	"strings"
	"time"

	"github.com/emersion/go-message/charset"
)

// Address is one mailbox of an address header.
type Address struct {
	Name    string `json:"name,omitempty"`
	Address string `json:"address"`
}

// String formats the address for display and for the address fields of a
// draft: "Name <addr>", the name quoted when it holds special characters
// (never RFC 2047 encoded: mail/compose encodes when it writes), or
// "addr".
func (a Address) String() string {
	if a.Name == "" {
		return a.Address
	}
	if plainPhrase(a.Name) {
		return a.Name + " <" + a.Address + ">"
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(a.Name) + `" <` + a.Address + ">"
}

// plainPhrase reports whether name can stand unquoted: words without
// RFC 5322 specials separated by single spaces (UTF-8 is fine, RFC 6532).
func plainPhrase(name string) bool {
	for _, w := range strings.Split(name, " ") {
		if w == "" {
			return false
		}
		for _, r := range w {
			if r < 33 || r == 127 || strings.ContainsRune(`"(),.:;<>@[\]`, r) {
				return false
			}
		}
	}
	return true
}

// Header holds the header fields the mail core keeps for an article.
type Header struct {
	From    []Address
	To      []Address
	Cc      []Address
	ReplyTo []Address
	Subject string
	Date    time.Time // zero when missing or unreadable
	// MessageID, InReplyTo and References are message identifiers without
	// the angle brackets.
	MessageID  string
	InReplyTo  []string
	References []string
	// ContentType is the media type of the top-level entity, lower case,
	// without parameters ("text/plain" when missing).
	ContentType string
}

// Sender is the first From address, or the zero Address.
func (h *Header) Sender() Address {
	if len(h.From) == 0 {
		return Address{}
	}
	return h.From[0]
}

var wordDecoder = &mime.WordDecoder{CharsetReader: charset.Reader}

// ParseHeader reads the header section of raw (everything before the first
// empty line). Fields it cannot read are left empty.
func ParseHeader(raw []byte) Header {
	var h Header
	h.ContentType = "text/plain"
	for _, f := range fields(raw) {
		switch strings.ToLower(f.name) {
		case "from":
			h.From = append(h.From, parseAddressList(f.value)...)
		case "to":
			h.To = append(h.To, parseAddressList(f.value)...)
		case "cc":
			h.Cc = append(h.Cc, parseAddressList(f.value)...)
		case "reply-to":
			h.ReplyTo = append(h.ReplyTo, parseAddressList(f.value)...)
		case "subject":
			if h.Subject == "" {
				h.Subject = decodeText(f.value)
			}
		case "date":
			if h.Date.IsZero() {
				h.Date = parseDate(f.value)
			}
		case "message-id":
			if h.MessageID == "" {
				if ids := MessageIDs(f.value); len(ids) > 0 {
					h.MessageID = ids[0]
				}
			}
		case "in-reply-to":
			h.InReplyTo = append(h.InReplyTo, MessageIDs(f.value)...)
		case "references":
			h.References = append(h.References, MessageIDs(f.value)...)
		case "content-type":
			if mt, _, err := mime.ParseMediaType(f.value); err == nil {
				h.ContentType = strings.ToLower(mt)
			} else if mt, _, _ := strings.Cut(f.value, ";"); strings.TrimSpace(mt) != "" {
				h.ContentType = strings.ToLower(strings.TrimSpace(mt))
			}
		}
	}
	return h
}

type field struct{ name, value string }

// fields splits the header section into unfolded fields. Lines without a
// colon are dropped; a header without a body (no empty line) is read to the
// end.
func fields(raw []byte) []field {
	var out []field
	for len(raw) > 0 {
		line := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			raw = nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			if len(out) > 0 {
				out[len(out)-1].value += " " + strings.TrimSpace(string(line))
			}
			continue
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok || len(bytes.TrimSpace(name)) == 0 {
			continue
		}
		out = append(out, field{string(bytes.TrimSpace(name)), strings.TrimSpace(string(value))})
	}
	return out
}

// decodeText decodes RFC 2047 encoded words; undecodable text is kept as
// it is.
func decodeText(s string) string {
	if d, err := wordDecoder.DecodeHeader(s); err == nil {
		s = d
	}
	return strings.TrimSpace(strings.ToValidUTF8(s, "\uFFFD"))
}

// MessageIDs returns the message identifiers in a Message-ID, In-Reply-To
// or References value, without angle brackets. A value without any
// bracketed identifier counts as one identifier when it has no spaces (some
// mailers omit the brackets).
func MessageIDs(s string) []string {
	var ids []string
	rest := s
	for {
		i := strings.IndexByte(rest, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i+1:], '>')
		if j < 0 {
			break
		}
		if id := strings.TrimSpace(rest[i+1 : i+1+j]); id != "" && !strings.ContainsAny(id, " \t<") {
			ids = append(ids, id)
		}
		rest = rest[i+1+j+1:]
	}
	if len(ids) == 0 {
		if t := strings.TrimSpace(s); t != "" && !strings.ContainsAny(t, " \t<>") {
			ids = append(ids, t)
		}
	}
	return ids
}

// parseAddressList parses an address header; when the strict parser fails
// it falls back to picking out everything that looks like an address, so a
// sender is never lost to a syntax error.
func parseAddressList(s string) []Address {
	p := mail.AddressParser{WordDecoder: wordDecoder}
	list, err := p.ParseList(s)
	if err == nil {
		out := make([]Address, 0, len(list))
		for _, a := range list {
			out = append(out, Address{Name: strings.ToValidUTF8(a.Name, "\uFFFD"), Address: a.Address})
		}
		return out
	}
	var out []Address
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		if a, err := p.Parse(part); err == nil {
			out = append(out, Address{Name: strings.ToValidUTF8(a.Name, "\uFFFD"), Address: a.Address})
			continue
		}
		for _, w := range strings.FieldsFunc(part, func(r rune) bool {
			return r == ' ' || r == '\t' || r == '<' || r == '>' || r == '"' || r == '(' || r == ')'
		}) {
			if at := strings.IndexByte(w, '@'); at > 0 && at < len(w)-1 {
				out = append(out, Address{Address: strings.ToValidUTF8(w, "\uFFFD")})
			}
		}
	}
	return out
}

var dateLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 2006 15:04 -0700",
	"Mon, 2 Jan 06 15:04:05 -0700",
	time.RFC3339,
}

func parseDate(s string) time.Time {
	if t, err := mail.ParseDate(s); err == nil {
		return t
	}
	// Drop a trailing comment such as "(CET)" and retry the common layouts.
	if i := strings.IndexByte(s, '('); i > 0 {
		s = strings.TrimSpace(s[:i])
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t
		}
	}
	return time.Time{}
}
