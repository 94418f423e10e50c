package mail

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"siegel/mail/account"
	"siegel/mail/mailtest"
	"siegel/message"
	"siegel/profile"
)

func openDBFile(dir string) (*sql.DB, error) {
	return profile.OpenDB(filepath.Join(dir, profile.DBName))
}

// mixedMessages makes n messages as customers send them: a quarter each
// plain, signed, encrypted, and signed and encrypted, from Alice and Bob,
// every third one answering an earlier one.
func mixedMessages(t testing.TB, n int) [][]byte {
	t.Helper()
	k := mailtest.TestPKI(t)
	sides := []*mailtest.Side{mailtest.CustomerSide(t, k.Alice), mailtest.CustomerSide(t, k.Bob)}
	ids := []*mailtest.Identity{k.Alice, k.Bob}
	out := make([][]byte, 0, n)
	for i := range n {
		who := i % 2
		edits := []func(*message.Draft){mailtest.WithID(fmt.Sprintf("mix%d@example.org", i))}
		subject := fmt.Sprintf("Request %d", i)
		if i%3 == 2 {
			edits = append(edits, mailtest.ReplyTo(fmt.Sprintf("mix%d@example.org", i-2)))
			subject = fmt.Sprintf("Re: Request %d", i-2)
		}
		raw := mailtest.Message(t, ids[who].Email, mailtest.DeskAddress, subject,
			fmt.Sprintf("Message number %d.\nThe printer on floor %d is broken again.\n", i, i%7), edits...)
		switch i % 4 {
		case 1:
			raw = sides[who].Seal(t, raw, true, false)
		case 2:
			raw = sides[who].Seal(t, raw, false, true)
		case 3:
			raw = sides[who].Seal(t, raw, true, true)
		}
		out = append(out, raw)
	}
	return out
}

// checkConsistent checks what a crash or a cut must never leave behind:
// a damaged database, dangling rows, counters that disagree with the
// rows, or a message below a folder's last UID that is not stored.
func checkConsistent(t testing.TB, db *sql.DB, server *mailtest.IMAP) {
	t.Helper()
	var ok string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity_check = %q, %v", ok, err)
	}
	rows, err := db.Query(`PRAGMA foreign_key_check`)
	if err != nil {
		t.Fatal(err)
	}
	if rows.Next() {
		t.Errorf("foreign_key_check reports dangling rows")
	}
	rows.Close()
	one := func(what, query string) {
		t.Helper()
		var n int
		if err := db.QueryRow(query).Scan(&n); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if n != 0 {
			t.Errorf("%s: %d rows", what, n)
		}
	}
	one("tickets whose counters disagree", `SELECT count(*) FROM tickets t WHERE
		articles != (SELECT count(*) FROM articles a WHERE a.ticket_id = t.id) OR
		unread != (SELECT count(*) FROM articles a WHERE a.ticket_id = t.id AND a.unread)`)
	one("tickets without articles", `SELECT count(*) FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.ticket_id = t.id)`)
	one("newest article of another ticket", `SELECT count(*) FROM tickets t WHERE newest_article IS NOT NULL AND
		NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = t.newest_article AND a.ticket_id = t.id)`)
	one("search entries without article", `SELECT (SELECT count(*) FROM article_search) - (SELECT count(*) FROM articles)`)
	one("duplicate message ids", `SELECT count(*) FROM (SELECT message_id FROM articles GROUP BY message_id HAVING count(*) > 1)`)
	if server == nil {
		return
	}
	// Every message from the history cursor up to the last UID is stored
	// (new mail above the first sync's top, history below it).
	var lastUID, low int
	err = db.QueryRow(`SELECT last_uid, max(history_low, 1) FROM mailboxes WHERE role = 'inbox'`).Scan(&lastUID, &low)
	if err == sql.ErrNoRows {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	var stored int
	if err := db.QueryRow(`SELECT count(*) FROM locations l JOIN mailboxes m ON m.id = l.mailbox_id
		WHERE m.role = 'inbox' AND l.uidvalidity = m.uidvalidity AND l.uid <= m.last_uid AND l.uid >= ?`, low).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	// The test server's UIDs run from 1 without gaps.
	if want := max(lastUID-low+1, 0); stored != want {
		t.Errorf("UIDs %d to %d should be stored, but %d of them are: one was skipped", low, lastUID, stored)
	}
}

