package smime

import (
	"bytes"
	"context"
	"crypto/x509"
	"slices"
	"strconv"
	"strings"
	"time"

	"siegel/crypto/certinfo"
)

// RevocationStatus is what a certificate authority says about one
// certificate, named as in the `inspect --json` contract.
type RevocationStatus string

// The revocation statuses.
const (
	// RevNotChecked: nobody asked — the engine has no checker, or online
	// checks are off and no imported CRL covers the certificate.
	RevNotChecked RevocationStatus = "not-checked"
	// RevChecking: the checker is asking the CA in the background; the
	// verdict is made again when it has the answer.
	RevChecking RevocationStatus = "checking"
	// RevGood: a verified, fresh OCSP response or CRL does not list it.
	RevGood RevocationStatus = "good"
	// RevRevoked: a verified, fresh OCSP response or CRL lists it.
	RevRevoked RevocationStatus = "revoked"
	// RevUnknown: the CA could not be asked or gave no usable answer (no
	// responder and no CRL, network down, responder error, stale or
	// forged answers); Reason says why.
	RevUnknown RevocationStatus = "unknown"
)

// Revocation is the revocation status of one certificate.
type Revocation struct {
	Status RevocationStatus `json:"status"`
	// Source is where a good or revoked answer came from: "ocsp" or
	// "crl"; empty otherwise.
	Source string `json:"source"`
	// RevokedAt and Reason (the RFC 5280 reason name, e.g.
	// "keyCompromise") describe a revocation; for an unknown status,
	// Reason says why it is unknown.
	RevokedAt time.Time `json:"revoked_at,omitzero"`
	Reason    string    `json:"reason,omitempty"`
	// CheckedAt is when the answer was obtained (the OCSP response or the
	// CRL was fetched or imported).
	CheckedAt time.Time `json:"checked_at,omitzero"`
	// Subject names the certificate the status is about when it is not
	// the signer's own but one of its issuing CAs.
	Subject string `json:"subject,omitempty"`
}

// worse reports whether r is a worse revocation answer than s: revoked,
// then unknown, then checking, then not checked, then good.
func (r Revocation) worse(s Revocation) bool { return r.Status.rank() < s.Status.rank() }

func (s RevocationStatus) rank() int {
	switch s {
	case RevRevoked:
		return 0
	case RevUnknown:
		return 1
	case RevChecking:
		return 2
	case RevNotChecked, "":
		return 3
	}
	return 4 // good
}

// RevocationChecker answers whether a certificate issued by issuer has
// been revoked. The engine asks it for the signer and every certificate
// of its chain below the trust anchor, and for every recipient before
// encrypting. The answer is about now, not about the signing time: a
// signature made before the revocation is still made with a revoked
// certificate, since the signing time is the sender's claim.
//
// Revocation must be safe for concurrent use and must not wait for the
// network when it is used by the desk: it answers from what it knows and
// says RevChecking while it asks in the background (package
// certs/revocation).
type RevocationChecker interface {
	Revocation(ctx context.Context, cert, issuer *x509.Certificate) Revocation
}

// revocationWaiter is a checker that can also wait for the CA's answer.
// Seal uses it: it runs in the background (the outbox, the command line)
// and must not encrypt to a certificate whose answer is still on its way.
type revocationWaiter interface {
	RevocationWait(ctx context.Context, cert, issuer *x509.Certificate) Revocation
}

// SetRevocationStrict sets whether an unknown revocation status (or one
// still being checked) makes a signature fail as untrusted instead of
// only being noted — the setting "Treat unknown revocation status as
// untrusted".
func (e *Engine) SetRevocationStrict(strict bool) { e.strict.Store(strict) }

