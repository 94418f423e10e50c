package mail

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"testing"
	"time"

	"siegel/crypto/certinfo"
	"siegel/mail/account"
	"siegel/mail/imapsync"
	"siegel/mail/mailtest"
	"siegel/message"
)

// The first-sync benchmark runs over a mailbox of a realistic mix: a
// quarter each plain, signed, encrypted, signed and encrypted, every
// third message an answer, and 5 % carrying an attachment of 1 to 10
// units. Sealing it takes long, so it is made once per machine and kept
// in the user's cache folder (with the PKI it was sealed with), like the
// 100,000-ticket store of the window's tests. Its size is
// SIEGEL_BENCH_MESSAGES (default 5,000; the figure is 100,000),
// the attachment unit SIEGEL_BENCH_ATTACH_KB (default 100 KB; 1024 gives
// the 1–10 MB). With SIEGEL_BENCH_DOVECOT=1 it runs against a
// real Dovecot on loopback (filled from the corpus at each run) instead
// of the in-process server. SIEGEL_BENCH_CPUPROFILE=FILE writes a CPU
// profile of the desk's sync alone.

// benchCorpusVersion changes when the corpus' content changes.
const benchCorpusVersion = 1

func benchEnvInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// benchCorpus returns the path of the cached corpus of n messages,
// making it first if needed.
func benchCorpus(tb testing.TB, n, unitKB int) string {
	tb.Helper()
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	path := filepath.Join(cache, "siegel-tests", fmt.Sprintf("mailbox-%d-%dk-v%d.bin", n, unitKB, benchCorpusVersion))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		tb.Fatal(err)
	}
	start := time.Now()
	tmp := fmt.Sprintf("%s.tmp%d", path, os.Getpid())
	f, err := os.Create(tmp)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	put := func(b []byte) {
		var l [4]byte
		binary.BigEndian.PutUint32(l[:], uint32(len(b)))
		w.Write(l[:])
		w.Write(b)
	}
	k := mailtest.TestPKI(tb)
	put(k.CA.CertPEM)
	put(k.Desk.PEM())
	put(k.Alice.CertPEM)
	sides := []*mailtest.Side{mailtest.CustomerSide(tb, k.Alice), mailtest.CustomerSide(tb, k.Bob)}
	ids := []*mailtest.Identity{k.Alice, k.Bob}
	r := rand.New(rand.NewChaCha8([32]byte{1}))
	for i := range n {
		who := i % 2
		edits := []func(*message.Draft){mailtest.WithID(fmt.Sprintf("mix%d@example.org", i))}
		subject := fmt.Sprintf("Request %d", i)
		if i%3 == 2 {
			edits = append(edits, mailtest.ReplyTo(fmt.Sprintf("mix%d@example.org", i-2)))
			subject = fmt.Sprintf("Re: Request %d", i-2)
		}
		if i%20 == 7 {
			data := make([]byte, (1+r.IntN(10))*unitKB<<10)
			for j := 0; j+8 <= len(data); j += 8 {
				binary.LittleEndian.PutUint64(data[j:], r.Uint64())
			}
			edits = append(edits, func(d *message.Draft) {
				d.Attachments = append(d.Attachments, message.Attachment{Name: "scan.pdf", ContentType: "application/pdf", Data: data})
			})
		}
		raw := mailtest.Message(tb, ids[who].Email, mailtest.DeskAddress, subject,
			fmt.Sprintf("Message number %d.\nThe printer on floor %d is broken again.\n", i, i%7), edits...)
		switch i % 4 {
		case 1:
			raw = sides[who].Seal(tb, raw, true, false)
		case 2:
			raw = sides[who].Seal(tb, raw, false, true)
		case 3:
			raw = sides[who].Seal(tb, raw, true, true)
		}
		put(raw)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("made the corpus of %d messages in %v (kept in %s)", n, time.Since(start), path)
	return path
}

// readCorpus streams the corpus: the PKI's three PEM blocks, then each
// message to fn.
func readCorpus(tb testing.TB, path string, fn func(i int, raw []byte)) (pems [][]byte) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	rd := bufio.NewReaderSize(f, 1<<20)
	for i := -3; ; i++ {
		var l [4]byte
		if _, err := io.ReadFull(rd, l[:]); errors.Is(err, io.EOF) {
			return pems
		} else if err != nil {
			tb.Fatal(err)
		}
		b := make([]byte, binary.BigEndian.Uint32(l[:]))
		if _, err := io.ReadFull(rd, b); err != nil {
			tb.Fatal(err)
		}
		if i < 0 {
			pems = append(pems, b)
		} else if fn != nil {
			fn(i, b)
		}
	}
}

// benchProfile writes a CPU profile of the desk's sync alone (go test's
// -cpuprofile covers the fetch-only and engine runs too) to the file
// SIEGEL_BENCH_CPUPROFILE names, if it names one; it returns the stop.
func benchProfile(tb testing.TB) (stop func()) {
	path := os.Getenv("SIEGEL_BENCH_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		tb.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			tb.Error(err)
		}
	}
}

