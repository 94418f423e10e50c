//go:build !race

// The tests and benchmarks over 100,000 tickets. Making the store takes a
// minute (the real sync of 100,000 messages), so it is made once per
// machine and kept in the user's cache folder; under the race detector it
// would take far longer, so these run in the Makefile's non-race line.

package ui

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"siegel/certs"
	"siegel/crypto/smime"
	"siegel/crypto/vault"
	"siegel/mail"
	"siegel/mail/account"
	"siegel/mail/mailtest"
	"siegel/profile"
)

const bigTickets = 100_000

// bigStoreVersion changes when the fixture's content changes.
const bigStoreVersion = 1

var bigStoreOnce sync.Once

// bigStore returns a copy of a profile folder holding n tickets.
func bigStore(tb testing.TB, n int) string {
	tb.Helper()
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "siegel-tests", fmt.Sprintf("tickets-%d-v%d", n, bigStoreVersion))
	var makeErr error
	bigStoreOnce.Do(func() {
		if _, err := os.Stat(filepath.Join(dir, profile.DBName)); err == nil {
			return
		}
		makeErr = makeBigStore(tb, dir, n)
	})
	if makeErr != nil {
		tb.Fatal(makeErr)
	}
	out := tb.TempDir()
	for _, name := range []string{profile.DBName, profile.DBName + "-wal"} {
		if err := copyFile(filepath.Join(dir, name), filepath.Join(out, name)); err != nil && !os.IsNotExist(err) {
			tb.Fatal(err)
		}
	}
	return out
}

// makeBigStore syncs n plain messages, each a ticket of its own, from the
// test IMAP server into a new profile, and moves it to dir.
func makeBigStore(tb testing.TB, dir string, n int) error {
	start := time.Now()
	ctx := context.Background()
	tmp := dir + fmt.Sprintf(".tmp%d", os.Getpid())
	os.RemoveAll(tmp)
	p, err := profile.Open(ctx, tmp, func(context.Context, bool) ([]byte, error) { return []byte(mailtest.Passphrase), nil },
		&profile.Options{Cost: vault.Cost{Time: 1, MemoryKiB: 1024, Threads: 1}})
	if err != nil {
		return err
	}
	st, err := certs.Open(ctx, p)
	if err != nil {
		return err
	}
	d, err := mail.Open(ctx, p, st, smime.NewEngine(st), nil)
	if err != nil {
		return err
	}
	imap := mailtest.NewIMAP(tb, nil)
	if _, err := d.AddAccount(ctx, account.Account{Address: mailtest.DeskAddress, IMAP: imap.Server(), SMTP: imap.Server(), HistoryDays: account.HistoryAll}); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		at := epoch.Add(time.Duration(i) * time.Second)
		imap.AppendAt(tb, "INBOX", mailtest.Message(tb, fmt.Sprintf("Customer %d <customer%d@example.com>", i, i), mailtest.DeskAddress,
			fmt.Sprintf("Question %d about the printer", i), "Hello, the printer is broken again.", mailtest.At(at)), at)
	}
	if _, err := d.Sync(ctx); err != nil {
		return err
	}
	imap.User.Delete("INBOX") // the server lives until the test ends: free the messages
	d.Close()
	p.Close()
	tb.Logf("made %d tickets in %v (kept in %s)", n, time.Since(start), dir)
	os.RemoveAll(dir)
	return os.Rename(tmp, dir)
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// heapMB is the live heap after a collection.
func heapMB() float64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}

// scrollThrough scrolls the list from its top to fraction of its length,
// screens screens at a time.
func scrollThrough(u *UI, fraction float64, screens int) {
	l := u.main.list.list
	l.ScrollToTop()
	step := l.Size().Height * float32(screens)
	end := float32(fraction) * float32(u.main.list.count) * u.main.list.rowH
	for y := float32(0); y < end; y += step {
		l.ScrollToOffset(y)
		if l.GetScrollOffset() < y {
			break // the end
		}
	}
}

