package cms

import (
	"bytes"
	"crypto/x509"
	"sync"
)

// maxCachedCerts bounds the cache of parsed certificates. Mail carries the
// same few signer and CA certificates over and over; parsing one costs
// about as much as verifying an ECDSA signature.
const maxCachedCerts = 1024

// certCache maps certificate DER to the parsed certificate. Parsed
// certificates are shared read-only, as crypto/tls shares them.
var certCache struct {
	sync.RWMutex
	m map[string]*x509.Certificate
}

// parseCertificate parses DER with crypto/x509 through the cache; nil when
// it does not parse.
func parseCertificate(der []byte) *x509.Certificate {
	certCache.RLock()
	c, ok := certCache.m[string(der)]
	certCache.RUnlock()
	if ok {
		return c
	}
	// A copy: crypto/x509 keeps slices of its input, and the cache must
	// neither pin nor share the caller's message buffer.
	c, err := x509.ParseCertificate(bytes.Clone(der))
	if err != nil {
		return nil
	}
	certCache.Lock()
	if certCache.m == nil || len(certCache.m) >= maxCachedCerts {
		certCache.m = make(map[string]*x509.Certificate)
	}
	certCache.m[string(c.Raw)] = c
	certCache.Unlock()
	return c
}
