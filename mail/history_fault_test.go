package mail

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"siegel/crypto/certinfo"
	"siegel/mail/account"
	"siegel/mail/mailtest"
)

// checkThreads checks the tickets of mixedMessages(n): every third
// message answers the one two before it, so each answer is in its
// parent's ticket and there are n - n/3 tickets — whatever order the
// messages were stored in.
func checkThreads(t testing.TB, db *sql.DB, n int) {
	t.Helper()
	var tickets int
	db.QueryRow(`SELECT count(*) FROM tickets`).Scan(&tickets)
	if want := n - (n+1)/3; tickets != want {
		t.Errorf("got %d tickets, want %d", tickets, want)
	}
	for i := 2; i < n; i += 3 {
		var k int
		db.QueryRow(`SELECT count(DISTINCT ticket_id) FROM articles WHERE message_id IN (?, ?)`,
			fmt.Sprintf("mix%d@example.org", i), fmt.Sprintf("mix%d@example.org", i-2)).Scan(&k)
		if k != 1 {
			t.Errorf("message %d and its parent %d are in %d tickets, want 1", i, i-2, k)
		}
	}
}

// A newest-first sync (whole threads arriving answer first) cut at many
// points, then synced again: every message exactly once, every answer in
// its parent's ticket.
func TestHistorySurvivesCutsAnywhere(t *testing.T) {
	if testing.Short() {
		t.Skip("long fault test")
	}
	const n = 24
	msgs := mixedMessages(t, n)
	server := mailtest.NewIMAP(t, nil)
	for _, m := range msgs {
		server.Append(t, "INBOX", m)
	}
	proxy := mailtest.NewProxy(t, server.Addr)
	ctx := context.Background()
	newDesk := func() *Desk {
		return proxiedDesk(t, server, proxy, Options{RetryMin: time.Millisecond, HistoryBatch: 5})
	}
	d := newDesk()
	proxy.Bytes.Store(0)
	if _, err := d.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	total := proxy.Bytes.Load()
	checkThreads(t, d.db, n)
	d.Close()

	var cuts []int64
	for c := int64(0); c < 3000 && c < total; c += 200 {
		cuts = append(cuts, c)
	}
	r := rand.New(rand.NewPCG(5, 6))
	for range 20 {
		cuts = append(cuts, 3000+r.Int64N(max(total-3000, 1)))
	}
	cut := 0
	for _, c := range cuts {
		d := newDesk()
		proxy.CutNext(c)
		d.Sync(ctx)
		if proxy.DidCut() {
			cut++
		}
		checkConsistent(t, d.db, server)
		if _, err := d.Sync(ctx); err != nil {
			t.Fatalf("pass after a cut at %d bytes: %v", c, err)
		}
		var articles, locations int
		d.db.QueryRow(`SELECT count(*) FROM articles`).Scan(&articles)
		d.db.QueryRow(`SELECT count(*) FROM locations`).Scan(&locations)
		if articles != n || locations != n {
			t.Fatalf("after a cut at %d bytes and a new pass: %d articles, %d locations; want %d each", c, articles, locations, n)
		}
		checkConsistent(t, d.db, server)
		checkStoredExactly(t, d, msgs)
		checkBlobs(t, d.db, d.p.Dir, true)
		checkThreads(t, d.db, n)
		d.Close()
	}
	if cut < len(cuts)/2 {
		t.Errorf("only %d of %d cuts happened (exchange of %d bytes)", cut, len(cuts), total)
	}
}