// dropTextCache drops Fyne's cache of text measurements. The real
// drivers drop entries unused for a minute as they paint; the test driver
// never paints, so a theme change (which clears it) stands in for that.
func dropTextCache(u *UI) {
	u.app.Settings().SetTheme(test.Theme())
}

// With 100,000 tickets the list stays virtualised: few rows exist, few
// pages are kept, and scrolling to the end neither loads the whole list
// nor lets the heap grow with the distance scrolled.
func TestBigListStaysVirtualised(t *testing.T) {
	c := newCores(t, &coreOptions{dir: bigStore(t, bigTickets), noAccount: true})
	start := time.Now()
	u := newTestUI(t, c)
	shown := time.Since(start)
	l := u.main.list
	if l.count != bigTickets {
		t.Fatalf("the list counts %d tickets, want %d", l.count, bigTickets)
	}
	if tk, ok := l.at(0); !ok || tk.Subject != fmt.Sprintf("Question %d about the printer", bigTickets-1) {
		t.Fatalf("first row %+v, want the newest ticket", tk)
	}
	t.Logf("main window with the first page of %d tickets in %v", bigTickets, shown)

	base := heapMB()
	scrollThrough(u, 0.1, 4)
	dropTextCache(u)
	tenth := heapMB()
	scrollThrough(u, 1, 4)
	withCache := heapMB()
	dropTextCache(u)
	whole := heapMB()
	t.Logf("heap: %.1f MB with the first page, %.1f MB after scrolling a tenth, %.1f MB after the whole list (%.1f MB before Fyne's text cache was dropped)",
		base, tenth, whole, withCache)
	if whole-tenth > 5 {
		t.Errorf("the heap grew by %.1f MB between a tenth and the whole list; want bounded", whole-tenth)
	}
	if whole > 250 {
		t.Errorf("heap after scrolling %.1f MB, want < 250 MB", whole)
	}
	if n := len(l.pages); n > maxPages {
		t.Errorf("%d pages kept, want at most %d", n, maxPages)
	}
	// Only a screenful of row widgets is in the list.
	rows := 0
	for _, o := range objects(l.list) {
		if _, ok := o.(*ticketRow); ok {
			rows++
		}
	}
	if screen := int(l.list.Size().Height/l.rowH) + 3; rows > screen {
		t.Errorf("%d rows in the list, want at most a screenful (%d)", rows, screen)
	}
	l.list.ScrollToBottom()
	last, ok := l.at(bigTickets - 1)
	if !ok || last.Number != 10000 {
		t.Errorf("the last row shows %+v, want ticket 10000", last)
	}
	// Every row on screen shows its ticket, none is left loading.
	for row, id := range l.bound {
		if tk, ok := l.at(id); !ok || row.ticketID != tk.ID {
			t.Errorf("row %d shows ticket %d, want %+v", id, row.ticketID, tk)
		}
	}
}

// BenchmarkMainWindow100k builds the main window over 100,000 tickets up
// to the first page shown (target < 1 s).
func BenchmarkMainWindow100k(b *testing.B) {
	c := newCores(b, &coreOptions{dir: bigStore(b, bigTickets), noAccount: true})
	b.ResetTimer()
	for b.Loop() {
		u := newTestUI(b, c)
		if _, ok := u.main.list.at(0); !ok || len(u.main.list.bound) == 0 {
			b.Fatal("the first page is not shown")
		}
		u.Close()
	}
}

// BenchmarkScrollToEnd100k scrolls the list of 100,000 tickets from the
// top to the end a screen at a time; it reports the live heap after.
func BenchmarkScrollToEnd100k(b *testing.B) {
	c := newCores(b, &coreOptions{dir: bigStore(b, bigTickets), noAccount: true})
	u := newTestUI(b, c)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		scrollThrough(u, 1, 1)
	}
	b.StopTimer()
	b.ReportMetric(heapMB(), "heap-MB")
	b.ReportMetric(float64(len(u.main.list.pages)), "pages-kept")
}
