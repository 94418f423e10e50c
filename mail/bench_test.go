package mail

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"siegel/crypto/smime"
	"siegel/mail/account"
	"siegel/mail/imapsync"
	"siegel/mail/mailtest"
	"siegel/message"
	"siegel/profile"
)

// liveHeap samples the live heap (as the last garbage collection found
// it, so the sampling itself costs nothing) until stop is called, and
// returns the peak above the live heap at the start.
func liveHeap() (stop func() uint64) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	runtime.GC()
	base := read()
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			if v := read(); v > base && v-base > peak.Load() {
				peak.Store(v - base)
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak.Load()
	}
}

// discard is a Sink that keeps nothing: the fetch-only baseline.
type discard struct{ n int }

func (s *discard) Begin(context.Context, uint32) (imap.UID, bool, error)    { return 0, false, nil }
func (s *discard) Found(context.Context, int)                               {}
func (s *discard) Known(context.Context, []string) (map[string]bool, error) { return nil, nil }
func (s *discard) Message(_ context.Context, m imapsync.Message) error      { s.n++; return nil }

// BenchmarkSync10k compares a full sync of 10,000 mixed messages (plain,
// signed, encrypted, signed and encrypted) into tickets, with analysis, to
// its parts measured in the same run: the fetch-only loop over the same
// mailbox with the same client, plus the engine alone opening the same
// messages one after the other. Run with -benchtime=1x; it reports the
// seconds of each, the ratio (target ≤ 1.5) and the peak live heap of the
// sync above what the messages on the in-process server take.
func BenchmarkSync10k(b *testing.B) {
	benchSync(b, 10000)
}

// BenchmarkSync50k is BenchmarkSync10k with 50,000 messages: the peak
// heap must not grow with the mailbox.
func BenchmarkSync50k(b *testing.B) {
	benchSync(b, 50000)
}

func benchSync(b *testing.B, n int) {
	ctx := context.Background()
	msgs := mixedMessages(b, n)
	server := mailtest.NewIMAP(b, nil)
	for _, m := range msgs {
		server.Append(b, "INBOX", m)
	}
	acct := &account.Account{Address: mailtest.DeskAddress, IMAP: server.Server(), SMTP: server.Server()}
	b.ResetTimer()
	for range b.N {
		fetch := fetchOnly(ctx, b, acct, n)

		// The engine alone, with its own store, as the desk has it.
		side := mailtest.DeskSide(b)
		start := time.Now()
		for _, m := range msgs {
			if res, _ := side.Engine.Open(ctx, m); res.Signature == smime.SigMalformed {
				b.Fatalf("engine: malformed")
			}
		}
		engine := time.Since(start)

		// The desk: fetch, store, thread, analyse, index.
		side = mailtest.DeskSide(b)
		d, err := Open(ctx, side.Profile, side.Store, side.Engine, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := d.AddAccount(ctx, *acct); err != nil {
			b.Fatal(err)
		}
		heap := liveHeap()
		start = time.Now()
		rep, err := d.Sync(ctx)
		full := time.Since(start)
		peak := heap()
		if err != nil || rep.Accounts[0].New != n {
			b.Fatalf("sync: %d new, %v", rep.Accounts[0].New, err)
		}
		d.Close()
		b.ReportMetric(fetch.Seconds(), "fetch-s")
		b.ReportMetric(engine.Seconds(), "engine-s")
		b.ReportMetric(full.Seconds(), "sync-s")
		b.ReportMetric(full.Seconds()/(fetch.Seconds()+engine.Seconds()), "ratio")
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	}
}

// fillTickets stores n tickets of one article each through the real
// filing code (threading, counters, search index), without analysis.
func fillTickets(tb testing.TB, d *Desk, n int) {
	tb.Helper()
	ctx := context.Background()
	base := time.Now().Add(-time.Duration(n) * time.Minute)
	words := []string{"printer", "vpn", "invoice", "laptop", "password", "drucker", "rechnung", "mail"}
	res := &smime.Result{Encryption: smime.EncNone, Signature: smime.SigNone}
	for done := 0; done < n; {
		tx, err := d.db.BeginTx(ctx, nil)
		if err != nil {
			tb.Fatal(err)
		}
		ftx := newTxn(tx)
		for i := 0; i < 2000 && done < n; i, done = i+1, done+1 {
			subject := fmt.Sprintf("%s problem %d", words[done%len(words)], done)
			raw := fmt.Appendf(nil, "From: customer%d@example.org\r\nTo: help@siegel.example\r\nSubject: %s\r\nMessage-ID: <t%d@example.org>\r\n\r\nThe %s does not work.\r\n",
				done%5000, subject, done, words[(done/3)%len(words)])
			r := *res
			r.Envelope = message.ReadEnvelope(raw)
			an := analysis{res: &r, text: "The " + words[(done/3)%len(words)] + " does not work."}
			if _, err := fileArticle(ctx, ftx, d.blobs, &newArticle{raw: raw, arrived: base.Add(time.Duration(done) * time.Minute), an: an}); err != nil {
				tb.Fatal(err)
			}
		}
		if err := ftx.commit(ctx); err != nil {
			tb.Fatal(err)
		}
	}
}

var ticketDesk struct {
	once sync.Once
	dir  string
	d    *Desk
}

// TestMain removes the desk the ticket benchmarks share.
func TestMain(m *testing.M) {
	code := m.Run()
	if ticketDesk.d != nil {
		ticketDesk.d.p.Close()
		os.RemoveAll(ticketDesk.dir)
	}
	os.Exit(code)
}

// desk100k is a desk with 100,000 tickets, made once per test binary and
// shared by the ticket benchmarks.
func desk100k(b *testing.B) *Desk {
	ticketDesk.once.Do(func() {
		dir, err := os.MkdirTemp("", "siegel-bench-")
		if err != nil {
			b.Fatal(err)
		}
		ticketDesk.dir = dir
		p, err := profile.Open(context.Background(), dir, nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		d, err := Open(context.Background(), p, nil, smime.NewEngine(nil), nil)
		if err != nil {
			b.Fatal(err)
		}
		fillTickets(b, d, 100000)
		ticketDesk.d = d
	})
	if ticketDesk.d == nil {
		b.Fatal("no desk")
	}
	return ticketDesk.d
}

// BenchmarkTicketListFirstPage is the first page of 100 among 100,000
// tickets (target < 20 ms).
func BenchmarkTicketListFirstPage(b *testing.B) {
	d := desk100k(b)
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		page, err := d.Tickets(ctx, TicketQuery{Limit: 100})
		if err != nil || len(page.Tickets) != 100 {
			b.Fatalf("%d tickets, %v", len(page.Tickets), err)
		}
	}
}

// BenchmarkTicketListDeepPage is a page of 100 after 99,000 tickets, by
// cursor.
func BenchmarkTicketListDeepPage(b *testing.B) {
	d := desk100k(b)
	ctx := context.Background()
	page, err := d.Tickets(ctx, TicketQuery{Limit: 1, Offset: 98999})
	if err != nil {
		b.Fatal(err)
	}
	last := page.Tickets[0]
	cursor := &Cursor{LastActivity: millis(last.LastActivity), ID: last.ID}
	b.ResetTimer()
	for range b.N {
		page, err := d.Tickets(ctx, TicketQuery{Limit: 100, After: cursor})
		if err != nil || len(page.Tickets) != 100 {
			b.Fatalf("%d tickets, %v", len(page.Tickets), err)
		}
	}
}

// BenchmarkTicketCount counts 100,000 tickets (the virtualised list's
// length).
func BenchmarkTicketCount(b *testing.B) {
	d := desk100k(b)
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		if n, err := d.CountTickets(ctx, TicketQuery{}); err != nil || n != 100000 {
			b.Fatalf("%d, %v", n, err)
		}
	}
}

