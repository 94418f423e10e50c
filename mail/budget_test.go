package mail

import (
	"context"
	"testing"
	"time"
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