func dirSize(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			n += info.Size()
		}
		return nil
	})
	return n
}

// BenchmarkFirstSync is the first sync of a mailbox (see above) on the
// in-process server, with its parts measured in the same run: the time
// to the newest 200 tickets listed with their security states against
// the full history sync (newest200-ratio), and the full sync against the
// fetch-only loop plus the engine alone on one core (ratio; the issue's
// target is ≤ 0.7 on 2 cores), the peak live heap of the sync, and the
// profile's size against the bytes of the messages (profile-ratio). Run
// with -benchtime=1x.
func BenchmarkFirstSync(b *testing.B) {
	n := benchEnvInt("SIEGEL_BENCH_MESSAGES", 5000)
	unitKB := benchEnvInt("SIEGEL_BENCH_ATTACH_KB", 100)
	path := benchCorpus(b, n, unitKB)
	ctx := context.Background()
	base := time.Now().Add(-time.Duration(n) * time.Minute)
	var bytes int64
	var acct *account.Account
	var pems [][]byte
	if os.Getenv("SIEGEL_BENCH_DOVECOT") != "" {
		// A real Dovecot on loopback, filled from the corpus.
		dc := mailtest.StartDovecot(b)
		acct = &account.Account{Address: mailtest.DeskAddress, IMAP: dc.Server(account.TLS), SMTP: dc.Server(account.TLS),
			Trust: account.Trust{Pins: []string{certinfo.Fingerprint(dc.Cert.Cert)}}}
		c, err := imapsync.Dial(ctx, acct)
		if err != nil {
			b.Fatal(err)
		}
		pems = readCorpus(b, path, func(i int, raw []byte) {
			if err := c.Append(ctx, "INBOX", raw, base.Add(time.Duration(i)*time.Minute)); err != nil {
				b.Fatal(err)
			}
			bytes += int64(len(raw))
		})
		c.Close()
	} else {
		server := mailtest.NewIMAP(b, nil)
		pems = readCorpus(b, path, func(i int, raw []byte) {
			server.AppendAt(b, "INBOX", raw, base.Add(time.Duration(i)*time.Minute))
			bytes += int64(len(raw))
		})
		acct = &account.Account{Address: mailtest.DeskAddress, IMAP: server.Server(), SMTP: server.Server()}
	}
	b.ResetTimer()
	for range b.N {
		fetch := fetchOnly(ctx, b, acct, n)
		var start time.Time // of the desk's sync, which the progress events measure from

		// The engine alone, one message after the other: one core.
		side := mailtest.NewSide(b, pems...)
		var engine time.Duration
		readCorpus(b, path, func(i int, raw []byte) {
			t := time.Now()
			side.Engine.OpenAt(ctx, raw, t)
			engine += time.Since(t)
		})

		// The desk.
		dir := b.TempDir()
		side = mailtest.OpenSide(b, dir, pems...)
		d, err := Open(ctx, side.Profile, side.Store, side.Engine, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := d.AddAccount(ctx, *acct); err != nil {
			b.Fatal(err)
		}
		want := min(200, n)
		var newest time.Duration
		d.Subscribe(func(ev Event) {
			p, ok := ev.(HistoryProgress)
			if !ok || p.Mailbox != "INBOX" || newest != 0 || p.Done < want {
				return
			}
			page, err := d.Tickets(ctx, TicketQuery{Limit: want})
			if err != nil || len(page.Tickets) < want*2/3 {
				b.Errorf("after %d messages: %d tickets, %v", p.Done, len(page.Tickets), err)
			}
			for _, tk := range page.Tickets {
				if tk.Signature == "" || tk.Encryption == "" {
					b.Errorf("ticket %d without security states", tk.Number)
				}
			}
			newest = time.Since(start)
		})
		heap := liveHeap()
		stopProfile := benchProfile(b)
		start = time.Now()
		rep, err := d.Sync(ctx)
		full := time.Since(start)
		stopProfile()
		peak := heap()
		if err != nil || rep.Accounts[0].New != n {
			b.Fatalf("sync: %d new, %v", rep.Accounts[0].New, err)
		}
		d.Close()
		side.Profile.Close()
		size := dirSize(dir)
		b.ReportMetric(newest.Seconds(), "newest200-s")
		b.ReportMetric(full.Seconds(), "sync-s")
		b.ReportMetric(newest.Seconds()/full.Seconds(), "newest200-ratio")
		b.ReportMetric(fetch.Seconds(), "fetch-s")
		b.ReportMetric(engine.Seconds(), "engine-s")
		b.ReportMetric(full.Seconds()/(fetch.Seconds()+engine.Seconds()), "ratio")
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
		b.ReportMetric(float64(size)/float64(bytes), "profile-ratio")
	}
}
