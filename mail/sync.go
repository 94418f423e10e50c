package mail

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"

	"siegel/crypto/smime"
	"siegel/mail/account"
	"siegel/mail/imapsync"
	"siegel/message"
)

// maxReported bounds the articles listed in a SyncReport; the count is
// always complete.
const maxReported = 1000

// storeBatch is how many messages one transaction stores at most: the
// index and ticket pages that several of them change go to the WAL once
// per transaction (SQLite writes every page of a commit with two
// syscalls). The end of a history batch commits at once whatever the
// count, so the newest tickets show as soon as they are in.
const storeBatch = 256

// SyncReport says what a sync pass stored, per account.
type SyncReport struct {
	Accounts []AccountSync
}

// AccountSync is the outcome of syncing one account.
type AccountSync struct {
	AccountID int64
	Address   string
	// New counts the articles stored; Articles lists the first of them.
	New      int
	Articles []NewArticle
	// Refused lists the messages the pass did not store because of what
	// they are (too large, imapsync.ErrTooLarge), each once: the folder's
	// last UID moves past them, so they are not fetched again.
	Refused []RefusedMessage
	// Err is why the pass did not complete (what was stored stays).
	Err error
}

// RefusedMessage is a message a sync left on the server unread.
type RefusedMessage struct {
	Mailbox string
	UID     imap.UID
	Err     error // an *imapsync.TooLargeError
}

// NewArticle describes an article a sync stored.
type NewArticle struct {
	ArticleID    int64
	TicketID     int64
	TicketNumber int64
	NewTicket    bool
	Outgoing     bool
	From         string
	Subject      string
	Encryption   smime.EncryptionState
	Signature    smime.SignatureState
}

// Sync makes one pass over every account: INBOX and the Sent folder are
// fetched up to date and every new message is stored, threaded and
// analysed. It returns the report and, if some account failed, the
// failures joined (the report says which).
func (d *Desk) Sync(ctx context.Context) (SyncReport, error) {
	return d.syncAll(ctx, true)
}

// CheckMail is the window's "Check mail": every account's new mail and
// one slice of its history (the newest first: on a first sync, the newest
// tickets), then it returns. The running desk's watchers fetch the rest
// of the history by themselves and report it with HistoryProgress.
func (d *Desk) CheckMail(ctx context.Context) (SyncReport, error) {
	return d.syncAll(ctx, false)
}

func (d *Desk) syncAll(ctx context.Context, whole bool) (SyncReport, error) {
	ids, err := d.accountIDs(ctx)
	if err != nil {
		return SyncReport{}, err
	}
	var rep SyncReport
	var errs []error
	for _, id := range ids {
		as := d.syncAccount(ctx, id, whole)
		rep.Accounts = append(rep.Accounts, as)
		if as.Err != nil {
			errs = append(errs, as.Err)
		}
	}
	return rep, errors.Join(errs...)
}

// SyncAccount makes one sync pass over one account on a connection of its
// own: the new mail of INBOX and the Sent folder, then — unless the agent
// paused it — the folders' history to its end, newest first, in slices
// between which new mail is looked for again. It returns when all is
// fetched; a running desk's watcher fetches the history by itself and
// reports it with HistoryProgress, so a window need not call this to get
// it (the two take turns, batch by batch, and never fetch one twice).
func (d *Desk) SyncAccount(ctx context.Context, id int64) AccountSync {
	return d.syncAccount(ctx, id, true)
}

// syncAccount is SyncAccount; without whole, it stops after one slice of
// the history.
func (d *Desk) syncAccount(ctx context.Context, id int64, whole bool) AccountSync {
	as := AccountSync{AccountID: id}
	acct, err := d.accountWithPasswords(ctx, id)
	if err != nil {
		as.Err = err
		return as
	}
	as.Address = acct.Address
	conn, err := imapsync.Dial(ctx, acct)
	if err != nil {
		as.Err = err
		d.syncDone(SyncDone{AccountID: id, Err: err})
		return as
	}
	defer conn.Close()
	for {
		left := d.syncStep(ctx, acct, conn, &as, true, 10*d.opts.HistorySlice)
		if as.Err != nil || !left || ctx.Err() != nil || !whole {
			break
		}
	}
	d.syncDone(SyncDone{AccountID: id, New: as.New, Err: as.Err})
	return as
}

