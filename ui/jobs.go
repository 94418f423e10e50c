package ui

import (
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
)

// jobs runs the work the UI must not do on its own goroutine: every
// database query, every call into the core, file reading and writing.
//
// In the application each job runs on a goroutine of its own and applies
// its result with fyne.Do. Updates that come from goroutines the UI does
// not own (the desk's events, the store's change notices) are queued and
// applied together in one fyne.Do.
//
// Fyne's test driver runs fyne.Do in place, so the tests make jobs inline:
// run calls the job at once on the test goroutine, debounced work runs at
// once, and queued updates wait until the test calls drain. That keeps the
// tests free of data races without changing the views' code.
type jobs struct {
	inline bool
	// serial, when set, stands in for the UI goroutine of a real driver:
	// do holds it while applying a result, and a test holds it while it
	// works the widgets (the slow-core test runs real goroutines).
	serial *sync.Mutex
	wg     sync.WaitGroup
	// closed is set once the window is gone: results are no longer shown
	// (the jobs still finish their work, such as keeping a draft).
	closed atomic.Bool

	mu      sync.Mutex
	queue   []func()
	pending bool // a fyne.Do to drain the queue is on its way
}

// run starts a job; once the window is gone, no new one.
func (j *jobs) run(f func()) {
	if j.inline {
		f()
		return
	}
	if j.closed.Load() {
		return
	}
	j.wg.Add(1)
	go func() {
		defer j.wg.Done()
		f()
	}()
}

// post queues f to run on the UI goroutine. It may be called from any
// goroutine.
func (j *jobs) post(f func()) {
	j.mu.Lock()
	j.queue = append(j.queue, f)
	schedule := !j.inline && !j.pending
	if schedule {
		j.pending = true
	}
	j.mu.Unlock()
	if schedule {
		j.do(j.drain)
	}
}

// do applies a job's result on the UI goroutine (fyne.Do).
func (j *jobs) do(f func()) {
	if j.closed.Load() && !j.inline {
		return
	}
	if j.serial != nil {
		j.serial.Lock()
		defer j.serial.Unlock()
		f()
		return
	}
	fyne.Do(f)
}

// drain applies the queued updates, in order. The application calls it
// through fyne.Do; tests call it themselves.
func (j *jobs) drain() {
	for {
		j.mu.Lock()
		q := j.queue
		j.queue = nil
		if len(q) == 0 {
			j.pending = false
			j.mu.Unlock()
			return
		}
		j.mu.Unlock()
		for _, f := range q {
			f()
		}
	}
}

// later applies f on the UI goroutine after d (inline: at once), for
// what must wait until the window has laid out new content.
func (j *jobs) later(d time.Duration, f func()) {
	if j.inline {
		f()
		return
	}
	time.AfterFunc(d, func() { j.do(f) })
}

// wait waits for the running jobs (tests, and the end of the program).
func (j *jobs) wait() { j.wg.Wait() }

// waitFor waits for the running jobs, at most d; it reports whether they
// ended.
func (j *jobs) waitFor(d time.Duration) bool {
	done := make(chan struct{})
	go func() {
		j.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

// debouncer runs a job once things have been quiet for a while: a search
// after the typing stops, the composer's check after the recipients
// change, the list's refresh after a burst of new mail.
type debouncer struct {
	j     *jobs
	delay time.Duration

	mu    sync.Mutex
	timer *time.Timer
}

func newDebouncer(j *jobs, delay time.Duration) *debouncer {
	return &debouncer{j: j, delay: delay}
}

// trigger (re)starts the delay; f then runs as a job.
func (d *debouncer) trigger(f func()) {
	if d.j.inline {
		f()
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil {
		d.timer.Stop()
	}
	d.timer = time.AfterFunc(d.delay, func() { d.j.run(f) })
}

// stop cancels a pending run.
func (d *debouncer) stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
}
