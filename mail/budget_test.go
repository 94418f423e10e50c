package mail

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"siegel/mail/mailtest"
)

func TestBudget(t *testing.T) {
	ctx := context.Background()
	b := newBudget(100)
	if n, ok := b.acquire(ctx, 60); n != 60 || !ok {
		t.Fatalf("got %d, %v; want 60 taken", n, ok)
	}
	// More than is free waits until it is released.
	got := make(chan int64)
	go func() {
		n, _ := b.acquire(ctx, 50)
		got <- n
	}()
	select {
	case n := <-got:
		t.Fatalf("got %d bytes while only 40 were free, want a wait", n)
	case <-time.After(50 * time.Millisecond):
	}
	b.release(60)
	if n := <-got; n != 50 {
		t.Errorf("got %d after the release, want 50", n)
	}
	b.release(50)
	// More than the whole budget takes all of it, alone.
	if n, ok := b.acquire(ctx, 1000); n != 100 || !ok {
		t.Errorf("got %d, %v for a message larger than the budget; want 100 taken", n, ok)
	}
	// A wait ends with its context.
	cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if n, ok := b.acquire(cctx, 1); ok || n != 0 {
		t.Errorf("got %d, %v with nothing free and the context ended, want nothing", n, ok)
	}
}

// The sync holds at most the byte budget of messages, however many wait
// on the server and however slow the writer: the live heap stays far
// below the bytes of the mailbox.
func TestSyncMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("holds 60 MB on the test server")
	}
	old := pipelineBytes
	pipelineBytes = 4 << 20
	defer func() { pipelineBytes = old }()
	e := newEnv(t, nil)
	const n, size = 60, 1 << 20
	for i := range n {
		raw := mailtest.Message(t, "alice@example.org", mailtest.DeskAddress, fmt.Sprint("Big ", i), strings.Repeat("big text\r\n", size/10),
			mailtest.WithID(fmt.Sprintf("big%d@example.org", i)))
		e.deliver(raw)
	}
	heap := liveHeap()
	e.sync()
	peak := heap()
	if got := e.count(`SELECT count(*) FROM articles`); got != n {
		t.Fatalf("got %d articles, want %d", got, n)
	}
	// The budget, a message being read and one being written, the
	// search text and the database's caches: well under half the mailbox.
	if limit := uint64(n * size / 2); peak > limit {
		t.Errorf("peak live heap %d MB above the start, want under %d MB (the mailbox is %d MB)", peak>>20, limit>>20, n*size>>20)
	}
	t.Logf("peak live heap %.1f MB for a mailbox of %d MB", float64(peak)/(1<<20), n*size>>20)
}