// syncStep fetches the new mail of the account's folders and then, with
// history, one slice of each folder's history (at most slice long); it
// holds the account's sync lock meanwhile, so a "Check mail" and the
// watcher take turns. It reports whether history is left to fetch.
func (d *Desk) syncStep(ctx context.Context, acct *account.Account, conn *imapsync.Conn, as *AccountSync, history bool, slice time.Duration) bool {
	lock := d.accountLock(acct.ID)
	lock.Lock()
	defer lock.Unlock()
	folders := d.syncConn(ctx, acct, conn, as)
	if as.Err != nil || !history {
		return false
	}
	left, err := d.syncHistory(ctx, acct, conn, as, folders, slice)
	if err != nil {
		as.Err = err
	}
	return left
}

// syncConn syncs the new mail of INBOX and the Sent folder on an open
// connection, splitting a folder seen for the first time into new mail
// and history (prepareFolder); it returns the folders' states. The
// caller holds the account's sync lock.
func (d *Desk) syncConn(ctx context.Context, acct *account.Account, conn *imapsync.Conn, as *AccountSync) []mailboxRow {
	boxes, err := conn.FindMailboxes(ctx)
	if err != nil {
		as.Err = err
		return nil
	}
	ours, err := d.ourAddresses(ctx)
	if err != nil {
		as.Err = err
		return nil
	}
	var folders []mailboxRow
	for _, mb := range []struct{ role, name string }{{"inbox", boxes.Inbox}, {"sent", boxes.Sent}} {
		if mb.name == "" {
			continue
		}
		row, err := d.mailboxRow(ctx, acct.ID, mb.role, mb.name)
		if err == nil {
			err = d.prepareFolder(ctx, conn, &row)
		}
		if err != nil {
			as.Err = err
			return nil
		}
		s := d.newSink(acct, row, ours, as)
		err = conn.Sync(ctx, mb.name, s)
		if ferr := s.finish(err == nil); err == nil {
			err = ferr
		}
		if err == nil {
			err = d.fetchParents(ctx, acct, conn, boxes, ours, as, s.orphans)
		}
		if err != nil {
			as.Err = err
			return nil
		}
		if row, err = d.mailboxRow(ctx, acct.ID, mb.role, mb.name); err != nil {
			as.Err = err
			return nil
		}
		folders = append(folders, row)
	}
	return folders
}

