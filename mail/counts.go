package mail

import (
	"context"
	"fmt"
)

// StateCount is how many tickets are in a state, and how many of them
// have unread articles.
type StateCount struct {
	Tickets, Unread int
}

// Counts returns the ticket counts per state, and over all states under
// the key "" — for the list's filters and the window title. Both queries
// read an index only (the unread one holds the unread tickets alone): a
// refresh of the window costs milliseconds with 100,000 tickets.
func (d *Desk) Counts(ctx context.Context) (map[TicketState]StateCount, error) {
	out := map[TicketState]StateCount{"": {}}
	for _, q := range []struct {
		sql    string
		unread bool
	}{
		{`SELECT state, count(*) FROM tickets GROUP BY state`, false},
		{`SELECT state, count(*) FROM tickets WHERE unread > 0 GROUP BY state`, true},
	} {
		if err := d.countBy(ctx, q.sql, func(state TicketState, n int) {
			for _, k := range []TicketState{state, ""} {
				c := out[k]
				if q.unread {
					c.Unread += n
				} else {
					c.Tickets += n
				}
				out[k] = c
			}
		}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// countBy runs a query of (state, count) rows.
func (d *Desk) countBy(ctx context.Context, q string, add func(TicketState, int)) error {
	rows, err := d.db.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("mail: counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return fmt.Errorf("mail: counts: %w", err)
		}
		add(TicketState(state), n)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("mail: counts: %w", err)
	}
	return nil
}
