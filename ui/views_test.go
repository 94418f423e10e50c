package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"siegel/mail/mailtest"
)

// Every view renders: the markup of each is compared with its golden in
// testdata (fingerprints and server ports masked, see assertMarkup).

func TestViewsRender(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	u := newTestUI(t, c)

	assertMarkup(t, "main.xml", u.win.Canvas())

	openTicket(t, u, 10000)
	assertMarkup(t, "ticket.xml", u.win.Canvas())

	test.TypeOnCanvas(u.win.Canvas(), "") // nothing focused changes nothing
	u.keys.shortcut(ctrl(fyne.KeyN))
	if u.main.newTicket == nil {
		t.Fatal("Ctrl+N did not open the new-ticket composer")
	}
	assertMarkup(t, "newticket.xml", u.win.Canvas())

	u.showSettings()
	s := u.settings
	s.win.Resize(fyne.NewSize(1100, 700))
	for i, name := range []string{"settings-accounts.xml", "settings-certificates.xml", "settings-security.xml", "settings-appearance.xml"} {
		s.tabs.SelectIndex(i)
		assertMarkup(t, name, s.win.Canvas())
	}
}

// TestListRowsShowSecurity checks the rows' lock and seal: the icons of
// the newest article of each ticket.
func TestListRowsShowSecurity(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	u := newTestUI(t, c)
	want := map[int64][2]string{
		10000: {"lock.svg", "signed.svg"},
		10001: {"lock-open.svg", "sign-error.svg"},
		10002: {"lock-open.svg", "sign-error.svg"},
		10003: {"lock-open.svg", "not-signed.svg"},
		10004: {"lock-open.svg", "sign-error.svg"},
		10005: {"lock-error.svg", "not-signed.svg"},
	}
	seen := 0
	for _, o := range onScreen(u.win) {
		row, ok := o.(*ticketRow)
		if !ok || row.ticketID == 0 {
			continue
		}
		tk, err := c.desk.Ticket(c.ctx, row.ticketID)
		if err != nil {
			t.Fatal(err)
		}
		w := want[tk.Number]
		if got := [2]string{row.enc.Resource.Name(), row.sig.Resource.Name()}; got != w {
			t.Errorf("ticket %d: icons %v, want %v", tk.Number, got, w)
		}
		if !row.title.TextStyle.Bold {
			t.Errorf("ticket %d is unread but not bold", tk.Number)
		}
		seen++
	}
	if seen != len(want) {
		t.Fatalf("%d rows on screen, want %d", seen, len(want))
	}
	// Opening a ticket marks it read: its row is no longer bold.
	openTicket(t, u, 10003)
	u.main.list.reload()
	for _, o := range onScreen(u.win) {
		if row, ok := o.(*ticketRow); ok && row.ticketID == u.main.view.ticket.ID && row.title.TextStyle.Bold {
			t.Error("the opened ticket is still bold")
		}
	}
}

// TestSearch narrows the list and says when nothing matches.
func TestSearch(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	u := newTestUI(t, c)
	u.keys.shortcut(ctrl(fyne.KeyF))
	if u.win.Canvas().Focused() != u.main.search {
		t.Fatal("Ctrl+F did not focus the search box")
	}
	test.Type(u.main.search, "printer")
	if u.main.list.count != 1 {
		t.Errorf("search %q lists %d tickets, want 1", "printer", u.main.list.count)
	}
	wantText(t, u.win, "[Ticket#10002]  Printer broken")
	notText(t, u.win, "Contract renewal")
	u.main.search.SetText("10004")
	if tk, ok := u.main.list.at(0); !ok || tk.Number != 10004 || u.main.list.count != 1 {
		t.Errorf("search by number: %d tickets, first %+v", u.main.list.count, tk)
	}
	u.main.search.SetText("nothing-like-this")
	wantText(t, u.win, "No ticket matches the search.")
	u.main.search.SetText("")
	if u.main.list.count != 6 {
		t.Errorf("cleared search lists %d tickets, want 6", u.main.list.count)
	}
}

// TestCloseAndReopen changes a ticket's state from its header.
func TestCloseAndReopen(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	u := newTestUI(t, c)
	openTicket(t, u, 10003)
	tap(t, u.win, "Close ticket")
	if st := c.ticket(10003).State; st != "closed" {
		t.Fatalf("after Close ticket the state is %s", st)
	}
	wantText(t, u.win, "Closed")
	tap(t, u.win, "Reopen")
	if st := c.ticket(10003).State; st != "open" {
		t.Fatalf("after Reopen the state is %s", st)
	}
}

// TestCheckMail fetches new mail with F5 and shows it in the list.
func TestCheckMail(t *testing.T) {
	c := newCores(t, nil)
	u := newTestUI(t, c)
	wantText(t, u.win, "No tickets yet.")
	// The wrapping hint gets the list's width, not one letter's.
	relayout(u.win.Canvas())
	if w, h := u.main.list.empty.Size().Width, u.main.list.empty.MinSize().Height; w < 200 || h > 200 {
		t.Errorf("the empty list's hint is %v wide and needs %v height", w, h)
	}
	c.imap.AppendAt(t, "INBOX", mailtest.Message(t, "dave@example.com", mailtest.DeskAddress, "Hello", "Hi!", mailtest.At(epoch)), epoch)
	u.keys.key(&fyne.KeyEvent{Name: fyne.KeyF5})
	u.jobs.drain()
	u.main.list.reload()
	wantText(t, u.win, "[Ticket#10000]  Hello", "1 new message")
	if u.main.status.busy || disabled(u.main.checkButton) {
		t.Error("Check mail is still busy after the sync")
	}
}
