package revocation

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"database/sql"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"siegel/crypto/smime"
	"siegel/profile"
)

// Options tune New. The zero value is the desk: background fetches, online.
type Options struct {
	// Offline: no network at all; only stored CRLs (imported or fetched
	// earlier) and still-fresh cached OCSP answers count. The privacy
	// setting; SetOffline changes it at run time.
	Offline bool
	// Wait makes Revocation fetch inline and return the final answer (the
	// command line). Without it Revocation never touches the network: it
	// queues a fetch, says RevChecking, and calls the OnChange listeners
	// when the answer differs from what it last reported.
	Wait bool
	// Client makes the requests; the default is an http.Client with
	// Timeout.
	Client *http.Client
	// Now is the clock for freshness; default time.Now. Retries follow
	// the real clock, since they are about the network, not validity.
	Now func() time.Time
	// Timeout bounds each responder or CRL fetch; default 5s.
	Timeout time.Duration
	// Parallel is the most fetches at once; default 4.
	Parallel int
	// RetryInterval is how often certificates whose check failed (network,
	// responder error) are tried again in the background; default 1 minute.
	RetryInterval time.Duration
	// MaxAge is how long after its thisUpdate an OCSP response or CRL
	// without nextUpdate counts as fresh; default 24h.
	MaxAge time.Duration
	// Log receives what was ignored and why; default discard.
	Log *slog.Logger
}

// Checker is a revocation checker on a profile. Its methods are safe for
// concurrent use.
type Checker struct {
	db      *sql.DB
	o       Options
	log     *slog.Logger
	offline atomic.Bool
	sem     chan struct{} // one token per fetch in progress

	ctx       context.Context // the background work's; cancelled by Close
	stop      context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once
	wake      chan struct{}

	answers flights[smime.Revocation] // by cert key
	fetches flights[*crl]             // by issuer key and URL
	loads   flights[[]*crl]           // by issuer key

	mu         sync.Mutex
	ocsp       map[string]ocspAnswer // verified answers, by cert key
	ocspLoaded map[string]bool       // cert keys already looked up in the database
	crls       map[string][]*crl     // verified CRLs by issuer key, as in the database
	fails      map[string]failure    // by cert key
	crlFails   map[string]failure    // by issuer key and URL
	reported   map[string]smime.RevocationStatus
	pending    map[string]bool // cert keys queued or in flight in the background
	queue      []job
	subs       map[int]func()
	nextSub    int
}

// A failure is a check that found nothing usable, kept to answer from and
// to retry. at is on the real clock.
type failure struct {
	reason       string
	at           time.Time
	cert, issuer *x509.Certificate
}

// keys name a certificate as issued by one issuer (the OCSP cache key) and
// the issuer by its name and key (the CRL cache key): a CRL checks with
// every certificate of the CA that has both.
type keys struct{ cert, issuer string }

func keysOf(cert, issuer *x509.Certificate) keys {
	h := sha256.New()
	h.Write(cert.Raw)
	h.Write(issuer.Raw)
	return keys{cert: hex.EncodeToString(h.Sum(nil)), issuer: issuerKey(issuer)}
}

func issuerKey(issuer *x509.Certificate) string {
	h := sha256.New()
	h.Write(issuer.RawSubject) // DER: the two cannot run into each other
	h.Write(issuer.RawSubjectPublicKeyInfo)
	return hex.EncodeToString(h.Sum(nil))
}

// skew is how far in the future a thisUpdate may be, for clocks that differ.
const skew = 5 * time.Minute

