package cms

import (
	"context"
	"crypto"
	"crypto/x509"
	"fmt"
)

// RecipientInfo describes one RecipientInfo of an envelope.
type RecipientInfo struct {
	ID CertID
	// Kind is the RecipientInfo choice: "ktri" (key transport), "kari" (key
	// agreement), "kekri", "pwri" or "ori". Only ktri and kari can be
	// decrypted with a certificate's key.
	Kind string
	// KeyTransport names the key transport or agreement, e.g. "RSA
	// PKCS#1 v1.5", "RSA-OAEP (SHA-256, MGF1-SHA-256)", "ECDH P-256
	// (X9.63-SHA-256, AES-256 key wrap)"; the OID when unknown.
	KeyTransport string
}

// Envelope is a parsed EnvelopedData or AuthEnvelopedData.
type Envelope struct {
	Auth       bool   // AuthEnvelopedData (RFC 5083)
	Cipher     string // "AES-128-CBC", "AES-192-CBC", "AES-256-CBC", "AES-128-GCM", "AES-256-GCM", "3DES-CBC"; the OID when unknown
	Recipients []RecipientInfo
}

// ParseEnvelope parses a ContentInfo holding EnvelopedData or
// AuthEnvelopedData, in DER or BER.
func ParseEnvelope(der []byte) (*Envelope, error) {
	return nil, fmt.Errorf("%w: envelopes are being implemented", ErrUnsupported)
}

// KeyLookup finds the certificate and private key for a recipient
// identifier; it returns nil, nil, nil when we have none.
type KeyLookup func(ctx context.Context, id CertID) (*x509.Certificate, crypto.PrivateKey, error)

// Decrypted is the content of an envelope.
type Decrypted struct {
	Content      []byte
	Recipient    *x509.Certificate // ours, whose key opened it
	KeyTransport string
}

// Decrypt tries every RecipientInfo (ours need not be first) whose
// certificate lookup finds a key. It returns ErrNoKey when none matches,
// ErrDecrypt when a matching key fails, and a lookup error wrapped.
func (e *Envelope) Decrypt(ctx context.Context, lookup KeyLookup) (*Decrypted, error) {
	return nil, fmt.Errorf("%w: envelopes are being implemented", ErrUnsupported)
}
