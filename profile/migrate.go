package profile

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// A Step is one step of a component's schema: a statement, or Go for a
// change SQLite's ALTER TABLE cannot make.
type Step struct {
	sql string
	fn  func(ctx context.Context, tx *sql.Tx) error
}

// SQL makes steps of statements.
func SQL(stmts ...string) []Step {
	out := make([]Step, len(stmts))
	for i, s := range stmts {
		out[i] = Step{sql: s}
	}
	return out
}

func (s Step) run(ctx context.Context, tx *sql.Tx) error {
	if s.fn != nil {
		return s.fn(ctx, tx)
	}
	_, err := tx.ExecContext(ctx, s.sql)
	return err
}

// ErrSchemaText is returned by a RewriteTable step whose table does not
// hold the text it is to replace (the table is not what the step was
// written for).
var ErrSchemaText = errors.New("profile: the table's definition does not hold the text to replace")

// RewriteTable replaces old with replacement in the CREATE TABLE
// statement of table, in place. It is for the changes SQLite documents as
// safe this way because no row changes (ALTER TABLE, "other kinds of
// table schema changes"): a CHECK constraint that allows more. Copying
// the table instead would make every reference to it (ON DELETE CASCADE)
// fire or be rewritten; the schema version goes up, so every open
// connection reads the new definition.
func RewriteTable(table, old, replacement string) Step {
	return Step{fn: func(ctx context.Context, tx *sql.Tx) error {
		var def string
		if err := tx.QueryRowContext(ctx, `SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?`, table).Scan(&def); err != nil {
			return fmt.Errorf("table %s: %w", table, err)
		}
		if strings.Count(def, old) != 1 {
			return fmt.Errorf("%w: %s, %q", ErrSchemaText, table, old)
		}
		var version int64
		if err := tx.QueryRowContext(ctx, `PRAGMA schema_version`).Scan(&version); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `PRAGMA writable_schema = ON`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = ?`,
			strings.Replace(def, old, replacement, 1), table)
		if err == nil {
			_, err = tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA schema_version = %d`, version+1))
		}
		if _, offErr := tx.ExecContext(ctx, `PRAGMA writable_schema = OFF`); err == nil {
			err = offErr
		}
		if err != nil {
			return fmt.Errorf("table %s: %w", table, err)
		}
		var check string
		if err := tx.QueryRowContext(ctx, `PRAGMA quick_check(`+quoteIdent(table)+`)`).Scan(&check); err != nil || check != "ok" {
			return fmt.Errorf("table %s after the change: %s %v", table, check, err)
		}
		return nil
	}}
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
