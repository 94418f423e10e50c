package mail

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"siegel/mail/mailtest"
	"siegel/message"
)

// testBlobThreshold keeps these tests' messages small: an attachment of
// blobAttachment bytes puts a message above it, a plain one stays below.
const (
	testBlobThreshold = 8 << 10
	blobAttachment    = 32 << 10
)

func blobEnv(t *testing.T) *env {
	t.Helper()
	return newEnv(t, &envOptions{desk: &Options{RetryMin: 10 * time.Millisecond, RetryMax: 200 * time.Millisecond,
		PollInterval: time.Second, BlobThreshold: testBlobThreshold}})
}

// withScan attaches a "scan" of blobAttachment bytes.
func withScan(d *message.Draft) {
	d.Attachments = append(d.Attachments, message.Attachment{Name: "scan.pdf", ContentType: "application/pdf",
		Data: bytes.Repeat([]byte("%PDF-1.4 scan of the broken printer "), blobAttachment/36)})
}

// blobFiles lists the blob files of a profile (without half-written ones).
func blobFiles(t testing.TB, profileDir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(profileDir, blobsDir, "*", "*"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		if !strings.HasPrefix(filepath.Base(f), tmpPrefix) {
			out = append(out, f)
		}
	}
	return out
}

func articleID(t testing.TB, e *env, messageID string) int64 {
	t.Helper()
	var id int64
	if err := e.desk.db.QueryRow(`SELECT id FROM articles WHERE message_id = ?`, messageID).Scan(&id); err != nil {
		t.Fatalf("article %s: %v", messageID, err)
	}
	return id
}

// A message above the threshold is kept in a file named by its SHA-256,
// exactly as received (an encrypted one stays encrypted: its text is in
// no file of the profile), readable through RawArticle and OpenArticle;
// a smaller one stays in its row.
func TestBlobFilesHoldLargeMessages(t *testing.T) {
	e := blobEnv(t)
	k := mailtest.TestPKI(t)
	alice := mailtest.CustomerSide(t, k.Alice)
	const secret = "Kennwort Zitronenfalter"
	msgs := map[string][]byte{
		"plain-big@example.org": mailtest.Message(t, "alice@example.org", mailtest.DeskAddress, "Scan", "The scan, as promised.",
			mailtest.WithID("plain-big@example.org"), withScan),
		"sealed-big@example.org": alice.Seal(t, mailtest.Message(t, "alice@example.org", mailtest.DeskAddress, "Sealed scan", secret,
			mailtest.WithID("sealed-big@example.org"), withScan), true, true),
		"small@example.org": mailtest.Message(t, "bob@example.org", mailtest.DeskAddress, "Small", "Short.",
			mailtest.WithID("small@example.org")),
	}
	for _, id := range []string{"plain-big@example.org", "sealed-big@example.org", "small@example.org"} {
		e.deliver(msgs[id])
	}
	e.sync()
	for _, tc := range []struct {
		id       string
		wantFile bool
		wantText string
	}{
		{"plain-big@example.org", true, "The scan, as promised."},
		{"sealed-big@example.org", true, secret},
		{"small@example.org", false, "Short."},
	} {
		t.Run(tc.id, func(t *testing.T) {
			var blob *string
			var inline int
			if err := e.desk.db.QueryRow(`SELECT blob, length(raw) FROM articles WHERE message_id = ?`, tc.id).Scan(&blob, &inline); err != nil {
				t.Fatal(err)
			}
			if got := blob != nil; got != tc.wantFile {
				t.Fatalf("in a file: got %v, want %v", got, tc.wantFile)
			}
			if tc.wantFile {
				if *blob != blobName(msgs[tc.id]) {
					t.Errorf("file name: got %s, want the SHA-256 of the message", *blob)
				}
				if inline != 0 {
					t.Errorf("row keeps %d bytes besides the file, want 0", inline)
				}
				path := e.desk.blobs.path(*blob)
				onDisk, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(onDisk, msgs[tc.id]) {
					t.Errorf("file holds %d bytes, want the %d bytes as received", len(onDisk), len(msgs[tc.id]))
				}
				if runtime.GOOS != "windows" {
					for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700, filepath.Dir(filepath.Dir(path)): 0o700} {
						if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
							t.Errorf("%s: mode %v (%v), want %v", p, fi.Mode().Perm(), err, want)
						}
					}
				}
			}
			id := articleID(t, e, tc.id)
			raw, err := e.desk.RawArticle(e.ctx, id)
			if err != nil || !bytes.Equal(raw, msgs[tc.id]) {
				t.Errorf("RawArticle: got %d bytes (%v), want the %d bytes as received", len(raw), err, len(msgs[tc.id]))
			}
			v, err := e.desk.OpenArticle(e.ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(v.Text, tc.wantText) {
				t.Errorf("OpenArticle text = %q, want it to contain %q", v.Text, tc.wantText)
			}
		})
	}
	if got := len(blobFiles(t, e.desk.p.Dir)); got != 2 {
		t.Errorf("got %d blob files, want 2", got)
	}
	// Nothing decrypted was written anywhere in the profile folder.
	filepath.Walk(e.desk.p.Dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		if b, err := os.ReadFile(path); err == nil && bytes.Contains(b, []byte("Zitronenfalter")) {
			t.Errorf("%s holds the text of the encrypted message", path)
		}
		return nil
	})
}

