package certs

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Holder is an e-mail address the store has a certificate for.
type Holder struct {
	Address string // lower case
	Name    string // the certificate's subject common name
	// CanEncrypt: a certificate for the address is valid now and allows
	// encryption.
	CanEncrypt bool
}

// Holders returns the addresses with certificates that start with prefix
// (case-insensitive), at most limit, for address completion.
func (s *Store) Holders(ctx context.Context, prefix string, limit int, t time.Time) ([]Holder, error) {
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	rows, err := s.p.DB.QueryContext(ctx, `SELECT a.address, max(c.subject),
			max(c.is_ca = 0 AND c.can_encrypt = 1 AND c.not_before <= ? AND c.not_after >= ?)
		FROM certificate_addresses a JOIN certificates c ON c.id = a.certificate_id
		WHERE a.address LIKE ? ESCAPE '\' GROUP BY a.address ORDER BY a.address LIMIT ?`,
		t.Unix(), t.Unix(), r.Replace(strings.ToLower(prefix))+"%", limit)
	if err != nil {
		return nil, fmt.Errorf("certs: holders: %w", err)
	}
	defer rows.Close()
	var out []Holder
	for rows.Next() {
		var h Holder
		if err := rows.Scan(&h.Address, &h.Name, &h.CanEncrypt); err != nil {
			return nil, fmt.Errorf("certs: holders: %w", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// Encryptable reports which of addrs (lower case) have a certificate
// valid at t that allows encryption: one question for a whole list.
func (s *Store) Encryptable(ctx context.Context, addrs []string, t time.Time) (map[string]bool, error) {
	out := map[string]bool{}
	if len(addrs) == 0 {
		return out, nil
	}
	args := []any{t.Unix(), t.Unix()}
	for _, a := range addrs {
		args = append(args, strings.ToLower(a))
	}
	rows, err := s.p.DB.QueryContext(ctx, `SELECT DISTINCT a.address
		FROM certificate_addresses a JOIN certificates c ON c.id = a.certificate_id
		WHERE c.is_ca = 0 AND c.can_encrypt = 1 AND c.not_before <= ? AND c.not_after >= ?
		AND a.address IN (?`+strings.Repeat(", ?", len(addrs)-1)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("certs: encryptable: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, fmt.Errorf("certs: encryptable: %w", err)
		}
		out[a] = true
	}
	return out, rows.Err()
}
