package profile

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"

	"siegel/crypto/vault"
)

// The administrator lock separates the two roles of the user guide:
// agents use keys, administrators decide whom to trust. When an
// administrator password is set, every change to trust and secrets
// (importing, deleting, exporting private keys, security settings, account
// edits) needs it. Only an Argon2id hash of it is stored.

// Errors of the administrator lock.
var (
	// ErrAdminPassword means the administrator password given is wrong.
	ErrAdminPassword = errors.New("wrong administrator password")
	// ErrAdminRequired means an administrator password is set and none was
	// given.
	ErrAdminRequired = errors.New("administrator password required")
)

const adminSetting = "admin.password"

// AdminDelay is how long a wrong administrator password is held before it
// is refused, so guessing is slow. Tests shorten it.
var AdminDelay = 2 * time.Second

// adminHash is stored as JSON in the settings table.
type adminHash struct {
	Salt []byte     `json:"salt"`
	Cost vault.Cost `json:"cost"`
	Hash []byte     `json:"hash"`
}

// adminMu makes wrong guesses queue behind each other, so parallel
// attempts are no faster than serial ones.
var adminMu sync.Mutex

// AdminLocked reports whether an administrator password is set.
func (p *Profile) AdminLocked(ctx context.Context) (bool, error) {
	v, err := p.Setting(ctx, adminSetting, "")
	return v != "", err
}

// CheckAdmin returns nil when no administrator password is set or when pw
// is right. A wrong password is refused after AdminDelay with
// ErrAdminPassword; an empty one with ErrAdminRequired (without delay).
func (p *Profile) CheckAdmin(ctx context.Context, pw []byte) error {
	raw, err := p.Setting(ctx, adminSetting, "")
	if err != nil || raw == "" {
		return err
	}
	if len(pw) == 0 {
		return ErrAdminRequired
	}
	var h adminHash
	if err := json.Unmarshal([]byte(raw), &h); err != nil || len(h.Salt) == 0 || h.Cost.Time == 0 {
		return fmt.Errorf("profile: administrator password: %w", vault.ErrCorrupt)
	}
	adminMu.Lock()
	defer adminMu.Unlock()
	got := argon2.IDKey(pw, h.Salt, h.Cost.Time, h.Cost.MemoryKiB, h.Cost.Threads, uint32(len(h.Hash)))
	if subtle.ConstantTimeCompare(got, h.Hash) == 1 {
		return nil
	}
	select {
	case <-time.After(AdminDelay):
	case <-ctx.Done():
		return ctx.Err()
	}
	return ErrAdminPassword
}

// SetAdmin sets, changes or (with an empty newPW) removes the administrator
// password. When one is set, current must be it.
func (p *Profile) SetAdmin(ctx context.Context, current, newPW []byte) error {
	if err := p.CheckAdmin(ctx, current); err != nil {
		return err
	}
	if len(newPW) == 0 {
		if _, err := p.DB.ExecContext(ctx, `DELETE FROM settings WHERE key = ?`, adminSetting); err != nil {
			return fmt.Errorf("profile: remove administrator password: %w", err)
		}
		return nil
	}
	h := adminHash{Salt: make([]byte, 16), Cost: p.cost}
	if _, err := rand.Read(h.Salt); err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	h.Hash = argon2.IDKey(newPW, h.Salt, h.Cost.Time, h.Cost.MemoryKiB, h.Cost.Threads, 32)
	raw, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	return p.SetSetting(ctx, adminSetting, string(raw))
}
