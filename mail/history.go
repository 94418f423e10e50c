package mail

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"

	"siegel/mail/account"
	"siegel/mail/imapsync"
)

// The history of a folder is the mail it held when the desk first saw it
// (UIDs up to that moment's top), within the account's history window.
// The first sync does not fetch it oldest first: new mail (above the top)
// keeps its own cursor (last_uid), and the history is fetched newest
// first, in batches of Options.HistoryBatch UIDs, each batch's end
// committed with the folder's history_low — every message of the window
// from history_low to the top is stored. A restart (even after SIGKILL)
// carries on below history_low; the messages of an interrupted batch that
// were stored are recognised by their location and not fetched again.
// History runs in slices (Options.HistorySlice) between which the new
// mail is fetched, so it never delays new mail.

// histMark ends a history batch in a sink: the batch's lowest UID and
// its number of UIDs, and whether it was the last.
type histMark struct {
	low  imap.UID
	n    int
	done bool
	// stored is closed once the batch is committed and reported.
	stored chan struct{}
}

// histFolder is what this process knows of a folder's history.
type histFolder struct {
	uidValidity uint32
	// uids are the history window's UIDs below the cursor when they were
	// searched, ascending; the part below the cursor is what is left.
	uids []imap.UID
	// The rate of this session, for the estimate.
	start   time.Time
	fetched int
}

