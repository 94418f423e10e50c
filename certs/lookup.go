package certs

import (
	"context"
	"crypto"
	"crypto/x509"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"siegel/crypto/certinfo"
)

// selectEntry reads what an Entry needs; scanEntry reads its columns.
const selectEntry = `SELECT c.fingerprint, c.der, c.collected, c.imported_at,
	EXISTS (SELECT 1 FROM private_keys k WHERE k.key_id = c.key_id) FROM certificates c`

type scanner interface{ Scan(dest ...any) error }

func (s *Store) scanEntry(row scanner) (Entry, error) {
	var (
		fp         string
		der        []byte
		collected  bool
		importedAt int64
		hasKey     bool
	)
	if err := row.Scan(&fp, &der, &collected, &importedAt, &hasKey); err != nil {
		return Entry{}, err
	}
	pc, err := s.parse(fp, der)
	if err != nil {
		return Entry{}, err
	}
	info := pc.info
	info.Emails = slices.Clone(info.Emails) // the cached one stays as it is
	sum := Summary{Info: info, Usage: UsageOf(pc.cert), HasKey: hasKey, Collected: collected,
		ImportedAt: time.Unix(importedAt, 0).UTC()}
	return Entry{Cert: pc.cert, Summary: sum}, nil
}

// entries runs an entry query as a prepared statement, in tx when it is
// not nil.
func (s *Store) entries(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]Entry, error) {
	st, err := s.stmt(ctx, tx, query)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("certs: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := s.scanEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("certs: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("certs: %w", err)
	}
	return out, nil
}

func (s *Store) entry(ctx context.Context, tx *sql.Tx, fp string) (Entry, error) {
	es, err := s.entries(ctx, tx, selectEntry+` WHERE c.fingerprint = ?`, fp)
	if err != nil {
		return Entry{}, err
	}
	if len(es) == 0 {
		return Entry{}, fmt.Errorf("%w: %s", ErrNotFound, fp)
	}
	return es[0], nil
}

// Get returns the stored certificate with the fingerprint (64 hex digits,
// in any case, colons and spaces ignored), or ErrNotFound.
func (s *Store) Get(ctx context.Context, fingerprint string) (Entry, error) {
	fp, err := normalizeFingerprint(fingerprint)
	if err != nil {
		return Entry{}, err
	}
	if len(fp) != 64 {
		return Entry{}, fmt.Errorf("%w: %s", ErrNotFound, fp)
	}
	return s.entry(ctx, nil, fp)
}

// List returns the summaries of all stored certificates, by subject.
func (s *Store) List(ctx context.Context) ([]Summary, error) {
	es, err := s.entries(ctx, nil, selectEntry+` ORDER BY c.subject COLLATE NOCASE, c.not_before DESC, c.id`)
	if err != nil {
		return nil, err
	}
	out := make([]Summary, len(es))
	for i, e := range es {
		out[i] = e.Summary
	}
	return out, nil
}

// Lookup returns the stored end-entity certificates for an e-mail address
// (case-insensitive) that are valid at t (boundaries included) and have
// every usage flag asked for, newest (latest valid-from) first. With
// UsageCA it returns CA certificates carrying the address instead.
func (s *Store) Lookup(ctx context.Context, addr string, usage Usage, t time.Time) ([]Entry, error) {
	q := selectEntry + ` JOIN certificate_addresses a ON a.certificate_id = c.id
		WHERE a.address = ? AND c.is_ca = ? AND c.not_before <= ? AND c.not_after >= ?`
	if usage&UsageSign != 0 {
		q += ` AND c.can_sign = 1`
	}
	if usage&UsageEncrypt != 0 {
		q += ` AND c.can_encrypt = 1`
	}
	q += ` ORDER BY c.not_before DESC, c.id DESC`
	return s.entries(ctx, nil, q, normalizeAddress(addr), usage&UsageCA != 0, t.Unix(), t.Unix())
}

// CertsForAddress returns the stored end-entity certificates for addr that
// are valid at t, newest first (smime.Keyring).
func (s *Store) CertsForAddress(ctx context.Context, addr string, t time.Time) ([]*x509.Certificate, error) {
	es, err := s.Lookup(ctx, addr, 0, t)
	if err != nil {
		return nil, err
	}
	out := make([]*x509.Certificate, len(es))
	for i, e := range es {
		out[i] = e.Cert
	}
	return out, nil
}

// first returns the certificate of the first row of an entry query, or nil.
func (s *Store) first(ctx context.Context, query string, args ...any) (*x509.Certificate, error) {
	es, err := s.entries(ctx, nil, query, args...)
	if err != nil || len(es) == 0 {
		return nil, err
	}
	return es[0].Cert, nil
}

// CertByIssuerSerial finds a stored certificate by the DER of its issuer
// Name and its serial number (smime.Keyring). Issuer and serial do not
// identify a certificate for sure (careless CAs reuse them); when several
// match, one with a private key comes first, then the newest.
func (s *Store) CertByIssuerSerial(ctx context.Context, issuer []byte, serial *big.Int) (*x509.Certificate, error) {
	if serial == nil {
		return nil, nil
	}
	return s.first(ctx, selectEntry+` WHERE c.issuer = ? AND c.serial = ?
		ORDER BY 5 DESC, c.not_before DESC, c.id DESC LIMIT 1`, issuer, hex.EncodeToString(serial.Bytes()))
}

