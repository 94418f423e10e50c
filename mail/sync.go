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

// storeBatch is how many messages one transaction stores at most.
const storeBatch = 64

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
	ids, err := d.accountIDs(ctx)
	if err != nil {
		return SyncReport{}, err
	}
	var rep SyncReport
	var errs []error
	for _, id := range ids {
		as := d.SyncAccount(ctx, id)
		rep.Accounts = append(rep.Accounts, as)
		if as.Err != nil {
			errs = append(errs, as.Err)
		}
	}
	return rep, errors.Join(errs...)
}

// SyncAccount makes one sync pass over one account on a connection of its
// own.
func (d *Desk) SyncAccount(ctx context.Context, id int64) AccountSync {
	as := AccountSync{AccountID: id}
	acct, err := d.accountWithPasswords(ctx, id)
	if err != nil {
		as.Err = err
		return as
	}
	as.Address = acct.Address
	lock := d.accountLock(id)
	lock.Lock()
	defer lock.Unlock()
	conn, err := imapsync.Dial(ctx, acct)
	if err != nil {
		as.Err = err
		d.syncDone(SyncDone{AccountID: id, Err: err})
		return as
	}
	defer conn.Close()
	d.syncConn(ctx, acct, conn, &as)
	d.syncDone(SyncDone{AccountID: id, New: as.New, Err: as.Err})
	return as
}

// syncConn syncs INBOX and the Sent folder on an open connection. The
// caller holds the account's sync lock.
func (d *Desk) syncConn(ctx context.Context, acct *account.Account, conn *imapsync.Conn, as *AccountSync) {
	boxes, err := conn.FindMailboxes(ctx)
	if err != nil {
		as.Err = err
		return
	}
	ours, err := d.ourAddresses(ctx)
	if err != nil {
		as.Err = err
		return
	}
	for _, mb := range []struct{ role, name string }{{"inbox", boxes.Inbox}, {"sent", boxes.Sent}} {
		if mb.name == "" {
			continue
		}
		row, err := d.mailboxRow(ctx, acct.ID, mb.role, mb.name)
		if err != nil {
			as.Err = err
			return
		}
		s := &sink{d: d, acct: acct, mb: row, ours: ours, report: as}
		err = conn.Sync(ctx, mb.name, s)
		if ferr := s.finish(err == nil); err == nil {
			err = ferr
		}
		if err != nil {
			as.Err = err
			return
		}
	}
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
}

// mailboxRow returns the sync state of the account's folder with role,
// creating it; a folder that changed its name starts over (resync).
func (d *Desk) mailboxRow(ctx context.Context, accountID int64, role, name string) (mailboxRow, error) {
	r := mailboxRow{role: role, name: name}
	var lastUID int64 // the driver's integer; a UID again below
	err := d.db.QueryRowContext(ctx, `INSERT INTO mailboxes (account_id, role, name) VALUES (?, ?, ?)
		ON CONFLICT (account_id, role) DO UPDATE SET
			uidvalidity = CASE WHEN name = excluded.name THEN uidvalidity ELSE 0 END,
			last_uid = CASE WHEN name = excluded.name THEN last_uid ELSE 0 END,
			name = excluded.name
		RETURNING id, uidvalidity, last_uid, resync`, accountID, role, name).Scan(&r.id, &r.uidValidity, &lastUID, &r.resync)
	if err != nil {
		return r, fmt.Errorf("mail: folder %s: %w", name, err)
	}
	r.lastUID = imap.UID(lastUID)
	return r, nil
}

// sink receives the messages of one folder from imapsync and stores them
// through a pipeline: the messages are analysed in parallel (Workers
// goroutines) and stored in UID order by one writer, in transactions of
// up to storeBatch messages, each advancing the folder's last UID in the
// same transaction. The pipeline holds a bounded number of messages, so
// memory stays bounded however large the folder.
type sink struct {
	d      *Desk
	acct   *account.Account
	mb     mailboxRow
	ours   map[string]bool
	report *AccountSync

	started bool
	pctx    context.Context
	cancel  context.CancelFunc
	work    chan *item
	order   chan *item
	wg      sync.WaitGroup
	done    chan struct{}

	mu    sync.Mutex
	err   error
	total int
	count int
}

type item struct {
	msg   imapsync.Message
	hdr   *message.Envelope // the analysis' Envelope
	an    analysis
	ready chan struct{}
}

