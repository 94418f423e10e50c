package imapsync_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"siegel/mail/imapsync"
	"siegel/mail/mailtest"
)

func TestExamineSearchAndFetch(t *testing.T) {
	ctx := context.Background()
	s := mailtest.NewIMAP(t, nil)
	var raws [][]byte
	for i, age := range []int{400, 100, 10, 1} { // days
		raw := mailtest.Message(t, "alice@example.org", mailtest.DeskAddress, fmt.Sprint("m", i), "x", mailtest.WithID(fmt.Sprintf("m%d@example.org", i)))
		raws = append(raws, raw)
		s.AppendAt(t, "INBOX", raw, time.Now().AddDate(0, 0, -age))
	}
	c := dial(t, s)
	sel, err := c.Examine(ctx, "INBOX")
	if err != nil || sel.Top != 4 || sel.NumMessages != 4 || sel.UIDValidity == 0 {
		t.Fatalf("Examine = %+v, %v; want top 4 of 4 messages", sel, err)
	}
	tests := []struct {
		below imap.UID
		days  int
		want  []imap.UID
	}{
		{0, 0, []imap.UID{1, 2, 3, 4}},
		{5, 30, []imap.UID{3, 4}},
		{4, 30, []imap.UID{3}},
		{3, 30, nil},
		{1, 0, nil},
		{5, 365, []imap.UID{2, 3, 4}},
	}
	for _, tt := range tests {
		var since time.Time
		if tt.days > 0 {
			since = time.Now().AddDate(0, 0, -tt.days)
		}
		got, err := c.SearchUIDs(ctx, "INBOX", tt.below, since)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("SearchUIDs(below %d, %d days) = %v, %v; want %v", tt.below, tt.days, got, err, tt.want)
		}
	}
	// Fetch hands over exactly the UIDs asked for.
	got := &sink{}
	if err := c.Fetch(ctx, "INBOX", []imap.UID{4, 2}, false, got); err != nil {
		t.Fatal(err)
	}
	if len(got.got) != 2 || got.got[0].UID != 2 || got.got[1].UID != 4 || !bytes.Equal(got.got[1].Raw, raws[3]) {
		t.Errorf("Fetch(4, 2) handed over %d messages, want UIDs 2 and 4 whole", len(got.got))
	}
	if uids, err := c.SearchMessageID(ctx, "INBOX", "m2@example.org"); err != nil || !slices.Equal(uids, []imap.UID{3}) {
		t.Errorf("SearchMessageID = %v, %v; want [3]", uids, err)
	}
	if uids, err := c.SearchMessageID(ctx, "INBOX", "none@example.org"); err != nil || len(uids) != 0 {
		t.Errorf("SearchMessageID of an unknown id = %v, %v; want none", uids, err)
	}

	// FetchRaw: the message under the same UIDVALIDITY, else ErrGone.
	raw, err := c.FetchRaw(ctx, "INBOX", sel.UIDValidity, 2, "")
	if err != nil || !bytes.Equal(raw, raws[1]) {
		t.Errorf("FetchRaw(2) = %d bytes, %v; want message 1 as appended", len(raw), err)
	}
	if _, err := c.FetchRaw(ctx, "INBOX", sel.UIDValidity, 2, "m3@example.org"); !errors.Is(err, imapsync.ErrGone) {
		t.Errorf("FetchRaw with another Message-ID = %v, want ErrGone", err)
	}
	if _, err := c.FetchRaw(ctx, "INBOX", sel.UIDValidity, 99, ""); !errors.Is(err, imapsync.ErrGone) {
		t.Errorf("FetchRaw of a missing UID = %v, want ErrGone", err)
	}
	s.Recreate(t, "INBOX", raws)
	if _, err := c.FetchRaw(ctx, "INBOX", sel.UIDValidity, 2, ""); !errors.Is(err, imapsync.ErrGone) {
		t.Errorf("FetchRaw after a UIDVALIDITY change = %v, want ErrGone", err)
	}
}
