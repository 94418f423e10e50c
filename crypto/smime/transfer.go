package smime

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"slices"
	"strings"
)

// maxLine is the longest line SMTP must carry (RFC 5322 §2.1.1).
const maxLine = 998

// transportSafe reports whether b passes any mail transport unchanged: 7-bit,
// no NUL or other control character but tab, no CR that does not end a
// line, no line longer than 998 characters. (Bare LFs are allowed: the
// caller canonicalises them.)
func transportSafe(b []byte) bool {
	safe, _ := scanTransport(b)
	return safe
}

// scanTransport is transportSafe, and whether b has bare LFs. It finds line
// ends with IndexByte and checks the lines eight bytes at a time.
func scanTransport(b []byte) (safe, bareLF bool) {
	for len(b) > 0 {
		line, next := b, []byte(nil)
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, next = b[:i], b[i+1:]
			if i > 0 && b[i-1] == '\r' {
				line = b[:i-1]
			} else {
				bareLF = true
			}
		}
		if len(line) > maxLine || !cleanLine(line) {
			return false, bareLF
		}
		b = next
	}
	return true, bareLF
}

// cleanLine reports whether a line (without its line end) is printable
// 7-bit text: no byte of 0x80 or more, no control character but tab.
func cleanLine(l []byte) bool {
	i := 0
	for ; i+8 <= len(l); i += 8 {
		w := binary.LittleEndian.Uint64(l[i:])
		// A byte >= 0x80, or (for bytes below 0x80) one below 0x20: look
		// closer at this word.
		if w&0x8080808080808080 != 0 || (w-0x2020202020202020)&^w&0x8080808080808080 != 0 {
			for _, c := range l[i : i+8] {
				if c >= 0x80 || c < ' ' && c != '\t' {
					return false
				}
			}
		}
	}
	for _, c := range l[i:] {
		if c >= 0x80 || c < ' ' && c != '\t' {
			return false
		}
	}
	return true
}

// appendSafeEntity appends an entity (header fields, blank line, body) in
// canonical CRLF form that survives transport byte for byte, so that a
// signature over it verifies on arrival: a body that is not transport-safe
// is re-encoded, quoted-printable for text and base64 otherwise, and the
// parts of a multipart are treated one by one.
func appendSafeEntity(dst []byte, fields []field, body []byte, depth int) []byte {
	e := entity{fields: fields}
	mt, params := e.mediaType()
	safe, bareLF := scanTransport(body)
	switch {
	case safe && bareLF:
		dst = appendFields(dst, fields)
		return appendCanonical(append(dst, '\r', '\n'), body)
	case safe:
		dst = appendFields(dst, fields)
		return append(append(dst, '\r', '\n'), body...)
	case depth > maxTextDepth:
		// Too deep to repair part by part: protect it whole.
		return appendReencoded(dst, fields, body, false)
	}
	switch cte := e.encoding(); {
	case strings.HasPrefix(mt, "multipart/") && params["boundary"] != "":
		parts, err := splitMultipart(body, params["boundary"])
		if err != nil {
			return appendReencoded(dst, fields, body, false)
		}
		dst = appendFields(dst, fields)
		dst = append(dst, '\r', '\n')
		for _, p := range parts {
			dst = append(dst, "--"+params["boundary"]+"\r\n"...)
			pe := parseEntity(p)
			dst = appendSafeEntity(dst, pe.fields, pe.body, depth+1)
			dst = append(dst, '\r', '\n')
		}
		return append(dst, "--"+params["boundary"]+"--\r\n"...)
	case mt == "message/rfc822" && cte != "base64" && cte != "quoted-printable":
		// RFC 2046 §5.2.1: no encoding for message/rfc822; make the
		// embedded message itself safe.
		inner := parseEntity(body)
		dst = appendFields(dst, withoutEncoding(fields))
		dst = append(dst, '\r', '\n')
		return appendSafeEntity(dst, inner.fields, inner.body, depth+1)
	case cte == "base64" || cte == "quoted-printable":
		// Encoded but with long lines or stray bytes: decode and encode
		// again properly.
		decoded, err := e.withBody(body).decodedBody(len(body))
		if err != nil {
			return appendReencoded(dst, fields, body, false)
		}
		return appendReencoded(dst, fields, decoded, strings.HasPrefix(mt, "text/"))
	default:
		return appendReencoded(dst, fields, body, strings.HasPrefix(mt, "text/"))
	}
}