// New opens the checker on p: it brings the tables up to date and, unless
// o.Wait, starts the background worker, which runs until Close (not until
// ctx ends: ctx is for the set-up). o may be nil.
func New(ctx context.Context, p *profile.Profile, o *Options) (*Checker, error) {
	var opts Options
	if o != nil {
		opts = *o
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: opts.Timeout}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Parallel <= 0 {
		opts.Parallel = 4
	}
	if opts.RetryInterval <= 0 {
		opts.RetryInterval = time.Minute
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = 24 * time.Hour
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if err := p.Migrate(ctx, "revocation", migrations); err != nil {
		return nil, err
	}
	c := &Checker{
		db:         p.DB,
		o:          opts,
		log:        log,
		sem:        make(chan struct{}, opts.Parallel),
		wake:       make(chan struct{}, 1),
		ocsp:       map[string]ocspAnswer{},
		ocspLoaded: map[string]bool{},
		crls:       map[string][]*crl{},
		fails:      map[string]failure{},
		crlFails:   map[string]failure{},
		reported:   map[string]smime.RevocationStatus{},
		pending:    map[string]bool{},
		subs:       map[int]func(){},
	}
	c.offline.Store(opts.Offline)
	c.ctx, c.stop = context.WithCancel(context.WithoutCancel(ctx))
	c.prune(ctx)
	if !opts.Wait {
		c.wg.Add(opts.Parallel + 1)
		for range opts.Parallel {
			go c.work()
		}
		go c.retry()
	}
	return c, nil
}

// Close stops the background worker and waits for it. It is safe to call
// more than once; the profile stays open.
func (c *Checker) Close() error {
	c.closeOnce.Do(func() {
		c.stop()
		c.wg.Wait()
	})
	return nil
}

// OnChange registers f to be called when a background check changes the
// status of a certificate from what Revocation last said, after ImportCRL
// and after SetOffline changes the setting. f runs on the checker's
// goroutine and must not block; it is meant to make the caller ask again.
func (c *Checker) OnChange(f func()) (cancel func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id := c.nextSub
	c.nextSub++
	c.subs[id] = f
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		delete(c.subs, id)
	}
}

func (c *Checker) notify() {
	c.mu.Lock()
	subs := make([]func(), 0, len(c.subs))
	for _, f := range c.subs {
		subs = append(subs, f)
	}
	c.mu.Unlock()
	for _, f := range subs {
		f()
	}
}

// SetOffline turns the online checks off or on. The listeners are called
// when it changes, since answers that were not checked may now be.
func (c *Checker) SetOffline(off bool) {
	if c.offline.Swap(off) != off {
		c.notify()
	}
}

// Revocation answers whether cert, issued by issuer, is revoked. Without
// Options.Wait it does not wait for the network (see the package doc).
func (c *Checker) Revocation(ctx context.Context, cert, issuer *x509.Certificate) smime.Revocation {
	return c.check(ctx, cert, issuer, c.o.Wait)
}

// RevocationWait is Revocation that waits for the CA's answer even in
// background mode: the engine's Seal uses it, since it must not encrypt
// to a certificate whose answer is still on its way.
func (c *Checker) RevocationWait(ctx context.Context, cert, issuer *x509.Certificate) smime.Revocation {
	return c.check(ctx, cert, issuer, true)
}

// Known returns what is known about cert without fetching or queueing,
// for the certificate list: RevChecking while a background fetch is under
// way, RevNotChecked when nothing is known.
func (c *Checker) Known(ctx context.Context, cert, issuer *x509.Certificate) smime.Revocation {
	if cert == nil || issuer == nil {
		return noIssuer
	}
	k := keysOf(cert, issuer)
	if r, ok := c.known(ctx, k, cert, issuer, forever); ok {
		return r
	}
	c.mu.Lock()
	busy := c.pending[k.cert]
	c.mu.Unlock()
	if busy {
		return smime.Revocation{Status: smime.RevChecking}
	}
	return smime.Revocation{Status: smime.RevNotChecked}
}

var noIssuer = smime.Revocation{Status: smime.RevUnknown, Reason: "the certificate of its issuing CA is not available"}

func (c *Checker) check(ctx context.Context, cert, issuer *x509.Certificate, wait bool) smime.Revocation {
	if cert == nil || issuer == nil {
		return noIssuer
	}
	k := keysOf(cert, issuer)
	// In the background a failure is retried by the worker, so it stands
	// until then; waiting callers try again once it is RetryInterval old.
	failFor := forever
	if wait {
		failFor = c.o.RetryInterval
	}
	if r, ok := c.known(ctx, k, cert, issuer, failFor); ok {
		c.report(k.cert, r.Status)
		return r
	}
	if !wait {
		if c.ctx.Err() != nil {
			return smime.Revocation{Status: smime.RevNotChecked, Reason: "the revocation checker is closed"}
		}
		c.enqueue(job{k: k, cert: cert, issuer: issuer})
		c.report(k.cert, smime.RevChecking)
		return smime.Revocation{Status: smime.RevChecking}
	}
	r := c.ask(ctx, k, cert, issuer)
	c.finish(k.cert, r)
	return r
}

