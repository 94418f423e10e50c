package message

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
)

// Limits that keep a hostile message from exhausting memory or the stack.
const (
	maxDepth = 16
	maxParts = 500
	// MaxText is the most text Extract returns: more than any article
	// anyone reads, and the bound on what the display and the search
	// index are given.
	MaxText = 1 << 20
	// maxDecoded bounds one decoded part (text or attachment).
	maxDecoded = 64 << 20
)

// Body is what an article shows: its text and its attachments. It is built
// in memory for display (and, for unencrypted articles, for the search
// index) and never stored as such.
type Body struct {
	// Text is the message text: the inline text parts, for an alternative
	// the text/plain one, else the text of the text/html one (tags
	// removed, nothing fetched); "\n" line ends, valid UTF-8, at most
	// MaxText bytes.
	Text string
	// FromHTML reports that Text was taken from an HTML part.
	FromHTML bool
	// Truncated reports that the text was longer than MaxText.
	Truncated bool
	// HTML is the message's HTML rendering, decoded to UTF-8 (at most
	// MaxText bytes; empty when it has none): the HTML part itself, or of
	// an alternative the HTML one even when Text comes from the plain
	// one, for a window that shows HTML formatted (ui/htmlview). Its
	// inline images are among the Attachments, by ContentID.
	HTML        string
	Attachments []Attachment
}

// Attachment is a file of a message: one part shown with a Save button, or
// one file sent with a draft (Build: ContentType empty means guessed from
// Name's extension, else application/octet-stream).
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
	// ContentID is the part's Content-ID without the angle brackets: what
	// an HTML part's "cid:" references name. Empty for drafts.
	ContentID string `json:",omitempty"`
	// Inline reports a part that belongs to the HTML rendering (an image
	// of multipart/related or inline with a Content-ID) rather than a file
	// the sender attached.
	Inline bool `json:",omitempty"`
}

// Extract reads a MIME entity (a whole message, or the innermost entity
// the S/MIME engine unwrapped) into its text and attachments, with the
// same entity reader the engine uses, so both see the same parts.
//
// Only the entity's own structure is followed: multipart/alternative gives
// its best text, multipart/signed its signed content, other multiparts
// their inline text parts in order, attached messages (message/rfc822)
// their text and an attachment. Every other part, including S/MIME parts
// nested inside multipart/mixed, is an attachment and is never opened
// (DESIGN.md §3: this blocks EFAIL-style exfiltration).
func Extract(entity []byte) Body {
	w := walker{}
	w.entity(ParseEntity(entity), 0)
	return Body{Text: w.text.String(), FromHTML: w.fromHTML, Truncated: w.truncated, HTML: w.html, Attachments: w.attachments}
}

type walker struct {
	text        strings.Builder
	fromHTML    bool
	truncated   bool
	html        string
	attachments []Attachment
	parts       int
	// rendering: walking the HTML alternative that Text does not come
	// from, for its HTML and inline images only.
	rendering bool
}

func (w *walker) entity(e Entity, depth int) {
	w.parts++
	if w.parts > maxParts || depth > maxDepth {
		return
	}
	if e.Headless {
		if !w.rendering {
			w.add(normalizeText(string(e.Body)), false)
		}
		return
	}
	mt, params := e.MediaType()
	if mt == "message/rfc822" {
		// An attached message is offered for saving, and its text is
		// shown after the message's own, as mail programs do. Its S/MIME
		// layers, if any, stay closed: only the outer message's own
		// structure is ever decrypted or verified.
		w.attach(&e, mt, params)
		if inner, err := e.DecodedBody(maxDecoded); err == nil {
			w.entity(ParseEntity(inner), depth+1)
		}
		return
	}
	if d, _ := e.Disposition(); d == "attachment" && !strings.HasPrefix(mt, "multipart/") {
		w.attach(&e, mt, params)
		return
	}
	switch {
	case mt == "multipart/alternative":
		w.alternative(&e, params, depth)
	case mt == "multipart/signed":
		// The signed content is the first part; the second is the
		// signature, shown by the security bar, not as an attachment.
		if parts, _ := SplitMultipart(e.Body, params["boundary"]); len(parts) > 0 {
			w.entity(ParseEntity(parts[0]), depth+1)
		}
	case strings.HasPrefix(mt, "multipart/"):
		parts, _ := SplitMultipart(e.Body, params["boundary"])
		for _, p := range parts {
			if w.parts > maxParts {
				break
			}
			w.entity(ParseEntity(p), depth+1)
		}
	case mt == "text/plain" || mt == "text/html":
		text, html, ok := readText(&e, mt, params["charset"])
		if !ok {
			w.attach(&e, mt, params)
			return
		}
		if html != "" && w.html == "" {
			w.html = truncate(html, MaxText)
		}
		if !w.rendering {
			w.add(text, mt == "text/html")
		}
	default:
		w.attach(&e, mt, params)
	}
}

