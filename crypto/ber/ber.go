// Package ber converts BER, the loose encoding of ASN.1 that mail clients,
// NSS and Windows tools write (indefinite lengths, strings in segments,
// non-minimal lengths), into DER, the one encoding cryptobyte and
// encoding/asn1 read. Package cms runs it on every CMS structure of a
// message, package certs on PKCS#7 bundles and PKCS#12 files.
//
// Its input is hostile: a message from anyone, a file from anywhere. The
// converter therefore never recurses deeper than MaxDepth (a stack
// overflow kills the process, and recover cannot catch it), checks every
// length against the input before using it, and never allocates according
// to a declared length: it allocates at most one output buffer about the
// size of the input and one int per constructed element.
package ber

import (
	"errors"
	"fmt"
)

// MaxDepth bounds the nesting of ASN.1 elements. Real CMS and PKCS#12 (a
// certificate extension inside a certificate inside SignedData inside a
// PKCS#12 bag) stay below 20; the bound keeps absurdly nested input from
// exhausting the stack.
const MaxDepth = 48

// Errors of ToDER and ReadHeader, wrapped with the offset and the detail.
var (
	// ErrMalformed means the input is not a well-formed BER element:
	// truncated, a bad tag, a length beyond the input, trailing data.
	ErrMalformed = errors.New("malformed BER")
	// ErrTooDeep means the elements are nested deeper than MaxDepth. An
	// error wrapping it wraps ErrMalformed as well.
	ErrTooDeep = errors.New("ASN.1 nested too deeply")
	// ErrUnsupported means well-formed BER that the converter does not
	// turn into DER: a constructed BIT STRING, which no CMS or PKCS#12
	// writer uses.
	ErrUnsupported = errors.New("unsupported BER")
)

// ToDER converts a BER encoding (indefinite lengths, constructed strings,
// non-minimal lengths, as Outlook, Thunderbird and `openssl cms -stream`
// write them) into DER, so that callers parse DER with cryptobyte or
// encoding/asn1. Input that is DER already is returned as it is, without a
// copy. Trailing bytes after the first element are an error.
//
// Constructed universal strings (OCTET STRING and the character strings) are
// merged into one primitive string. Context-tagged elements keep their
// structure, because without the schema an [0] IMPLICIT OCTET STRING cannot
// be told from an [0] EXPLICIT one; callers that know the schema join the
// OCTET STRINGs inside such an element themselves.
//
// The contents of primitive elements are kept byte for byte: they may be
// what a MAC or a signature was computed over.
//
// This is the one BER converter of Siegel: the PKCS #7 library it used
// before had one that recursed without a depth bound (see package cms's
// doc), and package certs had a second one of its own.
func ToDER(in []byte) ([]byte, error) {
	if len(in) == 0 {
		return nil, fmt.Errorf("%w: empty input", ErrMalformed)
	}
	// Room for the constructed elements of a typical message in one
	// allocation instead of a series of growing ones.
	var lens [128]int
	n := berNormalizer{in: in, lens: lens[:0]}
	end, encLen, _, err := n.measure(0, len(in), 0, false)
	if err != nil {
		return nil, err
	}
	if end != len(in) {
		return nil, fmt.Errorf("%w: %d bytes of trailing data", ErrMalformed, len(in)-end)
	}
	if !n.changed {
		return in, nil
	}
	out := make([]byte, 0, encLen)
	out, _ = n.emit(out, 0, false)
	return out, nil
}

// Header is the identifier and length octets of one BER element.
type Header struct {
	Class        byte // 0 universal, 1 application, 2 context-specific, 3 private
	Tag          int  // tag number; the high-tag-number form gives >= 31
	Constructed  bool
	Indefinite   bool // the length is indefinite; Length is 0
	Minimal      bool // tag and length are in DER form
	ContentStart int  // offset of the contents octets
	Length       int  // contents length, checked against the input
}

// ReadHeader reads the header of the element at the start of in, for
// callers that look at the first elements of a structure without
// converting all of it. A definite length is checked against in.
func ReadHeader(in []byte) (Header, error) {
	n := berNormalizer{in: in}
	h, err := n.readHeader(0, len(in))
	if err != nil {
		return Header{}, err
	}
	return Header{Class: h.class, Tag: h.number, Constructed: h.constructed, Indefinite: h.indefinite,
		Minimal: h.minimal, ContentStart: h.contentStart, Length: h.length}, nil
}

type berNormalizer struct {
	in      []byte
	lens    []int // DER content length of each constructed element, in pre-order
	cursor  int   // next entry of lens during emit
	changed bool  // whether the input is not DER
}

type berHeader struct {
	tagStart, tagEnd int // tag octets
	class            byte
	number           int // tag number; high-tag-number form gives >= 31
	constructed      bool
	indefinite       bool
	minimal          bool // length in DER form
	contentStart     int
	length           int // content length; 0 when indefinite
}

// mergeable reports whether the element is a universal string type whose
// constructed (segmented) BER form becomes one primitive DER string.
func (h *berHeader) mergeable() bool {
	if h.class != 0 {
		return false
	}
	switch h.number {
	case 4, 12, 18, 19, 20, 21, 22, 25, 26, 27, 28, 29, 30:
		return true
	}
	return false
}

