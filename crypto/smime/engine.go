package smime

import (
	"crypto/x509"
	"sync"
	"sync/atomic"
	"time"

	"siegel/crypto/certinfo"
)

// DefaultMaxSize is the default bound on one S/MIME object (the encoded
// body of a signature or pkcs7-mime part) that the engine decodes.
const DefaultMaxSize = 128 << 20

// maxDepth is the most layers the engine unwraps (DESIGN.md §3).
const maxDepth = 8

// maxSigners bounds the SignerInfos checked in one signed layer.
const maxSigners = 16

// Options adjust an Engine. The zero value is ready to use.
type Options struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxSize bounds the encoded size of one S/MIME object the engine
	// decodes (and so the memory one layer can take); zero means
	// DefaultMaxSize. A larger object gives the malformed or failed state.
	MaxSize int
	// Revocation answers whether certificates were revoked; nil checks
	// nothing (results then carry no revocation answer).
	Revocation RevocationChecker
	// RevocationStrict makes an unknown revocation status fail a
	// signature (SetRevocationStrict changes it later).
	RevocationStrict bool
}

// Engine opens and seals S/MIME messages against a Keyring. It is safe for
// concurrent use: open many messages in parallel with one Engine, so that
// its caches are shared.
type Engine struct {
	kr      Keyring
	now     func() time.Time
	maxSize int
	rev     RevocationChecker
	strict  atomic.Bool

	anchors atomic.Pointer[anchorSet]
	chains  chainCache
	infos   infoCache
}

// NewEngine returns an Engine with default options.
func NewEngine(kr Keyring) *Engine {
	return NewEngineWithOptions(kr, Options{})
}

// NewEngineWithOptions returns an Engine with opts.
func NewEngineWithOptions(kr Keyring, opts Options) *Engine {
	e := &Engine{kr: kr, now: opts.Now, maxSize: opts.MaxSize, rev: opts.Revocation}
	e.strict.Store(opts.RevocationStrict)
	if e.now == nil {
		e.now = time.Now
	}
	if e.maxSize <= 0 {
		e.maxSize = DefaultMaxSize
	}
	e.chains.m = make(map[chainKey][]cachedChain)
	e.infos.m = make(map[*x509.Certificate]*certinfo.Info)
	return e
}

// chainCache remembers verified certificate chains: verifying a chain costs
// a signature check per certificate, and mail brings the same signers over
// and over. Entries are keyed by the keyring generation, so a change in the
// store invalidates them.
type chainCache struct {
	mu sync.RWMutex
	m  map[chainKey][]cachedChain
}

// maxCachedInfos bounds the description cache; it is emptied when full.
const maxCachedInfos = 4096

// infoCache keeps the descriptions of certificates seen. The certificate
// parsers of cms and of the store hand out the same parsed certificate for
// the same DER, so the pointer is the key.
type infoCache struct {
	mu sync.RWMutex
	m  map[*x509.Certificate]*certinfo.Info
}

// describe returns the description of c, shared read-only.
func (e *Engine) describe(c *x509.Certificate) *certinfo.Info {
	e.infos.mu.RLock()
	info := e.infos.m[c]
	e.infos.mu.RUnlock()
	if info != nil {
		return info
	}
	d := certinfo.Describe(c)
	e.infos.mu.Lock()
	if len(e.infos.m) >= maxCachedInfos {
		clear(e.infos.m)
	}
	e.infos.m[c] = &d
	e.infos.mu.Unlock()
	return &d
}