// checkStoredExactly checks that every message is stored byte for byte
// (a cut connection must never leave a truncated message behind), read
// back as every reader does (RawArticle: the row or its blob file).
func checkStoredExactly(t testing.TB, d *Desk, msgs [][]byte) {
	t.Helper()
	for i, m := range msgs {
		var id int64
		if err := d.db.QueryRow(`SELECT id FROM articles WHERE message_id = ?`, fmt.Sprintf("mix%d@example.org", i)).Scan(&id); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		raw, err := d.RawArticle(context.Background(), id)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if !bytes.Equal(raw, m) {
			t.Fatalf("message %d stored as %d bytes, want its %d bytes as sent", i, len(raw), len(m))
		}
	}
}

// faultBlobThreshold is the fault tests' Options.BlobThreshold: the
// sealed messages of mixedMessages are larger, so they go to blob files
// and a cut or a kill also lands between a file and its row.
const faultBlobThreshold = 2 << 10

// sweepAllOptions are the options of the desk that opens a profile after
// the kills: its clock is past tmpAge, so that Open's sweep removes the
// files a kill cut off half-written too (younger ones might be another
// process's).
func sweepAllOptions() *Options {
	return &Options{BlobThreshold: faultBlobThreshold, Now: func() time.Time { return time.Now().Add(2 * tmpAge) }}
}