// prepareFolder splits a folder seen for the first time (or whose UIDs
// were reassigned) into new mail and history: new mail is what comes
// above the current top, the history is all up to it.
func (d *Desk) prepareFolder(ctx context.Context, conn *imapsync.Conn, row *mailboxRow) error {
	sel, err := conn.Examine(ctx, row.name)
	if err != nil {
		return err
	}
	if row.uidValidity != 0 && sel.UIDValidity == row.uidValidity {
		return nil
	}
	// If articles exist, the folder may hold them again under new UIDs,
	// so their Message-IDs are asked for first.
	var any int
	if err := d.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM articles)`).Scan(&any); err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	d.log.Info("sync: folder starts, newest first", "folder", row.name, "uidvalidity", sel.UIDValidity,
		"was", row.uidValidity, "top", uint32(sel.Top), "match_by_message_id", any == 1)
	row.uidValidity, row.lastUID, row.resync = sel.UIDValidity, sel.Top, any == 1
	row.historyLow, row.historyDone, row.historyTotal, row.historyFetched = sel.Top+1, sel.Top == 0, 0, 0
	if _, err := d.db.ExecContext(ctx, `UPDATE mailboxes SET uidvalidity = ?, last_uid = ?, resync = ?,
		history_low = ?, history_done = ?, history_total = 0, history_fetched = 0 WHERE id = ?`,
		row.uidValidity, int64(row.lastUID), row.resync, int64(row.historyLow), row.historyDone, row.id); err != nil {
		return fmt.Errorf("mail: folder %s: %w", row.name, err)
	}
	if _, err := d.db.ExecContext(ctx, `DELETE FROM locations WHERE mailbox_id = ? AND uidvalidity != ?`, row.id, row.uidValidity); err != nil {
		return fmt.Errorf("mail: folder %s: %w", row.name, err)
	}
	d.forgetHistory(row.id)
	return nil
}

// reopenHistory makes the folders of an account look for history again
// below their cursors, after the account's window changed: a longer one
// fetches the older mail it now covers, a shorter one ends at once.
func (d *Desk) reopenHistory(ctx context.Context, accountID int64) error {
	rows, err := d.db.QueryContext(ctx, `UPDATE mailboxes SET history_done = 0
		WHERE account_id = ? AND uidvalidity != 0 AND history_low > 0 RETURNING id`, accountID)
	if err != nil {
		return fmt.Errorf("mail: history of account %d: %w", accountID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return fmt.Errorf("mail: history of account %d: %w", accountID, err)
		}
		d.forgetHistory(id)
	}
	return rows.Err()
}

// forgetHistory drops what this process knows of a folder's history.
func (d *Desk) forgetHistory(mailboxID int64) {
	d.histMu.Lock()
	delete(d.hist, mailboxID)
	d.histMu.Unlock()
}

// syncHistory fetches one slice of each folder's history, unless the
// agent paused it; it reports whether history is left.
func (d *Desk) syncHistory(ctx context.Context, acct *account.Account, conn *imapsync.Conn, as *AccountSync, folders []mailboxRow, slice time.Duration) (bool, error) {
	if paused, err := d.historyPaused(ctx, acct.ID); err != nil || paused {
		return false, err
	}
	ours, err := d.ourAddresses(ctx)
	if err != nil {
		return false, err
	}
	left := false
	for _, row := range folders {
		if row.historyDone {
			continue
		}
		more, err := d.historySlice(ctx, acct, conn, row, ours, as, time.Now().Add(slice))
		if err != nil {
			return true, err
		}
		left = left || more
	}
	return left, nil
}

// historySlice fetches history batches of one folder, newest first, until
// the history is done, the deadline passed, the server announced new
// mail or the agent paused; it reports whether history is left. The
// batches go through one sink, so the analysis of one overlaps the
// download of the next.
func (d *Desk) historySlice(ctx context.Context, acct *account.Account, conn *imapsync.Conn, row mailboxRow, ours map[string]bool, as *AccountSync, deadline time.Time) (bool, error) {
	hf, err := d.historyFolder(ctx, acct, conn, row)
	if err != nil {
		return true, err
	}
	i, _ := slices.BinarySearch(hf.uids, row.historyLow)
	rem := hf.uids[:i]
	s := d.newSink(acct, row, ours, as)
	s.history, s.hist = true, hf
	s.start(ctx)
	batch := d.opts.HistoryBatch
	if len(rem) == 0 {
		err = s.mark(&histMark{low: row.historyLow, done: true, stored: make(chan struct{})})
	}
	// One batch downloads while the one before is analysed and stored;
	// the next waits for that one's commit, so a pause, the deadline or
	// new mail stop the slice one batch later at most.
	var prev *histMark
	for len(rem) > 0 {
		n := min(batch, len(rem))
		chunk := rem[len(rem)-n:]
		rem = rem[:len(rem)-n]
		var todo []imap.UID
		if todo, err = d.unstored(ctx, row, chunk); err == nil && len(todo) > 0 {
			err = conn.Fetch(ctx, row.name, todo, row.resync, s)
		}
		m := &histMark{low: chunk[0], n: n, done: len(rem) == 0, stored: make(chan struct{})}
		if err == nil {
			err = s.mark(m)
		}
		if err == nil && prev != nil {
			select {
			case <-prev.stored:
			case <-s.pctx.Done():
				err = s.failure()
			}
		}
		prev = m
		if err != nil || len(rem) == 0 || time.Now().After(deadline) || conn.Pending() {
			break
		}
		if paused, perr := d.historyPaused(ctx, acct.ID); perr != nil || paused {
			err = perr
			break
		}
	}
	if ferr := s.finish(false); err == nil {
		err = ferr
	}
	if err == nil && len(rem) > 0 {
		d.log.Info("sync: history slice ends", "account", acct.Address, "folder", row.name, "left", len(rem))
	}
	return len(rem) > 0 || err != nil, err
}

// mark puts the end of a history batch into the pipeline, behind the
// batch's messages.
func (s *sink) mark(m *histMark) error {
	it := &item{mark: m, ready: make(chan struct{})}
	close(it.ready)
	select {
	case s.order <- it:
		return nil
	case <-s.pctx.Done():
		return s.failure()
	}
}

// storeMark moves the history cursor in the transaction that stores the
// end of a batch.
func (s *sink) storeMark(ctx context.Context, tx *txn, m *histMark) error {
	_, err := tx.ExecContext(ctx, `UPDATE mailboxes SET
		history_low = min(history_low, ?),
		history_fetched = history_fetched + ?,
		history_done = history_done OR ?,
		history_total = CASE WHEN ? THEN history_fetched + ? ELSE history_total END,
		resync = CASE WHEN ? THEN 0 ELSE resync END
		WHERE id = ? AND uidvalidity = ?`,
		int64(m.low), m.n, m.done, m.done, m.n, m.done, s.mb.id, s.mb.uidValidity)
	if err != nil {
		return fmt.Errorf("mail: history of %s: %w", s.mb.name, err)
	}
	if s.hist != nil {
		s.d.histMu.Lock()
		s.hist.fetched += m.n
		s.d.histMu.Unlock()
	}
	return nil
}

// historyFolder returns what this process knows of a folder's history,
// asking the server for the window's UIDs below the cursor the first
// time.
func (d *Desk) historyFolder(ctx context.Context, acct *account.Account, conn *imapsync.Conn, row mailboxRow) (*histFolder, error) {
	d.histMu.Lock()
	hf := d.hist[row.id]
	d.histMu.Unlock()
	if hf != nil && hf.uidValidity == row.uidValidity {
		return hf, nil
	}
	var since time.Time
	if days := acct.History(); days > 0 {
		since = d.now().AddDate(0, 0, -days)
	}
	uids, err := conn.SearchUIDs(ctx, row.name, row.historyLow, since)
	if err != nil {
		return nil, err
	}
	if _, err := d.db.ExecContext(ctx, `UPDATE mailboxes SET history_total = history_fetched + ? WHERE id = ?`, len(uids), row.id); err != nil {
		return nil, fmt.Errorf("mail: history of %s: %w", row.name, err)
	}
	d.log.Info("sync: history found", "account", acct.Address, "folder", row.name, "messages", len(uids),
		"since", since, "below", uint32(row.historyLow))
	hf = &histFolder{uidValidity: row.uidValidity, uids: uids, start: time.Now()}
	d.histMu.Lock()
	d.hist[row.id] = hf
	d.histMu.Unlock()
	return hf, nil
}

// unstored returns the UIDs of chunk whose message is not stored yet: a
// batch cut off before its end has stored some of them.
func (d *Desk) unstored(ctx context.Context, row mailboxRow, chunk []imap.UID) ([]imap.UID, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT uid FROM locations WHERE mailbox_id = ? AND uidvalidity = ? AND uid BETWEEN ? AND ?`,
		row.id, row.uidValidity, int64(chunk[0]), int64(chunk[len(chunk)-1]))
	if err != nil {
		return nil, fmt.Errorf("mail: history of %s: %w", row.name, err)
	}
	defer rows.Close()
	have := map[imap.UID]bool{}
	for rows.Next() {
		var u int64
		if err := rows.Scan(&u); err != nil {
			return nil, fmt.Errorf("mail: history of %s: %w", row.name, err)
		}
		have[imap.UID(u)] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("mail: history of %s: %w", row.name, err)
	}
	if len(have) == 0 {
		return chunk, nil
	}
	var todo []imap.UID
	for _, u := range chunk {
		if !have[u] {
			todo = append(todo, u)
		}
	}
	return todo, nil
}