// ourAddresses are the accounts' addresses, lower case: a message from
// one of them is ours (outgoing) wherever it is found.
func (d *Desk) ourAddresses(ctx context.Context) (map[string]bool, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT address FROM accounts`)
	if err != nil {
		return nil, fmt.Errorf("mail: accounts: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, err
		}
		out[strings.ToLower(a)] = true
	}
	return out, rows.Err()
}

// mailboxRow is the sync state of one folder.
type mailboxRow struct {
	id          int64
	role, name  string
	uidValidity uint32
	lastUID     imap.UID
	resync      bool
	// The history cursor (history.go).
	historyLow     imap.UID
	historyDone    bool
	historyTotal   int
	historyFetched int
}

// mailboxRow returns the sync state of the account's folder with role,
// creating it; a folder that changed its name starts over (resync).
func (d *Desk) mailboxRow(ctx context.Context, accountID int64, role, name string) (mailboxRow, error) {
	r := mailboxRow{role: role, name: name}
	var lastUID, low int64 // the driver's integers; UIDs again below
	err := d.db.QueryRowContext(ctx, `INSERT INTO mailboxes (account_id, role, name) VALUES (?, ?, ?)
		ON CONFLICT (account_id, role) DO UPDATE SET
			uidvalidity = CASE WHEN name = excluded.name THEN uidvalidity ELSE 0 END,
			last_uid = CASE WHEN name = excluded.name THEN last_uid ELSE 0 END,
			name = excluded.name
		RETURNING id, uidvalidity, last_uid, resync, history_low, history_done, history_total, history_fetched`,
		accountID, role, name).Scan(&r.id, &r.uidValidity, &lastUID, &r.resync, &low, &r.historyDone, &r.historyTotal, &r.historyFetched)
	if err != nil {
		return r, fmt.Errorf("mail: folder %s: %w", name, err)
	}
	r.lastUID, r.historyLow = imap.UID(lastUID), imap.UID(low)
	return r, nil
}

// sink receives the messages of one folder from imapsync and stores them
// through a pipeline: the messages are analysed in parallel (Workers
// goroutines) while the next ones download, and stored in the order they
// came by one writer, in transactions of up to storeBatch messages, each
// advancing the folder's cursor in the same transaction: the last UID for
// new mail, history_low at the end of a history batch (mark). The
// pipeline holds a bounded number of messages and of bytes (budget), so
// memory stays bounded however large the folder.
type sink struct {
	d      *Desk
	acct   *account.Account
	mb     mailboxRow
	ours   map[string]bool
	report *AccountSync
	// history: the sink stores history (history.go), not new mail.
	history bool
	hist    *histFolder
	// keepCursor: the sink stores the parent of an answer (parents.go),
	// below the cursors, and moves none.
	keepCursor bool
	large      int64 // account.LargeMessageSize
	bytes      *budget

	started bool
	pctx    context.Context
	cancel  context.CancelFunc
	work    chan *item
	order   chan *item
	wg      sync.WaitGroup
	done    chan struct{}
	// files takes the large messages from the workers to the goroutines
	// that write their blob files (fileWriters).
	files   chan *item
	filesWG sync.WaitGroup

	mu    sync.Mutex
	err   error
	total int
	count int
	// orphans are new-mail articles that opened a ticket although they
	// answer a message: their parents may be older than the history
	// (fetchParents). Only the writer touches it until finish.
	orphans []orphan
}

type item struct {
	msg   imapsync.Message
	hdr   *message.Envelope // the analysis' Envelope
	an    analysis
	ready chan struct{}
	// charge is what the item holds of the sink's byte budget.
	charge int64
	// remote: the message is larger than the account keeps; the worker
	// dropped its bytes after the analysis and kept key and size.
	remote bool
	key    string
	size   int
	// blob names the file the file goroutines wrote a large message's
	// bytes to (blobs.go), so the writer only records it; blobErr is why
	// they could not.
	blob    string
	blobErr error
	// mark, when set, is no message but the end of a history batch.
	mark *histMark
}

func (d *Desk) newSink(acct *account.Account, row mailboxRow, ours map[string]bool, as *AccountSync) *sink {
	return &sink{d: d, acct: acct, mb: row, ours: ours, report: as, large: acct.LargeMessageSize(), bytes: newBudget(pipelineBytes)}
}

func (s *sink) Begin(ctx context.Context, uidValidity uint32) (imap.UID, bool, error) {
	if s.mb.uidValidity != uidValidity {
		// The UIDs were reassigned since prepareFolder looked (a race
		// with the server): start from the first UID, oldest first, as
		// before there was a history. If articles exist, the folder may
		// hold them again under new UIDs, so ask for their Message-IDs
		// first.
		var any int
		if err := s.d.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM articles)`).Scan(&any); err != nil {
			return 0, false, fmt.Errorf("mail: %w", err)
		}
		s.d.log.Info("sync: folder starts from its first UID", "folder", s.mb.name, "uidvalidity", uidValidity,
			"was", s.mb.uidValidity, "match_by_message_id", any == 1)
		s.mb.uidValidity, s.mb.lastUID, s.mb.resync = uidValidity, 0, any == 1
		if _, err := s.d.db.ExecContext(ctx, `UPDATE mailboxes SET uidvalidity = ?, last_uid = 0, resync = ?,
			history_low = 0, history_done = 1, history_total = 0, history_fetched = 0 WHERE id = ?`,
			uidValidity, s.mb.resync, s.mb.id); err != nil {
			return 0, false, fmt.Errorf("mail: folder %s: %w", s.mb.name, err)
		}
		if _, err := s.d.db.ExecContext(ctx, `DELETE FROM locations WHERE mailbox_id = ? AND uidvalidity != ?`, s.mb.id, uidValidity); err != nil {
			return 0, false, fmt.Errorf("mail: folder %s: %w", s.mb.name, err)
		}
		s.d.forgetHistory(s.mb.id)
	}
	s.start(ctx)
	return s.mb.lastUID, s.mb.resync, nil
}

