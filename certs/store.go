package certs

import (
	"context"
	"crypto"
	"crypto/x509"
	"database/sql"
	"fmt"
	"sync"
	"sync/atomic"

	"siegel/crypto/certinfo"
	"siegel/profile"
)

// The tables of the certificate store. Steps are only ever appended.
var migrations = []string{
	`CREATE TABLE certificates (
		id          INTEGER PRIMARY KEY,
		fingerprint TEXT NOT NULL UNIQUE,  -- SHA-256 of der, lower-case hex
		der         BLOB NOT NULL,
		subject     TEXT NOT NULL,         -- display name, for sorting
		issuer      BLOB NOT NULL,         -- DER of the issuer Name
		serial      TEXT NOT NULL,         -- lower-case hex of the serial number
		ski         BLOB,                  -- subject key identifier, when present
		key_id      TEXT NOT NULL,         -- SHA-256 of the canonical SubjectPublicKeyInfo
		not_before  INTEGER NOT NULL,      -- Unix seconds
		not_after   INTEGER NOT NULL,
		is_ca       INTEGER NOT NULL,
		can_sign    INTEGER NOT NULL,
		can_encrypt INTEGER NOT NULL,
		collected   INTEGER NOT NULL DEFAULT 0,
		imported_at INTEGER NOT NULL
	)`,
	`CREATE INDEX certificates_issuer_serial ON certificates (issuer, serial)`,
	`CREATE INDEX certificates_ski ON certificates (ski) WHERE ski IS NOT NULL`,
	`CREATE INDEX certificates_key_id ON certificates (key_id)`,
	`CREATE INDEX certificates_ca ON certificates (is_ca) WHERE is_ca = 1`,
	`CREATE TABLE certificate_addresses (
		address        TEXT NOT NULL,      -- lower-cased
		certificate_id INTEGER NOT NULL REFERENCES certificates (id) ON DELETE CASCADE,
		PRIMARY KEY (address, certificate_id)
	) WITHOUT ROWID`,
	`CREATE INDEX certificate_addresses_certificate ON certificate_addresses (certificate_id)`,
	// One row per key pair: certificates renewed for the same key share it.
	`CREATE TABLE private_keys (
		key_id TEXT PRIMARY KEY,           -- as certificates.key_id
		sealed BLOB NOT NULL               -- PKCS#8 DER, sealed by the profile vault
	)`,
}

// Store is the certificate store of a profile. Its methods are safe for
// concurrent use.
type Store struct {
	p *profile.Profile

	gen atomic.Uint64

	mu       sync.Mutex
	anchors  []*x509.Certificate      // nil when not loaded since the last change
	parsed   map[string]parsedCert    // by fingerprint
	keys     map[string]crypto.Signer // opened private keys by key_id
	nextSub  int
	onChange map[int]func()

	stmts sync.Map // query text → *sql.Stmt, for the look-ups made per message
}

// maxParsed bounds the cache of parsed certificates. At about 4 KiB each
// it holds a store of 10,000 certificates entirely (some 40 MiB) and never
// grows past 64 MiB; parsing a certificate costs as much as the SQL of a
// look-up.
const maxParsed = 16384

// parsedCert is a stored certificate as parsed and described once.
type parsedCert struct {
	cert *x509.Certificate
	info certinfo.Info
}

// Open opens the certificate store in the profile, creating or updating
// its tables, and registers the sealed private key column for
// profile.ChangePassphrase.
func Open(ctx context.Context, p *profile.Profile) (*Store, error) {
	if err := p.Migrate(ctx, "certs", migrations); err != nil {
		return nil, err
	}
	p.RegisterSealed("private_keys", "key_id", "sealed")
	s := &Store{p: p, parsed: map[string]parsedCert{}, keys: map[string]crypto.Signer{}, onChange: map[int]func(){}}
	s.gen.Store(1)
	return s, nil
}

// Generation changes whenever a change to the store is committed through
// this Store, so the S/MIME engine can cache chain verifications until
// then. Changes made by another process are seen after a restart.
func (s *Store) Generation() uint64 { return s.gen.Load() }

// OnChange registers f to be called after every committed change (import,
// collect, delete), on the goroutine that made it. f must not block; the
// mail core uses it to re-run failed security checks. The returned function
// unregisters f.
func (s *Store) OnChange(f func()) (cancel func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.nextSub
	s.nextSub++
	s.onChange[id] = f
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.onChange, id)
	}
}

// changed is called after a commit: it drops the caches derived from the
// store's content and tells the subscribers.
func (s *Store) changed() {
	s.gen.Add(1)
	s.mu.Lock()
	s.anchors = nil
	subs := make([]func(), 0, len(s.onChange))
	for _, f := range s.onChange {
		subs = append(subs, f)
	}
	s.mu.Unlock()
	for _, f := range subs {
		f()
	}
}

// parse returns the parsed certificate and its description for a stored
// DER, from the cache when possible. Stored certificates parsed once, so an
// error here means the database was damaged.
func (s *Store) parse(fp string, der []byte) (parsedCert, error) {
	s.mu.Lock()
	pc, ok := s.parsed[fp]
	s.mu.Unlock()
	if ok {
		return pc, nil
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return parsedCert{}, fmt.Errorf("certs: stored certificate %s: %w", fp, err)
	}
	return s.remember(fp, c), nil
}

// remember puts a parsed certificate into the cache.
func (s *Store) remember(fp string, c *x509.Certificate) parsedCert {
	pc := parsedCert{cert: c, info: certinfo.Describe(c)}
	s.mu.Lock()
	if len(s.parsed) >= maxParsed {
		// Evict an arbitrary entry (map order is random): unlike clearing
		// everything or LRU, this keeps a share of hits even when look-ups
		// cycle through more certificates than the cache holds.
		for k := range s.parsed {
			delete(s.parsed, k)
			break
		}
	}
	s.parsed[fp] = pc
	s.mu.Unlock()
	return pc
}

// stmt returns a prepared statement for query, bound to tx when it is not
// nil. Statements are prepared on first use and live as long as the
// database: with modernc.org/sqlite, compiling SQL costs as much as running
// a look-up.
func (s *Store) stmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	st, err := s.dbStmt(ctx, query)
	if err != nil || tx == nil {
		return st, err
	}
	return tx.StmtContext(ctx, st), nil
}

func (s *Store) dbStmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := s.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.p.DB.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("certs: %w", err)
	}
	if prev, loaded := s.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// queryRow runs a one-row query as a prepared statement in tx (or on the
// database when tx is nil). A failure to prepare shows at Scan.
func (s *Store) queryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) scanner {
	st, err := s.stmt(ctx, tx, query)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

// exec runs a statement as a prepared statement in tx.
func (s *Store) exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	st, err := s.stmt(ctx, tx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
