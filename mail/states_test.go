package mail

import (
	"context"
	"testing"

	"siegel/mail/mailtest"
)

func TestPendingTicket(t *testing.T) {
	e := newEnv(t, nil)
	tk := aliceTicket(t, e)
	if err := e.desk.SetTicketState(e.ctx, tk.ID, TicketPending); err != nil {
		t.Fatal(err)
	}
	page, err := e.desk.Tickets(e.ctx, TicketQuery{State: TicketPending})
	if err != nil || len(page.Tickets) != 1 || page.Tickets[0].ID != tk.ID {
		t.Fatalf("pending tickets: got %+v, %v; want the ticket", page.Tickets, err)
	}
	c, err := e.desk.Counts(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c[TicketPending], (StateCount{Tickets: 1, Unread: 1}); got != want {
		t.Errorf("pending count: got %v, want %v", got, want)
	}

	// Our own answer keeps it waiting for the customer …
	e.imap.Append(t, "Sent", mailtest.Message(t, mailtest.DeskAddress, "alice@example.org", "Re: [Ticket#10000] Printer broken",
		"Did you switch it on?", mailtest.WithID("s1@siegel.example"), mailtest.ReplyTo("q1@example.org")))
	e.sync()
	if got := e.ticket(10000).State; got != TicketPending {
		t.Errorf("after our answer: got %s, want pending", got)
	}
	// … the customer's answer opens it again.
	e.deliver(mailtest.Message(t, "alice@example.org", mailtest.DeskAddress, "Re: [Ticket#10000] Printer broken", "Yes.",
		mailtest.WithID("q2@example.org"), mailtest.ReplyTo("s1@siegel.example")))
	e.sync()
	if got := e.ticket(10000).State; got != TicketOpen {
		t.Errorf("after the customer's answer: got %s, want open", got)
	}

	if err := e.desk.SetTicketState(e.ctx, tk.ID, "waiting"); err == nil {
		t.Error(`state "waiting" was accepted`)
	}
	if _, err := e.desk.Tickets(e.ctx, TicketQuery{State: "waiting"}); err == nil {
		t.Error(`a list of state "waiting" was accepted`)
	}
}

// A profile made before the pending state keeps its tickets and gains the
// state when it is opened.
func TestPendingOnAnOlderProfile(t *testing.T) {
	ctx := context.Background()
	side := mailtest.DeskSide(t)
	if err := side.Profile.MigrateSteps(ctx, "mail", schemaBeforePending); err != nil {
		t.Fatal(err)
	}
	db := side.Profile.DB
	if _, err := db.ExecContext(ctx, `INSERT INTO tickets (id, number, state, created, last_activity) VALUES (1, 10000, 'open', 0, 0)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE tickets SET state = 'pending' WHERE id = 1`); err == nil {
		t.Fatal("the older schema already allows pending")
	}
	d, err := Open(ctx, side.Profile, side.Store, side.Engine, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.SetTicketState(ctx, 1, TicketPending); err != nil {
		t.Fatalf("pending after the migration: %v", err)
	}
	tk, err := d.TicketByNumber(ctx, 10000)
	if err != nil || tk.State != TicketPending {
		t.Errorf("ticket: got %+v, %v; want #10000 pending", tk, err)
	}
}
