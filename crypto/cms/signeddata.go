package cms

import (
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"siegel/crypto/ber"
)

// maxSigners bounds the SignerInfos of one SignedData, so that a crafted
// message cannot make the caller verify thousands of signatures.
const maxSigners = 64

// SignedData is a parsed RFC 5652 SignedData.
type SignedData struct {
	ContentType  asn1.ObjectIdentifier // eContentType
	Content      []byte                // encapsulated content; nil when detached
	Certificates []*x509.Certificate   // carried in the structure (may be empty)
	Signers      []SignerInfo
}

// SignerInfo is one signer of a SignedData.
type SignerInfo struct {
	ID                 CertID
	DigestAlgorithm    string    // "SHA-1", "SHA-224", "SHA-256", "SHA-384", "SHA-512", "MD5"; the OID when unknown
	SignatureAlgorithm string    // "RSA PKCS#1 v1.5", "RSASSA-PSS (SHA-256)", "ECDSA", "Ed25519"; the OID when unknown
	SigningTime        time.Time // zero when the attribute is absent

	hash      crypto.Hash
	sig       sigAlgorithm
	err       error  // why Verify cannot check this signer (unsupported algorithm)
	attrs     []byte // signedAttrs element as in the input ([0] IMPLICIT); nil when absent
	digest    []byte // messageDigest attribute
	attrCType asn1.ObjectIdentifier
	signature []byte
}

// sigKind is the public-key algorithm of a signature.
type sigKind int

const (
	sigRSA sigKind = iota + 1
	sigPSS
	sigECDSA
	sigEd25519
)

type sigAlgorithm struct {
	kind    sigKind
	pssHash crypto.Hash // RSASSA-PSS hash (equal to the MGF1 hash)
	pssSalt int
}

