package certs

import (
	"context"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"siegel/crypto/certinfo"
)

// Collect stores the certificate of a signer whose signature the engine
// verified and which chains to a trusted CA, marked as collected, so an
// answer can be encrypted to it at once (DESIGN.md §4). It is the mail
// core's call, never the administrator's.
//
// It stores nothing and reports false for a CA certificate or a
// certificate that is already stored, and returns a *RuleError for one
// that fails the S/MIME checks. Collected certificates are found by the
// look-ups like imported ones, but are not pinned (see IsStored).
func (s *Store) Collect(ctx context.Context, cert *x509.Certificate) (added bool, err error) {
	if cert == nil || cert.IsCA {
		return false, nil
	}
	if err := Check(cert); err != nil {
		return false, err
	}
	tx, err := s.p.DB.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("certs: collect: %w", err)
	}
	defer tx.Rollback()
	var one int
	err = s.queryRow(ctx, tx, `SELECT 1 FROM certificates WHERE fingerprint = ?`, certinfo.Fingerprint(cert)).Scan(&one)
	switch {
	case err == nil:
		return false, nil
	case !errors.Is(err, sql.ErrNoRows):
		return false, fmt.Errorf("certs: collect: %w", err)
	}
	if err := s.insertCert(ctx, tx, cert, true, time.Now()); err != nil {
		return false, err
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("certs: collect: %w", err)
	}
	s.changed()
	return true, nil
}