// withBody returns a copy of e with another body.
func (e entity) withBody(b []byte) *entity {
	e.body = b
	return &e
}

// appendReencoded writes the fields with a new Content-Transfer-Encoding
// and the body encoded with it: quoted-printable for text (its line breaks
// are line breaks), base64 otherwise.
func appendReencoded(dst []byte, fields []field, body []byte, text bool) []byte {
	dst = appendFields(dst, withoutEncoding(fields))
	if text {
		dst = append(dst, "Content-Transfer-Encoding: quoted-printable\r\n\r\n"...)
		return appendQuotedPrintable(dst, body)
	}
	dst = append(dst, "Content-Transfer-Encoding: base64\r\n\r\n"...)
	return appendBase64Lines(dst, body)
}

func withoutEncoding(fields []field) []field {
	out := make([]field, 0, len(fields))
	for _, f := range fields {
		if !f.is("Content-Transfer-Encoding") {
			out = append(out, f)
		}
	}
	return out
}

// appendFields appends the raw header fields in canonical form.
func appendFields(dst []byte, fields []field) []byte {
	for _, f := range fields {
		dst = appendCanonical(dst, f.raw)
		if !bytes.HasSuffix(f.raw, []byte("\n")) {
			dst = append(dst, '\r', '\n')
		}
	}
	return dst
}

// base64Len is the size of appendBase64Lines' output for n input bytes.
func base64Len(n int) int {
	return base64.StdEncoding.EncodedLen(n) + 2*((n+56)/57)
}

// appendBase64Lines appends src in base64 in lines of 76 characters, each
// ending in CRLF (RFC 2045 §6.8).
func appendBase64Lines(dst, src []byte) []byte {
	off := len(dst)
	need := base64Len(len(src))
	dst = slices.Grow(dst, need)[:off+need]
	for len(src) > 0 {
		n := min(len(src), 57)
		base64.StdEncoding.Encode(dst[off:], src[:n])
		off += base64.StdEncoding.EncodedLen(n)
		dst[off], dst[off+1] = '\r', '\n'
		off += 2
		src = src[n:]
	}
	return dst
}

const hexDigits = "0123456789ABCDEF"

// appendQuotedPrintable appends text in quoted-printable (RFC 2045 §6.7):
// its line ends (CRLF, LF or CR) become CRLF hard breaks, soft breaks keep
// lines within 76 characters, trailing white space is encoded, and "From "
// at the start of a line is written "=46rom " so that mbox-style transports
// leave it alone. The output ends in CRLF.
func appendQuotedPrintable(dst, text []byte) []byte {
	col := 0
	lineStart := true
	put := func(enc ...byte) {
		if col+len(enc) > 75 {
			dst = append(dst, '=', '\r', '\n')
			col = 0
		}
		dst = append(dst, enc...)
		col += len(enc)
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '\r' || c == '\n':
			if c == '\r' && i+1 < len(text) && text[i+1] == '\n' {
				i++
			}
			dst = append(dst, '\r', '\n')
			col, lineStart = 0, true
			continue
		case lineStart && c == 'F' && bytes.HasPrefix(text[i:], []byte("From ")):
			put('=', hexDigits[c>>4], hexDigits[c&15])
		case c == ' ' || c == '\t':
			if i+1 == len(text) || text[i+1] == '\r' || text[i+1] == '\n' {
				put('=', hexDigits[c>>4], hexDigits[c&15])
			} else {
				put(c)
			}
		case c == '=' || c < ' ' || c > '~':
			put('=', hexDigits[c>>4], hexDigits[c&15])
		default:
			put(c)
		}
		lineStart = false
	}
	if !lineStart {
		dst = append(dst, '=', '\r', '\n')
	}
	return dst
}