// A blob file that is missing or holds other bytes gives a clear error
// when its article is opened, saved or checked again; the list still
// shows the article.
func TestBlobDamagedGivesError(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(path string) error
	}{
		{"missing", os.Remove},
		{"truncated", func(path string) error { return os.Truncate(path, 100) }},
		{"changed", func(path string) error {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			b[len(b)/2] ^= 1
			return os.WriteFile(path, b, 0o600)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := blobEnv(t)
			e.deliver(mailtest.Message(t, "alice@example.org", mailtest.DeskAddress, "Scan", "The scan.",
				mailtest.WithID("big@example.org"), withScan))
			e.sync()
			files := blobFiles(t, e.desk.p.Dir)
			if len(files) != 1 {
				t.Fatalf("got %d blob files, want 1", len(files))
			}
			if err := tc.damage(files[0]); err != nil {
				t.Fatal(err)
			}
			id := articleID(t, e, "big@example.org")
			if _, err := e.desk.RawArticle(e.ctx, id); !errors.Is(err, ErrStoredDamaged) {
				t.Errorf("RawArticle: got %v, want ErrStoredDamaged", err)
			}
			if _, err := e.desk.OpenArticle(e.ctx, id); !errors.Is(err, ErrStoredDamaged) {
				t.Errorf("OpenArticle: got %v, want ErrStoredDamaged", err)
			}
			if _, err := e.desk.Retry(e.ctx, id); !errors.Is(err, ErrStoredDamaged) {
				t.Errorf("Retry: got %v, want ErrStoredDamaged", err)
			}
			if tk := e.tickets(); len(tk) != 1 {
				t.Errorf("got %d tickets listed, want 1", len(tk))
			}
		})
	}
}

