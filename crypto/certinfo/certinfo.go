// Package certinfo describes X.509 certificates the way Siegel shows them to
// people and checks them for e-mail use. The certificate store and the S/MIME
// engine both use it, so a certificate reads the same in the certificate
// list, in a signature tooltip and in `siegel inspect`.
package certinfo

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Info is the part of a certificate people look at. It is plain data, so it
// can be stored as JSON and shown without parsing the certificate again.
type Info struct {
	Subject     string    `json:"subject"`    // common name, else the full subject
	SubjectDN   string    `json:"subject_dn"` // RFC 2253 form
	Emails      []string  `json:"emails"`     // lower-cased, SAN first, then subject emailAddress
	Issuer      string    `json:"issuer"`     // issuer common name, else its full name
	IssuerDN    string    `json:"issuer_dn"`
	Serial      string    `json:"serial"` // lower-case hex
	NotBefore   time.Time `json:"not_before"`
	NotAfter    time.Time `json:"not_after"`
	Fingerprint string    `json:"fingerprint"` // SHA-256 of the DER, lower-case hex
	KeyType     string    `json:"key_type"`    // "RSA", "ECDSA", "Ed25519"
	KeyBits     int       `json:"key_bits"`    // modulus size, or curve size
	KeyCurve    string    `json:"key_curve,omitempty"`
	IsCA        bool      `json:"is_ca"`
	CanSign     bool      `json:"can_sign"`
	CanEncrypt  bool      `json:"can_encrypt"`
}

// OIDEmailAddress is the PKCS#9 emailAddress attribute of a subject.
var OIDEmailAddress = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}

// Describe summarises a certificate.
func Describe(c *x509.Certificate) Info {
	typ, bits, curve := Key(c.PublicKey)
	return Info{
		Subject:     displayName(c.Subject),
		SubjectDN:   c.Subject.String(),
		Emails:      Emails(c),
		Issuer:      displayName(c.Issuer),
		IssuerDN:    c.Issuer.String(),
		Serial:      hex.EncodeToString(c.SerialNumber.Bytes()),
		NotBefore:   c.NotBefore.UTC(),
		NotAfter:    c.NotAfter.UTC(),
		Fingerprint: Fingerprint(c),
		KeyType:     typ,
		KeyBits:     bits,
		KeyCurve:    curve,
		IsCA:        c.IsCA,
		CanSign:     !c.IsCA && CanSign(c),
		CanEncrypt:  !c.IsCA && CanEncrypt(c),
	}
}

// KeyDescription is "RSA 2048", "ECDSA P-256" or similar.
func (i Info) KeyDescription() string {
	if i.KeyCurve != "" {
		return i.KeyType + " " + i.KeyCurve
	}
	if i.KeyBits > 0 {
		return fmt.Sprintf("%s %d", i.KeyType, i.KeyBits)
	}
	return i.KeyType
}

// ValidAt reports whether t lies within the validity period.
func (i Info) ValidAt(t time.Time) bool {
	return !t.Before(i.NotBefore) && !t.After(i.NotAfter)
}

// HasEmail reports whether addr is one of the certificate's addresses,
// ignoring case.
func (i Info) HasEmail(addr string) bool {
	return slices.Contains(i.Emails, strings.ToLower(strings.TrimSpace(addr)))
}

func displayName(n pkix.Name) string {
	if n.CommonName != "" {
		return n.CommonName
	}
	return n.String()
}

// Fingerprint is the SHA-256 of the certificate's DER, in lower-case hex.
func Fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return hex.EncodeToString(sum[:])
}

// GroupFingerprint splits a hex fingerprint into blocks of four upper-case
// digits, so it can be read aloud over the phone.
func GroupFingerprint(fp string) string {
	fp = strings.ToUpper(fp)
	var b strings.Builder
	for i := 0; i < len(fp); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(fp[i:min(i+4, len(fp))])
	}
	return b.String()
}

// Emails returns the certificate's e-mail addresses, lower-cased and without
// duplicates: rfc822Name entries of the subject alternative name first, then
// emailAddress attributes of the subject.
func Emails(c *x509.Certificate) []string {
	var out []string
	add := func(s string) {
		s = strings.ToLower(strings.TrimSpace(s))
		if s != "" && strings.Contains(s, "@") && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, e := range c.EmailAddresses {
		add(e)
	}
	for _, atv := range c.Subject.Names {
		if atv.Type.Equal(OIDEmailAddress) {
			if s, ok := atv.Value.(string); ok {
				add(s)
			}
		}
	}
	return out
}

// Key names a public key's type and size: ("RSA", 2048, ""),
// ("ECDSA", 256, "P-256"), ("Ed25519", 256, "").
func Key(pub any) (typ string, bits int, curve string) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return "RSA", k.N.BitLen(), ""
	case *ecdsa.PublicKey:
		return "ECDSA", k.Curve.Params().BitSize, k.Curve.Params().Name
	case ed25519.PublicKey:
		return "Ed25519", 256, ""
	default:
		return fmt.Sprintf("%T", pub), 0, ""
	}
}

// ForEmail reports whether the extended key usage, when present, allows
// e-mail protection.
func ForEmail(c *x509.Certificate) bool {
	if len(c.ExtKeyUsage) == 0 && len(c.UnknownExtKeyUsage) == 0 {
		return true
	}
	for _, u := range c.ExtKeyUsage {
		if u == x509.ExtKeyUsageEmailProtection || u == x509.ExtKeyUsageAny {
			return true
		}
	}
	return false
}

// CanSign reports whether the key usage (when present) and the extended key
// usage allow signing e-mail.
func CanSign(c *x509.Certificate) bool {
	if !ForEmail(c) {
		return false
	}
	return c.KeyUsage == 0 || c.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) != 0
}

// CanEncrypt reports whether the key usage (when present) and the extended
// key usage allow encrypting e-mail to this certificate: key encipherment
// for RSA, key agreement for EC keys.
func CanEncrypt(c *x509.Certificate) bool {
	if !ForEmail(c) {
		return false
	}
	switch c.PublicKey.(type) {
	case *rsa.PublicKey:
		return c.KeyUsage == 0 || c.KeyUsage&x509.KeyUsageKeyEncipherment != 0
	case *ecdsa.PublicKey:
		return c.KeyUsage == 0 || c.KeyUsage&x509.KeyUsageKeyAgreement != 0
	default:
		return false
	}
}