// ContentType reads the contentType of a ContentInfo (DER or BER) without
// parsing the rest.
func ContentType(der []byte) (_ asn1.ObjectIdentifier, err error) {
	defer recoverMalformed(&err)
	h, err := ber.ReadHeader(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if der[0] != 0x30 {
		return nil, fmt.Errorf("%w: ContentInfo is not a SEQUENCE", ErrMalformed)
	}
	limit := len(der)
	if !h.Indefinite {
		limit = h.ContentStart + h.Length
	}
	content := der[h.ContentStart:limit]
	oh, err := ber.ReadHeader(content)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if content[0] != 0x06 {
		return nil, fmt.Errorf("%w: ContentInfo does not start with an OID", ErrMalformed)
	}
	s := cryptobyte.String(content[:oh.ContentStart+oh.Length])
	var oid asn1.ObjectIdentifier
	if !oh.Minimal || !s.ReadASN1ObjectIdentifier(&oid) {
		return nil, fmt.Errorf("%w: bad content type OID", ErrMalformed)
	}
	return oid, nil
}

// parseContentInfo converts der to DER and splits the ContentInfo into its
// type and the content inside the [0] EXPLICIT tag.
func parseContentInfo(der []byte) (asn1.ObjectIdentifier, cryptobyte.String, error) {
	d, err := toDER(der)
	if err != nil {
		return nil, nil, err
	}
	s := cryptobyte.String(d)
	var ci, content cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !s.ReadASN1(&ci, cbasn1.SEQUENCE) || !ci.ReadASN1ObjectIdentifier(&oid) {
		return nil, nil, fmt.Errorf("%w: bad ContentInfo", ErrMalformed)
	}
	if !ci.ReadASN1(&content, cbasn1.Tag(0).ContextSpecific().Constructed()) || !ci.Empty() {
		return nil, nil, fmt.Errorf("%w: bad ContentInfo content", ErrMalformed)
	}
	return oid, content, nil
}

// ParseSignedData parses a ContentInfo holding SignedData, in DER or BER
// (indefinite lengths, constructed OCTET STRINGs, as Outlook, Thunderbird
// and `openssl cms -stream` emit). Errors wrap ErrMalformed, or
// ErrUnsupported for another content type. An unknown digest or signature
// algorithm does not fail the parse; Verify reports it for that signer.
// Embedded certificates that crypto/x509 cannot parse are left out.
// The result refers to der (Content and the signer fields are slices of
// it), so der must not change while the result is in use.
func ParseSignedData(der []byte) (_ *SignedData, err error) {
	defer recoverMalformed(&err)
	oid, content, err := parseContentInfo(der)
	if err != nil {
		return nil, err
	}
	if !oid.Equal(OIDSignedData) {
		return nil, fmt.Errorf("%w: content type %s is not signed-data", ErrUnsupported, oid)
	}
	var sd cryptobyte.String
	var version int
	var digestAlgs, eci cryptobyte.String
	if !content.ReadASN1(&sd, cbasn1.SEQUENCE) || !content.Empty() ||
		!sd.ReadASN1Integer(&version) ||
		!sd.ReadASN1(&digestAlgs, cbasn1.SET) ||
		!sd.ReadASN1(&eci, cbasn1.SEQUENCE) {
		return nil, fmt.Errorf("%w: bad SignedData", ErrMalformed)
	}
	out := &SignedData{}
	if !eci.ReadASN1ObjectIdentifier(&out.ContentType) {
		return nil, fmt.Errorf("%w: bad eContentType", ErrMalformed)
	}
	if !eci.Empty() {
		var explicit cryptobyte.String
		if !eci.ReadASN1(&explicit, cbasn1.Tag(0).ContextSpecific().Constructed()) || !eci.Empty() {
			return nil, fmt.Errorf("%w: bad eContent", ErrMalformed)
		}
		c, err := readContentOctets(&explicit)
		if err != nil {
			return nil, err
		}
		if c == nil {
			c = []byte{}
		}
		out.Content = c
	}
	var certs cryptobyte.String
	var hasCerts bool
	if !sd.ReadOptionalASN1(&certs, &hasCerts, cbasn1.Tag(0).ContextSpecific().Constructed()) {
		return nil, fmt.Errorf("%w: bad certificate set", ErrMalformed)
	}
	for !certs.Empty() {
		var elem cryptobyte.String
		var tag cbasn1.Tag
		if !certs.ReadAnyASN1Element(&elem, &tag) {
			return nil, fmt.Errorf("%w: bad certificate set", ErrMalformed)
		}
		if tag != cbasn1.SEQUENCE {
			continue // attribute or other certificates
		}
		if c := parseCertificate(elem); c != nil {
			out.Certificates = append(out.Certificates, c)
		}
	}
	if !sd.SkipOptionalASN1(cbasn1.Tag(1).ContextSpecific().Constructed()) {
		return nil, fmt.Errorf("%w: bad CRL set", ErrMalformed)
	}
	var infos cryptobyte.String
	if !sd.ReadASN1(&infos, cbasn1.SET) || !sd.Empty() {
		return nil, fmt.Errorf("%w: bad SignerInfos", ErrMalformed)
	}
	for !infos.Empty() {
		if len(out.Signers) == maxSigners {
			return nil, fmt.Errorf("%w: more than %d signers", ErrMalformed, maxSigners)
		}
		si, err := parseSignerInfo(&infos)
		if err != nil {
			return nil, err
		}
		out.Signers = append(out.Signers, si)
	}
	return out, nil
}

// readContentOctets reads the content of an eContent or encryptedContent:
// an OCTET STRING (merged from segments by toDER), or for PKCS #7 v1.5
// compatibility (RFC 5652 §5.2.1) the contents octets of any other type.
func readContentOctets(s *cryptobyte.String) ([]byte, error) {
	var v cryptobyte.String
	var tag cbasn1.Tag
	if !s.ReadAnyASN1(&v, &tag) || !s.Empty() {
		return nil, fmt.Errorf("%w: bad content", ErrMalformed)
	}
	return v, nil
}

func parseSignerInfo(infos *cryptobyte.String) (SignerInfo, error) {
	bad := func(what string) (SignerInfo, error) {
		return SignerInfo{}, fmt.Errorf("%w: bad SignerInfo %s", ErrMalformed, what)
	}
	var si cryptobyte.String
	var version int
	if !infos.ReadASN1(&si, cbasn1.SEQUENCE) || !si.ReadASN1Integer(&version) {
		return bad("")
	}
	var out SignerInfo
	switch {
	case si.PeekASN1Tag(cbasn1.SEQUENCE):
		id, ok := readIssuerAndSerial(&si)
		if !ok {
			return bad("issuer and serial")
		}
		out.ID = id
	case si.PeekASN1Tag(cbasn1.Tag(0).ContextSpecific()):
		var ski cryptobyte.String
		if !si.ReadASN1(&ski, cbasn1.Tag(0).ContextSpecific()) {
			return bad("subject key identifier")
		}
		out.ID = CertID{SubjectKeyID: ski}
	default:
		return bad("identifier")
	}
	var digestAlg asn1.ObjectIdentifier
	if !readAlgorithm(&si, &digestAlg, nil) {
		return bad("digest algorithm")
	}
	if h, name, ok := digestByOID(digestAlg); ok {
		out.hash, out.DigestAlgorithm = h, name
	} else {
		out.DigestAlgorithm = digestAlg.String()
		out.err = fmt.Errorf("%w: digest algorithm %s", ErrUnsupported, digestAlg)
	}
	if si.PeekASN1Tag(cbasn1.Tag(0).ContextSpecific().Constructed()) {
		var attrs cryptobyte.String
		if !si.ReadASN1Element(&attrs, cbasn1.Tag(0).ContextSpecific().Constructed()) {
			return bad("signed attributes")
		}
		out.attrs = attrs
		if err := out.parseSignedAttrs(attrs); err != nil {
			return SignerInfo{}, err
		}
	}
	var sigAlg asn1.ObjectIdentifier
	var sigParams cryptobyte.String
	if !readAlgorithm(&si, &sigAlg, &sigParams) {
		return bad("signature algorithm")
	}
	if err := out.setSignatureAlgorithm(sigAlg, sigParams); err != nil {
		return SignerInfo{}, err
	}
	var sig cryptobyte.String
	if !si.ReadASN1(&sig, cbasn1.OCTET_STRING) {
		return bad("signature")
	}
	out.signature = sig
	if !si.SkipOptionalASN1(cbasn1.Tag(1).ContextSpecific().Constructed()) || !si.Empty() {
		return bad("unsigned attributes")
	}
	return out, nil
}

// readAlgorithm reads an AlgorithmIdentifier. params receives the full
// parameters element (nil when absent); pass nil to ignore them.
func readAlgorithm(s *cryptobyte.String, oid *asn1.ObjectIdentifier, params *cryptobyte.String) bool {
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1ObjectIdentifier(oid) {
		return false
	}
	if params != nil {
		*params = nil
		if !seq.Empty() {
			var tag cbasn1.Tag
			if !seq.ReadAnyASN1Element(params, &tag) {
				return false
			}
		}
	}
	return true
}

func (si *SignerInfo) parseSignedAttrs(elem cryptobyte.String) error {
	bad := func(what string) error {
		return fmt.Errorf("%w: bad signed attribute %s", ErrMalformed, what)
	}
	var attrs cryptobyte.String
	if !elem.ReadASN1(&attrs, cbasn1.Tag(0).ContextSpecific().Constructed()) {
		return bad("set")
	}
	var haveDigest, haveType, haveTime bool
	for !attrs.Empty() {
		var attr, values cryptobyte.String
		var typ asn1.ObjectIdentifier
		if !attrs.ReadASN1(&attr, cbasn1.SEQUENCE) || !attr.ReadASN1ObjectIdentifier(&typ) ||
			!attr.ReadASN1(&values, cbasn1.SET) || !attr.Empty() {
			return bad("")
		}
		switch {
		case typ.Equal(oidAttrMessageDigest):
			var d cryptobyte.String
			if haveDigest || !values.ReadASN1(&d, cbasn1.OCTET_STRING) || !values.Empty() {
				return bad("messageDigest")
			}
			haveDigest = true
			si.digest = d
		case typ.Equal(oidAttrContentType):
			if haveType || !values.ReadASN1ObjectIdentifier(&si.attrCType) || !values.Empty() {
				return bad("contentType")
			}
			haveType = true
		case typ.Equal(oidAttrSigningTime):
			if haveTime {
				return bad("signingTime")
			}
			haveTime = true
			var t time.Time
			var ok bool
			switch {
			case values.PeekASN1Tag(cbasn1.UTCTime):
				ok = values.ReadASN1UTCTime(&t)
			case values.PeekASN1Tag(cbasn1.GeneralizedTime):
				ok = values.ReadASN1GeneralizedTime(&t)
			}
			if !ok || !values.Empty() {
				return bad("signingTime")
			}
			si.SigningTime = t
		}
	}
	// RFC 5652 §5.3: signed attributes carry both, so that the signature
	// covers what the content is as well as its digest.
	if !haveDigest {
		return bad("set: no messageDigest")
	}
	if !haveType {
		return bad("set: no contentType")
	}
	return nil
}

func (si *SignerInfo) setSignatureAlgorithm(oid asn1.ObjectIdentifier, params cryptobyte.String) error {
	switch {
	case oid.Equal(oidRSAEncryption), oid.Equal(oidSHA1WithRSA), oid.Equal(oidSHA224WithRSA),
		oid.Equal(oidSHA256WithRSA), oid.Equal(oidSHA384WithRSA), oid.Equal(oidSHA512WithRSA),
		oid.Equal(oidMD5WithRSA):
		si.sig.kind = sigRSA
		si.SignatureAlgorithm = "RSA PKCS#1 v1.5"
	case oid.Equal(oidRSASSAPSS):
		si.SignatureAlgorithm = "RSASSA-PSS"
		h, salt, err := parsePSSParams(params)
		if errors.Is(err, ErrUnsupported) {
			if si.err == nil {
				si.err = err
			}
			return nil
		}
		if err != nil {
			return err
		}
		si.sig = sigAlgorithm{kind: sigPSS, pssHash: h, pssSalt: salt}
		si.SignatureAlgorithm = "RSASSA-PSS (" + hashName(h) + ")"
	case oid.Equal(oidECPublicKey), oid.Equal(oidECDSAWithSHA1), oid.Equal(oidECDSAWithSHA224),
		oid.Equal(oidECDSAWithSHA256), oid.Equal(oidECDSAWithSHA384), oid.Equal(oidECDSAWithSHA512):
		si.sig.kind = sigECDSA
		si.SignatureAlgorithm = "ECDSA"
	case oid.Equal(oidEd25519):
		si.sig.kind = sigEd25519
		si.SignatureAlgorithm = "Ed25519"
	default:
		si.SignatureAlgorithm = oid.String()
		if si.err == nil {
			si.err = fmt.Errorf("%w: signature algorithm %s", ErrUnsupported, oid)
		}
	}
	return nil
}