// chainRevocation asks the checker about every certificate of chain
// (signer first, the trust anchor last) below the anchor and returns the
// worst answer; bundled are the certificates a message carried, to find
// the issuer of a pinned certificate. It returns nil without a checker.
func (e *Engine) chainRevocation(ctx context.Context, chain, bundled []*x509.Certificate, wait bool) *Revocation {
	if e.rev == nil || len(chain) == 0 {
		return nil
	}
	ask := e.rev.Revocation
	if w, ok := e.rev.(revocationWaiter); ok && wait {
		ask = w.RevocationWait
	}
	if len(chain) == 1 {
		// Pinned: trusted without a chain, but its CA still speaks for it.
		leaf := chain[0]
		if bytes.Equal(leaf.RawIssuer, leaf.RawSubject) && leaf.CheckSignatureFrom(leaf) == nil {
			return &Revocation{Status: RevNotChecked, Reason: "self-signed certificate"}
		}
		issuer := e.issuerOf(ctx, leaf, bundled)
		if issuer == nil {
			return &Revocation{Status: RevUnknown, Reason: "the certificate of its issuing CA is not available"}
		}
		chain = []*x509.Certificate{leaf, issuer}
	}
	var worst *Revocation
	for i := 0; i+1 < len(chain); i++ {
		r := ask(ctx, chain[i], chain[i+1])
		if i > 0 {
			r.Subject = chain[i].Subject.CommonName
			if r.Subject == "" {
				r.Subject = chain[i].Subject.String()
			}
		}
		if worst == nil || r.worse(*worst) {
			worst = &r
		}
	}
	return worst
}

// issuerOf finds the certificate that issued c among bundled and the
// stored CA certificates.
func (e *Engine) issuerOf(ctx context.Context, c *x509.Certificate, bundled []*x509.Certificate) *x509.Certificate {
	anchors, _ := e.kr.TrustAnchors(ctx)
	for _, cand := range append(slices.Clip(bundled), anchors...) {
		if cand != nil && !cand.Equal(c) && bytes.Equal(cand.RawSubject, c.RawIssuer) && c.CheckSignatureFrom(cand) == nil {
			return cand
		}
	}
	return nil
}

// revocationProblem is what a revocation answer does to a signature.
func (e *Engine) revocationProblem(r *Revocation) *problem {
	if r == nil {
		return nil
	}
	switch r.Status {
	case RevRevoked:
		return &problem{SigRevoked, RevokedText(r)}
	case RevUnknown, RevChecking:
		if e.strict.Load() {
			why := r.Reason
			if r.Status == RevChecking {
				why = "still being checked"
			}
			return &problem{SigUntrusted, "revocation status unknown (treated as untrusted): " + why}
		}
	}
	return nil
}

// RevokedText describes a revocation in English, for reasons, logs and
// the command line: "certificate revoked on 2026-12-01 (keyCompromise),
// per OCSP".
func RevokedText(r *Revocation) string {
	what := "certificate"
	if r.Subject != "" {
		what = "issuing CA " + strconv.Quote(r.Subject)
	}
	s := what + " revoked"
	if !r.RevokedAt.IsZero() {
		s += " on " + r.RevokedAt.UTC().Format(time.DateOnly)
	}
	if r.Reason != "" {
		s += " (" + r.Reason + ")"
	}
	switch r.Source {
	case "ocsp":
		s += ", per OCSP"
	case "crl":
		s += ", per CRL"
	}
	return s
}

// RevokedRecipient is a recipient whose only usable encryption
// certificate was revoked.
type RevokedRecipient struct {
	Address    string        `json:"address"`
	Cert       certinfo.Info `json:"cert"`
	Revocation Revocation    `json:"revocation"`
}

// RevokedCertError names every recipient whose encryption certificate was
// revoked. Seal returns it instead of encrypting to a key the CA has
// withdrawn.
type RevokedCertError struct {
	Recipients []RevokedRecipient
}

func (e *RevokedCertError) Error() string {
	parts := make([]string, len(e.Recipients))
	for i, r := range e.Recipients {
		parts[i] = "the certificate of " + r.Address + " was revoked"
		if !r.Revocation.RevokedAt.IsZero() {
			parts[i] += " on " + r.Revocation.RevokedAt.UTC().Format(time.DateOnly)
		}
		if r.Revocation.Reason != "" {
			parts[i] += " (" + r.Revocation.Reason + ")"
		}
	}
	return strings.Join(parts, "; ")
}
