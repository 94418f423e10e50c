package certs

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"siegel/crypto/ber"
)

// derKind is what the first bytes of a DER structure say it is.
type derKind int

const (
	derUnknown  derKind = iota
	derP12              // PFX: SEQUENCE { INTEGER 3, ... }
	derCert             // Certificate: SEQUENCE { SEQUENCE { [0] version or INTEGER serial, ... } }
	derPKCS7            // ContentInfo: SEQUENCE { OID signedData, ... }
	derPKCS8            // PrivateKeyInfo: SEQUENCE { INTEGER 0 or 1, SEQUENCE algorithm, ... }
	derEncPKCS8         // EncryptedPrivateKeyInfo: SEQUENCE { SEQUENCE { OID, ... }, OCTET STRING }
	derPKCS1            // RSAPrivateKey: SEQUENCE { INTEGER 0, INTEGER modulus, ... }
	derSEC1             // ECPrivateKey: SEQUENCE { INTEGER 1, OCTET STRING, ... }
)

// oidSignedDataDER is the DER of the OID 1.2.840.113549.1.7.2 with its tag.
var oidSignedDataDER = []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02}

// sniffDER looks only at the first bytes, so that a truncated file is still
// recognised (and then reported as damaged rather than as unknown).
func sniffDER(b []byte) derKind {
	c, ok := seqContent(b)
	if !ok || len(c) == 0 {
		return derUnknown
	}
	switch {
	case bytes.HasPrefix(c, []byte{0x02, 0x01, 0x03}):
		return derP12
	case bytes.HasPrefix(c, []byte{0x02, 0x01, 0x00, 0x30}), bytes.HasPrefix(c, []byte{0x02, 0x01, 0x01, 0x30}):
		return derPKCS8
	case bytes.HasPrefix(c, []byte{0x02, 0x01, 0x00, 0x02}):
		return derPKCS1
	case bytes.HasPrefix(c, []byte{0x02, 0x01, 0x01, 0x04}):
		return derSEC1
	case bytes.HasPrefix(c, oidSignedDataDER):
		return derPKCS7
	case c[0] == 0x30:
		inner, ok := seqContent(c)
		if !ok || len(inner) == 0 {
			return derUnknown
		}
		switch inner[0] {
		case 0xa0, 0x02:
			return derCert
		case 0x06:
			return derEncPKCS8
		}
	}
	return derUnknown
}

// seqContent returns the content of the SEQUENCE at the start of b, cut
// short when b is. It accepts BER's indefinite length.
func seqContent(b []byte) ([]byte, bool) {
	if len(b) < 2 || b[0] != 0x30 {
		return nil, false
	}
	l := int(b[1])
	switch {
	case l < 0x80:
		return b[2:min(2+l, len(b))], true
	case l == 0x80:
		return b[2:], true
	}
	n := l & 0x7f
	if n > 4 || len(b) < 2+n {
		return nil, false
	}
	size := 0
	for _, x := range b[2 : 2+n] {
		size = size<<8 | int(x)
	}
	if size < 0 {
		return nil, false
	}
	start := 2 + n
	return b[start:min(start+size, len(b))], true
}

// fingerprintOf is the SHA-256 of der in lower-case hex, the form of every
// fingerprint in Siegel.
func fingerprintOf(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// toDER normalises b when it is BER (package ber: bounded nesting, every
// length checked), and reports damage as ErrMalformed.
func toDER(b []byte, what string) ([]byte, error) {
	der, err := ber.ToDER(b)
	if err != nil {
		return nil, derError(what, err)
	}
	return der, nil
}

// derError words a failure of package ber or cms to read what as
// ErrMalformed, and absurd nesting as ErrTooDeep as well, so that a user
// learns why a file that looks like a bundle is refused.
func derError(what string, err error) error {
	if errors.Is(err, ber.ErrTooDeep) {
		return fmt.Errorf("%w: %s: %w (more than %d levels)", ErrMalformed, what, ErrTooDeep, ber.MaxDepth)
	}
	return fmt.Errorf("%w: %s: %v", ErrMalformed, what, err)
}
