package cli

import (
	"context"
	"fmt"

	"siegel/mail"
)

// ticketGroup is `siegel ticket`: what an agent does to one ticket.
var ticketGroup = &group{
	name: "ticket",
	subs: []subcommand{
		{"close", ticketState("close", mail.TicketClosed), "N", "close a ticket (the customer's next message opens it again)"},
		{"reopen", ticketState("reopen", mail.TicketOpen), "N", "open a closed or pending ticket again"},
		{"pending", ticketState("pending", mail.TicketPending), "N", "wait for the customer (their next message opens it again)"},
	},
}

func runTicket(ctx context.Context, env Env, args []string) int {
	return ticketGroup.run(ctx, env, args)
}

// ticketState is the subcommand name that puts a ticket in state.
func ticketState(name string, state mail.TicketState) func(ctx context.Context, env Env, args []string) int {
	return func(ctx context.Context, env Env, args []string) int {
		fs := newFlagSet("ticket "+name, &env)
		rest, err := parseInterspersed(fs, args)
		if err != nil || len(rest) != 1 {
			fmt.Fprintf(env.Stderr, "usage: siegel ticket %s N\n", name)
			return 2
		}
		number, ok := parseTicketNumber(rest[0])
		if !ok {
			fmt.Fprintf(env.Stderr, "siegel ticket %s: %q is not a ticket number\n", name, rest[0])
			return 2
		}
		d, done, err := openDesk(ctx, env)
		if err != nil {
			fmt.Fprintf(env.Stderr, "siegel ticket %s: %v\n", name, err)
			return 1
		}
		defer done()
		t, err := d.TicketByNumber(ctx, number)
		if err == nil {
			err = d.SetTicketState(ctx, t.ID, state)
		}
		if err != nil {
			fmt.Fprintf(env.Stderr, "siegel ticket %s: %s: %v\n", name, mail.FormatTag(number), err)
			return 1
		}
		fmt.Fprintf(env.Stdout, "%s is %s.\n", mail.FormatTag(number), state)
		return 0
	}
}
