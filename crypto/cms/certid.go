package cms

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// CertID is how CMS names a certificate (RFC 5652 SignerIdentifier,
// RecipientIdentifier, KeyAgreeRecipientIdentifier): by issuer and serial
// number, or by subject key identifier.
type CertID struct {
	Issuer       []byte   // DER of the issuer Name; nil for an SKI identifier
	Serial       *big.Int // nil for an SKI identifier
	SubjectKeyID []byte   // nil for an issuer+serial identifier
}

// Matches reports whether c is the certificate the identifier names. The
// issuer is compared byte for byte with the certificate's raw issuer, as
// RFC 5652 requires.
func (id CertID) Matches(c *x509.Certificate) bool {
	if c == nil {
		return false
	}
	if id.Issuer != nil {
		return id.Serial != nil && c.SerialNumber != nil &&
			c.SerialNumber.Cmp(id.Serial) == 0 && bytes.Equal(c.RawIssuer, id.Issuer)
	}
	return len(id.SubjectKeyID) > 0 && bytes.Equal(c.SubjectKeyId, id.SubjectKeyID)
}

// String describes the identifier for logs and error messages:
// "issuer CN=…, serial 0x1E" or "subject key identifier 0a1b…".
func (id CertID) String() string {
	if id.Issuer != nil {
		name := "?"
		var rdn pkix.RDNSequence
		if rest, err := asn1.Unmarshal(id.Issuer, &rdn); err == nil && len(rest) == 0 {
			var n pkix.Name
			n.FillFromRDNSequence(&rdn)
			name = n.String()
		}
		serial := "?"
		if id.Serial != nil {
			serial = fmt.Sprintf("%#x", id.Serial)
		}
		return fmt.Sprintf("issuer %s, serial %s", name, serial)
	}
	return "subject key identifier " + hex.EncodeToString(id.SubjectKeyID)
}

// certIDForCert is the issuer+serial identifier of c.
func certIDForCert(c *x509.Certificate) CertID {
	return CertID{Issuer: c.RawIssuer, Serial: c.SerialNumber}
}

// readIssuerAndSerial reads an IssuerAndSerialNumber SEQUENCE.
func readIssuerAndSerial(s *cryptobyte.String) (CertID, bool) {
	var seq, issuer cryptobyte.String
	serial := new(big.Int)
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) ||
		!seq.ReadASN1Element(&issuer, cbasn1.SEQUENCE) ||
		!seq.ReadASN1Integer(serial) || !seq.Empty() {
		return CertID{}, false
	}
	return CertID{Issuer: issuer, Serial: serial}, true
}

// appendIssuerAndSerial writes the IssuerAndSerialNumber of c.
func addIssuerAndSerial(b *cryptobyte.Builder, c *x509.Certificate) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(c.RawIssuer)
		b.AddASN1BigInt(c.SerialNumber)
	})
}