// checkBlobs checks the blob files of the profile in dir: every file an
// article names is there with its bytes, and, unless orphans may be
// left (a killed process, before the next Open sweeps), every file is
// named by an article. It returns the number of named files.
func checkBlobs(t testing.TB, db *sql.DB, dir string, orphans bool) int {
	t.Helper()
	b := newBlobStore(dir, faultBlobThreshold)
	rows, err := db.Query(`SELECT DISTINCT blob FROM articles WHERE blob IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	named := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		named[name] = true
	}
	rows.Close()
	for name := range named {
		if _, err := b.read(name); err != nil {
			t.Errorf("blob named by an article: %v", err)
		}
	}
	var rowsWithBoth int
	db.QueryRow(`SELECT count(*) FROM articles WHERE blob IS NOT NULL AND length(raw) > 0`).Scan(&rowsWithBoth)
	if rowsWithBoth != 0 {
		t.Errorf("%d articles keep their bytes in the row and in a file", rowsWithBoth)
	}
	if !orphans {
		files, _ := filepath.Glob(filepath.Join(dir, blobsDir, "*", "*"))
		for _, f := range files {
			if !named[filepath.Base(f)] {
				t.Errorf("blob file %s is named by no article", f)
			}
		}
	}
	return len(named)
}

func TestSyncSurvivesCutsAnywhere(t *testing.T) {
	if testing.Short() {
		t.Skip("long fault test")
	}
	msgs := mixedMessages(t, 24)
	server := mailtest.NewIMAP(t, nil)
	for _, m := range msgs {
		server.Append(t, "INBOX", m)
	}
	proxy := mailtest.NewProxy(t, server.Addr)
	ctx := context.Background()
	newDesk := func() *Desk { return proxiedDesk(t, server, proxy, Options{RetryMin: time.Millisecond}) }
	// One clean pass measures the exchange.
	d := newDesk()
	proxy.Bytes.Store(0)
	if _, err := d.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	total := proxy.Bytes.Load()
	d.Close()

	// Cut the first connection after n bytes, for n all over the
	// exchange (densely in the conversation before the first message);
	// the next pass must end with every message exactly once.
	var cuts []int64
	for n := int64(0); n < 3000 && n < total; n += 150 {
		cuts = append(cuts, n)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 24 {
		cuts = append(cuts, 3000+r.Int64N(max(total-3000, 1)))
	}
	cut := 0
	for _, n := range cuts {
		d := newDesk()
		proxy.CutNext(n)
		rep, err := d.Sync(ctx)
		if proxy.DidCut() {
			cut++
			if err == nil && rep.Accounts[0].New == len(msgs) {
				// A cut during LOGOUT may leave the pass complete.
				t.Logf("cut at %d bytes did not disturb the pass", n)
			}
		}
		checkConsistent(t, d.db, server)
		if _, err := d.Sync(ctx); err != nil {
			t.Fatalf("pass after a cut at %d bytes: %v", n, err)
		}
		var articles, locations int
		d.db.QueryRow(`SELECT count(*) FROM articles`).Scan(&articles)
		d.db.QueryRow(`SELECT count(*) FROM locations`).Scan(&locations)
		if articles != len(msgs) || locations != len(msgs) {
			t.Fatalf("after a cut at %d bytes and a new pass: %d articles, %d locations; want %d each", n, articles, locations, len(msgs))
		}
		checkConsistent(t, d.db, server)
		checkStoredExactly(t, d, msgs)
		checkBlobs(t, d.db, d.p.Dir, true)
		d.Close()
	}
	if cut < len(cuts)/2 {
		t.Errorf("only %d of %d cuts happened (exchange of %d bytes)", cut, len(cuts), total)
	}
}

func TestSendSurvivesCutsAnywhere(t *testing.T) {
	if testing.Short() {
		t.Skip("long fault test")
	}
	smtpServer := mailtest.NewSMTP(t, nil)
	proxy := mailtest.NewProxy(t, smtpServer.Addr)
	e := newEnv(t, &envOptions{smtpServer: smtpServer, smtpVia: proxy})
	tk := aliceTicket(t, e)
	// This provider files accepted mail in the Sent folder, so a message
	// whose confirmation was cut off is found there and never sent twice.
	smtpServer.OnAccept(func(m mailtest.Received) { e.imap.Append(t, "Sent", m.Data) })
	first, err := e.desk.Send(e.ctx, reply(t, e, tk, "Warm-up.", true, false))
	if err != nil {
		t.Fatal(err)
	}
	proxy.Bytes.Store(0)
	e.deliverUntil(t, first.ID, OutboxSent)
	total := proxy.Bytes.Load()

	var cuts []int64
	for n := int64(0); n < 600 && n < total; n += 23 {
		cuts = append(cuts, n)
	}
	for n := int64(600); n < total-200; n += (total - 800) / 12 {
		cuts = append(cuts, n)
	}
	for n := max(total-200, 0); n < total; n += 4 {
		cuts = append(cuts, n) // around the end of the data and its reply
	}
	for i, n := range cuts {
		item, err := e.desk.Send(e.ctx, reply(t, e, tk, fmt.Sprintf("Answer %d.", i), true, false))
		if err != nil {
			t.Fatal(err)
		}
		proxy.CutNext(n)
		item = e.deliverUntil(t, item.ID, OutboxSent, OutboxFailed, OutboxUncertain)
		if item.State != OutboxSent {
			t.Fatalf("cut at %d of %d bytes: %s (%s), want sent", n, total, item.State, item.LastError)
		}
		copies := 0
		for _, m := range smtpServer.Received() {
			if strings.Contains(string(m.Data), item.MessageID) {
				copies++
			}
		}
		if copies != 1 {
			t.Fatalf("cut at %d of %d bytes: the server accepted the message %d times, want 1", n, total, copies)
		}
	}
	if got, want := e.imap.Count(t, "Sent"), len(cuts)+1; got != want {
		t.Errorf("Sent folder holds %d messages, want %d (one per message)", got, want)
	}
	checkConsistent(t, e.desk.db, nil)
}

// childEnv names the profile folder a TestSyncKilled child syncs.
const childEnv = "SIEGEL_MAIL_KILL_CHILD"

// childBatchEnv sets the child's Options.HistoryBatch.
const childBatchEnv = "SIEGEL_MAIL_KILL_BATCH"

// TestSyncKilledChild is the process TestSyncKilled kills: it syncs the
// profile in the folder named by childEnv until the pass is done.
func TestSyncKilledChild(t *testing.T) {
	dir := os.Getenv(childEnv)
	if dir == "" {
		t.Skip("run by TestSyncKilled")
	}
	side := mailtest.OpenSide(t, dir)
	opts := Options{BlobThreshold: faultBlobThreshold}
	if b := os.Getenv(childBatchEnv); b != "" {
		opts.HistoryBatch, _ = strconv.Atoi(b)
	}
	d, err := Open(context.Background(), side.Profile, side.Store, side.Engine, &opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestSyncKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("long fault test")
	}
	const rounds, perRound = 10, 120
	msgs := mixedMessages(t, rounds*perRound)
	server := mailtest.NewIMAP(t, nil)
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
	r := rand.New(rand.NewPCG(3, 4))
	killed := 0
	var progress []int
	// The first child runs to its end and times a round; the others are
	// killed at random moments within that time (the race detector makes
	// everything slower, so no fixed time would do).
	var full time.Duration
	for round := range rounds {
		// New mail for every round, so each child has work to be killed
		// in.
		for _, m := range msgs[round*perRound : (round+1)*perRound] {
			server.Append(t, "INBOX", m)
		}
		start := time.Now()
		cmd := exec.Command(os.Args[0], "-test.run=^TestSyncKilledChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), childEnv+"="+dir)
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		kill := time.Hour
		if round > 0 {
			kill = full/5 + time.Duration(r.Int64N(int64(full)))
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("round %d: the child failed: %v\n%s", round, err, out.String())
			}
			if round == 0 {
				full = time.Since(start)
			}
			t.Logf("round %d: the child finished after %v", round, time.Since(start))
		case <-time.After(kill):
			cmd.Process.Signal(syscall.SIGKILL)
			<-done
			killed++
		}
		db, err := openDBFile(dir)
		if err != nil {
			t.Fatal(err)
		}
		checkConsistent(t, db, server)
		checkBlobs(t, db, dir, true)
		var stored int
		db.QueryRow(`SELECT count(*) FROM articles`).Scan(&stored)
		progress = append(progress, stored)
		db.Close()
	}
	t.Logf("articles stored after each round: %v", progress)
	if progress[len(progress)-1] == progress[0] {
		t.Errorf("no killed child got to store anything")
	}
	if killed == 0 {
		t.Errorf("every child finished before it could be killed")
	}
	// The next sync completes: every message exactly once, and the
	// files of the messages a kill cut off are gone (Open sweeps them).
	side := mailtest.OpenSide(t, dir)
	d, err := Open(context.Background(), side.Profile, side.Store, side.Engine, sweepAllOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	var n int
	d.db.QueryRow(`SELECT count(*) FROM articles`).Scan(&n)
	if n != len(msgs) {
		t.Errorf("%d articles after the final pass, want %d", n, len(msgs))
	}
	checkConsistent(t, d.db, server)
	checkStoredExactly(t, d, msgs)
	if n := checkBlobs(t, d.db, dir, false); n == 0 {
		t.Errorf("no message was stored in a blob file: the kills never came between a file and its row")
	}
	t.Logf("%d of %d children killed", killed, rounds)
}

// proxiedDesk opens a desk on a fresh profile whose account reaches
// server through proxy (which the tests cut); the sealed messages go to
// blob files (faultBlobThreshold) unless o sets another threshold.
func proxiedDesk(t *testing.T, server *mailtest.IMAP, proxy *mailtest.Proxy, o Options) *Desk {
	t.Helper()
	if o.BlobThreshold == 0 {
		o.BlobThreshold = faultBlobThreshold
	}
	ctx := context.Background()
	side := mailtest.DeskSide(t)
	d, err := Open(ctx, side.Profile, side.Store, side.Engine, &o)
	if err != nil {
		t.Fatal(err)
	}
	srv := server.Server()
	srv.Host, srv.Port = proxy.Host, proxy.Port
	if _, err := d.AddAccount(ctx, account.Account{Address: mailtest.DeskAddress, IMAP: srv, SMTP: srv}); err != nil {
		t.Fatal(err)
	}
	return d
}