func (s *sink) start(ctx context.Context) {
	s.started = true
	s.pctx, s.cancel = context.WithCancel(ctx)
	workers := s.d.opts.Workers
	// The download runs up to 16 messages per worker ahead of the
	// analysis, so a large message on the wire, or the downloading
	// goroutine waiting for a core, leaves no worker without work.
	s.work = make(chan *item, 16*workers)
	// Deep enough that the download and the analysis go on while the
	// writer commits a batch; the byte budget bounds the memory.
	s.order = make(chan *item, 2*storeBatch+2*workers)
	s.done = make(chan struct{})
	// As deep as the pipeline, so a worker never waits for a disk.
	s.files = make(chan *item, cap(s.order)+cap(s.work)+workers)
	for range workers {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			for it := range s.work {
				if s.pctx.Err() == nil && s.analyse(it) {
					s.files <- it
					continue
				}
				close(it.ready)
			}
		}()
	}
	for range fileWriters {
		s.filesWG.Add(1)
		go func() {
			defer s.filesWG.Done()
			for it := range s.files {
				if s.pctx.Err() == nil {
					it.blob, it.blobErr = s.d.blobs.put(it.msg.Raw)
				}
				close(it.ready)
			}
		}()
	}
	go func() {
		defer close(s.done)
		s.write()
	}()
}

// fileWriters is how many goroutines of a sink write blob files: they
// mostly wait for the disk (fsync), so a few keep it busy without taking
// the cores from the analysis.
const fileWriters = 4

// analyse runs the engine over one message; a large one's bytes are
// dropped right after (only the verdict, the header and the search text
// are kept, the bytes stay on the server). It reports whether the
// message's bytes go to a blob file (blobs.go) before the writer may
// store it: the file goroutines write it, in parallel and outside the
// database's write lock, not the one writer. The bytes stay with the
// item until its row commits (the writer checks the file again under
// the lock).
func (s *sink) analyse(it *item) (file bool) {
	// Judged at its arrival on the server, never at a time the sender
	// wrote into it.
	at := it.msg.InternalDate
	if at.IsZero() {
		at = s.d.now()
	}
	// Without cancellation, like the writer's statements (store): the
	// engine's look-ups in the certificate store are SQLite queries, and
	// the engine never waits for the network in the desk (its revocation
	// checker answers from what it knows), so one message's analysis is
	// short; the workers look at pctx between messages.
	it.an = s.d.analyse(context.WithoutCancel(s.pctx), it.msg.Raw, at)
	it.hdr = it.an.res.Header()
	it.size = len(it.msg.Raw)
	if int64(it.size) > s.large {
		it.remote = true
		it.key = messageKey(it.hdr, it.msg.Raw)
		it.msg.Raw = nil
		s.bytes.release(it.charge)
		it.charge = 0
		return false
	}
	return s.d.blobs.big(it.msg.Raw)
}

func (s *sink) Found(ctx context.Context, total int) {
	s.mu.Lock()
	s.total = total
	s.mu.Unlock()
	s.d.emit(SyncProgress{AccountID: s.acct.ID, Mailbox: s.mb.name, Total: total})
}

func (s *sink) Known(ctx context.Context, ids []string) (map[string]bool, error) {
	return s.d.knownMessageIDs(ctx, ids)
}

// knownMessageIDs reports which of the Message-IDs are stored.
func (d *Desk) knownMessageIDs(ctx context.Context, ids []string) (map[string]bool, error) {
	known := map[string]bool{}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		chunk := ids[:n]
		ids = ids[n:]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := d.db.QueryContext(ctx, `SELECT message_id FROM articles WHERE message_id IN (?`+strings.Repeat(", ?", len(chunk)-1)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("mail: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err == nil {
				known[id] = true
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("mail: %w", err)
		}
	}
	return known, nil
}

func (s *sink) Message(ctx context.Context, m imapsync.Message) error {
	it := &item{msg: m, ready: make(chan struct{})}
	if m.Raw != nil {
		n, ok := s.bytes.acquire(s.pctx, int64(len(m.Raw)))
		if !ok {
			return s.failure()
		}
		it.charge = n
	}
	select {
	case s.order <- it:
	case <-s.pctx.Done():
		return s.failure()
	}
	if m.Raw == nil {
		// Known (resync) or refused: nothing to analyse; the writer
		// records it in its place.
		close(it.ready)
		return nil
	}
	select {
	case s.work <- it:
		return nil
	case <-s.pctx.Done():
		close(it.ready)
		return s.failure()
	}
}

