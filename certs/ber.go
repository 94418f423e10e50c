package certs

import (
	"errors"
	"fmt"
)

// berToDER re-encodes BER, as NSS (Thunderbird, Firefox) and some Windows
// tools write PKCS#12 files, into the DER encoding/asn1 reads:
//
//   - indefinite lengths become definite ones;
//   - constructed OCTET STRINGs and character strings become primitive, their
//     chunks concatenated;
//   - the implicitly tagged encrypted content of an EncryptedContentInfo
//     (SEQUENCE { OID, AlgorithmIdentifier, [0] IMPLICIT OCTET STRING }),
//     when sent in chunks, becomes one primitive [0].
//
// The contents of OCTET STRINGs are kept byte for byte (they may be what a
// MAC was computed over); callers normalise nested structures when they
// read them.
func berToDER(b []byte) ([]byte, error) {
	n, rest, err := parseBER(b, 0)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, errors.New("ber: trailing data")
	}
	return n.appendDER(nil), nil
}

// maxBERDepth bounds nesting, so hostile input cannot exhaust the stack.
const maxBERDepth = 64

type berNode struct {
	class       byte // 0 universal, 1 application, 2 context-specific, 3 private
	constructed bool
	tag         int
	content     []byte // primitive
	children    []berNode
}

func parseBER(b []byte, depth int) (berNode, []byte, error) {
	var n berNode
	if depth > maxBERDepth {
		return n, nil, errors.New("ber: nested too deeply")
	}
	if len(b) < 2 {
		return n, nil, errors.New("ber: truncated")
	}
	n.class = b[0] >> 6
	n.constructed = b[0]&0x20 != 0
	n.tag = int(b[0] & 0x1f)
	i := 1
	if n.tag == 0x1f {
		n.tag = 0
		for {
			if i >= len(b) || i > 4 {
				return n, nil, errors.New("ber: bad tag")
			}
			c := b[i]
			i++
			n.tag = n.tag<<7 | int(c&0x7f)
			if c&0x80 == 0 {
				break
			}
		}
	}
	if i >= len(b) {
		return n, nil, errors.New("ber: truncated")
	}
	l := int(b[i])
	i++
	if l == 0x80 {
		if !n.constructed {
			return n, nil, errors.New("ber: indefinite length on a primitive")
		}
		rest := b[i:]
		for {
			if len(rest) >= 2 && rest[0] == 0 && rest[1] == 0 {
				return n, rest[2:], nil
			}
			child, r, err := parseBER(rest, depth+1)
			if err != nil {
				return n, nil, err
			}
			n.children = append(n.children, child)
			rest = r
		}
	}
	if l > 0x80 {
		k := l & 0x7f
		if k > 4 || i+k > len(b) {
			return n, nil, errors.New("ber: bad length")
		}
		l = 0
		for _, c := range b[i : i+k] {
			l = l<<8 | int(c)
		}
		i += k
	}
	if l < 0 || l > len(b)-i {
		return n, nil, errors.New("ber: truncated")
	}
	body, rest := b[i:i+l], b[i+l:]
	if !n.constructed {
		n.content = body
		return n, rest, nil
	}
	for len(body) > 0 {
		child, r, err := parseBER(body, depth+1)
		if err != nil {
			return n, nil, err
		}
		n.children = append(n.children, child)
		body = r
	}
	return n, rest, nil
}

// stringTags are the universal types whose BER may be constructed.
var stringTags = map[int]bool{4: true, 12: true, 19: true, 20: true, 22: true, 26: true, 28: true, 30: true}

func (n *berNode) appendDER(out []byte) []byte {
	if n.constructed && n.class == 0 && stringTags[n.tag] {
		return appendTLV(out, n.class, false, n.tag, n.flatten(nil))
	}
	if !n.constructed {
		return appendTLV(out, n.class, false, n.tag, n.content)
	}
	var body []byte
	for i := range n.children {
		c := &n.children[i]
		if n.class == 0 && n.tag == 16 && i == 2 && isEncryptedContent(n.children, c) {
			body = appendTLV(body, c.class, false, c.tag, c.flatten(nil))
			continue
		}
		body = c.appendDER(body)
	}
	return appendTLV(out, n.class, true, n.tag, body)
}

// isEncryptedContent recognises the chunked [0] IMPLICIT OCTET STRING of
// an EncryptedContentInfo: the third element after an OID and a SEQUENCE,
// constructed, made of OCTET STRINGs only.
func isEncryptedContent(siblings []berNode, c *berNode) bool {
	if c.class != 2 || c.tag != 0 || !c.constructed || len(c.children) == 0 ||
		siblings[0].class != 0 || siblings[0].tag != 6 || siblings[1].class != 0 || siblings[1].tag != 16 {
		return false
	}
	for _, ch := range c.children {
		if ch.class != 0 || ch.tag != 4 {
			return false
		}
	}
	return true
}

// flatten concatenates the contents of a (possibly chunked) string.
func (n *berNode) flatten(out []byte) []byte {
	if !n.constructed {
		return append(out, n.content...)
	}
	for i := range n.children {
		out = n.children[i].flatten(out)
	}
	return out
}

func appendTLV(out []byte, class byte, constructed bool, tag int, body []byte) []byte {
	id := class << 6
	if constructed {
		id |= 0x20
	}
	if tag < 0x1f {
		out = append(out, id|byte(tag))
	} else {
		out = append(out, id|0x1f)
		var t []byte
		for v := tag; ; v >>= 7 {
			t = append([]byte{byte(v & 0x7f)}, t...)
			if v < 0x80 {
				break
			}
		}
		for i := 0; i < len(t)-1; i++ {
			t[i] |= 0x80
		}
		out = append(out, t...)
	}
	switch l := len(body); {
	case l < 0x80:
		out = append(out, byte(l))
	default:
		var lb []byte
		for v := l; v > 0; v >>= 8 {
			lb = append([]byte{byte(v)}, lb...)
		}
		out = append(out, 0x80|byte(len(lb)))
		out = append(out, lb...)
	}
	return append(out, body...)
}

// mustDER normalises b when it is BER, and reports damage as ErrMalformed.
func mustDER(b []byte, what string) ([]byte, error) {
	der, err := berToDER(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, what, err)
	}
	return der, nil
}
