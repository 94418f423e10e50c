package cli

import (
	"context"
	"errors"
	"fmt"

	"siegel/mail"
	"siegel/mail/account/oauth"
)

// runSync is `siegel sync`: one sync pass over every account, then the
// outbox is delivered once; it prints what arrived. Exit status 0 when
// every account synced, 1 otherwise.
func runSync(ctx context.Context, env Env, args []string) int {
	fs := newFlagSet("sync", &env)
	fs.Usage = func() {
		fmt.Fprintln(env.Stderr, "usage: siegel sync")
		fmt.Fprintln(env.Stderr, "Fetches new mail of every account into tickets and prints what arrived; sends what waits in the outbox.")
	}
	if rest, err := parseInterspersed(fs, args); err != nil || len(rest) > 0 {
		fs.Usage()
		return 2
	}
	d, done, err := openDesk(ctx, env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "siegel sync: %v\n", err)
		return 1
	}
	defer done()
	accounts, err := d.Accounts(ctx)
	if err != nil {
		fmt.Fprintf(env.Stderr, "siegel sync: %v\n", err)
		return 1
	}
	if len(accounts) == 0 {
		fmt.Fprintln(env.Stderr, "siegel sync: no account; add one with siegel account add")
		return 1
	}
	rep, _ := d.Sync(ctx)
	status := 0
	for _, as := range rep.Accounts {
		if as.Err != nil {
			printConnError(env.Stderr, "siegel sync: "+as.Address, as.Err)
			if errors.Is(as.Err, oauth.ErrSignInAgain) {
				fmt.Fprintf(env.Stderr, "siegel sync: %s: run siegel account signin %s\n", as.Address, as.Address)
			}
			status = 1
		}
		fmt.Fprintf(env.Stdout, "%s: %d new\n", as.Address, as.New)
		for _, a := range as.Articles {
			fmt.Fprintln(env.Stdout, "  "+newArticleLine(a))
		}
		for _, r := range as.Refused {
			fmt.Fprintf(env.Stdout, "  not stored: %s UID %d: %v\n", r.Mailbox, r.UID, r.Err)
		}
		if more := as.New - len(as.Articles); more > 0 {
			fmt.Fprintf(env.Stdout, "  … and %d more\n", more)
		}
	}
	if err := d.DeliverOutbox(ctx); err != nil {
		fmt.Fprintf(env.Stderr, "siegel sync: outbox: %v\n", err)
		status = 1
	}
	pending, err := d.Outbox(ctx, mail.OutboxQuery{Unsent: true})
	if err == nil {
		for _, o := range pending {
			fmt.Fprintf(env.Stdout, "outbox: Ticket#%05d %q to %v: %s %s\n", o.TicketNumber, o.Subject, o.Recipients, o.State, o.LastError)
		}
	}
	return status
}

// newArticleLine is one arrived article: ticket, direction, sender,
// subject, security.
func newArticleLine(a mail.NewArticle) string {
	what := "reply"
	switch {
	case a.NewTicket:
		what = "new ticket"
	case a.Outgoing:
		what = "sent"
	}
	return fmt.Sprintf("%s %-10s %s %q [%s]", mail.FormatTag(a.TicketNumber), what, a.From, a.Subject, securityWords(string(a.Encryption), string(a.Signature)))
}

// securityWords says in short what the lock and check icons show.
func securityWords(encryption, signature string) string {
	lock := "not encrypted"
	switch encryption {
	case "decrypted":
		lock = "encrypted"
	case "no-key", "failed":
		lock = "encrypted, " + encryption
	}
	check := "not signed"
	if signature != "none" && signature != "" {
		check = "signature " + signature
	}
	return lock + ", " + check
}
