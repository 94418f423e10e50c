package mail

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"siegel/certs"
	"siegel/crypto/smime"
	"siegel/mail/account"
	"siegel/mail/mailtest"
	"siegel/profile"
)

func TestWatchIdleAndReconnect(t *testing.T) {
	imap := mailtest.NewIMAP(t, nil)
	proxy := mailtest.NewProxy(t, imap.Addr)
	e := newEnvWith(t, imap, &envOptions{imapVia: proxy,
		desk: &Options{PollInterval: time.Minute, RetryMin: 10 * time.Millisecond, RetryMax: 100 * time.Millisecond}})
	if err := e.desk.Start(e.ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.desk.Start(e.ctx); err == nil {
		t.Errorf("second Start: no error")
	}
	waitFor(t, "the first sync", func() bool { return e.countEvents(isSyncOK) >= 1 })

	// IDLE brings a new message without polling (the poll interval is
	// long in this test).
	e.deliver(mailtest.Message(t, "alice@example.org", mailtest.DeskAddress, "One", "1"))
	start := time.Now()
	waitFor(t, "the first message", func() bool { return len(e.tickets()) == 1 })
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("IDLE took %v", d)
	}

	// The connection drops: the watcher reconnects and catches up.
	proxy.Break()
	e.deliver(mailtest.Message(t, "alice@example.org", mailtest.DeskAddress, "Two", "2"))
	waitFor(t, "the second message after reconnecting", func() bool { return len(e.tickets()) == 2 })
	if n := proxy.Conns.Load(); n < 2 {
		t.Errorf("%d connections, want a reconnect", n)
	}
	if e.countEvents(func(ev Event) bool { d, ok := ev.(SyncDone); return ok && d.Err != nil }) == 0 {
		t.Errorf("no SyncDone event reported the dropped connection")
	}
	if err := e.desk.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.desk.Start(e.ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Start after Close = %v, want ErrClosed", err)
	}
}

func TestWatchPollsWithoutIdle(t *testing.T) {
	imap := mailtest.NewIMAP(t, &mailtest.IMAPOptions{NoIdle: true})
	e := newEnvWith(t, imap, &envOptions{desk: &Options{PollInterval: 50 * time.Millisecond, RetryMin: 10 * time.Millisecond, RetryMax: 100 * time.Millisecond}})
	if err := e.desk.Start(e.ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		e.deliver(mailtest.Message(t, "alice@example.org", mailtest.DeskAddress, fmt.Sprint("Poll ", i), "x"))
		waitFor(t, fmt.Sprint("message ", i), func() bool { return len(e.tickets()) == i+1 })
	}
}

func TestSyncLargeMailboxInBatches(t *testing.T) {
	e := newEnv(t, nil)
	const n = 450 // more than two fetch batches
	for i := range n {
		e.deliver(mailtest.Message(t, fmt.Sprintf("c%d@example.com", i), mailtest.DeskAddress, fmt.Sprint("Question ", i), "x"))
	}
	var last SyncProgress
	e.desk.Subscribe(func(ev Event) {
		if p, ok := ev.(SyncProgress); ok && p.Mailbox == "INBOX" {
			last = p
		}
	})
	rep := e.sync()
	if rep.Accounts[0].New != n || len(e.tickets()) != n {
		t.Errorf("stored %d articles in %d tickets, want %d", rep.Accounts[0].New, len(e.tickets()), n)
	}
	if last.Done != n || last.Total != n {
		t.Errorf("last progress %d of %d, want %d of %d", last.Done, last.Total, n, n)
	}
	if got, _ := e.desk.CountTickets(e.ctx, TicketQuery{State: TicketNew}); got != n {
		t.Errorf("CountTickets(new) = %d, want %d", got, n)
	}
	// Paging by cursor walks the whole list exactly once, newest first.
	seen := map[int64]bool{}
	q := TicketQuery{Limit: 100}
	var prev *Ticket
	for pages := 0; ; pages++ {
		page, err := e.desk.Tickets(e.ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for i := range page.Tickets {
			tk := &page.Tickets[i]
			if seen[tk.ID] {
				t.Fatalf("ticket %d on two pages", tk.Number)
			}
			seen[tk.ID] = true
			if prev != nil && tk.LastActivity.After(prev.LastActivity) {
				t.Fatalf("ticket %d is newer than the one before it", tk.Number)
			}
			prev = tk
		}
		if page.Next == nil {
			if pages != 4 {
				t.Errorf("%d pages, want 5", pages+1)
			}
			break
		}
		q.After = page.Next
	}
	if len(seen) != n {
		t.Errorf("paging saw %d tickets, want %d", len(seen), n)
	}
}

func isSyncOK(ev Event) bool { d, ok := ev.(SyncDone); return ok && d.Err == nil }

func (e *env) countEvents(match func(Event) bool) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, ev := range e.events {
		if match(ev) {
			n++
		}
	}
	return n
}

func TestWatchDoesNotNagForThePassphrase(t *testing.T) {
	ctx := context.Background()
	imap := mailtest.NewIMAP(t, nil)
	dir := t.TempDir()
	side := mailtest.OpenSide(t, dir)
	d, err := Open(ctx, side.Profile, side.Store, side.Engine, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.AddAccount(ctx, account.Account{Address: mailtest.DeskAddress, IMAP: imap.Server(), SMTP: imap.Server()}); err != nil {
		t.Fatal(err)
	}
	d.Close()
	side.Profile.Close()

	// The next run: the user cancels the passphrase prompt.
	var asked atomic.Int32
	p, err := profile.Open(ctx, dir, func(context.Context, bool) ([]byte, error) {
		asked.Add(1)
		return nil, profile.ErrNoPassphrase
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	st, err := certs.Open(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	d, err = Open(ctx, p, st, smime.NewEngine(st), &Options{RetryMin: 10 * time.Millisecond, RetryMax: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	imap.Append(t, "INBOX", mailtest.Message(t, "alice@example.org", mailtest.DeskAddress, "Hello", "x"))
	if err := d.Start(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if n := asked.Load(); n != 1 {
		t.Errorf("the passphrase was asked %d times, want once", n)
	}
	// Unlocked elsewhere (the user typed it for Check mail): the watcher
	// goes on by itself.
	if err := p.Unlock(ctx, []byte(mailtest.Passphrase)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the watcher to sync after the unlock", func() bool {
		n, _ := d.CountTickets(ctx, TicketQuery{})
		return n == 1
	})
}
