package cms

import (
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// MaxCertificates bounds the certificates Certificates returns. A chain is
// a handful, a CA bundle a few hundred; the bound keeps a crafted bundle
// from making the caller parse millions of them.
const MaxCertificates = 1000

// Certificates returns the DER of the certificates a SignedData carries:
// the certificates-only ("degenerate") SignedData of .p7b and .p7c bundles
// and of `openssl crl2pkcs7 -nocrl`, or the certificates of a signature
// (.p7s). der is a ContentInfo in DER or BER, converted as ParseSignedData
// converts it, with the same bounds on nesting and lengths.
//
// Only the structure of the SignedData is checked; the encapsulated
// content, CRLs and signer infos are skipped, since a bundle is read for
// its certificates alone. The certificates are not parsed, so that the
// caller can say which of them it cannot read and why; choices other than
// a plain certificate (attribute certificates, other formats) are left
// out. The slices may refer to der.
//
// Errors wrap ErrMalformed (wrapping ber.ErrTooDeep for absurd nesting),
// or ErrUnsupported for another content type.
func Certificates(der []byte) (_ [][]byte, err error) {
	defer recoverMalformed(&err)
	oid, content, err := parseContentInfo(der)
	if err != nil {
		return nil, err
	}
	if !oid.Equal(OIDSignedData) {
		return nil, fmt.Errorf("%w: content type %s is not signed-data", ErrUnsupported, oid)
	}
	var sd, certs cryptobyte.String
	var version int
	var hasCerts bool
	if !content.ReadASN1(&sd, cbasn1.SEQUENCE) || !content.Empty() ||
		!sd.ReadASN1Integer(&version) ||
		!sd.SkipASN1(cbasn1.SET) ||
		!sd.SkipASN1(cbasn1.SEQUENCE) {
		return nil, fmt.Errorf("%w: bad SignedData", ErrMalformed)
	}
	if !sd.ReadOptionalASN1(&certs, &hasCerts, cbasn1.Tag(0).ContextSpecific().Constructed()) {
		return nil, fmt.Errorf("%w: bad certificate set", ErrMalformed)
	}
	if !sd.SkipOptionalASN1(cbasn1.Tag(1).ContextSpecific().Constructed()) ||
		!sd.SkipASN1(cbasn1.SET) || !sd.Empty() {
		return nil, fmt.Errorf("%w: bad SignedData after the certificates", ErrMalformed)
	}
	var out [][]byte
	for !certs.Empty() {
		var elem cryptobyte.String
		var tag cbasn1.Tag
		if !certs.ReadAnyASN1Element(&elem, &tag) {
			return nil, fmt.Errorf("%w: bad certificate set", ErrMalformed)
		}
		if tag != cbasn1.SEQUENCE {
			continue
		}
		if len(out) == MaxCertificates {
			return nil, fmt.Errorf("%w: more than %d certificates", ErrMalformed, MaxCertificates)
		}
		out = append(out, elem)
	}
	return out, nil
}
