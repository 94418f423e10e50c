package smime

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"slices"
	"time"

	"siegel/crypto/certinfo"
)

// maxCachedChains bounds the chain cache; it is emptied when full.
const maxCachedChains = 4096

// anchorSet is the pool of stored CA certificates of one keyring
// generation.
type anchorSet struct {
	gen  uint64
	pool *x509.CertPool
}

// chainKey names one chain question: this leaf, with these certificates
// from the message, against the store of this generation.
type chainKey struct {
	leaf    [32]byte
	bundled [32]byte
	gen     uint64
}

// cachedChain is a verified chain and the period in which all of its
// certificates are valid: within it, crypto/x509 would accept the chain
// again, so it need not be verified again.
type cachedChain struct {
	certs               []*x509.Certificate
	infos               []certinfo.Info
	notBefore, notAfter time.Time
}

func newCachedChain(certs []*x509.Certificate) cachedChain {
	c := cachedChain{certs: certs, infos: make([]certinfo.Info, len(certs))}
	for i, cert := range certs {
		c.infos[i] = certinfo.Describe(cert)
		if i == 0 || cert.NotBefore.After(c.notBefore) {
			c.notBefore = cert.NotBefore
		}
		if i == 0 || cert.NotAfter.Before(c.notAfter) {
			c.notAfter = cert.NotAfter
		}
	}
	return c
}

func (c *cachedChain) validAt(t time.Time) bool {
	return !t.Before(c.notBefore) && !t.After(c.notAfter)
}

// trustVerdict is the outcome of a trust decision.
type trustVerdict int

const (
	trusted   trustVerdict = iota // chains to a stored CA, or pinned; valid at t
	expired                       // would be trusted, but not valid at t
	untrusted                     // neither chains to a stored CA nor pinned
)

// trust is the answer about a signer certificate.
type trust struct {
	verdict trustVerdict
	certs   []*x509.Certificate // as chain
	chain   []certinfo.Info     // signer first, up to the anchor (the signer alone when pinned)
	reason  string
}

// anchorPool returns the pool of stored CA certificates, rebuilt only when
// the keyring generation changes. Only certificates with CA:TRUE become
// anchors, whatever else the store holds.
func (e *Engine) anchorPool(ctx context.Context, gen uint64) (*x509.CertPool, error) {
	if a := e.anchors.Load(); a != nil && a.gen == gen {
		return a.pool, nil
	}
	certs, err := e.kr.TrustAnchors(ctx)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		if c != nil && c.BasicConstraintsValid && c.IsCA {
			pool.AddCert(c)
		}
	}
	e.anchors.Store(&anchorSet{gen: gen, pool: pool})
	return pool, nil
}

// bundleKey hashes the fingerprints of the certificates a message carries
// besides the leaf, in a fixed order.
func bundleKey(leaf *x509.Certificate, bundled []*x509.Certificate) [32]byte {
	var fps [][32]byte
	for _, c := range bundled {
		if c != leaf && !c.Equal(leaf) {
			fps = append(fps, sha256.Sum256(c.Raw))
		}
	}
	slices.SortFunc(fps, func(a, b [32]byte) int { return slices.Compare(a[:], b[:]) })
	h := sha256.New()
	for _, fp := range fps {
		h.Write(fp[:])
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// trustAt decides whether leaf (a signer certificate found in the message
// or the store) is trusted at time t: it chains through bundled
// certificates to a stored CA (crypto/x509 rules, e-mail protection
// usage), or it is itself stored (pinned). A trusted certificate not valid
// at t, or with a chain not valid at t, is expired.
func (e *Engine) trustAt(ctx context.Context, leaf *x509.Certificate, bundled []*x509.Certificate, t time.Time) trust {
	gen := e.kr.Generation()
	pool, err := e.anchorPool(ctx, gen)
	if err != nil {
		return trust{verdict: untrusted, chain: []certinfo.Info{*e.describe(leaf)},
			reason: fmt.Sprintf("reading the stored CA certificates: %v", err)}
	}
	key := chainKey{leaf: sha256.Sum256(leaf.Raw), bundled: bundleKey(leaf, bundled), gen: gen}

	e.chains.mu.RLock()
	cached := e.chains.m[key]
	e.chains.mu.RUnlock()
	for i := range cached {
		if cached[i].validAt(t) {
			return trust{verdict: trusted, certs: cached[i].certs, chain: cached[i].infos}
		}
	}

	opts := x509.VerifyOptions{
		Roots:         pool,
		Intermediates: x509.NewCertPool(),
		CurrentTime:   t,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
	}
	for _, c := range bundled {
		if !c.Equal(leaf) {
			opts.Intermediates.AddCert(c)
		}
	}
	if chains, err := leaf.Verify(opts); err == nil {
		cc := e.remember(key, chains[0])
		return trust{verdict: trusted, certs: cc.certs, chain: cc.infos}
	} else if pinned, perr := e.kr.IsStored(ctx, leaf); perr == nil && pinned {
		info := []certinfo.Info{*e.describe(leaf)}
		if !info[0].ValidAt(t) {
			return trust{verdict: expired, certs: []*x509.Certificate{leaf}, chain: info, reason: validityReason(leaf, t)}
		}
		return trust{verdict: trusted, certs: []*x509.Certificate{leaf}, chain: info}
	} else {
		// Is the chain there at another time? Then only the time is wrong.
		for _, probe := range []time.Time{leaf.NotBefore, leaf.NotAfter, leaf.NotBefore.Add(leaf.NotAfter.Sub(leaf.NotBefore) / 2)} {
			opts.CurrentTime = probe
			if chains, perr := leaf.Verify(opts); perr == nil {
				cc := e.remember(key, chains[0])
				return trust{verdict: expired, certs: cc.certs, chain: cc.infos, reason: chainValidityReason(chains[0], t)}
			}
		}
		reason := "does not chain to a stored CA certificate and is not stored itself: " + err.Error()
		if perr != nil {
			reason += fmt.Sprintf(" (store look-up failed: %v)", perr)
		}
		return trust{verdict: untrusted, chain: []certinfo.Info{*e.describe(leaf)}, reason: reason}
	}
}

// remember caches a verified chain.
func (e *Engine) remember(key chainKey, chain []*x509.Certificate) cachedChain {
	cc := newCachedChain(chain)
	e.chains.mu.Lock()
	if len(e.chains.m) >= maxCachedChains {
		clear(e.chains.m)
	}
	e.chains.m[key] = append(e.chains.m[key], cc)
	e.chains.mu.Unlock()
	return cc
}

func validityReason(c *x509.Certificate, t time.Time) string {
	return fmt.Sprintf("certificate valid %s to %s, not when the message arrived (%s)",
		c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339), t.UTC().Format(time.RFC3339))
}

func chainValidityReason(chain []*x509.Certificate, t time.Time) string {
	for _, c := range chain {
		if t.Before(c.NotBefore) || t.After(c.NotAfter) {
			if c == chain[0] {
				return validityReason(c, t)
			}
			return fmt.Sprintf("issuing CA %q valid %s to %s, not when the message arrived (%s)", c.Subject.CommonName,
				c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339), t.UTC().Format(time.RFC3339))
		}
	}
	return "not valid when the message arrived, " + t.UTC().Format(time.RFC3339)
}
