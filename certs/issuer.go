package certs

import (
	"bytes"
	"context"
	"crypto/x509"
)

// CAsBySubject returns the stored CA certificates whose subject is exactly
// rawSubject (DER): the candidates for the issuer of a CRL or a
// certificate.
func (s *Store) CAsBySubject(ctx context.Context, rawSubject []byte) ([]*x509.Certificate, error) {
	anchors, err := s.TrustAnchors(ctx)
	if err != nil {
		return nil, err
	}
	var out []*x509.Certificate
	for _, c := range anchors {
		if bytes.Equal(c.RawSubject, rawSubject) {
			out = append(out, c)
		}
	}
	return out, nil
}

// Issuer returns the stored CA certificate that issued c (its subject is
// c's issuer and its key verifies c's signature), or nil when the store
// has none. A self-signed certificate has no issuer but itself: nil.
func (s *Store) Issuer(ctx context.Context, c *x509.Certificate) (*x509.Certificate, error) {
	cands, err := s.CAsBySubject(ctx, c.RawIssuer)
	if err != nil {
		return nil, err
	}
	for _, cand := range cands {
		if !cand.Equal(c) && c.CheckSignatureFrom(cand) == nil {
			return cand, nil
		}
	}
	return nil, nil
}