// SIGKILL during the history: each new process goes on where the last
// one stopped (the stored articles only grow, the cursor only goes
// down), and the last pass ends with every message exactly once.
func TestHistoryKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("long fault test")
	}
	const n, batch = 600, 25
	msgs := mixedMessages(t, n)
	server := mailtest.NewIMAP(t, nil)
	for _, m := range msgs {
		server.Append(t, "INBOX", m)
	}
	dir := t.TempDir()
	func() {
		k := mailtest.TestPKI(t)
		side := mailtest.OpenSide(t, dir, k.CA.CertPEM, k.Desk.PEM(), k.Alice.CertPEM)
		d, err := Open(context.Background(), side.Profile, side.Store, side.Engine, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.AddAccount(context.Background(), account.Account{Address: mailtest.DeskAddress, IMAP: server.Server(), SMTP: server.Server()}); err != nil {
			t.Fatal(err)
		}
		d.Close()
		side.Profile.Close()
	}()
	r := rand.New(rand.NewPCG(7, 8))
	state := func(check bool) (stored, low int) {
		db, err := openDBFile(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		db.QueryRow(`SELECT count(*) FROM articles`).Scan(&stored)
		db.QueryRow(`SELECT coalesce((SELECT history_low FROM mailboxes WHERE role = 'inbox'), 0)`).Scan(&low)
		if check { // not while a child writes
			checkConsistent(t, db, server)
			checkBlobs(t, db, dir, true)
		}
		return stored, low
	}
	prevStored, prevLow := 0, 0
	killed := 0
	for round := 0; round < 12; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSyncKilledChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), childEnv+"="+dir, fmt.Sprintf("%s=%d", childBatchEnv, batch))
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		// Kill once the child stored something new, a little later.
		finished := false
		deadline := time.Now().Add(time.Minute)
	wait:
		for time.Now().Before(deadline) {
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("round %d: the child failed: %v\n%s", round, err, out.String())
				}
				finished = true
				break wait
			case <-time.After(20 * time.Millisecond):
			}
			if s, _ := state(false); s > prevStored {
				time.Sleep(time.Duration(r.Int64N(int64(100 * time.Millisecond))))
				cmd.Process.Signal(syscall.SIGKILL)
				<-done
				killed++
				break
			}
		}
		stored, low := state(true)
		if stored < prevStored || (prevLow != 0 && low > prevLow) {
			t.Errorf("round %d: stored %d (was %d), history cursor %d (was %d): a restart went back", round, stored, prevStored, low, prevLow)
		}
		prevStored, prevLow = stored, low
		if finished {
			break
		}
	}
	if killed == 0 {
		t.Errorf("no child was killed during the history")
	}
	side := mailtest.OpenSide(t, dir)
	d, err := Open(context.Background(), side.Profile, side.Store, side.Engine, sweepAllOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	var got int
	d.db.QueryRow(`SELECT count(*) FROM articles`).Scan(&got)
	if got != n {
		t.Errorf("%d articles after the final pass, want %d", got, n)
	}
	checkConsistent(t, d.db, server)
	checkStoredExactly(t, d, msgs)
	if n := checkBlobs(t, d.db, dir, false); n == 0 {
		t.Errorf("no message was stored in a blob file: the kills never came between a file and its row")
	}
	checkThreads(t, d.db, n)
	t.Logf("%d children killed during the history", killed)
}

// On a real Dovecot: newest first, every message exactly once, also
// after cuts, and the answers in their parents' tickets.
func TestDovecotNewestFirst(t *testing.T) {
	dc := mailtest.StartDovecot(t)
	if testing.Short() {
		t.Skip("long Dovecot test")
	}
	const n = 30
	msgs := mixedMessages(t, n)
	dc.Deliver(t, msgs...)
	proxy := mailtest.NewProxy(t, fmt.Sprintf("127.0.0.1:%d", dc.IMAPSPort))
	ctx := context.Background()
	newDesk := func() *Desk {
		side := mailtest.DeskSide(t)
		d, err := Open(ctx, side.Profile, side.Store, side.Engine, &Options{RetryMin: time.Millisecond, HistoryBatch: 10})
		if err != nil {
			t.Fatal(err)
		}
		srv := dc.Server(account.TLS)
		srv.Host, srv.Port = proxy.Host, proxy.Port
		a := account.Account{Address: mailtest.DeskAddress, IMAP: srv, SMTP: srv,
			Trust: account.Trust{Pins: []string{certinfo.Fingerprint(dc.Cert.Cert)}}}
		if _, err := d.AddAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		return d
	}
	d := newDesk()
	var first []string
	d.Subscribe(func(ev Event) {
		if p, ok := ev.(HistoryProgress); ok && p.Mailbox == "INBOX" && first == nil {
			rows, _ := d.db.Query(`SELECT message_id FROM articles ORDER BY message_id`)
			for rows.Next() {
				var id string
				rows.Scan(&id)
				first = append(first, id)
			}
			rows.Close()
		}
	})
	proxy.Bytes.Store(0)
	if _, err := d.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	total := proxy.Bytes.Load()
	var want []string
	for i := 20; i < n; i++ {
		want = append(want, fmt.Sprintf("mix%d@example.org", i))
	}
	if slices.Sort(first); !slices.Equal(first, want) {
		t.Errorf("after the first batch got %v, want the newest %v", first, want)
	}
	checkStoredExactly(t, d, msgs)
	checkThreads(t, d.db, n)
	checkConsistent(t, d.db, nil)
	d.Close()

	r := rand.New(rand.NewPCG(9, 10))
	for range 8 {
		c := 2000 + r.Int64N(max(total-2000, 1))
		d := newDesk()
		proxy.CutNext(c)
		d.Sync(ctx)
		if _, err := d.Sync(ctx); err != nil {
			t.Fatalf("pass after a cut at %d bytes: %v", c, err)
		}
		var articles, locations int
		d.db.QueryRow(`SELECT count(*) FROM articles`).Scan(&articles)
		d.db.QueryRow(`SELECT count(*) FROM locations`).Scan(&locations)
		if articles != n || locations != n {
			t.Fatalf("after a cut at %d bytes: %d articles, %d locations; want %d each", c, articles, locations, n)
		}
		checkStoredExactly(t, d, msgs)
		checkThreads(t, d.db, n)
		checkConsistent(t, d.db, nil)
		d.Close()
	}
}
