package revocation

import (
	"crypto/x509"
	"time"
)

// A job is a background check of one certificate. A retry skips the
// failure it is retrying.
type job struct {
	k            keys
	cert, issuer *x509.Certificate
	retry        bool
}

// enqueue queues j unless its certificate is queued or in flight already.
func (c *Checker) enqueue(j job) {
	c.mu.Lock()
	if c.pending[j.k.cert] {
		c.mu.Unlock()
		return
	}
	c.pending[j.k.cert] = true
	c.queue = append(c.queue, j)
	c.mu.Unlock()
	c.poke()
}

func (c *Checker) poke() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// next takes the oldest queued job, waking another worker when more wait.
func (c *Checker) next() (job, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.queue) == 0 {
		return job{}, false
	}
	j := c.queue[0]
	c.queue[0] = job{}
	c.queue = c.queue[1:]
	if len(c.queue) > 0 {
		c.poke()
	}
	return j, true
}

// work runs queued jobs until Close; Parallel of them run.
func (c *Checker) work() {
	defer c.wg.Done()
	for {
		j, ok := c.next()
		if !ok {
			select {
			case <-c.ctx.Done():
				return
			case <-c.wake:
				continue
			}
		}
		if c.ctx.Err() != nil {
			return
		}
		c.run(j)
	}
}

func (c *Checker) run(j job) {
	// Another caller may have found the answer since the job was queued
	// (a waiting caller, a CRL fetched for a sibling), or gone offline.
	failFor := c.o.RetryInterval
	if j.retry {
		failFor = 0
	}
	r, ok := c.known(c.ctx, j.k, j.cert, j.issuer, failFor)
	if !ok {
		r = c.ask(c.ctx, j.k, j.cert, j.issuer)
	}
	c.mu.Lock()
	delete(c.pending, j.k.cert)
	c.mu.Unlock()
	if c.ctx.Err() != nil {
		return // closed: the answer is a cancelled fetch
	}
	c.finish(j.k.cert, r)
}

// retry queues again, every RetryInterval, the certificates whose check
// failed, so that an answer arrives when the network returns.
func (c *Checker) retry() {
	defer c.wg.Done()
	tick := time.NewTicker(max(c.o.RetryInterval/4, 10*time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-tick.C:
		}
		if c.offline.Load() {
			continue
		}
		var due []job
		c.mu.Lock()
		for key, f := range c.fails {
			if time.Since(f.at) >= c.o.RetryInterval && !c.pending[key] {
				due = append(due, job{k: keysOf(f.cert, f.issuer), cert: f.cert, issuer: f.issuer, retry: true})
			}
		}
		c.mu.Unlock()
		for _, j := range due {
			c.enqueue(j)
		}
	}
}
