package smime

import (
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"siegel/crypto/certinfo"
	"siegel/crypto/cms"
	"siegel/message"
)

// maxDateSkew is how far the signing time may lie from the Date header,
// and after the arrival (clocks are not exact).
const maxDateSkew = time.Hour

// maxTransit is how long before its arrival a message may have been
// signed: longer than any mail queue holds a message. A signature older
// than that is a backdated one, or mail from an archive (inspect --at
// names its real arrival).
const maxTransit = 14 * 24 * time.Hour

// maxCandidates bounds the bundled certificates with the signer's
// identifier that are tried (each try is a signature check): look-alikes
// share issuer and serial, but a message with hundreds of them is an
// attack on the CPU.
const maxCandidates = 4

// problem is one failed rule of a signature.
type problem struct {
	state  SignatureState
	reason string
}

// verifyLayer checks every SignerInfo of a signed layer over content and
// sets the layer's state to the worst of them.
func (o *opener) verifyLayer(l *Layer, sd *cms.SignedData, content []byte) {
	if o.reveal {
		return // Reveal: the verdict is the stored one
	}
	switch {
	case len(sd.Signers) == 0:
		l.State, l.Reason = string(SigMalformed), "the signature has no signer"
		return
	case len(sd.Signers) > maxSigners:
		l.State, l.Reason = string(SigMalformed), fmt.Sprintf("%d signers, more than %d", len(sd.Signers), maxSigners)
		return
	}
	worst := -1
	for i := range sd.Signers {
		s := o.verifySigner(sd, i, content)
		l.Signers = append(l.Signers, s)
		if worst < 0 || s.State.Worse(l.Signers[worst].State) {
			worst = i
		}
	}
	l.State, l.Reason = string(l.Signers[worst].State), l.Signers[worst].Reason
}

// verifySigner applies every rule of DESIGN.md §3 to signer i.
func (o *opener) verifySigner(sd *cms.SignedData, i int, content []byte) Signer {
	si := sd.Signers[i]
	s := Signer{Digest: si.DigestAlgorithm, Signature: si.SignatureAlgorithm, SigningTime: si.SigningTime}

	// The signer certificate: the one (in the message, else in the store)
	// that the SignerInfo names and whose key verifies the signature. Never
	// another bundled certificate that merely carries the right name.
	var cert, named *x509.Certificate
	var verr error
	try := func(c *x509.Certificate) {
		err := sd.Verify(i, content, c)
		if err == nil {
			cert = c
			return
		}
		if named == nil {
			named, verr = c, err
		}
	}
	tries := 0
	for _, c := range sd.Certificates {
		if cert == nil && tries < maxCandidates && si.ID.Matches(c) {
			try(c)
			tries++
		}
	}
	var lookupErr error
	if cert == nil {
		stored, err := o.storedCert(si.ID)
		switch {
		case err != nil:
			lookupErr = err
		case stored != nil && (named == nil || !stored.Equal(named)):
			try(stored)
		}
	}
	if cert == nil && named == nil {
		s.State = SigCertNotFound
		s.Reason = "no certificate for " + si.ID.String() + " in the message or the store"
		if lookupErr != nil {
			s.Reason += fmt.Sprintf(" (store look-up failed: %v)", lookupErr)
		}
		return s
	}

	var problems []problem
	if cert == nil {
		cert = named
		switch {
		case errors.Is(verr, cms.ErrDigestMismatch):
			problems = append(problems, problem{SigTampered, "digest mismatch: " + verr.Error()})
		case errors.Is(verr, cms.ErrBadSignature):
			problems = append(problems, problem{SigTampered, "signature value does not verify: " + verr.Error()})
		default:
			problems = append(problems, problem{SigMalformed, verr.Error()})
		}
	}
	// Validity at arrival: the one time the sender cannot choose.
	tr := o.e.trustAt(o.ctx, cert, sd.Certificates, o.at)
	s.Chain = slices.Clone(tr.chain) // the cache keeps its own slice
	s.Cert = &s.Chain[0]
	s.CertDER = cert.Raw
	switch tr.verdict {
	case untrusted:
		problems = append(problems, problem{SigUntrusted, tr.reason})
	case expired:
		problems = append(problems, problem{SigExpired, tr.reason})
	}
	if tr.verdict != untrusted {
		s.Revocation = o.e.chainRevocation(o.ctx, tr.certs, sd.Certificates, false)
		if p := o.e.revocationProblem(s.Revocation); p != nil {
			problems = append(problems, *p)
		}
	}
	if !s.Cert.CanSign { // certinfo: not a CA, key usage and EKU allow signing
		problems = append(problems, problem{SigUntrusted, "certificate not meant for signing e-mail (CA, key usage or extended key usage)"})
	}
	if p := senderProblem(s.Cert, o.env); p != "" {
		problems = append(problems, problem{SigSenderMismatch, p})
	}
	switch {
	case !strongDigest(si.DigestAlgorithm):
		problems = append(problems, problem{SigWeak, si.DigestAlgorithm + " digest"})
	case weakSignature(si.SignatureAlgorithm):
		problems = append(problems, problem{SigWeak, si.SignatureAlgorithm + " signature"})
	}
	if st := si.SigningTime; !st.IsZero() {
		switch {
		case st.Sub(o.at) > maxDateSkew:
			problems = append(problems, problem{SigArrivalMismatch,
				fmt.Sprintf("signingTime %s is after the message arrived (%s)", st.UTC().Format(time.RFC3339), o.at.UTC().Format(time.RFC3339))})
		case o.at.Sub(st) > maxTransit:
			problems = append(problems, problem{SigArrivalMismatch,
				fmt.Sprintf("signingTime %s is %d days before the message arrived (%s)", st.UTC().Format(time.RFC3339),
					int(o.at.Sub(st).Hours()/24), o.at.UTC().Format(time.RFC3339))})
		}
	}
	if tr.verdict == trusted && len(tr.certs) > 0 {
		// Valid when it arrived; a certificate of the chain may have
		// expired since: a note, not a failure.
		now := o.res.Analysed
		for _, c := range tr.certs {
			if c.NotAfter.Before(now) && (s.ExpiredSince.IsZero() || c.NotAfter.Before(s.ExpiredSince)) {
				s.ExpiredSince = c.NotAfter
			}
		}
	}
	if !si.SigningTime.IsZero() && !o.env.Date.IsZero() {
		if d := o.env.Date.Sub(si.SigningTime); d > maxDateSkew || d < -maxDateSkew {
			problems = append(problems, problem{SigDateMismatch, fmt.Sprintf("Date header %+ds from signingTime", int64(d/time.Second))})
		}
	}

	s.State = SigValid
	var reasons []string
	for _, p := range problems {
		if p.state.Worse(s.State) {
			s.State = p.state
		}
		reasons = append(reasons, p.reason)
	}
	s.Reason = strings.Join(reasons, "; ")
	return s
}

