package cms

import (
	"crypto"
	"encoding/asn1"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// maxRecipients bounds the recipients of one envelope, so that a crafted
// message cannot make Decrypt run thousands of key look-ups.
const maxRecipients = 1024

// RecipientInfo describes one recipient of an envelope. A
// KeyAgreeRecipientInfo with several RecipientEncryptedKeys gives one
// RecipientInfo for each of them.
type RecipientInfo struct {
	ID CertID
	// Kind is the RecipientInfo choice: "ktri" (key transport), "kari" (key
	// agreement), "kekri", "pwri" or "ori". Only ktri and kari are opened
	// with a certificate's key.
	Kind string
	// KeyTransport names the key transport or agreement, e.g. "RSA
	// PKCS#1 v1.5", "RSA-OAEP (SHA-256, MGF1-SHA-256)", "ECDH P-256
	// (X9.63-SHA-256, AES-256 key wrap)"; the OID when unknown.
	KeyTransport string
}

// Envelope is a parsed EnvelopedData or AuthEnvelopedData.
type Envelope struct {
	Auth       bool   // AuthEnvelopedData (RFC 5083)
	Cipher     string // "AES-128-CBC", "AES-192-CBC", "AES-256-CBC", "AES-128-GCM", "AES-192-GCM", "AES-256-GCM", "3DES-CBC"; the OID when unknown
	Recipients []RecipientInfo

	recipients []recipient // parallel to Recipients
	content    encryptedContent
}

// recipient holds what decryption needs of one RecipientInfo.
type recipient struct {
	err          error // why it cannot be opened (unsupported algorithm)
	encryptedKey []byte

	// ktri
	oaep    bool
	oaepPar oaepParams

	// kari
	kdfHash    crypto.Hash
	wrapOID    asn1.ObjectIdentifier
	wrapKeyLen int
	ephemeral  []byte // originator's public point
	ukm        []byte
}

// ParseEnvelope parses a ContentInfo holding EnvelopedData or
// AuthEnvelopedData, in DER or BER. Errors wrap ErrMalformed, or
// ErrUnsupported for another content type. Unknown algorithms do not fail
// the parse: they are named in Cipher or KeyTransport, and Decrypt reports
// them. The result refers to der, which must not change while it is in
// use; Decrypt returns content in a new buffer.
func ParseEnvelope(der []byte) (_ *Envelope, err error) {
	defer recoverMalformed(&err)
	oid, content, err := parseContentInfo(der)
	if err != nil {
		return nil, err
	}
	e := &Envelope{}
	switch {
	case oid.Equal(OIDEnvelopedData):
	case oid.Equal(OIDAuthEnvelopedData):
		e.Auth = true
	default:
		return nil, fmt.Errorf("%w: content type %s is not enveloped-data", ErrUnsupported, oid)
	}
	var ed, infos, eci cryptobyte.String
	var version int
	if !content.ReadASN1(&ed, cbasn1.SEQUENCE) || !content.Empty() ||
		!ed.ReadASN1Integer(&version) ||
		!ed.SkipOptionalASN1(cbasn1.Tag(0).ContextSpecific().Constructed()) ||
		!ed.ReadASN1(&infos, cbasn1.SET) ||
		!ed.ReadASN1(&eci, cbasn1.SEQUENCE) {
		return nil, fmt.Errorf("%w: bad EnvelopedData", ErrMalformed)
	}
	for !infos.Empty() {
		if len(e.Recipients) >= maxRecipients {
			return nil, fmt.Errorf("%w: more than %d recipients", ErrMalformed, maxRecipients)
		}
		if err := e.parseRecipientInfo(&infos); err != nil {
			return nil, err
		}
	}
	if err := e.content.parse(eci, e.Auth); err != nil {
		return nil, err
	}
	e.Cipher = e.content.name
	if e.Auth {
		if ed.PeekASN1Tag(cbasn1.Tag(1).ContextSpecific().Constructed()) {
			var attrs cryptobyte.String
			if !ed.ReadASN1Element(&attrs, cbasn1.Tag(1).ContextSpecific().Constructed()) {
				return nil, fmt.Errorf("%w: bad authenticated attributes", ErrMalformed)
			}
			// RFC 5083 §2.2: the attributes are authenticated in their
			// DER form with the SET OF tag.
			aad := make([]byte, len(attrs))
			copy(aad, attrs)
			aad[0] = 0x31
			e.content.aad = aad
		}
		var mac cryptobyte.String
		if !ed.ReadASN1(&mac, cbasn1.OCTET_STRING) ||
			!ed.SkipOptionalASN1(cbasn1.Tag(2).ContextSpecific().Constructed()) || !ed.Empty() {
			return nil, fmt.Errorf("%w: bad AuthEnvelopedData MAC", ErrMalformed)
		}
		if e.content.gcm && e.content.err == nil && len(mac) != e.content.icvLen {
			return nil, fmt.Errorf("%w: MAC of %d bytes for a %d-byte GCM tag", ErrMalformed, len(mac), e.content.icvLen)
		}
		e.content.mac = mac
	} else if !ed.SkipOptionalASN1(cbasn1.Tag(1).ContextSpecific().Constructed()) || !ed.Empty() {
		return nil, fmt.Errorf("%w: bad unprotected attributes", ErrMalformed)
	}
	return e, nil
}

func (e *Envelope) add(ri RecipientInfo, r recipient) {
	e.Recipients = append(e.Recipients, ri)
	e.recipients = append(e.recipients, r)
}

func (e *Envelope) parseRecipientInfo(infos *cryptobyte.String) error {
	var elem cryptobyte.String
	var tag cbasn1.Tag
	if !infos.ReadAnyASN1(&elem, &tag) {
		return fmt.Errorf("%w: bad RecipientInfo", ErrMalformed)
	}
	switch tag {
	case cbasn1.SEQUENCE:
		return e.parseKTRI(elem)
	case cbasn1.Tag(1).ContextSpecific().Constructed():
		return e.parseKARI(elem)
	case cbasn1.Tag(2).ContextSpecific().Constructed():
		e.add(RecipientInfo{Kind: "kekri", KeyTransport: "key-encryption key"}, recipient{err: fmt.Errorf("%w: kekri recipient", ErrUnsupported)})
	case cbasn1.Tag(3).ContextSpecific().Constructed():
		e.add(RecipientInfo{Kind: "pwri", KeyTransport: "password"}, recipient{err: fmt.Errorf("%w: pwri recipient", ErrUnsupported)})
	case cbasn1.Tag(4).ContextSpecific().Constructed():
		e.add(RecipientInfo{Kind: "ori", KeyTransport: "other"}, recipient{err: fmt.Errorf("%w: ori recipient", ErrUnsupported)})
	default:
		return fmt.Errorf("%w: bad RecipientInfo tag %#x", ErrMalformed, int(tag))
	}
	return nil
}

// readRecipientID reads a RecipientIdentifier: IssuerAndSerialNumber or
// [0] IMPLICIT SubjectKeyIdentifier.
func readRecipientID(s *cryptobyte.String) (CertID, bool) {
	if s.PeekASN1Tag(cbasn1.SEQUENCE) {
		return readIssuerAndSerial(s)
	}
	var ski cryptobyte.String
	if !s.ReadASN1(&ski, cbasn1.Tag(0).ContextSpecific()) {
		return CertID{}, false
	}
	return CertID{SubjectKeyID: ski}, true
}

func (e *Envelope) parseKTRI(s cryptobyte.String) error {
	var version int
	var alg asn1.ObjectIdentifier
	var params, ek cryptobyte.String
	if !s.ReadASN1Integer(&version) {
		return fmt.Errorf("%w: bad KeyTransRecipientInfo", ErrMalformed)
	}
	id, ok := readRecipientID(&s)
	if !ok || !readAlgorithm(&s, &alg, &params) || !s.ReadASN1(&ek, cbasn1.OCTET_STRING) || !s.Empty() {
		return fmt.Errorf("%w: bad KeyTransRecipientInfo", ErrMalformed)
	}
	ri := RecipientInfo{ID: id, Kind: "ktri"}
	r := recipient{encryptedKey: ek}
	switch {
	case alg.Equal(oidRSAEncryption):
		ri.KeyTransport = "RSA PKCS#1 v1.5"
	case alg.Equal(oidRSAESOAEP):
		p, err := parseOAEPParams(params)
		switch {
		case err == nil:
			r.oaep, r.oaepPar = true, p
			ri.KeyTransport = p.name()
		case isUnsupported(err):
			r.err = err
			ri.KeyTransport = "RSA-OAEP"
		default:
			return err
		}
	default:
		ri.KeyTransport = alg.String()
		r.err = fmt.Errorf("%w: key transport %s", ErrUnsupported, alg)
	}
	e.add(ri, r)
	return nil
}

func (e *Envelope) parseKARI(s cryptobyte.String) error {
	bad := func(what string) error {
		return fmt.Errorf("%w: bad KeyAgreeRecipientInfo %s", ErrMalformed, what)
	}
	var version int
	var orig cryptobyte.String
	if !s.ReadASN1Integer(&version) || !s.ReadASN1(&orig, cbasn1.Tag(0).ContextSpecific().Constructed()) {
		return bad("")
	}
	var r recipient
	var curveName string
	// Only an originatorKey (ephemeral-static ECDH) is supported; the
	// other choices name a static originator certificate.
	if orig.PeekASN1Tag(cbasn1.Tag(1).ContextSpecific().Constructed()) {
		var key cryptobyte.String
		var alg asn1.ObjectIdentifier
		var params cryptobyte.String
		var point asn1.BitString
		if !orig.ReadASN1(&key, cbasn1.Tag(1).ContextSpecific().Constructed()) || !orig.Empty() ||
			!readAlgorithm(&key, &alg, &params) || !key.ReadASN1BitString(&point) || !key.Empty() {
			return bad("originator key")
		}
		if !alg.Equal(oidECPublicKey) || point.BitLength%8 != 0 {
			r.err = fmt.Errorf("%w: originator key algorithm %s", ErrUnsupported, alg)
		}
		r.ephemeral = point.Bytes
		curveName = curveByPointSize(len(point.Bytes))
	} else {
		r.err = fmt.Errorf("%w: key agreement with a static originator", ErrUnsupported)
	}
	var ukm cryptobyte.String
	var hasUKM bool
	if !s.ReadOptionalASN1(&ukm, &hasUKM, cbasn1.Tag(1).ContextSpecific().Constructed()) {
		return bad("ukm")
	}
	if hasUKM {
		var v cryptobyte.String
		if !ukm.ReadASN1(&v, cbasn1.OCTET_STRING) || !ukm.Empty() {
			return bad("ukm")
		}
		r.ukm = v
	}
	var alg asn1.ObjectIdentifier
	var params cryptobyte.String
	if !readAlgorithm(&s, &alg, &params) {
		return bad("key encryption algorithm")
	}
	name := "ECDH"
	if curveName != "" {
		name += " " + curveName
	}
	if h, ok := ecdhKDFHash(alg); ok {
		var wrap asn1.ObjectIdentifier
		if !readAlgorithm(&params, &wrap, nil) || !params.Empty() {
			return bad("key wrap algorithm")
		}
		r.kdfHash, r.wrapOID = h, wrap
		r.wrapKeyLen = aesWrapKeyLen(wrap)
		wrapName := wrap.String()
		if r.wrapKeyLen == 0 {
			if r.err == nil {
				r.err = fmt.Errorf("%w: key wrap algorithm %s", ErrUnsupported, wrap)
			}
		} else {
			wrapName = fmt.Sprintf("AES-%d key wrap", r.wrapKeyLen*8)
		}
		name += " (X9.63-" + hashName(h) + ", " + wrapName + ")"
	} else {
		name += " (" + alg.String() + ")"
		if r.err == nil {
			r.err = fmt.Errorf("%w: key agreement algorithm %s", ErrUnsupported, alg)
		}
	}
	var keys cryptobyte.String
	if !s.ReadASN1(&keys, cbasn1.SEQUENCE) || !s.Empty() {
		return bad("recipient keys")
	}
	for !keys.Empty() {
		if len(e.Recipients) >= maxRecipients {
			return fmt.Errorf("%w: more than %d recipients", ErrMalformed, maxRecipients)
		}
		var rek, ek cryptobyte.String
		if !keys.ReadASN1(&rek, cbasn1.SEQUENCE) {
			return bad("recipient key")
		}
		var id CertID
		if rek.PeekASN1Tag(cbasn1.SEQUENCE) {
			var ok bool
			if id, ok = readIssuerAndSerial(&rek); !ok {
				return bad("recipient identifier")
			}
		} else {
			var rkid, ski cryptobyte.String
			if !rek.ReadASN1(&rkid, cbasn1.Tag(0).ContextSpecific().Constructed()) ||
				!rkid.ReadASN1(&ski, cbasn1.OCTET_STRING) {
				return bad("recipient key identifier")
			}
			id = CertID{SubjectKeyID: ski}
		}
		if !rek.ReadASN1(&ek, cbasn1.OCTET_STRING) || !rek.Empty() {
			return bad("encrypted key")
		}
		rr := r
		rr.encryptedKey = ek
		e.add(RecipientInfo{ID: id, Kind: "kari", KeyTransport: name}, rr)
	}
	return nil
}

// ecdhKDFHash maps an ECDH key agreement scheme to its KDF hash.
func ecdhKDFHash(oid asn1.ObjectIdentifier) (crypto.Hash, bool) {
	switch {
	case oid.Equal(oidECDHStdSHA1KDF), oid.Equal(oidECDHCofSHA1KDF):
		return crypto.SHA1, true
	case oid.Equal(oidECDHStdSHA224KDF), oid.Equal(oidECDHCofSHA224KDF):
		return crypto.SHA224, true
	case oid.Equal(oidECDHStdSHA256KDF), oid.Equal(oidECDHCofSHA256KDF):
		return crypto.SHA256, true
	case oid.Equal(oidECDHStdSHA384KDF), oid.Equal(oidECDHCofSHA384KDF):
		return crypto.SHA384, true
	case oid.Equal(oidECDHStdSHA512KDF), oid.Equal(oidECDHCofSHA512KDF):
		return crypto.SHA512, true
	}
	return 0, false
}

// aesWrapKeyLen is the key size of an AES key wrap algorithm; 0 when the
// OID is none.
func aesWrapKeyLen(oid asn1.ObjectIdentifier) int {
	switch {
	case oid.Equal(oidAES128Wrap):
		return 16
	case oid.Equal(oidAES192Wrap):
		return 24
	case oid.Equal(oidAES256Wrap):
		return 32
	}
	return 0
}

// curveByPointSize names the curve of an uncompressed point, for display
// only: decryption uses the curve of our own key.
func curveByPointSize(n int) string {
	switch n {
	case 65:
		return "P-256"
	case 97:
		return "P-384"
	case 133:
		return "P-521"
	}
	return ""
}
