// The two content transfer encodings of RFC 2045, written in the form that
// survives every mail transport unchanged: 7-bit, CRLF line ends, lines
// within 76 characters. Build encodes the bodies of the messages it makes
// with them, and the S/MIME engine the parts it makes transport-safe
// before signing and the CMS structures it writes, so both produce the
// same bytes for the same body.

package message

import (
	"bytes"
	"encoding/base64"
	"slices"
)

// Base64Len is the size of AppendBase64Lines' output for n input bytes.
func Base64Len(n int) int {
	return base64.StdEncoding.EncodedLen(n) + 2*((n+56)/57)
}

// AppendBase64Lines appends src in base64, in lines of 76 characters ending
// in CRLF (RFC 2045 §6.8), the last line included. It grows dst once, by
// Base64Len(len(src)).
func AppendBase64Lines(dst, src []byte) []byte {
	off := len(dst)
	need := Base64Len(len(src))
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

// AppendQuotedPrintable appends text in quoted-printable (RFC 2045 §6.7):
// its line ends (CRLF, LF or CR) become CRLF hard breaks, soft breaks keep
// lines within 76 characters, trailing white space is encoded, and "From "
// at the start of a line is written "=46rom " so that mbox-style transports
// leave it alone. The output always ends in CRLF: after text that does not
// end a line, a soft break, which adds nothing to the text.
func AppendQuotedPrintable(dst, text []byte) []byte {
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
