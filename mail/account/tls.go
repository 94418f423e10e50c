package account

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"

	"siegel/crypto/certinfo"
)

// Trust says which server certificates an account accepts besides those
// the system trusts. Verification is never switched off: a certificate is
// accepted when it chains to a system root or to one of RootsPEM (with the
// host name matching), or when it is exactly one of the pinned
// certificates.
type Trust struct {
	// RootsPEM holds extra CA certificates, PEM encoded (a company CA, the
	// CA of a test server).
	RootsPEM []byte `json:"roots_pem,omitempty"`
	// Pins are SHA-256 fingerprints (hex, as certinfo.Fingerprint) of
	// server certificates accepted as they are, such as a self-signed
	// certificate of a test server.
	Pins []string `json:"pins,omitempty"`
}

// ErrTrust is returned by Validate for unreadable trust settings.
var ErrTrust = errors.New("invalid server trust settings")

// NormalizePin makes a fingerprint written with colons, spaces or upper
// case letters comparable; it fails unless the result is 64 hex digits.
func NormalizePin(s string) (string, error) {
	p := strings.ToLower(strings.NewReplacer(":", "", " ", "", "-", "").Replace(s))
	if b, err := hex.DecodeString(p); err != nil || len(b) != 32 {
		return "", fmt.Errorf("%w: %q is not a SHA-256 fingerprint", ErrTrust, s)
	}
	return p, nil
}

// pool returns the system roots plus RootsPEM (nil when RootsPEM is empty,
// meaning the system roots).
func (t Trust) pool() (*x509.CertPool, error) {
	for _, p := range t.Pins {
		if _, err := NormalizePin(p); err != nil {
			return nil, err
		}
	}
	if len(t.RootsPEM) == 0 {
		return nil, nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	rest, n := t.RootsPEM, 0
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: CA certificate: %v", ErrTrust, err)
		}
		pool.AddCert(c)
		n++
	}
	if n == 0 {
		return nil, fmt.Errorf("%w: no PEM certificate among the extra CA certificates", ErrTrust)
	}
	return pool, nil
}

// Config returns the TLS configuration for connecting to host.
func (t Trust) Config(host string) (*tls.Config, error) {
	roots, err := t.pool()
	if err != nil {
		return nil, err
	}
	cfg := &tls.Config{ServerName: host, RootCAs: roots, MinVersion: tls.VersionTLS12}
	if len(t.Pins) == 0 {
		return cfg, nil
	}
	pins := make([]string, 0, len(t.Pins))
	for _, p := range t.Pins {
		n, _ := NormalizePin(p)
		pins = append(pins, n)
	}
	// With pins the check moves into VerifyConnection, which runs the same
	// chain and host name verification as crypto/tls unless the leaf is
	// pinned. It never accepts anything else.
	cfg.InsecureSkipVerify = true
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("server sent no certificate")
		}
		leaf := cs.PeerCertificates[0]
		if slices.Contains(pins, certinfo.Fingerprint(leaf)) {
			return nil
		}
		inter := x509.NewCertPool()
		for _, c := range cs.PeerCertificates[1:] {
			inter.AddCert(c)
		}
		_, err := leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: roots, Intermediates: inter})
		if err != nil {
			return &tls.CertificateVerificationError{UnverifiedCertificates: cs.PeerCertificates, Err: err}
		}
		return nil
	}
	return cfg, nil
}
