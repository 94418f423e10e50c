package mail

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// ErrTooLate is Undo's answer when the outbox already took the message:
// it is being delivered or was.
var ErrTooLate = errors.New("mail: the message is on its way already")

// Undo takes a message back from the outbox while it waits out
// Options.UndoDelay: the outbox item goes, and its draft is open again,
// exactly as it was before Send. It returns the draft; ErrTooLate when the
// outbox has started delivering it.
func (d *Desk) Undo(ctx context.Context, itemID int64) (Draft, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return Draft{}, fmt.Errorf("mail: undo: %w", err)
	}
	defer tx.Rollback()
	var draftID int64
	// Only a message nobody has tried to deliver: the outbox worker marks
	// an item "sending" before it dials, in its own transaction.
	err = tx.QueryRowContext(ctx, `DELETE FROM outbox WHERE id = ? AND state = 'queued' AND attempts = 0 AND next_attempt > ?
		RETURNING coalesce(draft_id, 0)`, itemID, millis(d.now())).Scan(&draftID)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Draft{}, ErrTooLate
		}
		return Draft{}, fmt.Errorf("mail: undo: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE drafts SET state = 'draft' WHERE id = ?`, draftID); err != nil {
		return Draft{}, fmt.Errorf("mail: undo: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return Draft{}, fmt.Errorf("mail: undo: %w", err)
	}
	d.log.Info("outbox: sending undone", "item", itemID, "draft", draftID)
	d.emit(OutboxChanged{Item: OutboxItem{ID: itemID, State: OutboxUndone}})
	return d.Draft(ctx, draftID)
}