// forever makes any failure count, however old.
const forever = time.Duration(1<<63 - 1)

// known answers from what is known, steps 1 to 5 of the package doc. A
// failure counts while it is younger than failFor.
func (c *Checker) known(ctx context.Context, k keys, cert, issuer *x509.Certificate, failFor time.Duration) (smime.Revocation, bool) {
	now := c.o.Now()
	if r, ok := c.cachedOCSP(ctx, k, cert, issuer, now); ok {
		return r, true
	}
	if r, ok := c.fromCRLs(ctx, k, cert, issuer, now); ok {
		return r, true
	}
	if c.offline.Load() {
		return smime.Revocation{Status: smime.RevNotChecked, Reason: "online revocation checks are off"}, true
	}
	if len(httpURLs(cert.OCSPServer)) == 0 && len(httpURLs(cert.CRLDistributionPoints)) == 0 {
		return smime.Revocation{Status: smime.RevUnknown, Reason: "the certificate names no OCSP responder and no CRL"}, true
	}
	c.mu.Lock()
	f, failed := c.fails[k.cert]
	c.mu.Unlock()
	if failed && time.Since(f.at) < failFor {
		return smime.Revocation{Status: smime.RevUnknown, Reason: f.reason}, true
	}
	return smime.Revocation{}, false
}

// ask asks the CA about cert, once at a time per certificate, and
// remembers the answer or the failure.
func (c *Checker) ask(ctx context.Context, k keys, cert, issuer *x509.Certificate) smime.Revocation {
	r, err := c.answers.do(ctx, k.cert, func() (smime.Revocation, error) {
		return c.query(ctx, k, cert, issuer), nil
	})
	if err != nil {
		return smime.Revocation{Status: smime.RevUnknown, Reason: err.Error()}
	}
	return r
}

// query asks the OCSP responders, then the CRL distribution points.
func (c *Checker) query(ctx context.Context, k keys, cert, issuer *x509.Certificate) smime.Revocation {
	var why []string
	for _, u := range httpURLs(cert.OCSPServer) {
		r, err := c.askOCSP(ctx, u, k, cert, issuer)
		if err == nil {
			c.clearFailure(k.cert)
			return r
		}
		c.log.Warn("revocation: OCSP answer not used", "url", u, "subject", cert.Subject.String(), "err", err)
		why = append(why, "OCSP responder "+u+": "+err.Error())
	}
	for _, u := range httpURLs(cert.CRLDistributionPoints) {
		cr, err := c.crlFor(ctx, u, k.issuer, issuer)
		if err == nil && !cr.covers(cert) {
			err = errNotCovered
		}
		if err != nil {
			c.log.Warn("revocation: CRL not used", "url", u, "subject", cert.Subject.String(), "err", err)
			why = append(why, "CRL "+u+": "+err.Error())
			continue
		}
		c.clearFailure(k.cert)
		return cr.answer(cert)
	}
	if len(why) == 0 {
		return smime.Revocation{Status: smime.RevUnknown, Reason: "the certificate names no OCSP responder and no CRL"}
	}
	r := smime.Revocation{Status: smime.RevUnknown, Reason: strings.Join(why, "; ")}
	if ctx.Err() == nil {
		c.mu.Lock()
		c.fails[k.cert] = failure{reason: r.Reason, at: time.Now(), cert: cert, issuer: issuer}
		c.mu.Unlock()
	}
	return r
}

func (c *Checker) clearFailure(certKey string) {
	c.mu.Lock()
	delete(c.fails, certKey)
	c.mu.Unlock()
}

// report records what a caller was told about a certificate.
func (c *Checker) report(certKey string, s smime.RevocationStatus) {
	c.mu.Lock()
	c.reported[certKey] = s
	c.mu.Unlock()
}

// finish records the answer of a fetch and calls the listeners when a
// caller was told something else before.
func (c *Checker) finish(certKey string, r smime.Revocation) {
	c.mu.Lock()
	prev, told := c.reported[certKey]
	c.reported[certKey] = r.Status
	c.mu.Unlock()
	if told && prev != r.Status {
		c.notify()
	}
}

// httpURLs keeps the http URLs; ldap and the rest are not fetched.
func httpURLs(all []string) []string {
	var out []string
	for _, u := range all {
		if len(u) > 7 && strings.EqualFold(u[:7], "http://") {
			out = append(out, u)
		}
	}
	return out
}
