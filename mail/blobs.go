package mail

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// The raw bytes of a large article live in a file of the profile folder,
// not in the database: SQLite reads and writes a BLOB of more than about
// 100 KB faster as a file of its own (sqlite.org/intern-v-extern-blob),
// and the one writer of a sync otherwise spent most of its time pushing
// attachments through the WAL and its checkpoints. The file is named by
// the SHA-256 of its bytes (blobs/ab/abcdef…), written and fsynced before
// the row that names it commits, and holds the bytes exactly as received:
// an encrypted message stays encrypted, as in the database. A crash
// between the two leaves a file no row names; Open removes those.

// defaultBlobThreshold is Options.BlobThreshold's default.
const defaultBlobThreshold = 64 << 10

// blobsDir is the folder of the blob files inside the profile folder.
const blobsDir = "blobs"

// tmpPrefix starts the name of a blob file being written.
const tmpPrefix = ".tmp-"

// tmpAge is how old a half-written blob file must be before Open removes
// it: younger, it may be another process's write in progress.
const tmpAge = time.Hour

// ErrStoredDamaged is returned when an article's stored bytes cannot be
// read back: its blob file is missing, or holds other bytes than were
// stored (the disk or someone changed it).
var ErrStoredDamaged = errors.New("mail: the stored message is missing or damaged")

// blobStore is the blob folder of a profile.
type blobStore struct {
	dir string
	// threshold: raw bytes longer than this go to a file.
	threshold int
}

func newBlobStore(profileDir string, threshold int) blobStore {
	return blobStore{dir: filepath.Join(profileDir, blobsDir), threshold: threshold}
}

// big says whether raw is kept in a file rather than in its row.
func (b blobStore) big(raw []byte) bool { return len(raw) > b.threshold }

// path is the file of the blob whose SHA-256 is sum (hex).
func (b blobStore) path(sum string) string {
	return filepath.Join(b.dir, sum[:2], sum)
}

// blobName is the name of raw's blob: its SHA-256, hex.
func blobName(raw []byte) string {
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// put stores raw as a blob unless a file of its name and size exists
// already, and returns its name. The bytes are on disk (fsynced, file and
// folder) when it returns, so a row naming them may commit.
func (b blobStore) put(raw []byte) (string, error) {
	name := blobName(raw)
	return name, b.ensure(name, raw)
}

// ensure writes the blob name (raw's SHA-256) unless it is there, and
// makes sure it is on disk. The writer looks for the file again inside
// the transaction that names it (keep): Open's sweep deletes unnamed
// blobs under the database's write lock, so a blob found there then
// stays until the row commits.
func (b blobStore) ensure(name string, raw []byte) error {
	path := b.path(name)
	dir := filepath.Dir(path)
	if found, err := syncExisting(path, int64(len(raw))); err != nil {
		return fmt.Errorf("mail: blob %s: %w", name, err)
	} else if found {
		// Written by another goroutine or process, maybe a moment ago:
		// its fsync may not have run yet, so this one syncs it too
		// (nearly free when it has).
		return syncDir(dir)
	}
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("mail: blob folder: %w", err)
		}
		// The new folder's entry must be on disk too.
		if err := syncDir(b.dir); err != nil {
			return err
		}
		if err := syncDir(filepath.Dir(b.dir)); err != nil {
			return err
		}
	}
	f, err := os.CreateTemp(dir, tmpPrefix+"*") // mode 0600
	if err != nil {
		return fmt.Errorf("mail: blob: %w", err)
	}
	tmp := f.Name()
	if _, err := f.Write(raw); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("mail: blob %s: %w", name, err)
	}
	// The bytes are whole in the file before it takes its name, so a
	// file under its final name is complete to every process. They are
	// on disk once the file and then the folder are synced: renaming
	// before the file's sync lets the one journal commit of that sync
	// carry the new name as well, and the folder's sync finds nothing
	// left to do (sync, rename, sync took two commits and twice the
	// time and system CPU on ext4). A
	// power cut before the syncs can leave a damaged file under the
	// name, but no row names it yet (the row commits after ensure
	// returns), so Open's sweep removes it. Windows renames no open file.
	if runtime.GOOS == "windows" {
		err = f.Sync()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp, path)
		}
	} else {
		err = os.Rename(tmp, path)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("mail: blob %s: %w", name, err)
	}
	return syncDir(dir)
}

