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
	// search holds the search entries of the transaction's articles
	// until commit: FTS5 writes out its pending entries whenever a later
	// statement of the transaction opens a savepoint, so entries
	// interleaved with the other statements of a batch made one tiny
	// index segment (and its merges) per article.
	search []searchEntry
}

// searchEntry is an article's row in article_search.
type searchEntry struct {
	rowid                 int64
	subject, people, body string
}

// commit adds the search entries and commits.
func (t *txn) commit(ctx context.Context) error {
	for _, e := range t.search {
		if _, err := t.ExecContext(ctx, `INSERT INTO article_search (rowid, subject, people, body) VALUES (?, ?, ?, ?)`,
			e.rowid, e.subject, e.people, e.body); err != nil {
			return err
		}
	}
	t.search = nil
	return t.tx.Commit()
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