func (n *berNormalizer) readHeader(off, limit int) (berHeader, error) {
	in := n.in
	h := berHeader{tagStart: off, minimal: true}
	if off >= limit {
		return h, fmt.Errorf("%w: truncated element at offset %d", ErrMalformed, off)
	}
	b := in[off]
	off++
	h.class = b >> 6
	h.constructed = b&0x20 != 0
	h.number = int(b & 0x1f)
	if b == 0 {
		return h, fmt.Errorf("%w: unexpected end-of-contents at offset %d", ErrMalformed, h.tagStart)
	}
	if h.number == 0x1f {
		h.number = 0
		for i := 0; ; i++ {
			if off >= limit || i == 4 {
				return h, fmt.Errorf("%w: bad tag at offset %d", ErrMalformed, h.tagStart)
			}
			c := in[off]
			off++
			h.number = h.number<<7 | int(c&0x7f)
			if c&0x80 == 0 {
				break
			}
		}
		if h.number < 31 {
			h.minimal = false
		}
	}
	h.tagEnd = off
	if off >= limit {
		return h, fmt.Errorf("%w: truncated length at offset %d", ErrMalformed, h.tagStart)
	}
	l := in[off]
	off++
	switch {
	case l < 0x80:
		h.length = int(l)
	case l == 0x80:
		if !h.constructed {
			return h, fmt.Errorf("%w: indefinite length on a primitive element at offset %d", ErrMalformed, h.tagStart)
		}
		h.indefinite = true
	default:
		nb := int(l & 0x7f)
		if nb > 4 || off+nb > limit {
			return h, fmt.Errorf("%w: length beyond the input at offset %d", ErrMalformed, h.tagStart)
		}
		v := 0
		for _, c := range in[off : off+nb] {
			v = v<<8 | int(c)
		}
		off += nb
		if v < 0x80 || in[off-nb] == 0 {
			h.minimal = false
		}
		h.length = v
	}
	h.contentStart = off
	if !h.indefinite && h.length > limit-off {
		return h, fmt.Errorf("%w: length %d beyond the input at offset %d", ErrMalformed, h.length, h.tagStart)
	}
	return h, nil
}

// measure validates the element at off (which must end by limit) and
// computes its DER size. inString says that the element is a segment of a
// constructed string. It returns the end of the element in the input, the
// size of its DER encoding and the size of its DER content.
func (n *berNormalizer) measure(off, limit, depth int, inString bool) (next, encLen, contentLen int, err error) {
	if depth > MaxDepth {
		return 0, 0, 0, fmt.Errorf("%w: %w: more than %d levels", ErrMalformed, ErrTooDeep, MaxDepth)
	}
	h, err := n.readHeader(off, limit)
	if err != nil {
		return 0, 0, 0, err
	}
	if !h.minimal {
		n.changed = true
	}
	tagLen := h.tagEnd - h.tagStart
	if !h.constructed {
		end := h.contentStart + h.length
		return end, tagLen + LengthSize(h.length) + h.length, h.length, nil
	}
	if h.number == 3 && h.class == 0 {
		return 0, 0, 0, fmt.Errorf("%w: constructed BIT STRING", ErrUnsupported)
	}
	merge := inString || h.mergeable()
	if merge {
		n.changed = true
	}
	if h.indefinite {
		n.changed = true
	}
	idx := len(n.lens)
	n.lens = append(n.lens, 0)
	cur := h.contentStart
	end := h.contentStart + h.length
	if h.indefinite {
		end = limit
	}
	sum := 0
	for {
		if h.indefinite {
			if cur+2 <= limit && n.in[cur] == 0 && n.in[cur+1] == 0 {
				cur += 2
				break
			}
		} else if cur == end {
			break
		}
		if merge {
			if cur < limit && n.in[cur]&0xdf != byte(h.number) {
				return 0, 0, 0, fmt.Errorf("%w: bad segment in constructed string at offset %d", ErrMalformed, cur)
			}
		}
		c, e, cl, err := n.measure(cur, end, depth+1, merge)
		if err != nil {
			return 0, 0, 0, err
		}
		cur = c
		if merge {
			sum += cl
		} else {
			sum += e
		}
	}
	n.lens[idx] = sum
	return cur, tagLen + LengthSize(sum) + sum, sum, nil
}

// emit writes the DER form of the element at off, which measure has
// validated. Inside a constructed string only the content is written.
func (n *berNormalizer) emit(out []byte, off int, inString bool) ([]byte, int) {
	h, _ := n.readHeader(off, len(n.in))
	if !h.constructed {
		if !inString {
			out = append(out, n.in[h.tagStart:h.tagEnd]...)
			out = AppendLength(out, h.length)
		}
		end := h.contentStart + h.length
		return append(out, n.in[h.contentStart:end]...), end
	}
	l := n.lens[n.cursor]
	n.cursor++
	merge := inString || h.mergeable()
	if !inString {
		tag := n.in[h.tagStart:h.tagEnd]
		if merge {
			out = append(out, tag[0]&^0x20)
			out = append(out, tag[1:]...)
		} else {
			out = append(out, tag...)
		}
		out = AppendLength(out, l)
	}
	cur := h.contentStart
	for {
		if h.indefinite {
			if n.in[cur] == 0 && n.in[cur+1] == 0 {
				return out, cur + 2
			}
		} else if cur == h.contentStart+h.length {
			return out, cur
		}
		out, cur = n.emit(out, cur, merge)
	}
}

// LengthSize is the size of the DER length field for a length of l.
func LengthSize(l int) int {
	switch {
	case l < 0x80:
		return 1
	case l < 0x100:
		return 2
	case l < 0x10000:
		return 3
	case l < 0x1000000:
		return 4
	}
	return 5
}

// AppendLength appends the DER length field for a length of l.
func AppendLength(out []byte, l int) []byte {
	switch size := LengthSize(l); size {
	case 1:
		return append(out, byte(l))
	default:
		out = append(out, 0x80|byte(size-1))
		for i := size - 2; i >= 0; i-- {
			out = append(out, byte(l>>(8*i)))
		}
		return out
	}
}
