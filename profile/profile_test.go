package profile

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"siegel/crypto/vault"
)

var testCost = vault.Cost{Time: 1, MemoryKiB: 1024, Threads: 1}

func fixedPassphrase(pw string, calls *int) PassphraseFunc {
	return func(ctx context.Context, create bool) ([]byte, error) {
		*calls++
		return []byte(pw), nil
	}
}

func open(t *testing.T, dir string, ask PassphraseFunc) *Profile {
	t.Helper()
	p, err := Open(context.Background(), dir, ask, &Options{Cost: testCost})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func TestMigrateRunsEachStepOnce(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	p := open(t, dir, nil)
	steps := []string{`CREATE TABLE a (x INTEGER)`}
	if err := p.Migrate(ctx, "test", steps); err != nil {
		t.Fatal(err)
	}
	steps = append(steps, `ALTER TABLE a ADD COLUMN y TEXT`)
	if err := p.Migrate(ctx, "test", steps); err != nil {
		t.Fatalf("second migrate (would fail if step 1 ran again): %v", err)
	}
	if _, err := p.DB.ExecContext(ctx, `INSERT INTO a (x, y) VALUES (1, 'b')`); err != nil {
		t.Fatalf("step 2 did not run: %v", err)
	}
	if err := p.Migrate(ctx, "test", steps[:1]); err == nil {
		t.Errorf("migrating back to an older schema succeeded, want an error")
	}
	var mode string
	if err := p.DB.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q (%v), want wal", mode, err)
	}
	var fk int
	if err := p.DB.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign_keys = %d (%v), want 1", fk, err)
	}
	var pages int
	if err := p.DB.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&pages); err != nil || pages != 8000 {
		t.Errorf("wal_autocheckpoint = %d (%v), want 8000", pages, err)
	}
}

func TestSealAsksOnceAndSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	calls := 0
	p := open(t, dir, fixedPassphrase("secret", &calls))
	a, err := p.Seal(ctx, "t", "c", []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Seal(ctx, "t", "c", []byte("again")); err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Errorf("passphrase asked %d times, want 1", calls)
	}
	p.Close()

	p2 := open(t, dir, fixedPassphrase("wrong", &calls))
	if _, err := p2.Open(ctx, "t", "c", a); !errors.Is(err, vault.ErrWrongPassphrase) {
		t.Errorf("Open with wrong passphrase error = %v, want ErrWrongPassphrase", err)
	}
	if err := p2.Unlock(ctx, []byte("secret")); err != nil {
		t.Fatal(err)
	}
	got, err := p2.Open(ctx, "t", "c", a)
	if err != nil || string(got) != "hello" {
		t.Errorf("Open = %q, %v; want hello", got, err)
	}
	if _, err := p2.Open(ctx, "t", "other", a); !errors.Is(err, vault.ErrCorrupt) {
		t.Errorf("Open for another column error = %v, want ErrCorrupt", err)
	}
}

