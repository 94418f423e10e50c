package mail

import (
	"context"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"siegel/crypto/smime"
	"siegel/mail/imapsync"
	"siegel/profile"
)

// Analyzer is the S/MIME engine's analysis of a received message: OpenAt
// gives the verdict at the message's arrival (stored, the one every view shows) and the content
// apart from it; Reveal only unwraps, for display, without a second
// verdict.
type Analyzer interface {
	OpenAt(ctx context.Context, raw []byte, at time.Time) (*smime.Result, []byte)
	Reveal(ctx context.Context, raw []byte) []byte
}

// Sealer is the S/MIME engine's signing and encryption of an outgoing
// message. It returns *smime.MissingCertError or smime.ErrNoSignerKey
// rather than ever less protection than asked.
type Sealer interface {
	Seal(ctx context.Context, raw []byte, opts smime.SealOptions) ([]byte, error)
}

// Engine is what the desk needs from the S/MIME engine (smime.Engine).
type Engine interface {
	Analyzer
	Sealer
}

// CertStore is what the desk needs from the certificate store
// (certs.Store): Collect stores a verified signer's certificate, OnChange
// announces imports and deletions in this process so verdicts can be
// re-checked, Stamp names the content so a change by another process is
// noticed too.
type CertStore interface {
	Collect(ctx context.Context, cert *x509.Certificate) (bool, error)
	OnChange(f func()) (cancel func())
	Stamp(ctx context.Context) (string, error)
}

// Notifier announces changes; the revocation checker
// (certs/revocation.Checker) is one.
type Notifier interface {
	OnChange(f func()) (cancel func())
}

// Options tune a Desk. The zero value is right for the application.
type Options struct {
	// TicketStart is the number of the first ticket (default 10000, so
	// numbers have five digits).
	TicketStart int64
	// PollInterval is how often a server without IDLE is asked for new
	// mail, and how often IDLE is renewed (default 2 minutes).
	PollInterval time.Duration
	// RetryMin and RetryMax bound the exponential backoff of reconnecting
	// and of resending a temporarily failed message (defaults 2 seconds
	// and 15 minutes).
	RetryMin, RetryMax time.Duration
	// Workers is the number of messages analysed in parallel during a sync
	// (default GOMAXPROCS).
	Workers int
	// HistoryBatch is how many UIDs of a folder's history one batch
	// fetches, newest first (default imapsync.BatchSize).
	HistoryBatch int
	// HistorySlice is how long the watcher fetches history before it
	// looks for new mail again (default 2 seconds; Sync without a
	// watcher takes ten times as long).
	HistorySlice time.Duration
	// BlobThreshold: a message longer than this many bytes is stored in a
	// file of the profile folder (blobs.go) rather than in the database
	// (default 64 KiB).
	BlobThreshold int
	// Now is the clock (default time.Now).
	Now func() time.Time
	// UndoDelay is how long a sent message waits in the outbox before it
	// is delivered, so the agent can take it back (Undo); the window uses
	// 5 seconds, the default 0 delivers at once.
	UndoDelay time.Duration
	// Revocation, when set, announces that the revocation checker learnt
	// something (an answer came in, an imported CRL, the network came
	// back): the articles with a revocation answer are analysed again.
	Revocation Notifier
	// Logger receives the decisions of the background work (sync,
	// re-check, outbox, collection) and every error it does not return
	// (default: discarded).
	Logger *slog.Logger
}

func (o *Options) withDefaults() Options {
	var out Options
	if o != nil {
		out = *o
	}
	if out.TicketStart <= 0 {
		out.TicketStart = 10000
	}
	if out.PollInterval <= 0 {
		out.PollInterval = 2 * time.Minute
	}
	if out.RetryMin <= 0 {
		out.RetryMin = 2 * time.Second
	}
	if out.RetryMax <= 0 {
		out.RetryMax = 15 * time.Minute
	}
	if out.Workers <= 0 {
		out.Workers = runtime.GOMAXPROCS(0)
	}
	if out.Now == nil {
		out.Now = time.Now
	}
	if out.BlobThreshold <= 0 {
		out.BlobThreshold = defaultBlobThreshold
	}
	if out.HistoryBatch <= 0 {
		out.HistoryBatch = imapsync.BatchSize
	}
	if out.HistorySlice <= 0 {
		out.HistorySlice = 2 * time.Second
	}
	return out
}

// Desk is the helpdesk core of one profile: its accounts, tickets,
// articles, drafts and outbox, and the workers that sync mail and deliver
// the outbox. Its methods are safe for concurrent use; every method that
// does I/O takes a context first.
type Desk struct {
	p      *profile.Profile
	db     *sql.DB
	blobs  blobStore
	engine Engine
	certs  CertStore
	opts   Options

	subs subscribers

	// syncing serialises sync passes per account, so a "Check mail" and
	// the watcher never fetch the same messages at once.
	syncMu  sync.Mutex
	syncing map[int64]*sync.Mutex

	outboxKick  chan struct{}
	recheckKick chan struct{}
	// revocationKick asks for a re-check of the articles with a
	// revocation answer.
	revocationKick chan struct{}
	recheckMu      sync.Mutex // one Recheck at a time
	stopChange     func()
	log            *slog.Logger

	// offered remembers the signer certificates given to CertStore.Collect
	// since the store last changed.
	offeredMu sync.Mutex
	offered   map[[32]byte]bool

	// histMu guards what this process knows of the folders' history
	// (by mailbox ID) and the watchers' connections (by account).
	histMu sync.Mutex
	hist   map[int64]*histFolder
	conns  map[int64]*imapsync.Conn
	// tok holds the OAuth2 token sources.
	tok tokens

	mu       sync.Mutex
	running  bool
	closed   bool
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	watchers map[int64]context.CancelFunc
	runCtx   context.Context
}

