package revocation

import (
	"bytes"
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"time"

	"siegel/crypto/smime"
)

// CRLInfo describes a stored CRL, for Settings → Certificates.
type CRLInfo struct {
	Issuer string // the issuing CA's name
	// URL is where it was fetched from; for an imported CRL, the
	// distribution point it names, if any.
	URL                               string
	ThisUpdate, NextUpdate, FetchedAt time.Time // NextUpdate is zero when the CRL has none
	Entries                           int
	Imported                          bool
}

// A crl is a verified CRL, parsed once: the entries by serial number and
// what the CRL covers.
type crl struct {
	info      CRLInfo
	issuerKey string
	revoked   map[string]entry // by serial number in hex
	scope     scope
}

type entry struct {
	at     time.Time
	reason string
}

// scope is what an issuing distribution point limits a CRL to.
type scope struct {
	onlyUser, onlyCA bool
	// partial: only some reasons, indirect, or attribute certificates —
	// a CRL that cannot say a certificate is good.
	partial bool
	urls    []string // the distribution point's URIs; empty: all of them
}

var (
	errNotCovered    = errors.New("the CRL does not cover the certificate")
	oidDeltaCRL      = asn1.ObjectIdentifier{2, 5, 29, 27}
	oidIssuingDistPt = asn1.ObjectIdentifier{2, 5, 29, 28}
)

// parseCRL parses a CRL. It does not check the signature (checkCRL does).
func parseCRL(der []byte) (*x509.RevocationList, *crl, error) {
	rl, err := x509.ParseRevocationList(der)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrNotCRL, err)
	}
	cr := &crl{revoked: make(map[string]entry, len(rl.RevokedCertificateEntries))}
	for _, ext := range rl.Extensions {
		switch {
		case ext.Id.Equal(oidDeltaCRL):
			// Entries of a delta CRL are only the changes since a base CRL:
			// read alone, a certificate missing from it would be good.
			return nil, nil, fmt.Errorf("%w: a delta CRL, which is not used", ErrNotCRL)
		case ext.Id.Equal(oidIssuingDistPt):
			if cr.scope, err = parseScope(ext.Value); err != nil {
				return nil, nil, fmt.Errorf("%w: issuing distribution point: %v", ErrNotCRL, err)
			}
		}
	}
	for _, e := range rl.RevokedCertificateEntries {
		if e.SerialNumber == nil || e.ReasonCode == 8 { // removeFromCRL: no longer revoked
			continue
		}
		cr.revoked[e.SerialNumber.Text(16)] = entry{at: e.RevocationTime, reason: reasonName(e.ReasonCode)}
	}
	cr.info = CRLInfo{
		Issuer:     nameOf(rl.Issuer),
		ThisUpdate: rl.ThisUpdate,
		NextUpdate: rl.NextUpdate,
		Entries:    len(rl.RevokedCertificateEntries),
	}
	if len(cr.scope.urls) > 0 {
		cr.info.URL = cr.scope.urls[0]
	}
	return rl, cr, nil
}

func parseScope(der []byte) (scope, error) {
	// RFC 5280 5.2.5; the tags are implicit, the CHOICE's [0] explicit,
	// as crypto/x509 reads a certificate's distribution points.
	var idp struct {
		DP struct {
			FullName []asn1.RawValue `asn1:"optional,tag:0"`
			Relative asn1.RawValue   `asn1:"optional,tag:1"`
		} `asn1:"optional,tag:0"`
		OnlyUser bool           `asn1:"optional,tag:1"`
		OnlyCA   bool           `asn1:"optional,tag:2"`
		Reasons  asn1.BitString `asn1:"optional,tag:3"`
		Indirect bool           `asn1:"optional,tag:4"`
		OnlyAttr bool           `asn1:"optional,tag:5"`
	}
	rest, err := asn1.Unmarshal(der, &idp)
	if err != nil {
		return scope{}, err
	}
	if len(rest) > 0 {
		return scope{}, errors.New("trailing data")
	}
	s := scope{onlyUser: idp.OnlyUser, onlyCA: idp.OnlyCA, partial: idp.Reasons.BitLength > 0 || idp.Indirect || idp.OnlyAttr}
	for _, n := range idp.DP.FullName {
		if n.Class == asn1.ClassContextSpecific && n.Tag == 6 { // uniformResourceIdentifier
			s.urls = append(s.urls, string(n.Bytes))
		}
	}
	if len(idp.DP.FullName) > 0 && len(s.urls) == 0 || len(idp.DP.Relative.FullBytes) > 0 {
		// Named by a directory name or relative to the issuer: we cannot
		// tell which certificates point at it, so it covers none.
		s.partial = true
	}
	return s, nil
}

