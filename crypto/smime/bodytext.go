package smime

import (
	"bytes"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
	"golang.org/x/net/html"
)

// maxBodyText bounds the text BodyText collects.
const maxBodyText = 1 << 20

// maxTextDepth bounds the MIME nesting BodyText follows.
const maxTextDepth = 16

// BodyText returns the readable text of a MIME entity, such as
// Result.Content: the inline text/plain parts decoded to UTF-8 (for
// multipart/alternative the plain alternative, else the HTML one as text),
// following multipart containers, the first part of multipart/signed and
// attached messages. It never renders S/MIME parts (pkcs7-mime,
// pkcs7-signature) or attachments: an encrypted part inside a container is
// not decrypted into the text (EFAIL). Line ends become "\n"; HTML is
// shown as text and nothing remote is fetched.
func BodyText(content []byte) string {
	var w textWriter
	w.entity(parseEntity(content), 0)
	return strings.TrimRight(w.b.String(), "\n")
}

type textWriter struct{ b strings.Builder }

func (w *textWriter) full() bool { return w.b.Len() >= maxBodyText }

func (w *textWriter) entity(e entity, depth int) {
	if depth > maxTextDepth || w.full() {
		return
	}
	mt, p := e.mediaType()
	if d, _ := e.disposition(); d == "attachment" && mt != "message/rfc822" {
		return
	}
	switch {
	case mt == "multipart/alternative":
		parts, _ := splitMultipart(e.body, p["boundary"])
		best := -1
		for i, part := range parts {
			pe := parseEntity(part)
			pmt, _ := pe.mediaType()
			if pmt == "text/plain" {
				best = i
				break
			}
			if best < 0 && (pmt == "text/html" || strings.HasPrefix(pmt, "multipart/")) {
				best = i
			}
		}
		if best >= 0 {
			w.entity(parseEntity(parts[best]), depth+1)
		}
	case mt == "multipart/signed":
		if parts, _ := splitMultipart(e.body, p["boundary"]); len(parts) > 0 {
			w.entity(parseEntity(parts[0]), depth+1)
		}
	case strings.HasPrefix(mt, "multipart/"):
		parts, _ := splitMultipart(e.body, p["boundary"])
		for _, part := range parts {
			w.entity(parseEntity(part), depth+1)
		}
	case mt == "message/rfc822":
		if body, err := e.decodedBody(maxBodyText * 4); err == nil {
			w.entity(parseEntity(body), depth+1)
		}
	case mt == "text/plain":
		w.text(decodeText(&e, p["charset"]))
	case mt == "text/html":
		w.text(htmlText(decodeText(&e, p["charset"])))
	}
}

func (w *textWriter) text(s string) {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if w.b.Len() > 0 && s != "" {
		w.b.WriteString("\n")
	}
	if room := maxBodyText - w.b.Len(); len(s) > room {
		s = s[:room]
	}
	w.b.WriteString(s)
}

// decodeText undoes the transfer encoding and converts the charset to
// UTF-8; bytes that do not decode become U+FFFD.
func decodeText(e *entity, cs string) string {
	if len(e.body) > maxBodyText*4 {
		// Only the beginning can be shown: decode up to a line end.
		cut := e.body[:maxBodyText*4]
		if i := bytes.LastIndexByte(cut, '\n'); i > 0 {
			cut = cut[:i+1]
		}
		e = e.withBody(cut)
	}
	body, err := e.decodedBody(maxBodyText * 4)
	if err != nil {
		body = e.body
	}
	switch strings.ToLower(cs) {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
	default:
		if r, err := charset.Reader(cs, bytes.NewReader(body)); err == nil {
			if dec, err := io.ReadAll(io.LimitReader(r, maxBodyText*4)); err == nil {
				body = dec
			}
		}
	}
	if !utf8.Valid(body) {
		return strings.ToValidUTF8(string(body), "\uFFFD")
	}
	return string(body)
}

// htmlText renders HTML as plain text: the text nodes, with line breaks
// for block elements, without scripts and styles.
func htmlText(s string) string {
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0
	for {
		switch tt := z.Next(); tt {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style", "head", "title":
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
			case "br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table":
				b.WriteString("\n")
			}
		}
	}
}
