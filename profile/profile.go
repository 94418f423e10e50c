// Package profile opens a Siegel profile: the folder that holds one user's
// data, its SQLite database, and the vault that seals the secrets in it.
//
// The flow is:
//
//  1. Open creates the folder (mode 0700) and opens siegel.db in it with WAL,
//     foreign keys and a busy timeout.
//  2. Each component that owns tables (certs, mail) calls Migrate with its
//     own name and its ordered list of schema steps; the profile records how
//     far each component got, so a step runs exactly once, in a transaction
//     with its bookkeeping.
//  3. Components that keep sealed values register the column with
//     RegisterSealed, and call Seal and Open. The first of these asks for the
//     passphrase through the PassphraseFunc given to Open (creating the vault
//     if the profile has none yet) and keeps the vault for the rest of the
//     run. ChangePassphrase re-seals every registered column in one
//     transaction.
//
// It lives under certs because the certificate store is the lowest layer
// that keeps data; the mail core builds on it.
package profile

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"siegel/crypto/vault"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// DBName is the file name of the database inside the profile folder.
const DBName = "siegel.db"

// ErrNoPassphrase is returned when a secret is needed and the
// PassphraseFunc gives none (the user cancelled).
var ErrNoPassphrase = errors.New("no passphrase given")

// PassphraseFunc supplies the profile passphrase. create is true when the
// profile has no vault yet, so the user is choosing a new passphrase (a UI
// asks twice). It is called again after a wrong passphrase.
type PassphraseFunc func(ctx context.Context, create bool) ([]byte, error)

// Options tune Open. The zero value is right for the application.
type Options struct {
	// Cost is the Argon2id work factor of a newly created vault; the zero
	// value means vault.DefaultCost. Tests pass a small one.
	Cost vault.Cost
}

// Profile is an open profile. Its methods are safe for concurrent use.
type Profile struct {
	Dir string
	DB  *sql.DB

	ask  PassphraseFunc
	cost vault.Cost

	mu     sync.Mutex
	vault  *vault.Vault
	sealed []sealedColumn
}

type sealedColumn struct{ table, key, column string }

// DefaultDir is os.UserConfigDir()/siegel: ~/.config/siegel on Linux,
// %APPDATA%\Siegel on Windows.
func DefaultDir() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("profile: %w", err)
	}
	return filepath.Join(dir, FolderName(runtime.GOOS)), nil
}

// FolderName is the name of Siegel's folder inside a user folder on goos:
// Windows programs keep their data under their own, capitalised name
// (%APPDATA%\Siegel), Unix programs in lower case (~/.config/siegel).
func FolderName(goos string) string {
	if goos == "windows" {
		return "Siegel"
	}
	return "siegel"
}

// Open opens (creating when needed) the profile in dir. ask may be nil for
// callers that never touch secrets; they get ErrNoPassphrase if they do.
func Open(ctx context.Context, dir string, ask PassphraseFunc, opts *Options) (*Profile, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("profile: create folder: %w", err)
	}
	db, err := OpenDB(filepath.Join(dir, DBName))
	if err != nil {
		return nil, err
	}
	p := &Profile{Dir: dir, DB: db, ask: ask, cost: vault.DefaultCost}
	if opts != nil && opts.Cost != (vault.Cost{}) {
		p.cost = opts.Cost
	}
	if err := p.Migrate(ctx, "profile", []string{
		`CREATE TABLE vault (id INTEGER PRIMARY KEY CHECK (id = 1), params BLOB NOT NULL)`,
		`CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
	}); err != nil {
		db.Close()
		return nil, err
	}
	return p, nil
}

// OpenDB opens an SQLite file with the settings every Siegel database uses:
// WAL, foreign keys, a busy timeout, and write transactions that take the
// write lock at BEGIN (so two writers queue instead of failing on upgrade).
func OpenDB(path string) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// A checkpoint every 8,000 pages (32 MB of WAL) rather than SQLite's
	// 1,000: a sync's writer commits a batch every few milliseconds, and
	// with the default it copied the same index and ticket pages into the
	// database again at nearly every commit (a quarter of its time).
	q.Add("_pragma", "wal_autocheckpoint(8000)")
	q.Set("_txlock", "immediate")
	// A URI, so that a folder name with '#', '?' or '%' stays a file name.
	uri := &url.URL{Scheme: "file", Path: uriPath(path), RawQuery: q.Encode()}
	if !filepath.IsAbs(path) {
		uri = &url.URL{Scheme: "file", Opaque: (&url.URL{Path: filepath.ToSlash(path)}).EscapedPath(), RawQuery: q.Encode()}
	}
	db, err := sql.Open("sqlite", uri.String())
	if err != nil {
		return nil, fmt.Errorf("profile: open database: %w", err)
	}
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("profile: open database %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		db.Close()
		return nil, fmt.Errorf("profile: %w", err)
	}
	return db, nil
}

// uriPath is an absolute path as the path of a file: URI as SQLite reads
// it: with forward slashes, and on Windows with a slash before the drive
// letter (file:///C:/Users/…); C:\Users\… as it stands would be taken for
// the URI's authority.
func uriPath(path string) string {
	p := filepath.ToSlash(path)
	if filepath.VolumeName(path) != "" && !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return p
}

// Close closes the database and forgets the vault key.
func (p *Profile) Close() error {
	p.mu.Lock()
	p.vault = nil
	p.mu.Unlock()
	return p.DB.Close()
}

// Migrate brings component's tables up to date by running the steps it has
// not run yet. Steps are only ever appended to, never edited.
func (p *Profile) Migrate(ctx context.Context, component string, steps []string) error {
	return p.MigrateSteps(ctx, component, SQL(steps...))
}

// MigrateSteps is Migrate for steps of which some are Go (see Step). All
// the steps to run go in one transaction: a failing step leaves the
// schema as it was.
func (p *Profile) MigrateSteps(ctx context.Context, component string, steps []Step) error {
	if _, err := p.DB.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		component TEXT PRIMARY KEY, version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("profile: migrations table: %w", err)
	}
	tx, err := p.DB.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("profile: migrate %s: %w", component, err)
	}
	defer tx.Rollback()
	var done int
	err = tx.QueryRowContext(ctx, `SELECT version FROM schema_migrations WHERE component = ?`, component).Scan(&done)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("profile: migrate %s: %w", component, err)
	}
	if done > len(steps) {
		return fmt.Errorf("profile: %s schema version %d is newer than this program (%d)", component, done, len(steps))
	}
	for i := done; i < len(steps); i++ {
		if err := steps[i].run(ctx, tx); err != nil {
			return fmt.Errorf("profile: migrate %s step %d: %w", component, i+1, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (component, version) VALUES (?, ?)
		ON CONFLICT (component) DO UPDATE SET version = excluded.version`, component, len(steps)); err != nil {
		return fmt.Errorf("profile: migrate %s: %w", component, err)
	}
	return tx.Commit()
}

