package message

import (
	"bytes"
	"fmt"

	"net/mail"
	"strings"
	"time"
	"unicode"
)

// Envelope is what the header of a message says about it: who wrote it,
// to whom, when, about what, and where it stands in a thread. The S/MIME
// engine judges a signature against it, and the desk, the card, the list
// and the command line show it, so all of them read the same header the
// same way.
type Envelope struct {
	// From holds every address of every From field, in order; Sender and
	// ReplyTo the addresses of those fields.
	From    []Address `json:"from,omitempty"`
	Sender  []Address `json:"sender,omitempty"`
	To      []Address `json:"to,omitempty"`
	Cc      []Address `json:"cc,omitempty"`
	ReplyTo []Address `json:"reply_to,omitempty"`
	Subject string    `json:"subject,omitempty"`
	Date    time.Time `json:"date,omitzero"` // zero when missing or unreadable
	// MessageID, InReplyTo and References are message identifiers without
	// the angle brackets.
	MessageID  string   `json:"message_id,omitempty"`
	InReplyTo  []string `json:"in_reply_to,omitempty"`
	References []string `json:"references,omitempty"`
	// ContentType is the media type of the top-level entity, lower case,
	// without parameters ("text/plain" when missing).
	ContentType string `json:"content_type,omitempty"`

	// Author is the one address the message says it is from: the address
	// a signature must name, the ticket's customer and the From the card
	// shows. It is the first From address even when FromProblem is set
	// (zero when there is none), so that what is shown never differs from
	// what was judged.
	Author Address `json:"author"`
	// FromProblem says why the header does not name exactly one author
	// (RFC 5322 allows more than this policy does; a signature cannot
	// vouch for more); empty when it does. A signed message with a
	// FromProblem is a sender mismatch with this as its reason.
	FromProblem string `json:"from_problem,omitempty"`
}

// Shown is the sender as the views show it: the Author, without its
// display name when the From policy objects, since a name that hides
// another address must not be what the agent reads.
func (env *Envelope) Shown() Address {
	if env.FromProblem != "" {
		return Address{Address: env.Author.Address}
	}
	return env.Author
}

// Limits of the header section: a header bigger than this is read only
// this far.
const (
	maxHeaderFields = 1000
	maxIDs          = 1000
)

// ReadEnvelope reads the envelope of a raw message (an mbox "From " line
// before it is skipped). It never fails: fields it cannot read are left
// empty, and a From it cannot read strictly sets FromProblem.
func ReadEnvelope(raw []byte) Envelope {
	e := ParseEntity(SkipMboxLine(raw))
	return EnvelopeOf(&e)
}

// EnvelopeOf reads the envelope from the header fields of an entity.
func EnvelopeOf(e *Entity) Envelope {
	env := Envelope{ContentType: "text/plain"}
	var froms []string
	fields := e.Fields
	if len(fields) > maxHeaderFields {
		fields = fields[:maxHeaderFields]
	}
	for _, f := range fields {
		switch strings.ToLower(f.Name()) {
		case "from":
			froms = append(froms, f.Value())
		case "sender":
			l, _ := readAddresses(f.Value())
			env.Sender = append(env.Sender, l...)
		case "to":
			l, _ := readAddresses(f.Value())
			env.To = append(env.To, l...)
		case "cc":
			l, _ := readAddresses(f.Value())
			env.Cc = append(env.Cc, l...)
		case "reply-to":
			l, _ := readAddresses(f.Value())
			env.ReplyTo = append(env.ReplyTo, l...)
		case "subject":
			if env.Subject == "" {
				env.Subject = decodeText(f.Value())
			}
		case "date":
			if env.Date.IsZero() {
				env.Date = ParseDate(f.Value())
			}
		case "message-id":
			if env.MessageID == "" {
				if ids := MessageIDs(f.Value()); len(ids) > 0 {
					env.MessageID = ids[0]
				}
			}
		case "in-reply-to":
			env.InReplyTo = appendIDs(env.InReplyTo, f.Value())
		case "references":
			env.References = appendIDs(env.References, f.Value())
		}
	}
	if !e.Headless {
		env.ContentType, _ = e.MediaType()
	}
	env.readFrom(froms)
	return env
}

func appendIDs(ids []string, v string) []string {
	ids = append(ids, MessageIDs(v)...)
	if len(ids) > maxIDs {
		ids = ids[:maxIDs]
	}
	return ids
}

