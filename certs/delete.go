package certs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Delete removes a stored certificate and, unless another stored
// certificate has the same key pair, its private key. It returns
// ErrNotFound when no certificate has the fingerprint.
func (s *Store) Delete(ctx context.Context, fingerprint string) error {
	e, err := s.Get(ctx, fingerprint)
	if err != nil {
		return err
	}
	fp := e.Summary.Fingerprint
	keyID := publicKeyID(e.Cert.PublicKey)
	tx, err := s.p.DB.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("certs: delete: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `DELETE FROM certificates WHERE fingerprint = ?`, fp)
	if err != nil {
		return fmt.Errorf("certs: delete: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		// Deleted by someone else since Get.
		return fmt.Errorf("%w: %s", ErrNotFound, fp)
	}
	var one int
	keyRemoved := false
	err = tx.QueryRowContext(ctx, `SELECT 1 FROM certificates WHERE key_id = ? LIMIT 1`, keyID).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		keyRemoved = true
		if _, err := tx.ExecContext(ctx, `DELETE FROM private_keys WHERE key_id = ?`, keyID); err != nil {
			return fmt.Errorf("certs: delete private key: %w", err)
		}
	case err != nil:
		return fmt.Errorf("certs: delete: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("certs: delete: %w", err)
	}
	s.mu.Lock()
	delete(s.parsed, fp)
	if keyRemoved {
		delete(s.keys, keyID)
	}
	s.mu.Unlock()
	s.changed()
	return nil
}
