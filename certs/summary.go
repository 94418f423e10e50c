package certs

import (
	"crypto/x509"
	"fmt"
	"time"

	"siegel/crypto/certinfo"
)

// Usage says what a certificate is for: a set of the flags below. Look-ups
// take it as a filter (all of the asked flags must be present; zero asks
// for nothing).
type Usage uint8

// Usage flags.
const (
	UsageSign    Usage = 1 << iota // signing e-mail
	UsageEncrypt                   // encrypting e-mail to the certificate's key
	UsageCA                        // a trust anchor, issuing other certificates
)

// String is the column text of DESIGN.md §4: "Signature & Encryption",
// "Signature", "Encryption" or "CA".
func (u Usage) String() string {
	switch {
	case u&UsageCA != 0:
		return "CA"
	case u&(UsageSign|UsageEncrypt) == UsageSign|UsageEncrypt:
		return "Signature & Encryption"
	case u&UsageSign != 0:
		return "Signature"
	case u&UsageEncrypt != 0:
		return "Encryption"
	default:
		return "None"
	}
}

// Stable names of usages in JSON output, for scripts.
var usageNames = []struct {
	u    Usage
	name string
}{
	{UsageCA, "ca"},
	{UsageSign | UsageEncrypt, "sign+encrypt"},
	{UsageSign, "sign"},
	{UsageEncrypt, "encrypt"},
	{0, "none"},
}

// MarshalText gives the stable names "sign+encrypt", "sign", "encrypt",
// "ca" and "none".
func (u Usage) MarshalText() ([]byte, error) {
	for _, n := range usageNames {
		if u == n.u {
			return []byte(n.name), nil
		}
	}
	if u&UsageCA != 0 {
		return []byte("ca"), nil
	}
	return nil, fmt.Errorf("certs: invalid usage %d", u)
}

// UnmarshalText reads the names MarshalText writes.
func (u *Usage) UnmarshalText(b []byte) error {
	for _, n := range usageNames {
		if string(b) == n.name {
			*u = n.u
			return nil
		}
	}
	return fmt.Errorf("certs: unknown usage %q", b)
}

// UsageOf derives the usage of a certificate from its basic constraints,
// key usage and extended key usage.
func UsageOf(c *x509.Certificate) Usage {
	if c.IsCA {
		return UsageCA
	}
	var u Usage
	if certinfo.CanSign(c) {
		u |= UsageSign
	}
	if certinfo.CanEncrypt(c) {
		u |= UsageEncrypt
	}
	return u
}

// Summary describes a certificate for the certificate list, the import
// preview and `siegel certs list`.
type Summary struct {
	certinfo.Info
	Usage      Usage     `json:"usage"`
	HasKey     bool      `json:"has_key"`   // the private key is in the store (or, in a preview, in the file)
	Collected  bool      `json:"collected"` // stored automatically from a verified signature
	ImportedAt time.Time `json:"imported_at,omitzero"`
}

// Describe summarises a certificate that is not (yet) stored.
func Describe(c *x509.Certificate) Summary {
	return Summary{Info: certinfo.Describe(c), Usage: UsageOf(c)}
}

// Entry is one stored certificate: the parsed certificate and its summary.
// The certificate is shared; callers must not modify it.
type Entry struct {
	Cert    *x509.Certificate
	Summary Summary
}
