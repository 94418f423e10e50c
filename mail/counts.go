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
// the key "" — for the list's filters and the window title.
func (d *Desk) Counts(ctx context.Context) (map[TicketState]StateCount, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT state, count(*), sum(unread > 0) FROM tickets GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("mail: counts: %w", err)
	}
	defer rows.Close()
	out := map[TicketState]StateCount{"": {}}
	for rows.Next() {
		var state string
		var c StateCount
		if err := rows.Scan(&state, &c.Tickets, &c.Unread); err != nil {
			return nil, fmt.Errorf("mail: counts: %w", err)
		}
		out[TicketState(state)] = c
		all := out[""]
		all.Tickets += c.Tickets
		all.Unread += c.Unread
		out[""] = all
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("mail: counts: %w", err)
	}
	return out, nil
}
