package revocation

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"time"

	"golang.org/x/crypto/ocsp"

	"siegel/crypto/smime"
)

// An ocspAnswer is a verified OCSP response, usable until until.
type ocspAnswer struct {
	rev        smime.Revocation
	thisUpdate time.Time
	nextUpdate time.Time // zero when the response has none
	until      time.Time
	der        []byte
}

var errOCSPUnknown = errors.New("the responder does not know the certificate")

// askOCSP asks the responder at u and keeps a usable answer.
func (c *Checker) askOCSP(ctx context.Context, u string, k keys, cert, issuer *x509.Certificate) (smime.Revocation, error) {
	// SHA-1 issuer hashes: what OpenSSL's responder and most others match.
	req, err := ocsp.CreateRequest(cert, issuer, nil)
	if err != nil {
		return smime.Revocation{}, fmt.Errorf("make request: %w", err)
	}
	der, err := c.get(ctx, u, req, "application/ocsp-request", maxOCSPResponse)
	if err != nil {
		return smime.Revocation{}, err
	}
	now := c.o.Now()
	a, err := checkOCSP(der, cert, issuer, now, c.o.MaxAge)
	if err != nil {
		return smime.Revocation{}, err
	}
	a.rev.CheckedAt = now
	c.mu.Lock()
	c.ocsp[k.cert] = a
	c.ocspLoaded[k.cert] = true
	c.mu.Unlock()
	c.storeOCSP(ctx, k.cert, a)
	return a.rev, nil
}

// checkOCSP parses and verifies an OCSP response about cert: signed by
// issuer or by a responder certificate issuer made for OCSP signing,
// about cert's serial, fresh at now, and good or revoked.
func checkOCSP(der []byte, cert, issuer *x509.Certificate, now time.Time, maxAge time.Duration) (ocspAnswer, error) {
	resp, err := ocsp.ParseResponseForCert(der, cert, issuer)
	if err != nil {
		var re ocsp.ResponseError
		if errors.As(err, &re) {
			return ocspAnswer{}, fmt.Errorf("the responder says %q", re.Status.String())
		}
		// The library takes an embedded certificate for a delegate and
		// wants it signed by issuer; a CA that signs itself and sends its
		// own certificate along fails that, though it is the best signer.
		r, err2 := ocsp.ParseResponseForCert(der, cert, nil)
		if err2 != nil || r.Certificate == nil || !r.Certificate.Equal(issuer) {
			return ocspAnswer{}, fmt.Errorf("bad response: %v", err)
		}
		resp = r // its signature was checked with the embedded certificate
	}
	if d := resp.Certificate; d != nil && !d.Equal(issuer) {
		// The library checks only that issuer signed the delegate; any
		// certificate of the CA (a mail user's) would do without this.
		if !slices.Contains(d.ExtKeyUsage, x509.ExtKeyUsageOCSPSigning) {
			return ocspAnswer{}, fmt.Errorf("the responder certificate %q is not for OCSP signing", d.Subject.String())
		}
		if !bytes.Equal(d.RawIssuer, issuer.RawSubject) {
			return ocspAnswer{}, fmt.Errorf("the responder certificate %q is not issued by the certificate's CA", d.Subject.String())
		}
		if now.Before(d.NotBefore) || now.After(d.NotAfter) {
			return ocspAnswer{}, fmt.Errorf("the responder certificate %q is not valid now", d.Subject.String())
		}
	}
	if resp.SerialNumber == nil || resp.SerialNumber.Cmp(cert.SerialNumber) != 0 {
		return ocspAnswer{}, errors.New("the response is about another certificate")
	}
	if resp.ThisUpdate.After(now.Add(skew)) {
		return ocspAnswer{}, fmt.Errorf("the response is from the future (this update %s)", stamp(resp.ThisUpdate))
	}
	until := resp.NextUpdate
	if until.IsZero() {
		until = resp.ThisUpdate.Add(maxAge)
	}
	if !now.Before(until) {
		if resp.NextUpdate.IsZero() {
			return ocspAnswer{}, fmt.Errorf("the response is stale (this update %s)", stamp(resp.ThisUpdate))
		}
		return ocspAnswer{}, fmt.Errorf("the response is stale (next update %s)", stamp(resp.NextUpdate))
	}
	a := ocspAnswer{thisUpdate: resp.ThisUpdate, nextUpdate: resp.NextUpdate, until: until, der: der}
	switch resp.Status {
	case ocsp.Good:
		a.rev = smime.Revocation{Status: smime.RevGood, Source: "ocsp"}
	case ocsp.Revoked:
		a.rev = smime.Revocation{Status: smime.RevRevoked, Source: "ocsp", RevokedAt: resp.RevokedAt, Reason: reasonName(resp.RevocationReason)}
	case ocsp.Unknown:
		return ocspAnswer{}, errOCSPUnknown
	default:
		return ocspAnswer{}, fmt.Errorf("the response has status %d", resp.Status)
	}
	return a, nil
}

// cachedOCSP returns a fresh answer from memory or, once per certificate,
// from the database (verified again, since the file is outside our hands).
func (c *Checker) cachedOCSP(ctx context.Context, k keys, cert, issuer *x509.Certificate, now time.Time) (smime.Revocation, bool) {
	c.mu.Lock()
	a, ok := c.ocsp[k.cert]
	loaded := c.ocspLoaded[k.cert]
	c.mu.Unlock()
	if !ok && !loaded {
		a, ok = c.loadOCSP(ctx, k.cert, cert, issuer, now)
	}
	if !ok || !now.Before(a.until) || a.thisUpdate.After(now.Add(skew)) {
		return smime.Revocation{}, false
	}
	return a.rev, true
}

// reasonName is the RFC 5280 name of a CRLReason.
func reasonName(code int) string {
	switch code {
	case 0:
		return "unspecified"
	case 1:
		return "keyCompromise"
	case 2:
		return "cACompromise"
	case 3:
		return "affiliationChanged"
	case 4:
		return "superseded"
	case 5:
		return "cessationOfOperation"
	case 6:
		return "certificateHold"
	case 8:
		return "removeFromCRL"
	case 9:
		return "privilegeWithdrawn"
	case 10:
		return "aACompromise"
	}
	return fmt.Sprintf("reason %d", code)
}

// stamp is how times appear in reasons.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
