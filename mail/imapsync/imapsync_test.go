package imapsync_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"siegel/mail/account"
	"siegel/mail/imapsync"
	"siegel/mail/mailtest"
)

func dial(t *testing.T, s *mailtest.IMAP) *imapsync.Conn {
	t.Helper()
	c, err := imapsync.Dial(context.Background(), &account.Account{Address: mailtest.DeskAddress, IMAP: s.Server()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestFindMailboxesByName(t *testing.T) {
	ctx := context.Background()
	for _, name := range []string{"Sent", "Sent Items", "Gesendet", "INBOX.Sent"} {
		t.Run(name, func(t *testing.T) {
			s := mailtest.NewIMAP(t, &mailtest.IMAPOptions{NoSent: true})
			s.User.Create("Archive", nil)
			s.User.Create(name, nil)
			boxes, err := dial(t, s).FindMailboxes(ctx)
			if err != nil || boxes.Inbox != "INBOX" || boxes.Sent != name {
				t.Errorf("FindMailboxes = %+v, %v; want INBOX and %q", boxes, err, name)
			}
		})
	}
	s := mailtest.NewIMAP(t, &mailtest.IMAPOptions{NoSent: true})
	c := dial(t, s)
	if boxes, err := c.FindMailboxes(ctx); err != nil || boxes.Sent != "" {
		t.Fatalf("FindMailboxes without Sent = %+v, %v", boxes, err)
	}
	name, err := c.CreateSent(ctx)
	if err != nil || name != "Sent" {
		t.Fatalf("CreateSent = %q, %v", name, err)
	}
	if boxes, _ := c.FindMailboxes(ctx); boxes.Sent != "Sent" {
		t.Errorf("after CreateSent the Sent folder is %q", boxes.Sent)
	}
	if name, err := c.CreateSent(ctx); err != nil || name != "Sent" {
		t.Errorf("CreateSent again = %q, %v", name, err)
	}
	s.User.Delete("INBOX")
	if _, err := c.FindMailboxes(ctx); !errors.Is(err, account.ErrNoMailbox) {
		t.Errorf("FindMailboxes without INBOX = %v, want ErrNoMailbox", err)
	}
}

func TestAppendAndHasMessageID(t *testing.T) {
	ctx := context.Background()
	s := mailtest.NewIMAP(t, nil)
	c := dial(t, s)
	raw := mailtest.Message(t, mailtest.DeskAddress, "alice@example.org", "Hi", "x", mailtest.WithID("abc.1@siegel.example"))
	if has, err := c.HasMessageID(ctx, "Sent", "abc.1@siegel.example"); err != nil || has {
		t.Fatalf("HasMessageID before Append = %v, %v", has, err)
	}
	if err := c.Append(ctx, "Sent", raw, time.Now()); err != nil {
		t.Fatal(err)
	}
	if has, err := c.HasMessageID(ctx, "Sent", "abc.1@siegel.example"); err != nil || !has {
		t.Errorf("HasMessageID after Append = %v, %v", has, err)
	}
	if has, _ := c.HasMessageID(ctx, "Sent", "other@siegel.example"); has {
		t.Errorf("HasMessageID finds another id")
	}
}

// sink records what Sync hands over.
type sink struct {
	after  imap.UID
	resync bool
	known  map[string]bool
	got    []imapsync.Message
	total  int
}

func (s *sink) Begin(ctx context.Context, uv uint32) (imap.UID, bool, error) {
	return s.after, s.resync, nil
}
func (s *sink) Found(ctx context.Context, n int) { s.total = n }
func (s *sink) Known(ctx context.Context, ids []string) (map[string]bool, error) {
	return s.known, nil
}
func (s *sink) Message(ctx context.Context, m imapsync.Message) error {
	s.got = append(s.got, m)
	return nil
}

func TestSyncBatchesAndResync(t *testing.T) {
	ctx := context.Background()
	s := mailtest.NewIMAP(t, nil)
	var raws [][]byte
	for i := range imapsync.BatchSize + 50 {
		raw := mailtest.Message(t, "alice@example.org", mailtest.DeskAddress, fmt.Sprint("m", i), "x", mailtest.WithID(fmt.Sprintf("m%d@example.org", i)))
		raws = append(raws, raw)
		s.Append(t, "INBOX", raw)
	}
	c := dial(t, s)
	all := &sink{}
	if err := c.Sync(ctx, "INBOX", all); err != nil {
		t.Fatal(err)
	}
	if len(all.got) != len(raws) || all.total != len(raws) {
		t.Fatalf("Sync handed over %d of %d messages (found %d)", len(all.got), len(raws), all.total)
	}
	for i, m := range all.got {
		if m.UID != imap.UID(i+1) || !bytes.Equal(m.Raw, raws[i]) || m.InternalDate.IsZero() {
			t.Fatalf("message %d: UID %d, %d bytes, date %v; want UID %d, the bytes as appended", i, m.UID, len(m.Raw), m.InternalDate, i+1)
		}
	}
	// Incremental: only what is above the last UID.
	inc := &sink{after: 240}
	if err := c.Sync(ctx, "INBOX", inc); err != nil {
		t.Fatal(err)
	}
	if len(inc.got) != 10 || inc.got[0].UID != 241 {
		t.Errorf("incremental sync handed over %d messages from UID %d, want 10 from 241", len(inc.got), inc.got[0].UID)
	}
	up := &sink{after: 250}
	if err := c.Sync(ctx, "INBOX", up); err != nil || len(up.got) != 0 {
		t.Errorf("up-to-date sync handed over %d messages (%v), want 0", len(up.got), err)
	}
	// Resync: known messages come without their bodies.
	re := &sink{resync: true, known: map[string]bool{"m3@example.org": true, "m210@example.org": true}}
	if err := c.Sync(ctx, "INBOX", re); err != nil {
		t.Fatal(err)
	}
	bodies := 0
	for i, m := range re.got {
		if m.UID != imap.UID(i+1) {
			t.Fatalf("resync message %d has UID %d: out of order", i, m.UID)
		}
		if m.Raw != nil {
			bodies++
		} else if !re.known[m.MessageID] {
			t.Errorf("UID %d came without body but %q is not known", m.UID, m.MessageID)
		}
	}
	if len(re.got) != len(raws) || bodies != len(raws)-2 {
		t.Errorf("resync: %d messages, %d with bodies; want %d and %d", len(re.got), bodies, len(raws), len(raws)-2)
	}
}

// A message larger than the desk accepts is not read into memory: it
// comes to the Sink with a *TooLargeError in its place in UID order, and
// the messages around it arrive whole.
func TestSyncRefusesTooLargeMessage(t *testing.T) {
	const limit = 64 << 10
	defer imapsync.SetMaxMessageSize(limit)()
	ctx := context.Background()
	s := mailtest.NewIMAP(t, nil)
	small := mailtest.Message(t, "alice@example.org", mailtest.DeskAddress, "small", "x", mailtest.WithID("small@example.org"))
	huge := mailtest.Message(t, "alice@example.org", mailtest.DeskAddress, "huge", strings.Repeat("y", 2*limit), mailtest.WithID("huge@example.org"))
	edge := mailtest.Message(t, "alice@example.org", mailtest.DeskAddress, "edge", "z", mailtest.WithID("edge@example.org"))
	edge = append(edge, bytes.Repeat([]byte("z"), limit-len(edge))...) // exactly the limit: accepted
	for _, raw := range [][]byte{small, huge, edge} {
		s.Append(t, "INBOX", raw)
	}
	for _, resync := range []bool{false, true} {
		t.Run(fmt.Sprint("resync=", resync), func(t *testing.T) {
			got := &sink{resync: resync}
			if err := dial(t, s).Sync(ctx, "INBOX", got); err != nil {
				t.Fatalf("Sync: %v, want the refusal in the message, not the sync", err)
			}
			if len(got.got) != 3 {
				t.Fatalf("got %d messages, want 3", len(got.got))
			}
			want := []struct {
				uid imap.UID
				raw []byte
			}{{1, small}, {2, nil}, {3, edge}}
			for i, w := range want {
				m := got.got[i]
				if m.UID != w.uid || !bytes.Equal(m.Raw, w.raw) {
					t.Errorf("message %d: got UID %d with %d bytes, want UID %d with %d bytes", i, m.UID, len(m.Raw), w.uid, len(w.raw))
				}
			}
			var tl *imapsync.TooLargeError
			if err := got.got[1].Err; !errors.As(err, &tl) || !errors.Is(err, imapsync.ErrTooLarge) {
				t.Fatalf("got error %v for the huge message, want a *TooLargeError", err)
			}
			if tl.UID != 2 || tl.Size != int64(len(huge)) || tl.Max != limit {
				t.Errorf("got %+v, want UID 2, size %d, max %d", tl, len(huge), limit)
			}
			if got.got[0].Err != nil || got.got[2].Err != nil {
				t.Errorf("got errors %v, %v for the messages within the limit, want none", got.got[0].Err, got.got[2].Err)
			}
		})
	}
}
