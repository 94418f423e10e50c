package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"siegel/crypto/smime"
	"siegel/mail/account"
	"siegel/mail/mailtest"
	"siegel/message"
)

// countingEngine counts the engine's analyses (OpenAt) and unwrappings
// for display (Reveal).
type countingEngine struct {
	Engine
	opens, reveals atomic.Int64
}

func (c *countingEngine) OpenAt(ctx context.Context, raw []byte, at time.Time) (*smime.Result, []byte) {
	c.opens.Add(1)
	return c.Engine.OpenAt(ctx, raw, at)
}

func (c *countingEngine) Reveal(ctx context.Context, raw []byte) []byte {
	c.reveals.Add(1)
	return c.Engine.Reveal(ctx, raw)
}

// storedIDs are the Message-IDs of the stored articles, sorted.
func storedIDs(t testing.TB, e *env) []string {
	t.Helper()
	rows, err := e.desk.db.QueryContext(e.ctx, `SELECT message_id FROM articles ORDER BY message_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		rows.Scan(&id)
		out = append(out, id)
	}
	return out
}

func qIDs(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("q%02d@example.org", i))
	}
	slices.Sort(out)
	return out
}

func inboxHistory(t testing.TB, e *env) HistoryProgress {
	t.Helper()
	list, err := e.desk.History(e.ctx, e.acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range list {
		if p.Mailbox == "INBOX" {
			return p
		}
	}
	return HistoryProgress{} // not synced yet
}

func subjects(ts []Ticket) []string {
	var out []string
	for _, tk := range ts {
		out = append(out, tk.Subject)
	}
	return out
}

// The first sync fetches the newest batch first and the list shows it at
// once; paused, the history stays where it is while new mail still
// comes; resumed, it completes, and the list is in the order of arrival.
func TestHistoryNewestFirstPauseResume(t *testing.T) {
	e := newEnv(t, &envOptions{desk: &Options{HistoryBatch: 10, RetryMin: 10 * time.Millisecond, PollInterval: time.Second}})
	const n = 30
	base := time.Now().Add(-n * time.Hour)
	for i := range n {
		e.imap.AppendAt(t, "INBOX", mailtest.Message(t, fmt.Sprintf("c%d@example.com", i), mailtest.DeskAddress,
			fmt.Sprintf("Question %02d", i), "x", mailtest.WithID(fmt.Sprintf("q%02d@example.org", i))), base.Add(time.Duration(i)*time.Hour))
	}
	var first []string
	var firstList []string
	var progress []HistoryProgress
	paused := false
	e.desk.Subscribe(func(ev Event) {
		p, ok := ev.(HistoryProgress)
		if !ok || p.Mailbox != "INBOX" {
			return
		}
		progress = append(progress, p)
		if paused {
			return
		}
		paused = true
		first = storedIDs(t, e)
		firstList = subjects(e.tickets())
		if err := e.desk.PauseHistory(e.ctx, e.acct.ID); err != nil {
			t.Error(err)
		}
	})
	e.sync()
	if want := qIDs(20, 30); !slices.Equal(first, want) {
		t.Errorf("after the first batch got %v stored, want the newest %v", first, want)
	}
	var want []string
	for i := 29; i >= 20; i-- {
		want = append(want, fmt.Sprintf("Question %02d", i))
	}
	if !slices.Equal(firstList, want) {
		t.Errorf("after the first batch the list is %v, want %v", firstList, want)
	}
	// The batch downloading when the pause came is stored too.
	if got, want := storedIDs(t, e), qIDs(10, 30); !slices.Equal(got, want) {
		t.Errorf("paused after the first batch: got %v stored, want %v", got, want)
	}
	if p := inboxHistory(t, e); p.Done != 20 || p.Total != n || !p.Paused || p.Remaining <= 0 {
		t.Errorf("History = %+v, want 20 of %d, paused, with an estimate of the time left", p, n)
	}
	if last := progress[len(progress)-1]; !last.Paused {
		t.Errorf("last event %+v, want it paused", last)
	}

	// Paused: a new pass fetches new mail, not history.
	e.imap.Append(t, "INBOX", mailtest.Message(t, "new@example.com", mailtest.DeskAddress, "Question 30", "x", mailtest.WithID("q30@example.org")))
	e.sync()
	if got, want := storedIDs(t, e), qIDs(10, 31); !slices.Equal(got, want) {
		t.Errorf("paused, after new mail got %v, want %v", got, want)
	}
	checkConsistent(t, e.desk.db, e.imap)

	if err := e.desk.ResumeHistory(e.ctx, e.acct.ID); err != nil {
		t.Fatal(err)
	}
	e.sync()
	if got := storedIDs(t, e); !slices.Equal(got, qIDs(0, 31)) {
		t.Errorf("resumed: got %d stored, want all 31", len(got))
	}
	if p := inboxHistory(t, e); p.Done != n || p.Total != n || p.Paused {
		t.Errorf("History = %+v, want %d of %d, not paused", p, n, n)
	}
	want = nil
	for i := 30; i >= 0; i-- {
		want = append(want, fmt.Sprintf("Question %02d", i))
	}
	if got := subjects(e.tickets()); !slices.Equal(got, want) {
		t.Errorf("the list is %v, want %v", got, want)
	}
	checkConsistent(t, e.desk.db, e.imap)
	// Progress only goes up.
	for i := 1; i < len(progress); i++ {
		if progress[i].Done < progress[i-1].Done {
			t.Errorf("progress went back: %+v after %+v", progress[i], progress[i-1])
		}
	}
	if e.sync().Accounts[0].New != 0 {
		t.Errorf("a pass after the history stored more")
	}
}

func TestHistoryLimit(t *testing.T) {
	ages := []int{800, 400, 100, 20, 1} // days
	tests := []struct {
		days int
		want []string
	}{
		{30, []string{"age1@example.org", "age20@example.org"}},
		{0, []string{"age100@example.org", "age1@example.org", "age20@example.org"}},
		{account.HistoryAll, []string{"age100@example.org", "age1@example.org", "age20@example.org", "age400@example.org", "age800@example.org"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.days), func(t *testing.T) {
			e := newEnv(t, &envOptions{account: func(a *account.Account) { a.HistoryDays = tt.days }})
			for _, age := range ages {
				e.imap.AppendAt(t, "INBOX", mailtest.Message(t, "alice@example.org", mailtest.DeskAddress, fmt.Sprint("Age ", age), "x",
					mailtest.WithID(fmt.Sprintf("age%d@example.org", age))), time.Now().AddDate(0, 0, -age))
			}
			e.sync()
			if got := storedIDs(t, e); !slices.Equal(got, tt.want) {
				t.Errorf("history of %d days: got %v, want %v", tt.days, got, tt.want)
			}
			if p := inboxHistory(t, e); p.Done != len(tt.want) || p.Total != len(tt.want) {
				t.Errorf("History = %+v, want %d of %d", p, len(tt.want), len(tt.want))
			}
			if tt.days == account.HistoryAll {
				return
			}
			// A longer window fetches the older mail it now covers.
			e.acct.HistoryDays = account.HistoryAll
			if err := e.desk.UpdateAccount(e.ctx, e.acct); err != nil {
				t.Fatal(err)
			}
			e.sync()
			if got := storedIDs(t, e); len(got) != len(ages) {
				t.Errorf("after the window grew to all: got %v, want all %d", got, len(ages))
			}
			if p := inboxHistory(t, e); p.Done != len(ages) || p.Total != len(ages) {
				t.Errorf("History = %+v, want %d of %d", p, len(ages), len(ages))
			}
			checkConsistent(t, e.desk.db, e.imap)
		})
	}
}

// An answer to a message older than the history pulls that message (and
// its own parent, from the Sent folder) into the answer's ticket.
func TestReplyToOldMessagePullsParent(t *testing.T) {
	e := newEnv(t, &envOptions{account: func(a *account.Account) { a.HistoryDays = 30 }})
	desk := mailtest.DeskAddress
	old := time.Now().AddDate(0, 0, -400)
	e.imap.AppendAt(t, "Sent", mailtest.Message(t, desk, "alice@example.org", "Printer", "Did you restart it?",
		mailtest.WithID("g@siegel.example")), old.AddDate(0, 0, -100))
	e.imap.AppendAt(t, "INBOX", mailtest.Message(t, "alice@example.org", desk, "Re: Printer", "Yes, twice.",
		mailtest.WithID("p@example.org"), mailtest.ReplyTo("g@siegel.example")), old)
	e.imap.AppendAt(t, "INBOX", mailtest.Message(t, "bob@example.org", desk, "Other", "Unrelated.",
		mailtest.WithID("other@example.org")), old)
	e.sync()
	if got := storedIDs(t, e); len(got) != 0 {
		t.Fatalf("got %v stored, want none (all older than the history)", got)
	}
	e.deliver(mailtest.Message(t, "alice@example.org", desk, "Re: Printer", "It is broken again.",
		mailtest.WithID("r@example.org"), mailtest.ReplyTo("p@example.org", "g@siegel.example")))
	e.deliver(mailtest.Message(t, "carol@example.org", desk, "Re: Lost", "Its parent is nowhere.",
		mailtest.WithID("lost-reply@example.org"), mailtest.ReplyTo("lost@example.org")))
	e.sync()
	want := []string{"g@siegel.example", "lost-reply@example.org", "p@example.org", "r@example.org"}
	if got := storedIDs(t, e); !slices.Equal(got, want) {
		t.Fatalf("got %v stored, want %v", got, want)
	}
	ts := e.tickets()
	if len(ts) != 2 {
		t.Fatalf("got %d tickets, want 2", len(ts))
	}
	var printer Ticket
	for _, tk := range ts {
		if tk.Customer.Address == "alice@example.org" {
			printer = tk
		}
	}
	arts := e.articles(printer.ID)
	var ids []string
	for _, a := range arts {
		ids = append(ids, a.MessageID)
	}
	if !slices.Equal(ids, []string{"g@siegel.example", "p@example.org", "r@example.org"}) {
		t.Errorf("Alice's ticket holds %v, want the old thread and the answer, oldest first", ids)
	}
	if len(arts) == 3 && !arts[0].Outgoing {
		t.Errorf("our old answer from the Sent folder is not outgoing")
	}
	checkConsistent(t, e.desk.db, nil)
}

// A message above the account's LargeMessage is analysed once at the
// sync, stored without its bytes, and fetched from the server when
// opened, without a second analysis.
func TestLargeMessageFetchedWhenOpened(t *testing.T) {
	const large = 16 << 10
	var ce *countingEngine
	e := newEnv(t, &envOptions{
		account: func(a *account.Account) { a.LargeMessage = large },
		engine:  func(en Engine) Engine { ce = &countingEngine{Engine: en}; return ce },
	})
	k := mailtest.TestPKI(t)
	alice := mailtest.CustomerSide(t, k.Alice)
	pdf := bytes.Repeat([]byte("%PDF-1.4 scan "), 4<<10)
	big := alice.Seal(t, mailtest.Message(t, "alice@example.org", mailtest.DeskAddress, "Scan", "The scan, as promised.",
		mailtest.WithID("big@example.org"), func(d *message.Draft) {
			d.Attachments = append(d.Attachments, message.Attachment{Name: "scan.pdf", ContentType: "application/pdf", Data: pdf})
		}), true, false)
	small := mailtest.Message(t, "bob@example.org", mailtest.DeskAddress, "Small", "Short.", mailtest.WithID("small@example.org"))
	e.deliver(big)
	e.deliver(small)
	e.sync()
	if got := ce.opens.Load(); got != 2 {
		t.Fatalf("got %d analyses at the sync, want 2", got)
	}
	if n := e.count(`SELECT count(*) FROM articles WHERE message_id = 'big@example.org' AND remote AND length(raw) = 0 AND size = ?`, len(big)); n != 1 {
		t.Errorf("the large message: got %d rows without raw bytes and with its size, want 1", n)
	}
	if n := e.count(`SELECT count(*) FROM articles WHERE message_id = 'small@example.org' AND NOT remote AND length(raw) = ?`, len(small)); n != 1 {
		t.Errorf("the small message is not stored whole")
	}
	tk := e.tickets()
	var bigTicket Ticket
	for _, x := range tk {
		if x.Subject == "Scan" {
			bigTicket = x
		}
	}
	if bigTicket.Signature != smime.SigValid || !bigTicket.NewestRemote {
		t.Errorf("the list shows the large message as %s, remote %v; want valid, fetched when opened", bigTicket.Signature, bigTicket.NewestRemote)
	}
	for _, x := range tk {
		if x.Subject == "Small" && x.NewestRemote {
			t.Errorf("the list shows the small message as fetched when opened")
		}
	}
	a := e.articles(bigTicket.ID)[0]
	if !a.Remote || a.Security.Signature != smime.SigValid || a.Size != len(big) {
		t.Errorf("article: remote %v, %s, %d bytes; want remote, valid, %d bytes", a.Remote, a.Security.Signature, a.Size, len(big))
	}

	v, err := e.desk.OpenArticle(e.ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Text != "The scan, as promised." || len(v.Attachments) != 1 || !bytes.Equal(v.Attachments[0].Data, pdf) {
		t.Errorf("opened: text %q, %d attachments; want the text and scan.pdf", v.Text, len(v.Attachments))
	}
	if !v.Remote || v.Security.Signature != smime.SigValid {
		t.Errorf("opened: remote %v, %s; want the stored verdict", v.Remote, v.Security.Signature)
	}
	raw, err := e.desk.RawArticle(e.ctx, a.ID)
	if err != nil || !bytes.Equal(raw, big) {
		t.Errorf("RawArticle: %d bytes, %v; want the message as received", len(raw), err)
	}
	if err := e.desk.Recheck(e.ctx); err != nil {
		t.Fatal(err)
	}
	if got := ce.opens.Load(); got != 2 {
		t.Errorf("got %d analyses after opening and a re-check, want 2: the verdict is made once", got)
	}
	if got := ce.reveals.Load(); got != 1 {
		t.Errorf("got %d unwrappings, want 1", got)
	}
	if n := e.count(`SELECT count(*) FROM articles WHERE remote AND length(raw) = 0`); n != 1 {
		t.Errorf("opening stored the raw bytes")
	}

	// Gone from the server (its folder renumbered): said so.
	e.imap.Recreate(t, "INBOX", [][]byte{small})
	if _, err := e.desk.OpenArticle(e.ctx, a.ID); !errors.Is(err, ErrNotOnServer) {
		t.Errorf("opening a message no longer on the server: got %v, want ErrNotOnServer", err)
	}
}

// The history survives a restart: a new desk on the same profile goes on
// below the stored cursor and fetches none of the messages stored before.
func TestHistoryResumesAfterRestart(t *testing.T) {
	server := mailtest.NewIMAP(t, nil)
	const n = 40
	base := time.Now().Add(-n * time.Hour)
	for i := range n {
		server.AppendAt(t, "INBOX", mailtest.Message(t, "alice@example.org", mailtest.DeskAddress, fmt.Sprint("Q ", i), "x",
			mailtest.WithID(fmt.Sprintf("q%02d@example.org", i))), base.Add(time.Duration(i)*time.Hour))
	}
	side := mailtest.DeskSide(t)
	ctx := context.Background()
	open := func() (*Desk, *countingEngine) {
		ce := &countingEngine{Engine: side.Engine}
		d, err := Open(ctx, side.Profile, side.Store, ce, &Options{HistoryBatch: 10})
		if err != nil {
			t.Fatal(err)
		}
		return d, ce
	}
	d, ce := open()
	id, err := d.AddAccount(ctx, account.Account{Address: mailtest.DeskAddress, IMAP: server.Server(), SMTP: server.Server()})
	if err != nil {
		t.Fatal(err)
	}
	// Stop the first desk after two batches, as a crash would (the pause
	// is only the means to stop it there).
	cancel := d.Subscribe(func(ev Event) {
		if p, ok := ev.(HistoryProgress); ok && p.Mailbox == "INBOX" && p.Done == 20 && !p.Paused {
			d.PauseHistory(ctx, id)
		}
	})
	d.Sync(ctx)
	cancel()
	d.Close()
	var first int
	d.db.QueryRow(`SELECT count(*) FROM articles`).Scan(&first)
	if got := ce.opens.Load(); got != int64(first) || first >= n || first < 20 {
		t.Fatalf("the first desk analysed %d messages and stored %d, want 20 or 30 of %d", got, first, n)
	}
	d, ce = open()
	defer d.Close()
	if err := d.ResumeHistory(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if got := ce.opens.Load(); got != int64(n-first) {
		t.Errorf("the second desk fetched %d messages, want the %d left", got, n-first)
	}
	var stored int
	d.db.QueryRow(`SELECT count(*) FROM articles`).Scan(&stored)
	if stored != n {
		t.Errorf("got %d articles, want %d", stored, n)
	}
	checkConsistent(t, d.db, server)
}

// slowEngine takes its time over every analysis, so that a history lasts.
type slowEngine struct {
	Engine
	delay time.Duration
}

func (s *slowEngine) OpenAt(ctx context.Context, raw []byte, at time.Time) (*smime.Result, []byte) {
	time.Sleep(s.delay)
	return s.Engine.OpenAt(ctx, raw, at)
}

// The watcher fetches the history in slices and new mail between them:
// a message that arrives during the history is stored long before the
// history ends. Paused, the watcher waits in IDLE; resumed, it wakes at
// once (the poll interval is far longer than the test).
func TestWatcherHistoryYieldsToNewMail(t *testing.T) {
	const n = 200
	e := newEnv(t, &envOptions{
		desk: &Options{HistoryBatch: 5, HistorySlice: 20 * time.Millisecond, PollInterval: time.Hour,
			RetryMin: 10 * time.Millisecond, RetryMax: 100 * time.Millisecond},
		engine: func(en Engine) Engine { return &slowEngine{Engine: en, delay: 5 * time.Millisecond} },
	})
	base := time.Now().Add(-n * time.Hour)
	for i := range n {
		e.imap.AppendAt(t, "INBOX", mailtest.Message(t, "alice@example.org", mailtest.DeskAddress, fmt.Sprint("Old ", i), "x",
			mailtest.WithID(fmt.Sprintf("old%d@example.org", i))), base.Add(time.Duration(i)*time.Hour))
	}
	if err := e.desk.Start(e.ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the history to start", func() bool { return inboxHistory(t, e).Done >= 10 })
	e.deliver(mailtest.Message(t, "bob@example.org", mailtest.DeskAddress, "New", "x", mailtest.WithID("new@example.org")))
	waitFor(t, "the new message", func() bool {
		return e.count(`SELECT count(*) FROM articles WHERE message_id = 'new@example.org'`) == 1
	})
	if p := inboxHistory(t, e); p.Done >= p.Total-20 {
		t.Errorf("the new message came only after %d of %d history messages, want it long before the end", p.Done, p.Total)
	}
	if err := e.desk.PauseHistory(e.ctx, e.acct.ID); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the batch in progress ends
	paused := e.count(`SELECT count(*) FROM articles`)
	time.Sleep(200 * time.Millisecond)
	if got := e.count(`SELECT count(*) FROM articles`); got != paused {
		t.Errorf("paused, the history went on: %d then %d articles", paused, got)
	}
	if err := e.desk.ResumeHistory(e.ctx, e.acct.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the history to complete", func() bool { return e.count(`SELECT count(*) FROM articles`) == n+1 })
	if p := inboxHistory(t, e); p.Done != n || p.Total != n {
		t.Errorf("History = %+v, want %d of %d", p, n, n)
	}
	e.desk.Close()
	checkConsistent(t, e.desk.db, e.imap)
}

// TestCheckMailReturnsAfterTheNewest: the window's Check mail stores the
// newest messages of a first sync and returns, leaving the history to the
// watcher; Sync fetches it all.
func TestCheckMailReturnsAfterTheNewest(t *testing.T) {
	e := newEnv(t, &envOptions{desk: &Options{HistoryBatch: 10, HistorySlice: time.Nanosecond}})
	const n = 40
	base := time.Now().Add(-n * time.Hour)
	for i := range n {
		e.imap.AppendAt(t, "INBOX", mailtest.Message(t, fmt.Sprintf("c%d@example.com", i), mailtest.DeskAddress,
			fmt.Sprintf("Question %02d", i), "x", mailtest.WithID(fmt.Sprintf("q%02d@example.org", i))), base.Add(time.Duration(i)*time.Hour))
	}
	if _, err := e.desk.CheckMail(e.ctx); err != nil {
		t.Fatal(err)
	}
	got := storedIDs(t, e)
	if len(got) == 0 || len(got) >= n || !slices.Contains(got, "q39@example.org") || slices.Contains(got, "q00@example.org") {
		t.Errorf("after Check mail: got %d stored (%v), want the newest batch, not the oldest", len(got), got)
	}
	e.sync()
	if got := storedIDs(t, e); len(got) != n {
		t.Errorf("after Sync: got %d stored, want %d", len(got), n)
	}
}
