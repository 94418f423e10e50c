package certs

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"fmt"

	"siegel/crypto/certinfo"
)

// MinRSABits is the smallest RSA key accepted.
const MinRSABits = 2048

// Check applies the S/MIME import rules of DESIGN.md §4 to a certificate
// and returns a *RuleError naming the first rule it fails, or nil. CA
// certificates (basic constraints CA:TRUE) are checked for their key only;
// they become trust anchors.
func Check(c *x509.Certificate) error {
	fail := func(r Rule, detail string) error {
		info := certinfo.Describe(c)
		return &RuleError{Rule: r, Subject: info.Subject, Fingerprint: info.Fingerprint, Detail: detail}
	}
	if !c.IsCA {
		if len(certinfo.Emails(c)) == 0 {
			return fail(RuleEmail, "")
		}
		// Key usage matters only when the extension is present; EKU is
		// checked separately so the error names the right one.
		if c.KeyUsage != 0 && !keyUsageFits(c) {
			return fail(RuleKeyUsage, "")
		}
		if !certinfo.ForEmail(c) {
			return fail(RuleExtKeyUsage, "")
		}
	}
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < MinRSABits {
			return fail(RuleKeySize, fmt.Sprintf("RSA %d bits, at least %d", k.N.BitLen(), MinRSABits))
		}
	case *ecdsa.PublicKey:
	default:
		return fail(RuleKeyType, c.PublicKeyAlgorithm.String())
	}
	return nil
}

// keyUsageFits reports whether a present key usage extension allows signing
// or encryption with the certificate's key.
func keyUsageFits(c *x509.Certificate) bool {
	if c.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) != 0 {
		return true
	}
	switch c.PublicKey.(type) {
	case *rsa.PublicKey:
		return c.KeyUsage&x509.KeyUsageKeyEncipherment != 0
	case *ecdsa.PublicKey:
		return c.KeyUsage&x509.KeyUsageKeyAgreement != 0
	}
	return false
}