// checkCRL checks that issuer issued and signed rl.
func checkCRL(rl *x509.RevocationList, issuer *x509.Certificate) error {
	if !bytes.Equal(rl.RawIssuer, issuer.RawSubject) {
		return fmt.Errorf("the CRL is issued by %q, not by %q", nameOf(rl.Issuer), nameOf(issuer.Subject))
	}
	if err := rl.CheckSignatureFrom(issuer); err != nil {
		return fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	return nil
}

// fresh reports whether the CRL is not stale at now.
func (cr *crl) fresh(now time.Time, maxAge time.Duration) error {
	if cr.info.ThisUpdate.After(now.Add(skew)) {
		return fmt.Errorf("the CRL is from the future (this update %s)", stamp(cr.info.ThisUpdate))
	}
	if cr.info.NextUpdate.IsZero() {
		if !now.Before(cr.info.ThisUpdate.Add(maxAge)) {
			return fmt.Errorf("%w (this update %s)", errStaleCRL, stamp(cr.info.ThisUpdate))
		}
		return nil
	}
	if !now.Before(cr.info.NextUpdate) {
		return fmt.Errorf("%w (next update %s)", errStaleCRL, stamp(cr.info.NextUpdate))
	}
	return nil
}

var errStaleCRL = errors.New("the CRL is stale")

// covers reports whether the CRL speaks for cert (of its issuer).
func (cr *crl) covers(cert *x509.Certificate) bool {
	s := cr.scope
	switch {
	case s.partial, s.onlyUser && cert.IsCA, s.onlyCA && !cert.IsCA:
		return false
	case len(s.urls) == 0:
		return true
	}
	for _, u := range cert.CRLDistributionPoints {
		if slices.Contains(s.urls, u) {
			return true
		}
	}
	return false
}

func (cr *crl) answer(cert *x509.Certificate) smime.Revocation {
	if e, ok := cr.revoked[cert.SerialNumber.Text(16)]; ok {
		return smime.Revocation{Status: smime.RevRevoked, Source: "crl", RevokedAt: e.at, Reason: e.reason, CheckedAt: cr.info.FetchedAt}
	}
	return smime.Revocation{Status: smime.RevGood, Source: "crl", CheckedAt: cr.info.FetchedAt}
}

// fromCRLs answers from the stored CRLs of issuer: revoked when a fresh
// one that covers cert lists it, good when one covers it and none does.
func (c *Checker) fromCRLs(ctx context.Context, k keys, cert, issuer *x509.Certificate, now time.Time) (smime.Revocation, bool) {
	var best *crl
	for _, cr := range c.crlSet(ctx, k.issuer, issuer) {
		if cr.fresh(now, c.o.MaxAge) != nil || !cr.covers(cert) {
			continue
		}
		if r := cr.answer(cert); r.Status == smime.RevRevoked {
			return r, true
		}
		if best == nil || cr.info.ThisUpdate.After(best.info.ThisUpdate) {
			best = cr
		}
	}
	if best == nil {
		return smime.Revocation{}, false
	}
	return best.answer(cert), true
}

// crlFor returns the CRL of issuer at u: the stored one while it is
// fresh, else one fetch for all the certificates that ask meanwhile.
func (c *Checker) crlFor(ctx context.Context, u, issuerKey string, issuer *x509.Certificate) (*crl, error) {
	fetched := func() *crl {
		now := c.o.Now()
		for _, cr := range c.crlSet(ctx, issuerKey, issuer) {
			if !cr.info.Imported && cr.info.URL == u && cr.fresh(now, c.o.MaxAge) == nil {
				return cr
			}
		}
		return nil
	}
	if cr := fetched(); cr != nil {
		return cr, nil
	}
	key := issuerKey + " " + u
	return c.fetches.do(ctx, key, func() (*crl, error) {
		if cr := fetched(); cr != nil { // a flight that just ended brought it
			return cr, nil
		}
		c.mu.Lock()
		f, failed := c.crlFails[key]
		c.mu.Unlock()
		if failed && time.Since(f.at) < c.o.RetryInterval {
			return nil, errors.New(f.reason)
		}
		cr, err := c.fetchCRL(ctx, u, issuerKey, issuer)
		c.mu.Lock()
		if err != nil && ctx.Err() == nil {
			c.crlFails[key] = failure{reason: err.Error(), at: time.Now()}
		} else {
			delete(c.crlFails, key)
		}
		c.mu.Unlock()
		return cr, err
	})
}

func (c *Checker) fetchCRL(ctx context.Context, u, issuerKey string, issuer *x509.Certificate) (*crl, error) {
	der, err := c.get(ctx, u, nil, "", maxCRL)
	if err != nil {
		return nil, err
	}
	if b, _ := pem.Decode(der); b != nil && b.Type == "X509 CRL" {
		der = b.Bytes // RFC 5280 says DER, but some servers send PEM
	}
	rl, cr, err := parseCRL(der)
	if err != nil {
		return nil, err
	}
	if err := checkCRL(rl, issuer); err != nil {
		return nil, err
	}
	if err := cr.fresh(c.o.Now(), c.o.MaxAge); err != nil {
		return nil, err
	}
	cr.issuerKey = issuerKey
	cr.info.URL = u
	cr.info.FetchedAt = c.o.Now()
	if err := c.storeCRL(ctx, cr, der); err != nil {
		c.log.Error("revocation: store CRL", "url", u, "err", err)
	}
	return cr, nil
}

// nameOf is a CA's name as a person reads it.
func nameOf(n pkix.Name) string {
	if n.CommonName != "" {
		return n.CommonName
	}
	return n.String()
}