// failure is the writer's error, else the context's.
func (s *sink) failure() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	return s.pctx.Err()
}

// finish closes the pipeline and waits for the writer; complete says the
// folder's new mail was fetched to its end, so a resync is over when the
// history is too.
func (s *sink) finish(complete bool) error {
	if !s.started {
		return nil
	}
	close(s.order)
	close(s.work)
	s.wg.Wait()
	close(s.files)
	s.filesWG.Wait()
	<-s.done
	s.cancel()
	s.mu.Lock()
	err := s.err
	s.mu.Unlock()
	if err == nil && complete {
		if _, err := s.d.db.ExecContext(context.WithoutCancel(s.pctx), `UPDATE mailboxes SET
			resync = CASE WHEN history_done THEN 0 ELSE resync END, synced = ? WHERE id = ?`,
			millis(s.d.now()), s.mb.id); err != nil {
			return fmt.Errorf("mail: folder %s: %w", s.mb.name, err)
		}
	}
	return err
}

// write stores the items in order, in batches.
func (s *sink) write() {
	var batch []*item
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	flush := func() bool {
		if len(batch) == 0 {
			return true
		}
		err := s.store(batch)
		for _, it := range batch {
			s.bytes.release(it.charge)
			if it.mark != nil && err == nil {
				close(it.mark.stored)
			}
		}
		clear(batch) // drop the messages' bytes now
		batch = batch[:0]
		if err != nil {
			s.mu.Lock()
			s.err = err
			s.mu.Unlock()
			s.cancel()
			return false
		}
		return true
	}
	for {
		var it *item
		var ok bool
		select {
		case it, ok = <-s.order:
		case <-timer.C:
			if !flush() {
				return
			}
			continue
		case <-s.pctx.Done():
			return
		}
		if !ok {
			flush()
			return
		}
		select {
		case <-it.ready:
		case <-s.pctx.Done():
			return
		}
		if s.pctx.Err() != nil {
			return
		}
		if len(batch) == 0 {
			timer.Reset(100 * time.Millisecond)
		}
		batch = append(batch, it)
		// The end of a history batch is committed at once: the list
		// shows the newest tickets as soon as they are in.
		if len(batch) >= storeBatch || it.mark != nil {
			timer.Stop()
			if !flush() {
				return
			}
		}
	}
}

