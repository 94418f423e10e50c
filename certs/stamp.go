package certs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// Stamp names the store's content as far as a verdict can depend on it:
// which certificates it holds, which of them were collected rather than
// imported (an imported certificate is pinned), and which private keys.
// Two stamps are equal exactly when no such change happened in between,
// whichever process made it: the mail core compares the stamp its last
// re-check ran against with the current one to know that verdicts must be
// re-checked after another process (the command line) changed the store.
func (s *Store) Stamp(ctx context.Context) (string, error) {
	h := sha256.New()
	rows, err := s.p.DB.QueryContext(ctx, `SELECT fingerprint, collected FROM certificates ORDER BY fingerprint`)
	if err != nil {
		return "", fmt.Errorf("certs: stamp: %w", err)
	}
	for rows.Next() {
		var fp string
		var collected bool
		if err := rows.Scan(&fp, &collected); err != nil {
			rows.Close()
			return "", fmt.Errorf("certs: stamp: %w", err)
		}
		fmt.Fprintf(h, "c %s %t\n", fp, collected)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("certs: stamp: %w", err)
	}
	rows, err = s.p.DB.QueryContext(ctx, `SELECT key_id FROM private_keys ORDER BY key_id`)
	if err != nil {
		return "", fmt.Errorf("certs: stamp: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return "", fmt.Errorf("certs: stamp: %w", err)
		}
		fmt.Fprintf(h, "k %s\n", id)
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("certs: stamp: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