// truncate cuts s to at most n bytes at a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// add appends a text block, blocks separated by an empty line.
func (w *walker) add(text string, html bool) {
	if strings.TrimSpace(text) == "" || w.truncated {
		return
	}
	text = strings.TrimRight(text, "\n")
	if w.text.Len() > 0 {
		text = "\n\n" + text
	}
	if room := MaxText - w.text.Len(); len(text) > room {
		cut := room
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text, w.truncated = text[:cut], true
	}
	w.text.WriteString(text)
	w.fromHTML = w.fromHTML || html
}

// alternative picks text/plain over text/html over a nested multipart; the
// other alternatives are renderings of the same text and are dropped.
func (w *walker) alternative(e *Entity, params map[string]string, depth int) {
	parts, _ := SplitMultipart(e.Body, params["boundary"])
	best, bestRank := -1, 0
	for i, p := range parts {
		w.parts++
		if w.parts > maxParts {
			return
		}
		pe := ParseEntity(p)
		mt, _ := pe.MediaType()
		rank := 0
		switch {
		case mt == "text/plain":
			rank = 3
		case mt == "text/html":
			rank = 2
		case strings.HasPrefix(mt, "multipart/"):
			rank = 1
		}
		if rank > bestRank {
			best, bestRank = i, rank
		}
	}
	if best >= 0 {
		w.entity(ParseEntity(parts[best]), depth+1)
	}
	// The HTML rendering too, when the text came from another one: the
	// window may show it formatted, with its inline images.
	if w.html != "" || w.rendering {
		return
	}
	for i, p := range parts {
		if i == best {
			continue
		}
		pe := ParseEntity(p)
		if mt, _ := pe.MediaType(); mt == "text/html" || mt == "multipart/related" {
			w.rendering = true
			w.entity(pe, depth+1)
			w.rendering = false
			return
		}
	}
}

// readText decodes a text part to UTF-8, and for text/html returns the
// HTML as well; ok is false when the part cannot be decoded (unknown
// charset, broken transfer encoding), so it is offered as an attachment
// instead of shown garbled.
func readText(e *Entity, mt, cs string) (text, html string, ok bool) {
	body, err := e.DecodedBody(maxDecoded)
	if err != nil {
		return "", "", false
	}
	switch strings.ToLower(strings.TrimSpace(cs)) {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
	default:
		// An unknown charset shows the bytes as they stand (most are
		// ASCII supersets); a known one that does not decode is offered
		// as an attachment.
		if r, err := charset.Reader(cs, bytes.NewReader(body)); err == nil {
			if body, err = io.ReadAll(io.LimitReader(r, maxDecoded)); err != nil {
				return "", "", false
			}
		}
	}
	text = string(body)
	if mt == "text/html" {
		html = strings.ToValidUTF8(text, "\uFFFD")
		text = HTMLText(text)
	}
	return normalizeText(text), html, true
}

func (w *walker) attach(e *Entity, mt string, params map[string]string) {
	cid := strings.TrimSpace(e.Get("Content-ID"))
	cid = strings.TrimSuffix(strings.TrimPrefix(cid, "<"), ">")
	d, _ := e.Disposition()
	inline := cid != "" && d != "attachment"
	if w.rendering && !inline {
		return // the HTML rendering's own files are the text's too
	}
	data, err := e.DecodedBody(maxDecoded)
	if err != nil {
		data = e.Body // offered as it stands: the user may still want it
	}
	_, dp := e.Disposition()
	name := dp["filename"]
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
	w.attachments = append(w.attachments, Attachment{Name: name, ContentType: mt, Data: data, ContentID: cid, Inline: inline})
}

// normalizeText makes line ends "\n" and the text valid UTF-8.
func normalizeText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.ToValidUTF8(s, "\uFFFD")
}
