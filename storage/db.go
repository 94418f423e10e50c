package storage

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// Dialect is the kind of database under a DB.
type Dialect int

// The databases.
const (
	SQLite Dialect = iota
	Postgres
)

func (d Dialect) String() string {
	if d == Postgres {
		return "PostgreSQL"
	}
	return "SQLite"
}

// DB is a database of either dialect, with database/sql's methods; on
// PostgreSQL every query's placeholders are rebound (once per query text).
type DB struct {
	sql     *sql.DB
	dialect Dialect
	bound   sync.Map // query text → rebound text
}

// New wraps an open database of dialect d.
func New(db *sql.DB, d Dialect) *DB { return &DB{sql: db, dialect: d} }

// OpenPostgres opens a PostgreSQL database by its URL
// (postgres://USER:PASSWORD@HOST:PORT/DBNAME) and checks that it answers.
func OpenPostgres(ctx context.Context, url string) (*DB, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("storage: connect to the team database: %w", err)
	}
	return New(db, Postgres), nil
}

// Dialect is the kind of database.
func (db *DB) Dialect() Dialect { return db.dialect }

// SQL is the database/sql handle underneath, for what this API does not
// carry (pool settings, a dedicated connection).
func (db *DB) SQL() *sql.DB { return db.sql }

// Close closes the database.
func (db *DB) Close() error { return db.sql.Close() }

// bind is q as the database takes it.
func (db *DB) bind(q string) string {
	if db.dialect != Postgres {
		return q
	}
	if b, ok := db.bound.Load(q); ok {
		return b.(string)
	}
	b := Rebind(q)
	db.bound.Store(q, b)
	return b
}

// ExecContext is sql.DB.ExecContext.
func (db *DB) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return db.sql.ExecContext(ctx, db.bind(q), args...)
}

// QueryContext is sql.DB.QueryContext.
func (db *DB) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return db.sql.QueryContext(ctx, db.bind(q), args...)
}

// QueryRowContext is sql.DB.QueryRowContext.
func (db *DB) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return db.sql.QueryRowContext(ctx, db.bind(q), args...)
}

// BeginTx starts a transaction.
func (db *DB) BeginTx(ctx context.Context, opts *sql.TxOptions) (*Tx, error) {
	tx, err := db.sql.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &Tx{tx: tx, db: db}, nil
}

// Tx is a transaction of a DB.
type Tx struct {
	tx *sql.Tx
	db *DB
}

// ExecContext is sql.Tx.ExecContext.
func (tx *Tx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return tx.tx.ExecContext(ctx, tx.db.bind(q), args...)
}

// QueryContext is sql.Tx.QueryContext.
func (tx *Tx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return tx.tx.QueryContext(ctx, tx.db.bind(q), args...)
}

// QueryRowContext is sql.Tx.QueryRowContext.
func (tx *Tx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(ctx, tx.db.bind(q), args...)
}

// Commit commits the transaction.
func (tx *Tx) Commit() error { return tx.tx.Commit() }

// Rollback aborts the transaction; after Commit it does nothing.
func (tx *Tx) Rollback() error { return tx.tx.Rollback() }