func TestChangePassphraseResealsEverything(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	p := open(t, dir, nil)
	if err := p.Migrate(ctx, "t", []string{`CREATE TABLE secrets (id INTEGER PRIMARY KEY, blob BLOB)`}); err != nil {
		t.Fatal(err)
	}
	p.RegisterSealed("secrets", "id", "blob")
	if err := p.Unlock(ctx, []byte("old")); err != nil {
		t.Fatal(err)
	}
	for i, s := range []string{"one", "two", "three"} {
		b, err := p.Seal(ctx, "secrets", "blob", []byte(s))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.DB.ExecContext(ctx, `INSERT INTO secrets (id, blob) VALUES (?, ?)`, i+1, b); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.ChangePassphrase(ctx, []byte("not old"), []byte("new")); !errors.Is(err, vault.ErrWrongPassphrase) {
		t.Fatalf("ChangePassphrase with wrong old error = %v, want ErrWrongPassphrase", err)
	}
	if err := p.ChangePassphrase(ctx, []byte("old"), []byte("new")); err != nil {
		t.Fatal(err)
	}
	p.Close()

	p2 := open(t, dir, nil)
	p2.RegisterSealed("secrets", "id", "blob")
	if err := p2.Unlock(ctx, []byte("old")); !errors.Is(err, vault.ErrWrongPassphrase) {
		t.Errorf("old passphrase still unlocks: %v", err)
	}
	if err := p2.Unlock(ctx, []byte("new")); err != nil {
		t.Fatal(err)
	}
	rows, err := p2.DB.QueryContext(ctx, `SELECT blob FROM secrets ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got [][]byte
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			t.Fatal(err)
		}
		plain, err := p2.Open(ctx, "secrets", "blob", b)
		if err != nil {
			t.Fatalf("value not re-sealed: %v", err)
		}
		got = append(got, plain)
	}
	if want := [][]byte{[]byte("one"), []byte("two"), []byte("three")}; len(got) != 3 || !bytes.Equal(got[2], want[2]) || !bytes.Equal(got[0], want[0]) {
		t.Errorf("re-sealed values = %q, want %q", got, want)
	}
}

func TestSettings(t *testing.T) {
	ctx := context.Background()
	p := open(t, t.TempDir(), nil)
	if v, err := p.Setting(ctx, "k", "def"); err != nil || v != "def" {
		t.Errorf("Setting(unset) = %q, %v; want def", v, err)
	}
	if err := p.SetSetting(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
	if v, _ := p.Setting(ctx, "k", "def"); v != "v" {
		t.Errorf("Setting = %q, want v", v)
	}
	if _, err := p.Vault(ctx); !errors.Is(err, ErrNoPassphrase) {
		t.Errorf("Vault without passphrase func error = %v, want ErrNoPassphrase", err)
	}
}

func TestAdminLock(t *testing.T) {
	ctx := context.Background()
	AdminDelay = 50 * time.Millisecond
	p := open(t, t.TempDir(), nil)
	if locked, err := p.AdminLocked(ctx); err != nil || locked {
		t.Fatalf("AdminLocked on a new profile = %v, %v; want false", locked, err)
	}
	if err := p.CheckAdmin(ctx, nil); err != nil {
		t.Errorf("CheckAdmin without a password set = %v, want nil", err)
	}
	if err := p.SetAdmin(ctx, nil, []byte("boss")); err != nil {
		t.Fatal(err)
	}
	raw, _ := p.Setting(ctx, adminSetting, "")
	if strings.Contains(raw, "boss") {
		t.Errorf("stored admin setting contains the password: %s", raw)
	}
	tests := []struct {
		pw   string
		want error
	}{
		{"", ErrAdminRequired},
		{"guess", ErrAdminPassword},
		{"boss", nil},
	}
	for _, tt := range tests {
		start := time.Now()
		err := p.CheckAdmin(ctx, []byte(tt.pw))
		if !errors.Is(err, tt.want) && !(err == nil && tt.want == nil) {
			t.Errorf("CheckAdmin(%q) = %v, want %v", tt.pw, err, tt.want)
		}
		if tt.want == ErrAdminPassword && time.Since(start) < AdminDelay {
			t.Errorf("wrong password refused after %v, want at least %v", time.Since(start), AdminDelay)
		}
	}
	if err := p.SetAdmin(ctx, []byte("guess"), nil); !errors.Is(err, ErrAdminPassword) {
		t.Errorf("removing with a wrong password = %v, want ErrAdminPassword", err)
	}
	if err := p.SetAdmin(ctx, []byte("boss"), nil); err != nil {
		t.Fatal(err)
	}
	if locked, _ := p.AdminLocked(ctx); locked {
		t.Errorf("still locked after removing the password")
	}
}

func TestOpenOddFolderNames(t *testing.T) {
	for _, name := range []string{"a#b", "what?", "100% sure", "space here"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), name)
			p := open(t, dir, nil)
			if err := p.SetSetting(context.Background(), "k", "v"); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(dir, DBName)); err != nil {
				t.Errorf("database not in %q: %v", dir, err)
			}
		})
	}
}

func TestOpenRelativeFolder(t *testing.T) {
	t.Chdir(t.TempDir())
	p := open(t, filepath.Join("rel dir", "x#y"), nil)
	if err := p.SetSetting(context.Background(), "k", "v"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join("rel dir", "x#y", DBName)); err != nil {
		t.Errorf("database not in the relative folder: %v", err)
	}
}

// Remove takes back what Open made: the database goes, and the folder
// with it unless something else lives there.
func TestExistsAndRemove(t *testing.T) {
	for _, other := range []bool{false, true} {
		dir := filepath.Join(t.TempDir(), "profile")
		if ok, err := Exists(dir); ok || err != nil {
			t.Fatalf("Exists before Open: %v, %v; want false, nil", ok, err)
		}
		p := open(t, dir, nil)
		if err := p.SetSetting(context.Background(), "k", "v"); err != nil {
			t.Fatal(err)
		}
		if ok, err := Exists(dir); !ok || err != nil {
			t.Fatalf("Exists after Open: %v, %v; want true, nil", ok, err)
		}
		if other {
			if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		p.Close()
		if err := Remove(dir); err != nil {
			t.Fatalf("Remove: %v", err)
		}
		entries, err := os.ReadDir(dir)
		switch {
		case other && (err != nil || len(entries) != 1 || entries[0].Name() != "notes.txt"):
			t.Errorf("with a file of the user's, the folder holds %v (%v), want only notes.txt", entries, err)
		case !other && !errors.Is(err, fs.ErrNotExist):
			t.Errorf("the emptied folder is still there (%v, %v)", entries, err)
		}
	}
}
