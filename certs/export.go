package certs

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"

	"software.sslmate.com/src/go-pkcs12"
)

// ExportDER returns the DER of a stored certificate. A certificate is
// public; anyone may have it.
func (s *Store) ExportDER(ctx context.Context, fingerprint string) ([]byte, error) {
	e, err := s.Get(ctx, fingerprint)
	if err != nil {
		return nil, err
	}
	return bytes.Clone(e.Cert.Raw), nil
}

// ExportPEM returns a stored certificate as one PEM CERTIFICATE block.
func (s *Store) ExportPEM(ctx context.Context, fingerprint string) ([]byte, error) {
	der, err := s.ExportDER(ctx, fingerprint)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

// ExportPKCS12 returns a PKCS#12 file with a stored certificate, its
// private key and the chain of stored CA certificates above it, encrypted
// with passphrase (AES-256 and PBKDF2, pkcs12.Modern). It returns ErrNoKey
// when the key is not stored and ErrEmptyPassphrase for an empty
// passphrase. Opening the key may ask for the profile passphrase.
func (s *Store) ExportPKCS12(ctx context.Context, fingerprint string, passphrase []byte) ([]byte, error) {
	if len(passphrase) == 0 {
		return nil, ErrEmptyPassphrase
	}
	e, err := s.Get(ctx, fingerprint)
	if err != nil {
		return nil, err
	}
	key, err := s.openKey(ctx, publicKeyID(e.Cert.PublicKey))
	if err != nil {
		return nil, err
	}
	if key == nil {
		return nil, fmt.Errorf("%w: %s", ErrNoKey, e.Summary.Fingerprint)
	}
	anchors, err := s.TrustAnchors(ctx)
	if err != nil {
		return nil, err
	}
	p12, err := pkcs12.Modern.Encode(key, e.Cert, chainOf(e.Cert, anchors), string(passphrase))
	if err != nil {
		return nil, fmt.Errorf("certs: export PKCS#12: %w", err)
	}
	return p12, nil
}

// chainOf follows issuers among the CA certificates, checking each
// signature, up to a self-signed one or 8 steps.
func chainOf(c *x509.Certificate, cas []*x509.Certificate) []*x509.Certificate {
	var chain []*x509.Certificate
	for cur := c; len(chain) < 8; {
		if bytes.Equal(cur.RawIssuer, cur.RawSubject) && cur.CheckSignatureFrom(cur) == nil {
			break
		}
		var next *x509.Certificate
		for _, ca := range cas {
			if ca != cur && bytes.Equal(ca.RawSubject, cur.RawIssuer) && cur.CheckSignatureFrom(ca) == nil {
				next = ca
				break
			}
		}
		if next == nil {
			break
		}
		chain = append(chain, next)
		cur = next
	}
	return chain
}
