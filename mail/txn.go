package mail

import (
	"context"
	"database/sql"
)

// txn is a write transaction that prepares each statement once: a sync
// stores dozens of messages per transaction with the same few statements,
// and parsing SQL would otherwise take a good part of the time.
type txn struct {
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
}

func newTxn(tx *sql.Tx) *txn { return &txn{tx: tx, stmts: map[string]*sql.Stmt{}} }

func (t *txn) stmt(ctx context.Context, query string) *sql.Stmt {
	if s, ok := t.stmts[query]; ok {
		return s
	}
	s, err := t.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	t.stmts[query] = s
	return s
}

// ExecContext is sql.Tx.ExecContext with a prepared statement. (A
// statement that cannot be prepared runs unprepared, to return its error.)
func (t *txn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := t.stmt(ctx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

// QueryRowContext is sql.Tx.QueryRowContext with a prepared statement.
func (t *txn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := t.stmt(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, query, args...)
}