// RegisterSealed declares that table.column holds values made by Seal with
// purpose table+"."+column, rows identified by the key column. Only
// registered columns are re-sealed by ChangePassphrase.
func (p *Profile) RegisterSealed(table, key, column string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range p.sealed {
		if s == (sealedColumn{table, key, column}) {
			return
		}
	}
	p.sealed = append(p.sealed, sealedColumn{table, key, column})
}

// HasVault reports whether a passphrase has been chosen for this profile.
func (p *Profile) HasVault(ctx context.Context) (bool, error) {
	_, ok, err := p.params(ctx, p.DB)
	return ok, err
}

// Unlocked reports whether the vault key is in memory, so secrets can be
// used without asking for the passphrase.
func (p *Profile) Unlocked() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.vault != nil
}

// Unlock opens the vault with a passphrase the caller already has, or
// creates it when the profile has none. It returns vault.ErrWrongPassphrase
// for a wrong one.
func (p *Profile) Unlock(ctx context.Context, passphrase []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.unlock(ctx, passphrase)
}

func (p *Profile) unlock(ctx context.Context, passphrase []byte) error {
	params, ok, err := p.params(ctx, p.DB)
	if err != nil {
		return err
	}
	if !ok {
		v, params, err := vault.NewWithCost(passphrase, p.cost)
		if err != nil {
			return fmt.Errorf("profile: %w", err)
		}
		if err := p.storeParams(ctx, p.DB, params); err != nil {
			return err
		}
		p.vault = v
		return nil
	}
	v, err := vault.Unlock(params, passphrase)
	if err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	p.vault = v
	return nil
}

// Vault returns the unlocked vault, asking for the passphrase on first use.
func (p *Profile) Vault(ctx context.Context) (*vault.Vault, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.vault != nil {
		return p.vault, nil
	}
	if p.ask == nil {
		return nil, ErrNoPassphrase
	}
	has, err := p.HasVault(ctx)
	if err != nil {
		return nil, err
	}
	pw, err := p.ask(ctx, !has)
	if err != nil {
		return nil, err
	}
	if len(pw) == 0 {
		return nil, ErrNoPassphrase
	}
	if err := p.unlock(ctx, pw); err != nil {
		return nil, err
	}
	return p.vault, nil
}

// Seal seals plain for table.column (see RegisterSealed).
func (p *Profile) Seal(ctx context.Context, table, column string, plain []byte) ([]byte, error) {
	v, err := p.Vault(ctx)
	if err != nil {
		return nil, err
	}
	return v.Seal(plain, purpose(table, column))
}

// Open opens a value sealed for table.column.
func (p *Profile) Open(ctx context.Context, table, column string, sealed []byte) ([]byte, error) {
	v, err := p.Vault(ctx)
	if err != nil {
		return nil, err
	}
	plain, err := v.Open(sealed, purpose(table, column))
	if err != nil {
		return nil, fmt.Errorf("profile: open %s.%s: %w", table, column, err)
	}
	return plain, nil
}

