package message

import (
	"bytes"
	"encoding/binary"
	"strings"
)

// maxLine is the longest line SMTP must carry (RFC 5322 §2.1.1).
const maxLine = 998

// TransportSafe reports whether b passes any mail transport unchanged: 7-bit,
// no NUL or other control character but tab, no CR that does not end a
// line, no line longer than 998 characters. (Bare LFs are allowed: the
// caller canonicalises them.)
func TransportSafe(b []byte) bool {
	safe, _ := scanTransport(b)
	return safe
}

// scanTransport is TransportSafe, and whether b has bare LFs. It finds line
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

// AppendSafeEntity appends an entity (header fields, blank line, body) in
// canonical CRLF form that survives transport byte for byte, so that a
// signature over it verifies on arrival: a body that is not transport-safe
// is re-encoded, quoted-printable for text and base64 otherwise, and the
// parts of a multipart are treated one by one.
func AppendSafeEntity(dst []byte, fields []Field, body []byte, depth int) []byte {
	e := Entity{Fields: fields}
	mt, params := e.MediaType()
	safe, bareLF := scanTransport(body)
	switch {
	case safe && bareLF:
		dst = AppendFields(dst, fields)
		return AppendCanonical(append(dst, '\r', '\n'), body)
	case safe:
		dst = AppendFields(dst, fields)
		return append(append(dst, '\r', '\n'), body...)
	case depth > maxDepth:
		// Too deep to repair part by part: protect it whole.
		return appendReencoded(dst, fields, body, false)
	}
	switch cte := e.Encoding(); {
	case strings.HasPrefix(mt, "multipart/") && params["boundary"] != "":
		parts, err := SplitMultipart(body, params["boundary"])
		if err != nil {
			return appendReencoded(dst, fields, body, false)
		}
		dst = AppendFields(dst, fields)
		dst = append(dst, '\r', '\n')
		for _, p := range parts {
			dst = append(dst, "--"+params["boundary"]+"\r\n"...)
			pe := ParseEntity(p)
			dst = AppendSafeEntity(dst, pe.Fields, pe.Body, depth+1)
			dst = append(dst, '\r', '\n')
		}
		return append(dst, "--"+params["boundary"]+"--\r\n"...)
	case mt == "message/rfc822" && cte != "base64" && cte != "quoted-printable":
		// RFC 2046 §5.2.1: no encoding for message/rfc822; make the
		// embedded message itself safe.
		inner := ParseEntity(body)
		dst = AppendFields(dst, withoutEncoding(fields))
		dst = append(dst, '\r', '\n')
		return AppendSafeEntity(dst, inner.Fields, inner.Body, depth+1)
	case cte == "base64" || cte == "quoted-printable":
		// Encoded but with long lines or stray bytes: decode and encode
		// again properly.
		decoded, err := e.withBody(body).DecodedBody(len(body))
		if err != nil {
			return appendReencoded(dst, fields, body, false)
		}
		return appendReencoded(dst, fields, decoded, strings.HasPrefix(mt, "text/"))
	default:
		return appendReencoded(dst, fields, body, strings.HasPrefix(mt, "text/"))
	}
}

// withBody returns a copy of e with another body.
func (e Entity) withBody(b []byte) *Entity {
	e.Body = b
	return &e
}

// appendReencoded writes the fields with a new Content-Transfer-Encoding
// and the body encoded with it: quoted-printable for text (its line breaks
// are line breaks), base64 otherwise.
func appendReencoded(dst []byte, fields []Field, body []byte, text bool) []byte {
	dst = AppendFields(dst, withoutEncoding(fields))
	if text {
		dst = append(dst, "Content-Transfer-Encoding: quoted-printable\r\n\r\n"...)
		return AppendQuotedPrintable(dst, body)
	}
	dst = append(dst, "Content-Transfer-Encoding: base64\r\n\r\n"...)
	return AppendBase64Lines(dst, body)
}

func withoutEncoding(fields []Field) []Field {
	out := make([]Field, 0, len(fields))
	for _, f := range fields {
		if !f.Is("Content-Transfer-Encoding") {
			out = append(out, f)
		}
	}
	return out
}

// AppendFields appends the raw header fields in canonical form.
func AppendFields(dst []byte, fields []Field) []byte {
	for _, f := range fields {
		dst = AppendCanonical(dst, f.raw)
		if !bytes.HasSuffix(f.raw, []byte("\n")) {
			dst = append(dst, '\r', '\n')
		}
	}
	return dst
}
