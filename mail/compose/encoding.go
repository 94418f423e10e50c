package compose

import (
	"encoding/base64"
	"slices"
)

// base64Len is the size of appendBase64Lines' output for n input bytes.
func base64Len(n int) int {
	lines := (n + 56) / 57
	return base64.StdEncoding.EncodedLen(n) + 2*lines
}

// appendBase64Lines appends src in base64, in lines of 76 characters ending
// in CRLF (RFC 2045 §6.8), the last line included.
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

// appendQuotedPrintable appends text in quoted-printable (RFC 2045 §6.7)
// with CRLF hard line breaks for every line end of text (CRLF, LF or CR),
// soft line breaks keeping lines within 76 characters, trailing white space
// encoded, and "From " at the start of a line written "=46rom " so that
// mbox-style transports do not alter it. The output always ends in CRLF.
func appendQuotedPrintable(dst []byte, text string) []byte {
	lineStart := true
	col := 0
	put := func(enc []byte) {
		if col+len(enc) > 75 {
			dst = append(dst, '=', '\r', '\n')
			col = 0
		}
		dst = append(dst, enc...)
		col += len(enc)
	}
	var esc [3]byte
	escape := func(c byte) []byte {
		esc = [3]byte{'=', hexDigits[c>>4], hexDigits[c&15]}
		return esc[:]
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '\r' || c == '\n':
			if c == '\r' && i+1 < len(text) && text[i+1] == '\n' {
				i++
			}
			dst = append(dst, '\r', '\n')
			col = 0
			lineStart = true
			continue
		case lineStart && c == 'F' && len(text)-i >= 5 && text[i:i+5] == "From ":
			put(escape(c))
		case c == ' ' || c == '\t':
			if i+1 == len(text) || text[i+1] == '\r' || text[i+1] == '\n' {
				put(escape(c))
			} else {
				put([]byte{c})
			}
		case c == '=' || c < ' ' || c > '~':
			put(escape(c))
		default:
			put([]byte{c})
		}
		lineStart = false
	}
	if !lineStart {
		// A soft line break ends the body with CRLF without adding to the
		// text, so that no transport has to append one.
		dst = append(dst, '=', '\r', '\n')
	}
	return dst
}
