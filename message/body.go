package message

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"strings"

	gomessage "github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // charsets for Entity.Body
)

// Limits that keep a hostile message from exhausting memory or the stack.
const (
	maxDepth = 16
	maxParts = 500
)

// Body is what an article shows: its text and its attachments. It is built
// in memory for display (and, for unencrypted articles, for the search
// index) and never stored as such.
type Body struct {
	// Text is the message text: the text/plain part, else the text of the
	// text/html part (tags removed, nothing fetched), else empty.
	Text string
	// FromHTML reports that Text was taken from an HTML part.
	FromHTML    bool
	Attachments []Attachment
}

// Attachment is one part shown with a Save button.
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
}

// Extract reads a MIME entity (a whole message, or the innermost entity
// the S/MIME engine unwrapped) into its text and attachments.
//
// Only the entity's own structure is followed: multipart/alternative gives
// its best text, multipart/signed its signed content, other multiparts
// their inline text parts in order. Every other part, including S/MIME
// parts nested inside multipart/mixed, is an attachment and is never
// opened (DESIGN.md §3: this blocks EFAIL-style exfiltration).
func Extract(entity []byte) Body {
	// An unknown charset or transfer encoding still gives an entity (with
	// the body undecoded); only an unreadable header section gives none.
	e, _ := gomessage.Read(bytes.NewReader(entity))
	if e == nil {
		// Show what follows the header section as text.
		_, rest, found := bytes.Cut(entity, []byte("\r\n\r\n"))
		if !found {
			_, rest, _ = bytes.Cut(entity, []byte("\n\n"))
		}
		return Body{Text: normalizeText(string(rest))}
	}
	w := walker{}
	w.entity(e, 0)
	return Body{Text: strings.Join(w.texts, "\n\n"), FromHTML: w.fromHTML, Attachments: w.attachments}
}

type walker struct {
	texts       []string
	fromHTML    bool
	attachments []Attachment
	parts       int
}

func (w *walker) entity(e *gomessage.Entity, depth int) {
	w.parts++
	if w.parts > maxParts || depth > maxDepth {
		return
	}
	mt, params, err := e.Header.ContentType()
	if err != nil || mt == "" {
		mt = "text/plain"
	}
	mt = strings.ToLower(mt)
	disp, _, _ := e.Header.ContentDisposition()
	if strings.EqualFold(disp, "attachment") && !strings.HasPrefix(mt, "multipart/") {
		w.attach(e, mt, params)
		return
	}
	switch {
	case mt == "multipart/alternative":
		w.alternative(e, depth)
	case mt == "multipart/signed":
		// The signed content is the first part; the second is the
		// signature, shown by the security bar, not as an attachment.
		if mr := e.MultipartReader(); mr != nil {
			if p, _ := mr.NextPart(); p != nil {
				w.entity(p, depth+1)
			}
		}
	case strings.HasPrefix(mt, "multipart/"):
		mr := e.MultipartReader()
		if mr == nil {
			return
		}
		for {
			p, _ := mr.NextPart()
			if p == nil {
				break
			}
			w.entity(p, depth+1)
			if w.parts > maxParts {
				break
			}
		}
	case mt == "text/plain" || mt == "text/html":
		text, ok := readText(e, mt)
		if !ok {
			w.attach(e, mt, params)
			return
		}
		if strings.TrimSpace(text) != "" {
			w.texts = append(w.texts, text)
			w.fromHTML = w.fromHTML || mt == "text/html"
		}
	default:
		w.attach(e, mt, params)
	}
}

// alternative picks text/plain over text/html over a nested multipart; the
// other alternatives are renderings of the same text and are dropped.
func (w *walker) alternative(e *gomessage.Entity, depth int) {
	mr := e.MultipartReader()
	if mr == nil {
		return
	}
	var plain, html string
	var hasPlain, hasHTML bool
	var nested *walker
	for {
		p, _ := mr.NextPart()
		if p == nil {
			break
		}
		w.parts++
		if w.parts > maxParts {
			return
		}
		mt, _, _ := p.Header.ContentType()
		mt = strings.ToLower(mt)
		switch {
		case mt == "text/plain" && !hasPlain:
			plain, hasPlain = readText(p, mt)
		case mt == "text/html" && !hasHTML:
			html, hasHTML = readText(p, mt)
		case strings.HasPrefix(mt, "multipart/") && nested == nil:
			nested = &walker{parts: w.parts}
			nested.entity(p, depth+1)
			w.parts = nested.parts
		}
	}
	switch {
	case hasPlain:
		w.texts = append(w.texts, plain)
	case hasHTML:
		w.texts = append(w.texts, html)
		w.fromHTML = true
	case nested != nil:
		w.texts = append(w.texts, nested.texts...)
		w.fromHTML = w.fromHTML || nested.fromHTML
		w.attachments = append(w.attachments, nested.attachments...)
	}
}

// readText decodes a text part to UTF-8; ok is false when the part cannot
// be decoded (unknown charset or transfer encoding), so it is offered as an
// attachment instead of shown garbled.
func readText(e *gomessage.Entity, mt string) (string, bool) {
	b, err := io.ReadAll(e.Body)
	if err != nil && len(b) == 0 {
		return "", false
	}
	text := string(b)
	if mt == "text/html" {
		text = HTMLText(text)
	}
	return normalizeText(text), true
}

func (w *walker) attach(e *gomessage.Entity, mt string, params map[string]string) {
	data, _ := io.ReadAll(e.Body)
	name := ""
	if _, dp, err := e.Header.ContentDisposition(); err == nil {
		name = dp["filename"]
	}
	if name == "" {
		name = params["name"]
	}
	name = decodeText(name)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:] // never a path
	}
	if name == "" {
		name = fmt.Sprintf("attachment-%d", len(w.attachments)+1)
		if mt == "message/rfc822" {
			name += ".eml"
		} else if exts, _ := mime.ExtensionsByType(mt); len(exts) > 0 {
			name += exts[0]
		}
	}
	w.attachments = append(w.attachments, Attachment{Name: name, ContentType: mt, Data: data})
}

// normalizeText makes line ends "\n" and the text valid UTF-8.
func normalizeText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.ToValidUTF8(s, "\uFFFD")
}
