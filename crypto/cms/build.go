package cms

import (
	"crypto"
	"crypto/x509"
	"fmt"
	"time"
)

// SignOptions are the options of SignDetached.
type SignOptions struct {
	Hash        crypto.Hash // zero means SHA-256; SHA-384 and SHA-512 are accepted
	SigningTime time.Time   // zero means time.Now()
}

// SignDetached makes a detached SignedData (DER ContentInfo) over content.
func SignDetached(content []byte, cert *x509.Certificate, key crypto.Signer, chain []*x509.Certificate, opts *SignOptions) ([]byte, error) {
	return nil, fmt.Errorf("%w: signing is being implemented", ErrUnsupported)
}

// Cipher is a content encryption algorithm for Encrypt.
type Cipher int

// The ciphers Encrypt offers.
const (
	AES256CBC Cipher = iota // the default: widest compatibility
	AES256GCM               // AuthEnvelopedData (RFC 5083/5084)
	AES128CBC
)

// KeyTransport is the RSA key transport for Encrypt.
type KeyTransport int

// The RSA key transports Encrypt offers.
const (
	RSAPKCS1v15 KeyTransport = iota // the default
	RSAOAEP                         // SHA-256, MGF1-SHA-256, no label
)

// EncryptOptions are the options of Encrypt.
type EncryptOptions struct {
	Cipher       Cipher
	KeyTransport KeyTransport
}

// Encrypt makes EnvelopedData (or AuthEnvelopedData for AES256GCM).
func Encrypt(content []byte, recipients []*x509.Certificate, opts *EncryptOptions) ([]byte, error) {
	return nil, fmt.Errorf("%w: encryption is being implemented", ErrUnsupported)
}
