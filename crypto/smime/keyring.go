package smime

import (
	"context"
	"crypto"
	"crypto/x509"
	"math/big"
	"time"
)

// Keyring is what the engine needs from the certificate store. The store in
// package certs satisfies it; the engine never reads the store otherwise.
//
// Look-ups that find nothing return a nil certificate (or key) and a nil
// error; an error means the look-up itself failed (a database error, or the
// passphrase needed to open a private key was wrong or not given), and the
// engine reports it as the layer's reason.
type Keyring interface {
	// CertByIssuerSerial finds a stored certificate by issuer (the DER of
	// its issuer Name) and serial number.
	CertByIssuerSerial(ctx context.Context, issuer []byte, serial *big.Int) (*x509.Certificate, error)
	// CertBySubjectKeyID finds a stored certificate by subject key
	// identifier.
	CertBySubjectKeyID(ctx context.Context, ski []byte) (*x509.Certificate, error)
	// PrivateKey returns the private key stored for cert (a crypto.Signer
	// and, for RSA, a crypto.Decrypter), or nil when the store has none.
	PrivateKey(ctx context.Context, cert *x509.Certificate) (crypto.PrivateKey, error)
	// TrustAnchors returns the stored CA certificates. It is called for
	// every message, so the store keeps them in memory.
	TrustAnchors(ctx context.Context) ([]*x509.Certificate, error)
	// IsStored reports whether exactly this certificate is in the store: an
	// end-entity certificate the administrator imported is pinned, trusted
	// without a chain.
	IsStored(ctx context.Context, cert *x509.Certificate) (bool, error)
	// CertsForAddress returns the stored end-entity certificates for an
	// e-mail address (case-insensitive) that are valid at t, newest first.
	CertsForAddress(ctx context.Context, addr string, t time.Time) ([]*x509.Certificate, error)
	// Generation changes whenever anything in the store changes, so the
	// engine can cache chain verifications until then.
	Generation() uint64
}