func (d *Desk) historyPaused(ctx context.Context, accountID int64) (bool, error) {
	var paused bool
	err := d.db.QueryRowContext(ctx, `SELECT history_paused FROM accounts WHERE id = ?`, accountID).Scan(&paused)
	if errors.Is(err, sql.ErrNoRows) {
		return false, ErrNoAccount
	}
	if err != nil {
		return false, fmt.Errorf("mail: account %d: %w", accountID, err)
	}
	return paused, nil
}

// History reports the history of each folder of an account.
func (d *Desk) History(ctx context.Context, accountID int64) ([]HistoryProgress, error) {
	paused, err := d.historyPaused(ctx, accountID)
	if err != nil {
		return nil, err
	}
	rows, err := d.db.QueryContext(ctx, `SELECT id, name, history_fetched, history_total, history_done FROM mailboxes
		WHERE account_id = ? ORDER BY role`, accountID)
	if err != nil {
		return nil, fmt.Errorf("mail: history: %w", err)
	}
	defer rows.Close()
	var out []HistoryProgress
	for rows.Next() {
		var id int64
		var done bool
		p := HistoryProgress{AccountID: accountID, Paused: paused}
		if err := rows.Scan(&id, &p.Mailbox, &p.Done, &p.Total, &done); err != nil {
			return nil, fmt.Errorf("mail: history: %w", err)
		}
		if done {
			p.Total = max(p.Total, p.Done)
			p.Done = p.Total
		}
		p.Remaining = d.historyEstimate(id, p.Total-p.Done)
		out = append(out, p)
	}
	return out, rows.Err()
}

// historyEstimate is the time left for left messages at the rate this
// process fetched the folder's history so far.
func (d *Desk) historyEstimate(mailboxID int64, left int) time.Duration {
	d.histMu.Lock()
	defer d.histMu.Unlock()
	hf := d.hist[mailboxID]
	if hf == nil || hf.fetched == 0 || left <= 0 {
		return 0
	}
	per := time.Since(hf.start) / time.Duration(hf.fetched)
	return per * time.Duration(left)
}

// historyProgress is the event after a history batch of a folder.
func (d *Desk) historyProgress(accountID int64, mailbox string) HistoryProgress {
	list, err := d.History(context.Background(), accountID)
	if err != nil {
		d.log.Warn("history: progress", "err", err)
	}
	for _, p := range list {
		if p.Mailbox == mailbox {
			return p
		}
	}
	return HistoryProgress{AccountID: accountID, Mailbox: mailbox}
}

// PauseHistory stops fetching the account's history after the batch in
// progress, until ResumeHistory; new mail still comes. The pause is
// stored, so it outlasts a restart.
func (d *Desk) PauseHistory(ctx context.Context, accountID int64) error {
	return d.setHistoryPaused(ctx, accountID, true)
}

// ResumeHistory continues the account's history where it stopped.
func (d *Desk) ResumeHistory(ctx context.Context, accountID int64) error {
	if err := d.setHistoryPaused(ctx, accountID, false); err != nil {
		return err
	}
	d.histMu.Lock()
	conn := d.conns[accountID]
	d.histMu.Unlock()
	if conn != nil {
		conn.Wake()
	}
	return nil
}

func (d *Desk) setHistoryPaused(ctx context.Context, accountID int64, paused bool) error {
	res, err := d.db.ExecContext(ctx, `UPDATE accounts SET history_paused = ? WHERE id = ?`, paused, accountID)
	if err != nil {
		return fmt.Errorf("mail: account %d: %w", accountID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNoAccount
	}
	d.log.Info("history: paused", "account", accountID, "paused", paused)
	list, err := d.History(ctx, accountID)
	if err != nil {
		return err
	}
	for _, p := range list {
		d.emit(p)
	}
	return nil
}

// watchConn records the watcher's connection of an account, so that
// ResumeHistory can wake it from IDLE; nil removes it.
func (d *Desk) watchConn(accountID int64, conn *imapsync.Conn) {
	d.histMu.Lock()
	defer d.histMu.Unlock()
	if conn == nil {
		delete(d.conns, accountID)
	} else {
		d.conns[accountID] = conn
	}
}