// CertBySubjectKeyID finds a stored certificate by subject key identifier
// (smime.Keyring), preferring one with a private key, then the newest.
func (s *Store) CertBySubjectKeyID(ctx context.Context, ski []byte) (*x509.Certificate, error) {
	if len(ski) == 0 {
		return nil, nil
	}
	return s.first(ctx, selectEntry+` WHERE c.ski = ? ORDER BY 5 DESC, c.not_before DESC, c.id DESC LIMIT 1`, ski)
}

// IsStored reports whether exactly this certificate was imported by an
// administrator (smime.Keyring): such a certificate is pinned, trusted
// without a chain. A collected certificate is not pinned — it was trusted
// through its CA, and stays trusted only as long as that CA is.
func (s *Store) IsStored(ctx context.Context, cert *x509.Certificate) (bool, error) {
	var collected bool
	err := s.queryRow(ctx, nil, `SELECT collected FROM certificates WHERE fingerprint = ?`,
		certinfo.Fingerprint(cert)).Scan(&collected)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("certs: %w", err)
	}
	return !collected, nil
}

// TrustAnchors returns the stored CA certificates (smime.Keyring). They
// are kept in memory until the next change; the slice and certificates are
// shared, so callers must not modify them.
func (s *Store) TrustAnchors(ctx context.Context) ([]*x509.Certificate, error) {
	s.mu.Lock()
	anchors, gen := s.anchors, s.gen.Load()
	s.mu.Unlock()
	if anchors != nil {
		return anchors, nil
	}
	es, err := s.entries(ctx, nil, selectEntry+` WHERE c.is_ca = 1 ORDER BY c.id`)
	if err != nil {
		return nil, err
	}
	anchors = make([]*x509.Certificate, len(es))
	for i, e := range es {
		anchors[i] = e.Cert
	}
	s.mu.Lock()
	// Keep them only if nothing changed meanwhile.
	if s.gen.Load() == gen {
		s.anchors = anchors
	}
	s.mu.Unlock()
	return anchors, nil
}

// PrivateKey returns the stored private key for cert (smime.Keyring): an
// *rsa.PrivateKey (a crypto.Signer and crypto.Decrypter) or an
// *ecdsa.PrivateKey, or nil when the store has none. Opening the first key
// of a run asks for the profile passphrase.
func (s *Store) PrivateKey(ctx context.Context, cert *x509.Certificate) (crypto.PrivateKey, error) {
	k, err := s.openKey(ctx, publicKeyID(cert.PublicKey))
	if k == nil || err != nil {
		return nil, err
	}
	return k, nil
}

// openKey returns the private key with the key id, opened with the profile
// vault once and kept in memory for the run, or nil when none is stored.
func (s *Store) openKey(ctx context.Context, id string) (crypto.Signer, error) {
	s.mu.Lock()
	k := s.keys[id]
	s.mu.Unlock()
	if k != nil {
		return k, nil
	}
	var sealed []byte
	err := s.queryRow(ctx, nil, `SELECT sealed FROM private_keys WHERE key_id = ?`, id).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("certs: private key: %w", err)
	}
	der, err := s.p.Open(ctx, "private_keys", "sealed", sealed)
	if err != nil {
		return nil, fmt.Errorf("certs: private key: %w", err)
	}
	key, err := x509.ParsePKCS8PrivateKey(der)
	clear(der)
	if err != nil {
		return nil, fmt.Errorf("certs: stored private key: %w", err)
	}
	signer, err := signer(key)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.keys[id] = signer
	s.mu.Unlock()
	return signer, nil
}

// Resolve expands a fingerprint or a prefix of at least 8 hex digits
// (colons and spaces ignored, any case) to the full fingerprint of the one
// stored certificate it names. It returns ErrBadFingerprint, ErrNotFound or
// ErrAmbiguous.
func (s *Store) Resolve(ctx context.Context, prefix string) (string, error) {
	p, err := normalizeFingerprint(prefix)
	if err != nil {
		return "", err
	}
	// "g" sorts after every hex digit: the range holds exactly the prefix.
	rows, err := s.p.DB.QueryContext(ctx, `SELECT fingerprint FROM certificates
		WHERE fingerprint >= ? AND fingerprint < ? ORDER BY fingerprint LIMIT 2`, p, p+"g")
	if err != nil {
		return "", fmt.Errorf("certs: %w", err)
	}
	defer rows.Close()
	var found []string
	for rows.Next() {
		var fp string
		if err := rows.Scan(&fp); err != nil {
			return "", fmt.Errorf("certs: %w", err)
		}
		found = append(found, fp)
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("certs: %w", err)
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("%w: %s", ErrNotFound, p)
	case 1:
		return found[0], nil
	default:
		return "", fmt.Errorf("%w: %s", ErrAmbiguous, p)
	}
}

// normalizeFingerprint lower-cases a fingerprint (prefix) and drops the
// colons and spaces of its printed forms.
func normalizeFingerprint(s string) (string, error) {
	s = strings.ToLower(strings.NewReplacer(":", "", " ", "", "\t", "").Replace(strings.TrimSpace(s)))
	if len(s) < 8 || len(s) > 64 {
		return "", fmt.Errorf("%w: %q", ErrBadFingerprint, s)
	}
	for _, r := range s {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f') {
			return "", fmt.Errorf("%w: %q", ErrBadFingerprint, s)
		}
	}
	return s, nil
}

func normalizeAddress(addr string) string { return strings.ToLower(strings.TrimSpace(addr)) }
