package mail

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"siegel/certs"
)

// Contact is an address the agent may mean while typing a recipient.
type Contact struct {
	Name, Address string
	// HasCert: the store holds a currently valid encryption certificate
	// for the address, so Encrypt can stay on.
	HasCert bool
}

// addressBook is the certificate store's part in completion
// (certs.Store); a desk without it completes from its tickets alone.
type addressBook interface {
	Holders(ctx context.Context, prefix string, limit int, t time.Time) ([]certs.Holder, error)
	Encryptable(ctx context.Context, addrs []string, t time.Time) (map[string]bool, error)
}

// Contacts completes a recipient: the customers of tickets and the
// holders of stored certificates whose address or name starts with prefix
// (case-insensitive), at most limit, those with a certificate first.
func (d *Desk) Contacts(ctx context.Context, prefix string, limit int) ([]Contact, error) {
	prefix = strings.TrimSpace(prefix)
	if limit <= 0 || limit > 50 {
		limit = 50
	}
	byAddr := map[string]*Contact{}
	var order []string
	add := func(c Contact) {
		c.Address = strings.ToLower(c.Address)
		if c.Address == "" {
			return
		}
		if old, ok := byAddr[c.Address]; ok {
			old.HasCert = old.HasCert || c.HasCert
			if old.Name == "" {
				old.Name = c.Name
			}
			return
		}
		byAddr[c.Address] = &c
		order = append(order, c.Address)
	}
	like := likePrefix(strings.ToLower(prefix))
	rows, err := d.db.QueryContext(ctx, `SELECT customer, max(customer_name) FROM tickets
		WHERE customer LIKE ? ESCAPE '\' OR lower(customer_name) LIKE ? ESCAPE '\'
		GROUP BY customer ORDER BY max(last_activity) DESC LIMIT ?`, like, like, limit)
	if err != nil {
		return nil, fmt.Errorf("mail: contacts: %w", err)
	}
	for rows.Next() {
		var c Contact
		if err := rows.Scan(&c.Address, &c.Name); err != nil {
			rows.Close()
			return nil, fmt.Errorf("mail: contacts: %w", err)
		}
		add(c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("mail: contacts: %w", err)
	}
	if ab, ok := d.certs.(addressBook); ok {
		hs, err := ab.Holders(ctx, prefix, limit, d.now())
		if err != nil {
			return nil, err
		}
		for _, h := range hs {
			add(Contact{Name: h.Name, Address: h.Address, HasCert: h.CanEncrypt})
		}
		// A customer typed by name has a certificate too.
		var ask []string
		for _, a := range order {
			if !byAddr[a].HasCert {
				ask = append(ask, a)
			}
		}
		can, err := ab.Encryptable(ctx, ask, d.now())
		if err != nil {
			return nil, err
		}
		for a := range can {
			if c := byAddr[a]; c != nil {
				c.HasCert = true
			}
		}
	}
	out := make([]Contact, 0, len(order))
	for _, a := range order {
		out = append(out, *byAddr[a])
	}
	slices.SortStableFunc(out, func(a, b Contact) int {
		switch {
		case a.HasCert == b.HasCert:
			return 0
		case a.HasCert:
			return -1
		}
		return 1
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}
