package certs

import (
	"context"
	"crypto"
	"crypto/x509"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"siegel/crypto/certinfo"
)

// ItemKind says whether an import report item is a certificate or a key.
type ItemKind int

// Item kinds.
const (
	ItemCertificate ItemKind = iota + 1
	ItemKey
)

func (k ItemKind) String() string {
	if k == ItemKey {
		return "private key"
	}
	return "certificate"
}

// Status is what an import did with one certificate or key.
type Status int

// Statuses.
const (
	// StatusAdded: newly stored.
	StatusAdded Status = iota + 1
	// StatusAlreadyStored: it was in the store already; not an error.
	StatusAlreadyStored
	// StatusKeyAttached: a private key was stored for a certificate that
	// was in the store already.
	StatusKeyAttached
)

func (s Status) String() string {
	switch s {
	case StatusAdded:
		return "stored"
	case StatusAlreadyStored:
		return "already in the store"
	case StatusKeyAttached:
		return "key attached"
	default:
		return fmt.Sprintf("status %d", int(s))
	}
}

// ReportItem is one certificate or key of an import.
type ReportItem struct {
	Kind   ItemKind
	Status Status
	// Summary describes the certificate; for a key, the certificate it
	// belongs to (the newest, when several share the key), as stored after
	// the import.
	Summary Summary
}

// ImportReport lists what an import did, certificates first, then keys,
// each in the order of the input.
type ImportReport struct {
	Name  string // the Bundle's name
	Items []ReportItem
}

// Changed reports whether the import stored anything new.
func (r *ImportReport) Changed() bool {
	for _, it := range r.Items {
		if it.Status != StatusAlreadyStored {
			return true
		}
	}
	return false
}

// Import is Parse followed by Add.
func (s *Store) Import(ctx context.Context, data []byte, filename string, passphrase []byte) (*ImportReport, error) {
	b, err := Parse(data, filename, passphrase)
	if err != nil {
		return nil, err
	}
	return s.Add(ctx, b)
}

// Add checks a parsed bundle and stores it, all of it or nothing, in one
// transaction:
//
//  1. Every certificate must pass Check (a *RuleError otherwise).
//  2. Every private key must belong to a certificate of the bundle or of the
//     store (ErrKeyWithoutCert otherwise).
//  3. New certificates are stored with their addresses; new keys are sealed
//     with the profile vault, which asks for the profile passphrase on first
//     use (its errors, such as profile.ErrNoPassphrase or
//     vault.ErrWrongPassphrase, are returned wrapped).
//
// A certificate that is already stored is reported as such; if it had been
// collected automatically, importing it explicitly pins it (clears the
// collected mark). Subscribers of OnChange are called when anything
// changed.
func (s *Store) Add(ctx context.Context, b *Bundle) (*ImportReport, error) {
	if b == nil || len(b.Certs) == 0 && len(b.Keys) == 0 {
		return nil, ErrNothingFound
	}
	for _, c := range b.Certs {
		if err := Check(c); err != nil {
			return nil, err
		}
	}
	if len(b.Keys) > 0 {
		// Ask for the profile passphrase before the write transaction, not
		// while holding the database's write lock.
		if _, err := s.p.Vault(ctx); err != nil {
			return nil, fmt.Errorf("certs: unlock the profile: %w", err)
		}
	}

	tx, err := s.p.DB.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("certs: import: %w", err)
	}
	defer tx.Rollback()

	report := &ImportReport{Name: b.Name}
	changed := false
	now := time.Now()
	type pending struct {
		kind   ItemKind
		status Status
		fp     string
	}
	var items []pending
	added := map[string]bool{} // key ids of certificates added now
	for _, c := range b.Certs {
		fp := certinfo.Fingerprint(c)
		s.remember(fp, c)
		var collected bool
		err := s.queryRow(ctx, tx, `SELECT collected FROM certificates WHERE fingerprint = ?`, fp).Scan(&collected)
		switch {
		case err == nil:
			if collected {
				if _, err := tx.ExecContext(ctx, `UPDATE certificates SET collected = 0 WHERE fingerprint = ?`, fp); err != nil {
					return nil, fmt.Errorf("certs: import: %w", err)
				}
				changed = true
			}
			items = append(items, pending{ItemCertificate, StatusAlreadyStored, fp})
		case errors.Is(err, sql.ErrNoRows):
			if err := s.insertCert(ctx, tx, c, false, now); err != nil {
				return nil, err
			}
			changed = true
			added[publicKeyID(c.PublicKey)] = true
			items = append(items, pending{ItemCertificate, StatusAdded, fp})
		default:
			return nil, fmt.Errorf("certs: import: %w", err)
		}
	}
	for _, k := range b.Keys {
		id := publicKeyID(k.Public())
		var fp string
		err := s.queryRow(ctx, tx, `SELECT fingerprint FROM certificates WHERE key_id = ?
			ORDER BY not_before DESC, id DESC LIMIT 1`, id).Scan(&fp)
		if errors.Is(err, sql.ErrNoRows) {
			typ, bits, curve := certinfo.Key(k.Public())
			return nil, fmt.Errorf("%w (%s)", ErrKeyWithoutCert, keyDescription(typ, bits, curve))
		}
		if err != nil {
			return nil, fmt.Errorf("certs: import: %w", err)
		}
		var one int
		err = s.queryRow(ctx, tx, `SELECT 1 FROM private_keys WHERE key_id = ?`, id).Scan(&one)
		switch {
		case err == nil:
			items = append(items, pending{ItemKey, StatusAlreadyStored, fp})
			continue
		case !errors.Is(err, sql.ErrNoRows):
			return nil, fmt.Errorf("certs: import: %w", err)
		}
		if err := s.insertKey(ctx, tx, id, k); err != nil {
			return nil, err
		}
		changed = true
		status := StatusKeyAttached
		if added[id] {
			status = StatusAdded
		}
		items = append(items, pending{ItemKey, status, fp})
	}
	for _, it := range items {
		e, err := s.entry(ctx, tx, it.fp)
		if err != nil {
			return nil, err
		}
		report.Items = append(report.Items, ReportItem{Kind: it.kind, Status: it.status, Summary: e.Summary})
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("certs: import: %w", err)
	}
	if changed {
		s.changed()
	}
	return report, nil
}