func (s *sink) Begin(ctx context.Context, uidValidity uint32) (imap.UID, bool, error) {
	if s.mb.uidValidity != uidValidity {
		// First sync of the folder, or its UIDs were reassigned: start
		// from the first UID. If articles exist, the folder may hold them
		// again under new UIDs, so ask for their Message-IDs first.
		var any int
		if err := s.d.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM articles)`).Scan(&any); err != nil {
			return 0, false, fmt.Errorf("mail: %w", err)
		}
		s.d.log.Info("sync: folder starts from its first UID", "folder", s.mb.name, "uidvalidity", uidValidity,
			"was", s.mb.uidValidity, "match_by_message_id", any == 1)
		s.mb.uidValidity, s.mb.lastUID, s.mb.resync = uidValidity, 0, any == 1
		if _, err := s.d.db.ExecContext(ctx, `UPDATE mailboxes SET uidvalidity = ?, last_uid = 0, resync = ? WHERE id = ?`,
			uidValidity, s.mb.resync, s.mb.id); err != nil {
			return 0, false, fmt.Errorf("mail: folder %s: %w", s.mb.name, err)
		}
		if _, err := s.d.db.ExecContext(ctx, `DELETE FROM locations WHERE mailbox_id = ? AND uidvalidity != ?`, s.mb.id, uidValidity); err != nil {
			return 0, false, fmt.Errorf("mail: folder %s: %w", s.mb.name, err)
		}
	}
	s.start(ctx)
	return s.mb.lastUID, s.mb.resync, nil
}

func (s *sink) start(ctx context.Context) {
	s.started = true
	s.pctx, s.cancel = context.WithCancel(ctx)
	workers := s.d.opts.Workers
	s.work = make(chan *item, workers)
	s.order = make(chan *item, 2*workers+storeBatch/4)
	s.done = make(chan struct{})
	for range workers {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			for it := range s.work {
				if s.pctx.Err() == nil {
					// Judged at its arrival on the server, never at a
					// time the sender wrote into it.
					at := it.msg.InternalDate
					if at.IsZero() {
						at = s.d.now()
					}
					it.an = s.d.analyse(s.pctx, it.msg.Raw, at)
					it.hdr = it.an.res.Header()
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

func (s *sink) Found(ctx context.Context, total int) {
	s.mu.Lock()
	s.total = total
	s.mu.Unlock()
	s.d.emit(SyncProgress{AccountID: s.acct.ID, Mailbox: s.mb.name, Total: total})
}

func (s *sink) Known(ctx context.Context, ids []string) (map[string]bool, error) {
	known := map[string]bool{}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		chunk := ids[:n]
		ids = ids[n:]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := s.d.db.QueryContext(ctx, `SELECT message_id FROM articles WHERE message_id IN (?`+strings.Repeat(", ?", len(chunk)-1)+`)`, args...)
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
// folder was fetched to its end, so a resync is over.
func (s *sink) finish(complete bool) error {
	if !s.started {
		return nil
	}
	close(s.order)
	close(s.work)
	s.wg.Wait()
	<-s.done
	s.cancel()
	s.mu.Lock()
	err := s.err
	s.mu.Unlock()
	if err == nil && complete {
		if _, err := s.d.db.ExecContext(context.WithoutCancel(s.pctx), `UPDATE mailboxes SET resync = 0, synced = ? WHERE id = ?`,
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
		if len(batch) >= storeBatch {
			timer.Stop()
			if !flush() {
				return
			}
		}
	}
}

// store writes one batch in one transaction and then reports it.
func (s *sink) store(batch []*item) error {
	ctx := s.pctx
	sqltx, err := s.d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("mail: store: %w", err)
	}
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
	for _, it := range batch {
		maxUID = max(maxUID, it.msg.UID)
		loc := &location{mailboxID: s.mb.id, uidValidity: s.mb.uidValidity, uid: it.msg.UID}
		if it.msg.Err != nil {
			// Refused by imapsync (too large): the last UID moves past it
			// with the rest of the batch, and the report says so.
			refused = append(refused, RefusedMessage{Mailbox: s.mb.name, UID: it.msg.UID, Err: it.msg.Err})
			continue
		}
		if it.msg.Raw == nil {
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
		out := s.mb.role == "sent" || s.ours[strings.ToLower(it.hdr.Author.Address)]
		f, err := fileArticle(ctx, tx, &newArticle{
			accountID: s.acct.ID, raw: it.msg.Raw, arrived: arrived,
			outgoing: out, an: it.an, loc: loc,
		})
		if err != nil {
			return fmt.Errorf("mail: store message UID %d of %s: %w", it.msg.UID, s.mb.name, err)
		}
		if !f.duplicate {
			done = append(done, stored{f, it, out})
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE mailboxes SET last_uid = max(last_uid, ?) WHERE id = ? AND uidvalidity = ?`,
		int64(maxUID), s.mb.id, s.mb.uidValidity); err != nil {
		return fmt.Errorf("mail: store: %w", err)
	}
	if err := sqltx.Commit(); err != nil {
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
		s.d.emit(ArticleAdded{TicketID: st.f.ticketID, ArticleID: st.f.articleID, NewTicket: st.f.newTicket})
		tickets[st.f.ticketID] = true
		if !st.out {
			s.d.collectSigners(ctx, st.it.an.res)
		}
	}
	for id := range tickets {
		s.d.emit(TicketChanged{TicketID: id})
	}
	s.d.emit(progress)
	return nil
}
