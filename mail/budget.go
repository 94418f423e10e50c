package mail

import (
	"context"
	"sync"
)

// pipelineBytes bounds the bytes of the messages a sync holds at once
// (fetched, waiting for analysis or for their transaction). The count of
// messages in the pipeline is bounded too, but a count alone lets a run
// of large messages take gigabytes; this keeps the heap flat however the
// mailbox is made.
var pipelineBytes int64 = 96 << 20 // a variable so that a test can lower it

// budget is a counting semaphore of bytes.
type budget struct {
	mu   sync.Mutex
	cond *sync.Cond
	free int64
	max  int64
}

func newBudget(n int64) *budget {
	b := &budget{free: n, max: n}
	b.cond = sync.NewCond(&b.mu)
	return b
}

// acquire takes n bytes (at most the whole budget, so one message larger
// than it still passes, alone), waiting until they are free or ctx ends;
// it returns what it took, or false when ctx ended.
func (b *budget) acquire(ctx context.Context, n int64) (int64, bool) {
	n = min(n, b.max)
	stop := context.AfterFunc(ctx, func() {
		b.mu.Lock()
		b.cond.Broadcast()
		b.mu.Unlock()
	})
	defer stop()
	b.mu.Lock()
	defer b.mu.Unlock()
	for b.free < n {
		if ctx.Err() != nil {
			return 0, false
		}
		b.cond.Wait()
	}
	b.free -= n
	return n, true
}

func (b *budget) release(n int64) {
	if n == 0 {
		return
	}
	b.mu.Lock()
	b.free += n
	b.cond.Broadcast()
	b.mu.Unlock()
}