// ErrClosed is returned by Start after Close.
var ErrClosed = errors.New("mail: desk is closed")

// Open opens the mail core of profile p, creating its tables on first use.
// store may be nil (no auto-collect, no automatic re-check); engine is
// required. Open starts nothing: call Start for the background workers,
// or use Sync for one pass (the command line does).
func Open(ctx context.Context, p *profile.Profile, store CertStore, engine Engine, opts *Options) (*Desk, error) {
	if engine == nil {
		return nil, errors.New("mail: no S/MIME engine")
	}
	if err := migrate(ctx, p); err != nil {
		return nil, err
	}
	d := &Desk{
		p:              p,
		db:             p.DB,
		engine:         engine,
		certs:          store,
		opts:           opts.withDefaults(),
		syncing:        map[int64]*sync.Mutex{},
		outboxKick:     make(chan struct{}, 1),
		recheckKick:    make(chan struct{}, 1),
		revocationKick: make(chan struct{}, 1),
		watchers:       map[int64]context.CancelFunc{},
		offered:        map[[32]byte]bool{},
		hist:           map[int64]*histFolder{},
		conns:          map[int64]*imapsync.Conn{},
		log:            logOrDiscard(opts.withDefaults().Logger),
	}
	if _, err := d.db.ExecContext(ctx, `INSERT INTO ticket_numbers (id, next) VALUES (1, ?) ON CONFLICT (id) DO NOTHING`, d.opts.TicketStart); err != nil {
		return nil, fmt.Errorf("mail: %w", err)
	}
	d.blobs = newBlobStore(p.Dir, d.opts.BlobThreshold)
	if n, err := d.blobs.sweep(ctx, d.db, d.now()); err != nil {
		// The leftovers only take room: the desk works without removing them.
		d.log.Warn("blobs: sweep", "removed", n, "err", err)
	} else if n > 0 {
		d.log.Info("blobs: removed files no article names", "removed", n)
	}
	if store != nil {
		// Called on the goroutine that changed the store: only a nudge.
		d.stopChange = store.OnChange(func() {
			d.offeredMu.Lock()
			clear(d.offered)
			d.offeredMu.Unlock()
			kick(d.recheckKick)
		})
	}
	if n := d.opts.Revocation; n != nil {
		stop := n.OnChange(func() { kick(d.revocationKick) })
		prev := d.stopChange
		d.stopChange = func() {
			stop()
			if prev != nil {
				prev()
			}
		}
	}
	return d, nil
}

func kick(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// Start runs the background work until Close: one watcher per account
// (sync, then IDLE or polling, reconnecting with backoff), the outbox
// worker, and the re-check of articles that failed for want of a
// certificate or key whenever the certificate store changes. Events
// report what they do.
func (d *Desk) Start(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	if d.running {
		return errors.New("mail: desk already started")
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	d.running, d.cancel, d.runCtx = true, cancel, ctx
	d.wg.Add(2)
	go func() {
		defer d.wg.Done()
		d.runOutbox(ctx)
	}()
	go func() {
		defer d.wg.Done()
		d.runRecheck(ctx)
	}()
	kick(d.recheckKick)
	// Answers still to come when the desk last closed are asked for again.
	var pending int
	if err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM articles WHERE revocation = 'checking'`).Scan(&pending); err == nil && pending > 0 {
		kick(d.revocationKick)
	}
	return d.refreshWatchersLocked(ctx)
}

// Close stops the background work and waits for it to end. The profile
// stays open (it belongs to the caller).
func (d *Desk) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	if d.cancel != nil {
		d.cancel()
	}
	d.mu.Unlock()
	if d.stopChange != nil {
		d.stopChange()
	}
	d.wg.Wait()
	return nil
}

// refreshWatchers starts watchers for new accounts and stops those of
// deleted ones, when the desk is running.
func (d *Desk) refreshWatchers() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.running || d.closed {
		return nil
	}
	return d.refreshWatchersLocked(d.runCtx)
}

func (d *Desk) refreshWatchersLocked(ctx context.Context) error {
	ids, err := d.accountIDs(ctx)
	if err != nil {
		return err
	}
	keep := map[int64]bool{}
	for _, id := range ids {
		keep[id] = true
		if _, ok := d.watchers[id]; ok {
			continue
		}
		wctx, cancel := context.WithCancel(ctx)
		d.watchers[id] = cancel
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			d.watch(wctx, id)
		}()
	}
	for id, cancel := range d.watchers {
		if !keep[id] {
			cancel()
			delete(d.watchers, id)
		}
	}
	return nil
}

// restartWatcher restarts the watcher of one account after its settings
// changed.
func (d *Desk) restartWatcher(id int64) error {
	d.mu.Lock()
	if cancel, ok := d.watchers[id]; ok {
		cancel()
		delete(d.watchers, id)
	}
	d.mu.Unlock()
	return d.refreshWatchers()
}

func (d *Desk) accountLock(id int64) *sync.Mutex {
	d.syncMu.Lock()
	defer d.syncMu.Unlock()
	m, ok := d.syncing[id]
	if !ok {
		m = &sync.Mutex{}
		d.syncing[id] = m
	}
	return m
}

func (d *Desk) now() time.Time { return d.opts.Now() }

func millis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms) }
