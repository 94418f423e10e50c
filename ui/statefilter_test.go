package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"siegel/mail"
	"siegel/mail/account"
	"siegel/mail/mailtest"
)

// TestStateFilters narrows the list to one state from the row above it,
// with the unread counts in the row and in the window title.
func TestStateFilters(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	u := newTestUI(t, c)
	if got, want := u.win.Title(), "Siegel — 6 unread"; got != want {
		t.Errorf("title: got %q, want %q", got, want)
	}
	wantText(t, u.win, "New (6)", "Open", "Pending", "Closed", "All (6)")

	// Read, answered and put on hold: 10003 leaves New.
	v := openTicket(t, u, 10003)
	tap(t, u.win, "Wait for customer")
	if got := c.ticket(10003).State; got != mail.TicketPending {
		t.Fatalf("after Wait for customer: got %s, want pending", got)
	}
	wantIn(t, v.obj, "Pending", "Reopen", "Close ticket")
	u.jobs.drain()
	if got, want := u.win.Title(), "Siegel — 5 unread"; got != want {
		t.Errorf("title after reading one: got %q, want %q", got, want)
	}
	if got := buttonText(u.main.filter.buttons[mail.TicketPending]); got != "Pending" {
		t.Errorf("Pending filter: got %q, want %q (the ticket is read)", got, "Pending")
	}

	for _, step := range []struct {
		filter mail.TicketState
		count  int
		first  int64
	}{
		{mail.TicketPending, 1, 10003},
		{mail.TicketNew, 5, 10005},
		{mail.TicketClosed, 0, 0},
		{"", 6, 10005},
	} {
		test.Tap(u.main.filter.buttons[step.filter])
		u.jobs.drain()
		if got := u.main.list.count; got != step.count {
			t.Errorf("filter %q: got %d tickets, want %d", step.filter, got, step.count)
		}
		if tk, _ := u.main.list.at(0); step.count > 0 && tk.Number != step.first {
			t.Errorf("filter %q: first ticket got #%d, want #%d", step.filter, tk.Number, step.first)
		}
		if step.count == 0 {
			wantText(t, u.win, "No ticket is “Closed”.")
		}
		if got := u.app.Preferences().String(prefState); got != string(step.filter) {
			t.Errorf("remembered filter: got %q, want %q", got, step.filter)
		}
	}

	// A pending ticket's customer answers: it opens again, for the list
	// and the header.
	test.Tap(u.main.filter.buttons[mail.TicketPending])
	u.jobs.drain()
	c.deliver(mailtest.Message(t, "Carol <carol@example.com>", mailtest.DeskAddress, "Re: [Ticket#10003] Password reset", "Still locked out."))
	waitFor(t, "the answer to reopen the ticket", func() bool {
		u.jobs.drain()
		return u.main.list.count == 0 && c.ticket(10003).State == mail.TicketOpen
	})
	wantText(t, u.win, "Open (1)")
	tap(t, u.win, "Close ticket")
	wantIn(t, v.obj, "Closed", "Reopen")
	if v.pendingBtn.Visible() {
		t.Error("a closed ticket offers Wait for customer")
	}
}

// wantIn fails unless o shows every one of the texts.
func wantIn(t testing.TB, o fyne.CanvasObject, texts ...string) {
	t.Helper()
	var b strings.Builder
	for _, x := range objects(o) {
		b.WriteString(textOf(x) + "\n")
	}
	got := b.String()
	for _, s := range texts {
		if !strings.Contains(got, s) {
			t.Errorf("%q is not shown; there is:\n%s", s, got)
		}
	}
}

// TestSignatureInComposer: a new ticket starts with the account's
// signature, an answer with it above the quote.
func TestSignatureInComposer(t *testing.T) {
	c := newCores(t, &coreOptions{account: func(a *account.Account) { a.Signature = "Anna\nHelpdesk" }})
	standardTickets(t, c)
	u := newTestUI(t, c)
	v := openReply(t, u, 10003)
	if got, want := v.composer.body.Text, "\n\n-- \nAnna\nHelpdesk\n\nOn "; len(got) < len(want) || got[:len(want)] != want {
		t.Errorf("answer text: got %q, want it to start %q", got, want)
	}
	u.main.showNewTicket()
	u.jobs.drain()
	if got, want := u.main.newTicket.body.Text, "\n\n-- \nAnna\nHelpdesk"; got != want {
		t.Errorf("new ticket text: got %q, want %q", got, want)
	}
}

// The account dialog edits the signature; one too long is refused in
// words and nothing is stored.
func TestSignatureInAccountDialog(t *testing.T) {
	c := newCores(t, nil)
	u := newTestUI(t, c)
	s := openSettings(t, u, 0)
	a, err := c.desk.Account(c.ctx, c.acctID)
	if err != nil {
		t.Fatal(err)
	}
	s.accounts.edit(&a)
	items := formItems(s.win, "Signature")
	if len(items) != 1 {
		t.Fatalf("the dialog has %d Signature fields, want 1", len(items))
	}
	sig := items[0].(*widget.Entry)
	sig.SetText(strings.Repeat("x", account.MaxSignature+1))
	tap(t, s.win, "Save")
	wantText(t, s.win, "The signature is too long: at most 4 KB of text.")
	sig.SetText("Anna\nHelpdesk")
	tap(t, s.win, "Save")
	if got, err := c.desk.Account(c.ctx, c.acctID); err != nil || got.Signature != "Anna\nHelpdesk" {
		t.Errorf("stored signature: got %q (%v), want %q", got.Signature, err, "Anna\nHelpdesk")
	}
}