// storedCert looks a signer certificate up in the store.
func (o *opener) storedCert(id cms.CertID) (*x509.Certificate, error) {
	if id.Issuer != nil {
		return o.e.kr.CertByIssuerSerial(o.ctx, id.Issuer, id.Serial)
	}
	if len(id.SubjectKeyID) > 0 {
		return o.e.kr.CertBySubjectKeyID(o.ctx, id.SubjectKeyID)
	}
	return nil, nil
}

// strongDigest reports whether a digest is SHA-256 or stronger.
func strongDigest(name string) bool {
	switch strings.ToUpper(name) {
	case "SHA-256", "SHA-384", "SHA-512", "SHA3-256", "SHA3-384", "SHA3-512":
		return true
	}
	return false
}

// weakSignature reports a signature algorithm with a weak hash of its own
// (RSASSA-PSS names its hash).
func weakSignature(name string) bool {
	n := strings.ToUpper(name)
	return strings.Contains(n, "SHA-1)") || strings.Contains(n, "MD5") || strings.Contains(n, "SHA1")
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// senderProblem says why the certificate does not vouch for the author
// of the message; empty when it does. The author is the one address of
// the From policy (message.Envelope): a header that names no author, or
// more than one, or hides another behind its display name, is a mismatch
// whatever the certificate says.
func senderProblem(c *certinfo.Info, env *message.Envelope) string {
	if env.FromProblem != "" {
		return env.FromProblem
	}
	if c.HasEmail(env.Author.Address) {
		return ""
	}
	reason := fmt.Sprintf("certificate %s vs From %s", orNone(strings.Join(c.Emails, "/")), orNone(env.Author.Address))
	for _, r := range env.Author.Address {
		if r >= utf8.RuneSelf {
			// A look-alike of the signer's domain reads the same; say
			// where it differs.
			reason += fmt.Sprintf(" (the From address holds the non-ASCII character %U)", r)
			break
		}
	}
	return reason
}