// keep makes sure the blob name, which put wrote and synced, is still
// there, inside the transaction that names it (see ensure); it writes it
// again only when the file went. A stat, not a sync: the writer holds
// the write lock, and every sync there would stall the whole pipeline.
func (b blobStore) keep(name string, raw []byte) error {
	fi, err := os.Stat(b.path(name))
	if err == nil && fi.Mode().IsRegular() && fi.Size() == int64(len(raw)) {
		return nil
	}
	return b.ensure(name, raw)
}

// syncExisting syncs the file at path if it is there with size bytes,
// and reports whether it was.
func syncExisting(path string, size int64) (bool, error) {
	// Opened for writing, not written: Windows flushes no file opened
	// only for reading.
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return false, err
	}
	if !fi.Mode().IsRegular() || fi.Size() != size {
		// Damaged (truncated by hand, or a power cut): written again.
		return false, nil
	}
	return true, f.Sync()
}

// syncDir makes a folder's entries durable (Windows has no such call;
// its rename is durable as it stands).
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("mail: blob folder: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("mail: blob folder: %w", err)
	}
	return nil
}

// read returns the bytes of blob name, checked against the name.
func (b blobStore) read(name string) ([]byte, error) {
	if len(name) != 2*sha256.Size || strings.Trim(name, "0123456789abcdef") != "" {
		return nil, fmt.Errorf("%w: bad blob name %q", ErrStoredDamaged, name)
	}
	raw, err := os.ReadFile(b.path(name))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStoredDamaged, err)
	}
	if got := blobName(raw); got != name {
		return nil, fmt.Errorf("%w: the file %s holds other bytes (SHA-256 %s)", ErrStoredDamaged, b.path(name), got)
	}
	return raw, nil
}

// removeUnnamed deletes blob name's file inside the transaction of tx (which
// holds the write lock) unless an article names it.
func (b blobStore) removeUnnamed(ctx context.Context, tx *txn, name string) error {
	var named bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM articles WHERE blob = ?)`, name).Scan(&named); err != nil {
		return err
	}
	if named {
		return nil
	}
	if err := os.Remove(b.path(name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("mail: blob %s: %w", name, err)
	}
	return nil
}

// sweep removes the blob files no article names (left by a crash between
// a blob's write and its row's commit, or by a message stored twice) and
// half-written ones older than tmpAge. It holds the database's write
// lock meanwhile, so no writer commits a row naming a blob it removes
// (writers check their blobs under that lock: ensure).
func (b blobStore) sweep(ctx context.Context, db *sql.DB, now time.Time) (removed int, err error) {
	subs, err := os.ReadDir(b.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("mail: blobs: %w", err)
	}
	tx, err := db.BeginTx(ctx, nil) // _txlock=immediate: the write lock
	if err != nil {
		return 0, fmt.Errorf("mail: blobs: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT blob FROM articles WHERE blob IS NOT NULL`)
	if err != nil {
		return 0, fmt.Errorf("mail: blobs: %w", err)
	}
	named := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return 0, fmt.Errorf("mail: blobs: %w", err)
		}
		named[name] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("mail: blobs: %w", err)
	}
	var errs []error
	for _, sub := range subs {
		if !sub.IsDir() {
			continue
		}
		dir := filepath.Join(b.dir, sub.Name())
		files, err := os.ReadDir(dir)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, f := range files {
			name := f.Name()
			if f.IsDir() {
				continue
			}
			if strings.HasPrefix(name, tmpPrefix) {
				info, err := f.Info()
				if err != nil || now.Sub(info.ModTime()) < tmpAge {
					continue
				}
			} else if named[name] {
				continue
			}
			if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
				continue
			}
			removed++
		}
	}
	if err := errors.Join(errs...); err != nil {
		return removed, fmt.Errorf("mail: blobs: %w", err)
	}
	return removed, nil
}