func keyDescription(typ string, bits int, curve string) string {
	return certinfo.Info{KeyType: typ, KeyBits: bits, KeyCurve: curve}.KeyDescription()
}

func (s *Store) insertCert(ctx context.Context, tx *sql.Tx, c *x509.Certificate, collected bool, now time.Time) error {
	info := certinfo.Describe(c)
	var ski []byte
	if len(c.SubjectKeyId) > 0 {
		ski = c.SubjectKeyId
	}
	res, err := s.exec(ctx, tx, `INSERT INTO certificates (fingerprint, der, subject, issuer, serial, ski,
		key_id, not_before, not_after, is_ca, can_sign, can_encrypt, collected, imported_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		info.Fingerprint, c.Raw, info.Subject, c.RawIssuer, hex.EncodeToString(c.SerialNumber.Bytes()), ski,
		publicKeyID(c.PublicKey), c.NotBefore.Unix(), c.NotAfter.Unix(), info.IsCA, info.CanSign, info.CanEncrypt,
		collected, now.Unix())
	if err != nil {
		return fmt.Errorf("certs: store certificate %s: %w", info.Fingerprint, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("certs: store certificate %s: %w", info.Fingerprint, err)
	}
	for _, addr := range info.Emails {
		if _, err := s.exec(ctx, tx, `INSERT OR IGNORE INTO certificate_addresses (address, certificate_id) VALUES (?, ?)`,
			addr, id); err != nil {
			return fmt.Errorf("certs: store certificate %s: %w", info.Fingerprint, err)
		}
	}
	return nil
}

// insertKey seals a private key as PKCS#8 and stores it. The plaintext DER
// is cleared as soon as it is sealed.
func (s *Store) insertKey(ctx context.Context, tx *sql.Tx, id string, k crypto.Signer) error {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnsupportedKey, err)
	}
	sealed, err := s.p.Seal(ctx, "private_keys", "sealed", der)
	clear(der)
	if err != nil {
		return fmt.Errorf("certs: seal private key: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO private_keys (key_id, sealed) VALUES (?, ?)`, id, sealed); err != nil {
		return fmt.Errorf("certs: store private key: %w", err)
	}
	return nil
}