// The transaction that would name a blob fails after the worker wrote
// the file (here the database refuses the row; a crash there is
// TestSyncKilled's): the file is left, named by nothing, until the next
// Open removes it; the next sync stores the message once, with its file.
func TestBlobWrittenRowRefused(t *testing.T) {
	e := blobEnv(t)
	big := mailtest.Message(t, "alice@example.org", mailtest.DeskAddress, "Scan", "The scan.",
		mailtest.WithID("big@example.org"), withScan)
	e.deliver(big)
	if _, err := e.desk.db.Exec(`CREATE TRIGGER refuse BEFORE INSERT ON articles BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.desk.Sync(e.ctx); err == nil {
		t.Fatal("sync stored a message the database refused")
	}
	if got := e.count(`SELECT count(*) FROM articles`); got != 0 {
		t.Fatalf("got %d articles, want 0", got)
	}
	if got := len(blobFiles(t, e.desk.p.Dir)); got != 1 {
		t.Fatalf("got %d blob files after the refused row, want the 1 the worker wrote before it", got)
	}
	if _, err := e.desk.db.Exec(`DROP TRIGGER refuse`); err != nil {
		t.Fatal(err)
	}
	e.desk.Close()

	opts := &Options{BlobThreshold: testBlobThreshold}
	d, err := Open(e.ctx, e.side.Profile, e.side.Store, e.side.Engine, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if got := len(blobFiles(t, d.p.Dir)); got != 0 {
		t.Errorf("got %d blob files after Open, want 0 (no article names one)", got)
	}
	if _, err := d.Sync(e.ctx); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := d.db.QueryRow(`SELECT id FROM articles WHERE message_id = 'big@example.org'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if raw, err := d.RawArticle(e.ctx, id); err != nil || !bytes.Equal(raw, big) {
		t.Errorf("RawArticle: got %d bytes (%v), want the %d as received", len(raw), err, len(big))
	}
	if n := checkBlobs(t, d.db, d.p.Dir, false); n != 1 {
		t.Errorf("got %d named blob files, want 1", n)
	}
}

// Open's sweep removes the files no article names and half-written ones
// old enough that no process still writes them; it keeps the rest.
func TestBlobSweep(t *testing.T) {
	e := blobEnv(t)
	e.deliver(mailtest.Message(t, "alice@example.org", mailtest.DeskAddress, "Scan", "The scan.",
		mailtest.WithID("big@example.org"), withScan))
	e.sync()
	named := blobFiles(t, e.desk.p.Dir)
	if len(named) != 1 {
		t.Fatalf("got %d blob files, want 1", len(named))
	}
	orphan, err := e.desk.blobs.put([]byte(strings.Repeat("left by a crash ", 1000)))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(e.desk.blobs.path(orphan))
	oldTmp := filepath.Join(dir, tmpPrefix+"old")
	youngTmp := filepath.Join(dir, tmpPrefix+"young")
	for _, p := range []string{oldTmp, youngTmp} {
		if err := os.WriteFile(p, []byte("half"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chtimes(oldTmp, time.Now().Add(-2*tmpAge), time.Now().Add(-2*tmpAge)); err != nil {
		t.Fatal(err)
	}
	e.desk.Close()
	d, err := Open(e.ctx, e.side.Profile, e.side.Store, e.side.Engine, &Options{BlobThreshold: testBlobThreshold})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, tc := range []struct {
		path string
		want bool
	}{
		{named[0], true},
		{d.blobs.path(orphan), false},
		{oldTmp, false},
		{youngTmp, true},
	} {
		_, err := os.Stat(tc.path)
		if got := err == nil; got != tc.want {
			t.Errorf("%s there after Open: got %v, want %v", filepath.Base(tc.path), got, tc.want)
		}
	}
}

// A large message stored once whatever number of times it comes: under
// two UIDs, or again with other bytes under the same Message-ID (the
// second file, named by nothing, is removed at once).
func TestBlobDuplicates(t *testing.T) {
	big := mailtest.Message(t, "alice@example.org", mailtest.DeskAddress, "Scan", "The scan.",
		mailtest.WithID("big@example.org"), withScan)
	for _, tc := range []struct {
		name   string
		second []byte
	}{
		{"same bytes", big},
		{"other bytes", append([]byte("X-Resent: yes\r\n"), big...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := blobEnv(t)
			e.deliver(big)
			e.deliver(tc.second)
			e.sync()
			if got := e.count(`SELECT count(*) FROM articles`); got != 1 {
				t.Errorf("got %d articles, want 1", got)
			}
			if got := e.count(`SELECT count(*) FROM locations`); got != 2 {
				t.Errorf("got %d locations, want 2", got)
			}
			if got := len(blobFiles(t, e.desk.p.Dir)); got != 1 {
				t.Errorf("got %d blob files, want 1", got)
			}
			checkBlobs(t, e.desk.db, e.desk.p.Dir, false)
		})
	}
}

// A sent message above the threshold becomes an article whose file holds
// the sealed bytes that went out.
func TestBlobSentMessage(t *testing.T) {
	e := newEnv(t, &envOptions{desk: &Options{RetryMin: 10 * time.Millisecond, BlobThreshold: 1 << 10}})
	tk := aliceTicket(t, e)
	item, err := e.desk.Send(e.ctx, reply(t, e, tk, "The printer works again.", true, true))
	if err != nil {
		t.Fatal(err)
	}
	var sealed []byte
	if err := e.desk.db.QueryRow(`SELECT raw FROM outbox WHERE id = ?`, item.ID).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	item = e.deliverUntil(t, item.ID, OutboxSent)
	if got := e.count(`SELECT count(*) FROM articles WHERE id = ? AND blob IS NOT NULL AND length(raw) = 0`, item.ArticleID); got != 1 {
		t.Errorf("the sent article is not in a blob file")
	}
	if raw, err := e.desk.RawArticle(context.Background(), item.ArticleID); err != nil || !bytes.Equal(raw, sealed) {
		t.Errorf("RawArticle: got %d bytes (%v), want the %d sealed bytes sent", len(raw), err, len(sealed))
	}
}