// store writes one batch in one transaction and then reports it.
func (s *sink) store(batch []*item) error {
	sqltx, err := s.d.db.BeginTx(s.pctx, nil)
	if err != nil {
		return fmt.Errorf("mail: store: %w", err)
	}
	// The transaction still ends with the pipeline (database/sql rolls
	// it back when pctx ends), but its statements run without a
	// cancellable context: for each statement given one, the SQLite
	// driver starts a goroutine to interrupt it, and a batch runs a
	// thousand statements of microseconds each.
	ctx := context.WithoutCancel(s.pctx)
	defer sqltx.Rollback()
	tx := newTxn(sqltx)
	type stored struct {
		f   filed
		it  *item
		out bool
	}
	var done []stored
	var maxUID imap.UID
	var refused []RefusedMessage
	var mark *histMark
	for _, it := range batch {
		if it.mark != nil {
			mark = it.mark
			continue
		}
		if !s.history && !s.keepCursor {
			maxUID = max(maxUID, it.msg.UID)
		}
		loc := &location{mailboxID: s.mb.id, uidValidity: s.mb.uidValidity, uid: it.msg.UID}
		if it.msg.Err != nil {
			// Refused by imapsync (too large): the cursor moves past it
			// with the rest of the batch, and the report says so.
			refused = append(refused, RefusedMessage{Mailbox: s.mb.name, UID: it.msg.UID, Err: it.msg.Err})
			continue
		}
		if it.msg.Raw == nil && !it.remote {
			var articleID int64
			err := tx.QueryRowContext(ctx, `SELECT id FROM articles WHERE message_id = ?`, it.msg.MessageID).Scan(&articleID)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return fmt.Errorf("mail: store: %w", err)
			}
			if err := addLocation(ctx, tx, loc, articleID); err != nil {
				return fmt.Errorf("mail: store: %w", err)
			}
			continue
		}
		arrived := it.msg.InternalDate
		if arrived.IsZero() {
			arrived = it.hdr.Date
		}
		if arrived.IsZero() {
			arrived = s.d.now()
		}
		if it.blobErr != nil {
			return fmt.Errorf("mail: store message UID %d of %s: %w", it.msg.UID, s.mb.name, it.blobErr)
		}
		out := s.mb.role == "sent" || s.ours[strings.ToLower(it.hdr.Author.Address)]
		f, err := fileArticle(ctx, tx, s.d.blobs, &newArticle{
			accountID: s.acct.ID, raw: it.msg.Raw, arrived: arrived,
			outgoing: out, an: it.an, loc: loc,
			remote: it.remote, key: it.key, size: it.size, blob: it.blob,
		})
		if err != nil {
			return fmt.Errorf("mail: store message UID %d of %s: %w", it.msg.UID, s.mb.name, err)
		}
		if f.duplicate && it.blob != "" {
			// Stored before: the file the worker wrote may be one no
			// article names.
			if err := s.d.blobs.removeUnnamed(ctx, tx, it.blob); err != nil {
				return fmt.Errorf("mail: store message UID %d of %s: %w", it.msg.UID, s.mb.name, err)
			}
		}
		if !f.duplicate {
			done = append(done, stored{f, it, out})
		}
	}
	if maxUID > 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE mailboxes SET last_uid = max(last_uid, ?) WHERE id = ? AND uidvalidity = ?`,
			int64(maxUID), s.mb.id, s.mb.uidValidity); err != nil {
			return fmt.Errorf("mail: store: %w", err)
		}
	}
	if mark != nil {
		if err := s.storeMark(ctx, tx, mark); err != nil {
			return err
		}
	}
	if err := tx.commit(ctx); err != nil {
		return fmt.Errorf("mail: store: %w", err)
	}

	s.mu.Lock()
	s.count += len(batch)
	progress := SyncProgress{AccountID: s.acct.ID, Mailbox: s.mb.name, Done: s.count, Total: s.total}
	s.mu.Unlock()
	for _, r := range refused {
		s.d.log.WarnContext(ctx, "sync: message refused, not stored", "account", s.acct.Address, "mailbox", r.Mailbox, "uid", uint32(r.UID), "err", r.Err)
		s.report.Refused = append(s.report.Refused, r)
	}
	tickets := map[int64]bool{}
	for _, st := range done {
		s.report.New++
		if len(s.report.Articles) < maxReported {
			s.report.Articles = append(s.report.Articles, NewArticle{
				ArticleID: st.f.articleID, TicketID: st.f.ticketID, TicketNumber: st.f.ticketNumber,
				NewTicket: st.f.newTicket, Outgoing: st.out, From: st.it.hdr.Author.String(), Subject: st.it.hdr.Subject,
				Encryption: st.it.an.res.Encryption, Signature: st.it.an.res.Signature,
			})
		}
		if !s.history && (st.f.newTicket || s.keepCursor) && len(s.orphans) < maxOrphans {
			if refs := parentRefs(st.it.hdr); len(refs) > 0 {
				s.orphans = append(s.orphans, orphan{articleID: st.f.articleID, refs: refs})
			}
		}
		s.d.emit(ArticleAdded{TicketID: st.f.ticketID, ArticleID: st.f.articleID, NewTicket: st.f.newTicket})
		tickets[st.f.ticketID] = true
		if !st.out {
			s.d.collectSigners(ctx, st.it.an.res)
		}
	}
	for id := range tickets {
		s.d.emit(TicketChanged{TicketID: id})
	}
	if s.history {
		if mark != nil {
			// The history is what a first sync brings: SyncProgress
			// says so too, for views that show only that.
			p := s.d.historyProgress(s.acct.ID, s.mb.name)
			s.d.emit(p)
			s.d.emit(SyncProgress{AccountID: p.AccountID, Mailbox: p.Mailbox, Done: p.Done, Total: p.Total})
		}
	} else {
		s.d.emit(progress)
	}
	return nil
}
