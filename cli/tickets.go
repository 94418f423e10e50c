package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"siegel/mail"
)

// ticketJSON is one ticket in `tickets --json` and `show --json`.
type ticketJSON struct {
	Number       int64       `json:"number"`
	Tag          string      `json:"tag"`
	Subject      string      `json:"subject"`
	Customer     addressJSON `json:"customer"`
	State        string      `json:"state"`
	Created      time.Time   `json:"created"`
	LastActivity time.Time   `json:"last_activity"`
	Articles     int         `json:"articles"`
	Unread       int         `json:"unread"`
	// The security of the newest article: the row's lock and check icons.
	Encryption string `json:"encryption"`
	Signature  string `json:"signature"`
}

type addressJSON struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

func newTicketJSON(t *mail.Ticket) ticketJSON {
	return ticketJSON{
		Number: t.Number, Tag: t.Tag(), Subject: t.Subject,
		Customer: addressJSON{Name: t.Customer.Name, Address: t.Customer.Address},
		State:    string(t.State), Created: t.Created.UTC(), LastActivity: t.LastActivity.UTC(),
		Articles: t.Articles, Unread: t.Unread, Encryption: string(t.Encryption), Signature: string(t.Signature),
	}
}

// runTickets is `siegel tickets [--json] [--state S] [--search Q]
// [--limit N]`: the ticket list, most recent activity first; with --json
// one object per line.
func runTickets(ctx context.Context, env Env, args []string) int {
	fs := newFlagSet("tickets", &env)
	asJSON := fs.Bool("json", false, "print one JSON object per line and ticket")
	state := fs.String("state", "", "only tickets in this state: new, open, pending or closed")
	search := fs.String("search", "", "ticket number, or words of the subject, the customer or unencrypted text")
	limit := fs.Int("limit", 0, "at most this many tickets (0: all)")
	fs.Usage = func() {
		fmt.Fprintln(env.Stderr, "usage: siegel tickets [--json] [--state new|open|pending|closed] [--search WORDS] [--limit N]")
		fs.PrintDefaults()
	}
	if rest, err := parseInterspersed(fs, args); err != nil || len(rest) > 0 {
		fs.Usage()
		return 2
	}
	d, done, err := openDesk(ctx, env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "siegel tickets: %v\n", err)
		return 1
	}
	defer done()
	out := bufio.NewWriter(env.Stdout)
	defer out.Flush()
	q := mail.TicketQuery{State: mail.TicketState(*state), Search: *search, Limit: 500}
	n := 0
	for {
		page, err := d.Tickets(ctx, q)
		if err != nil {
			fmt.Fprintf(env.Stderr, "siegel tickets: %v\n", err)
			return 1
		}
		for i := range page.Tickets {
			t := &page.Tickets[i]
			if *asJSON {
				line, _ := json.Marshal(newTicketJSON(t))
				out.Write(append(line, '\n'))
			} else {
				unread := ""
				if t.Unread > 0 {
					unread = fmt.Sprintf("(%d unread)", t.Unread)
				}
				fmt.Fprintf(out, "%s  %-6s %-11s %s  %-30s %s [%s]\n", t.Tag(), t.State, unread,
					t.LastActivity.Local().Format("2006-01-02 15:04"), t.Customer.Address, t.Subject,
					securityWords(string(t.Encryption), string(t.Signature)))
			}
			if n++; *limit > 0 && n >= *limit {
				return 0
			}
		}
		if page.Next == nil {
			return 0
		}
		q.After = page.Next
	}
}