func purpose(table, column string) []byte { return []byte(table + "." + column) }

// ChangePassphrase checks old, then re-seals every registered column under a
// key derived from newPass, all in one transaction: either every value is
// re-sealed and the new parameters stored, or nothing changes.
func (p *Profile) ChangePassphrase(ctx context.Context, old, newPass []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	params, ok, err := p.params(ctx, p.DB)
	if err != nil {
		return err
	}
	if !ok {
		return p.unlock(ctx, newPass)
	}
	oldV, err := vault.Unlock(params, old)
	if err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	newV, newParams, err := vault.NewWithCost(newPass, p.cost)
	if err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	tx, err := p.DB.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("profile: change passphrase: %w", err)
	}
	defer tx.Rollback()
	for _, s := range p.sealed {
		if err := reseal(ctx, tx, s, oldV, newV); err != nil {
			return err
		}
	}
	if err := p.storeParams(ctx, tx, newParams); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("profile: change passphrase: %w", err)
	}
	p.vault = newV
	return nil
}

func reseal(ctx context.Context, tx *sql.Tx, s sealedColumn, oldV, newV *vault.Vault) error {
	// Identifiers come from RegisterSealed calls in this program, never from input.
	rows, err := tx.QueryContext(ctx, fmt.Sprintf(`SELECT %s, %s FROM %s WHERE %s IS NOT NULL`, s.key, s.column, s.table, s.column))
	if err != nil {
		return fmt.Errorf("profile: re-seal %s.%s: %w", s.table, s.column, err)
	}
	type row struct {
		key    any
		sealed []byte
	}
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.key, &r.sealed); err != nil {
			rows.Close()
			return fmt.Errorf("profile: re-seal %s.%s: %w", s.table, s.column, err)
		}
		all = append(all, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("profile: re-seal %s.%s: %w", s.table, s.column, err)
	}
	aad := purpose(s.table, s.column)
	for _, r := range all {
		plain, err := oldV.Open(r.sealed, aad)
		if err != nil {
			return fmt.Errorf("profile: re-seal %s.%s row %v: %w", s.table, s.column, r.key, err)
		}
		resealed, err := newV.Seal(plain, aad)
		clear(plain)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`UPDATE %s SET %s = ? WHERE %s = ?`, s.table, s.column, s.key), resealed, r.key); err != nil {
			return fmt.Errorf("profile: re-seal %s.%s: %w", s.table, s.column, err)
		}
	}
	return nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func (p *Profile) params(ctx context.Context, q querier) (vault.Params, bool, error) {
	var raw []byte
	err := q.QueryRowContext(ctx, `SELECT params FROM vault WHERE id = 1`).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return vault.Params{}, false, nil
	}
	if err != nil {
		return vault.Params{}, false, fmt.Errorf("profile: read vault: %w", err)
	}
	var params vault.Params
	if err := json.Unmarshal(raw, &params); err != nil {
		return vault.Params{}, false, fmt.Errorf("profile: vault parameters: %w", vault.ErrCorrupt)
	}
	return params, true, nil
}

func (p *Profile) storeParams(ctx context.Context, q querier, params vault.Params) error {
	raw, err := json.Marshal(params)
	if err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO vault (id, params) VALUES (1, ?)
		ON CONFLICT (id) DO UPDATE SET params = excluded.params`, raw); err != nil {
		return fmt.Errorf("profile: store vault: %w", err)
	}
	return nil
}

// Setting returns a profile-wide setting, or def when it was never set.
func (p *Profile) Setting(ctx context.Context, key, def string) (string, error) {
	var v string
	err := p.DB.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return def, nil
	}
	if err != nil {
		return def, fmt.Errorf("profile: setting %s: %w", key, err)
	}
	return v, nil
}

// SetSetting stores a profile-wide setting.
func (p *Profile) SetSetting(ctx context.Context, key, value string) error {
	if _, err := p.DB.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value); err != nil {
		return fmt.Errorf("profile: set %s: %w", key, err)
	}
	return nil
}

// Exists reports whether dir holds a profile, that is its database.
// Asking makes nothing: a window can tell a new profile from one the
// user already has before Open creates it.
func Exists(dir string) (bool, error) {
	_, err := os.Stat(filepath.Join(dir, DBName))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	default:
		return false, fmt.Errorf("profile: %w", err)
	}
}

// Remove undoes an Open that created a profile the user then did not
// want: it deletes the closed profile's database files in dir, and dir
// itself when nothing else is left in it. Files it did not make stay.
func Remove(dir string) error {
	var errs []error
	for _, name := range []string{DBName, DBName + "-wal", DBName + "-shm", DBName + "-journal"} {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("profile: %w", err))
		}
	}
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		errs = append(errs, fmt.Errorf("profile: %w", err))
	case len(entries) == 0:
		if err := os.Remove(dir); err != nil {
			errs = append(errs, fmt.Errorf("profile: %w", err))
		}
	}
	return errors.Join(errs...)
}