// BenchmarkTicketSearchCustomer searches 100,000 tickets for one
// customer's address (20 tickets), a typical search.
func BenchmarkTicketSearchCustomer(b *testing.B) {
	d := desk100k(b)
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		page, err := d.Tickets(ctx, TicketQuery{Limit: 100, Search: "customer4242@example.org"})
		if err != nil || len(page.Tickets) != 20 {
			b.Fatalf("%d tickets, %v", len(page.Tickets), err)
		}
	}
}

// BenchmarkTicketSearch searches 100,000 tickets for a word that occurs
// in a quarter of them (subject or text), first page: the worst case.
func BenchmarkTicketSearch(b *testing.B) {
	d := desk100k(b)
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		page, err := d.Tickets(ctx, TicketQuery{Limit: 100, Search: "drucker"})
		if err != nil || len(page.Tickets) != 100 {
			b.Fatalf("%d tickets, %v", len(page.Tickets), err)
		}
	}
}

// BenchmarkCounts is the filters' and the window title's counts over
// 100,000 tickets, each of them unread (the unread index at its largest);
// the window asks at every refresh.
func BenchmarkCounts(b *testing.B) {
	d := desk100k(b)
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		c, err := d.Counts(ctx)
		if err != nil || c[""].Tickets != 100000 {
			b.Fatalf("%v, %v", c, err)
		}
	}
}

// fetchOnly is the time to fetch the account's INBOX of n messages and
// throw them away: the benchmarks' baseline for the network side.
func fetchOnly(ctx context.Context, b *testing.B, acct *account.Account, n int) time.Duration {
	b.Helper()
	start := time.Now()
	c, err := imapsync.Dial(ctx, acct)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	var sink discard
	if err := c.Sync(ctx, "INBOX", &sink); err != nil || sink.n != n {
		b.Fatalf("fetch-only: %d messages, %v", sink.n, err)
	}
	return time.Since(start)
}