// readFrom applies the From policy (after mox's): exactly one From field
// holding exactly one address, strictly readable, not a group, with a
// display name that neither holds another address nor hides text behind
// control characters, and no Sender field naming someone else. Anything
// else is a FromProblem, and the problem names which rule failed.
func (env *Envelope) readFrom(froms []string) {
	strict := true
	for _, v := range froms {
		l, ok := readAddresses(v)
		strict = strict && ok
		env.From = append(env.From, l...)
	}
	if len(env.From) > 0 {
		env.Author = env.From[0]
	}
	switch {
	case len(froms) == 0:
		env.FromProblem = "no From field"
	case len(froms) > 1:
		env.FromProblem = fmt.Sprintf("%d From fields", len(froms))
	case isGroup(froms[0]):
		env.FromProblem = "the From field is a group"
	case !strict && len(env.From) == 0:
		env.FromProblem = "the From field holds no readable address"
	case !strict:
		env.FromProblem = fmt.Sprintf("the From field cannot be read as an address (%q)", froms[0])
	case len(env.From) == 0:
		env.FromProblem = "the From field is empty"
	case len(env.From) > 1:
		env.FromProblem = fmt.Sprintf("%d addresses in the From field", len(env.From))
	default:
		env.FromProblem = nameProblem(env.Author)
	}
	if env.FromProblem == "" {
		for _, s := range env.Sender {
			if !strings.EqualFold(s.Address, env.Author.Address) {
				env.FromProblem = fmt.Sprintf("the Sender field names another address (%s) than From", s.Address)
				break
			}
		}
	}
}

// nameProblem checks a display name: mail programs show it instead of the
// address, so it must not carry an address of its own (in any form its
// encoded words or a comment give it) or characters that reorder or hide
// what is shown.
func nameProblem(a Address) string {
	run := 0
	for _, r := range a.Name {
		if unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) {
			return fmt.Sprintf("the display name holds the invisible character %U", r)
		}
		if !unicode.IsSpace(r) {
			run = 0
			continue
		}
		// A name padded with blanks pushes the address out of sight.
		if run++; run == maxBlankRun {
			return fmt.Sprintf("the display name is padded with %d or more blanks", maxBlankRun)
		}
	}
	for _, w := range strings.FieldsFunc(a.Name, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(`<>()"',;:[]`, r)
	}) {
		w = strings.NewReplacer("\uFF20", "@", "\uFE6B", "@").Replace(w)
		if at := strings.IndexByte(w, '@'); at > 0 && at < len(w)-1 && !strings.EqualFold(w, a.Address) {
			return fmt.Sprintf("the display name %q holds another address than %s", a.Name, a.Address)
		}
	}
	return ""
}

// maxBlankRun is the longest run of blanks a display name may hold.
const maxBlankRun = 4

// isGroup reports RFC 5322 group syntax ("name: members;"): a colon
// outside quoted strings, comments, angle brackets and encoded words.
func isGroup(v string) bool {
	depth, quoted, angle := 0, false, false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case quoted:
			if c == '\\' {
				i++
			} else if c == '"' {
				quoted = false
			}
		case depth > 0:
			switch c {
			case '\\':
				i++
			case '(':
				depth++
			case ')':
				depth--
			}
		case angle:
			angle = c != '>'
		case c == '"':
			quoted = true
		case c == '(':
			depth = 1
		case c == '<':
			angle = true
		case c == '=' && i+1 < len(v) && v[i+1] == '?':
			if j := strings.Index(v[i+2:], "?="); j >= 0 {
				i += j + 3
			}
		case c == ':':
			return true
		}
	}
	return false
}

// SkipMboxLine drops an mbox "From " separator line before the header.
func SkipMboxLine(raw []byte) []byte {
	if bytes.HasPrefix(raw, []byte("From ")) {
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			return raw[i+1:]
		}
	}
	return raw
}

// MessageIDs returns the message identifiers in a Message-ID, In-Reply-To
// or References value, without angle brackets. A value without any
// bracketed identifier counts as one identifier when it has no spaces (some
// mailers omit the brackets).
func MessageIDs(s string) []string {
	var ids []string
	rest := s
	for len(ids) < maxIDs {
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

var dateLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 2006 15:04 -0700",
	"Mon, 2 Jan 06 15:04:05 -0700",
	time.RFC3339,
}

// ParseDate reads a Date field: RFC 5322 and the common deviations from
// it; zero when it cannot be read.
func ParseDate(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC1123Z, s); err == nil {
		return t
	}
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
