package mail

import (
	"context"
	"errors"
	"testing"

	"siegel/mail/mailtest"
)

// FuzzTicketSearch checks that nothing typed into the search box is taken
// as FTS or SQL syntax: every input gives tickets or ErrSearchSyntax.
func FuzzTicketSearch(f *testing.F) {
	for _, s := range []string{"drucker", "Ticket#10000", `"a" OR b*`, "NEAR(a b)", "a:b", "-x", "^y", "'; DROP TABLE tickets; --", "ü", "*"} {
		f.Add(s)
	}
	side := mailtest.NewSide(f)
	d, err := Open(context.Background(), side.Profile, nil, side.Engine, nil)
	if err != nil {
		f.Fatal(err)
	}
	fillTickets(f, d, 20)
	f.Fuzz(func(t *testing.T, s string) {
		_, err := d.Tickets(context.Background(), TicketQuery{Search: s})
		if err != nil && !errors.Is(err, ErrSearchSyntax) {
			t.Fatalf("search %q: %v", s, err)
		}
	})
}
