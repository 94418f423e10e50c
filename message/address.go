package message

import (
	"fmt"
	"mime"
	"net/mail"
	"strings"

	"github.com/emersion/go-message/charset"
)

// Address is one mailbox of an address field.
type Address struct {
	Name    string `json:"name,omitempty"`
	Address string `json:"address"`
}

// String formats the address for display and for the address fields of a
// draft: "Name <addr>", the name quoted when it holds special characters
// (never RFC 2047 encoded: Build encodes when it writes), or "addr".
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

var wordDecoder = &mime.WordDecoder{CharsetReader: charset.Reader}

// maxAddresses bounds the addresses read from one field.
const maxAddresses = 1000

// ParseAddresses reads an address list strictly (RFC 5322 with RFC 2047
// encoded words and RFC 6532 UTF-8). Group syntax is read as its members.
// It is the parser for what a user typed and for the recipients of a
// message to seal; received From fields go through the From policy of
// ReadEnvelope instead.
func ParseAddresses(v string) ([]Address, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	p := mail.AddressParser{WordDecoder: wordDecoder}
	list, err := p.ParseList(v)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %v", ErrAddress, v, err)
	}
	if len(list) > maxAddresses {
		return nil, fmt.Errorf("%w: more than %d addresses", ErrAddress, maxAddresses)
	}
	out := make([]Address, 0, len(list))
	for _, a := range list {
		out = append(out, Address{Name: strings.ToValidUTF8(a.Name, "\uFFFD"), Address: strings.ToValidUTF8(a.Address, "\uFFFD")})
	}
	return out, nil
}

// lenientAddresses reads a field that ParseAddresses refuses, for display
// and threading only: each comma-separated entry is read on its own, and
// an entry that still does not parse gives what stands in its last angle
// brackets (its display name being the text before them), else every word
// with an @. An address read this way is never one a signature vouches
// for: the From policy reports the field as unreadable.
func lenientAddresses(v string) []Address {
	var out []Address
	p := mail.AddressParser{WordDecoder: wordDecoder}
	for _, part := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' }) {
		if len(out) >= maxAddresses {
			break
		}
		if a, err := p.Parse(part); err == nil {
			out = append(out, Address{Name: strings.ToValidUTF8(a.Name, "\uFFFD"), Address: strings.ToValidUTF8(a.Address, "\uFFFD")})
			continue
		}
		if i := strings.LastIndexByte(part, '<'); i >= 0 {
			if j := strings.IndexByte(part[i:], '>'); j > 1 {
				name := strings.Trim(strings.TrimSpace(part[:i]), `"`)
				out = append(out, Address{Name: decodeText(name), Address: strings.ToValidUTF8(strings.TrimSpace(part[i+1:i+j]), "\uFFFD")})
				continue
			}
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

// readAddresses reads an address field for display: strictly, else
// leniently; ok reports the strict reading.
func readAddresses(v string) (list []Address, ok bool) {
	list, err := ParseAddresses(v)
	if err == nil {
		return list, true
	}
	return lenientAddresses(v), false
}

// decodeText decodes RFC 2047 encoded words; undecodable text is kept as
// it is.
func decodeText(s string) string {
	if d, err := wordDecoder.DecodeHeader(s); err == nil {
		s = d
	}
	return strings.TrimSpace(strings.ToValidUTF8(s, "\uFFFD"))
}
