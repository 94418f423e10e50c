// Package vault seals secrets at rest: private keys and account passwords
// are encrypted with AES-256-GCM under a key that Argon2id derives from the
// profile passphrase.
//
// The flow is:
//
//  1. On first use, New derives a key from a fresh random salt and returns the
//     Params to store beside the sealed data. Params are not secret; they hold
//     the salt, the Argon2id cost and a check value sealed with the key.
//  2. On later runs, Unlock derives the key again from the stored Params and
//     the passphrase the user typed, and opens the check value. A wrong
//     passphrase fails there, with ErrWrongPassphrase, before anything else is
//     touched.
//  3. Seal and Open encrypt and decrypt single values. The caller passes
//     associated data naming what the value is (for example the table and
//     column it lives in), so a sealed value moved to another place does not
//     open.
//
// A Vault holds the derived key in memory only; nothing here does I/O.
package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"

	"golang.org/x/crypto/argon2"
)

// Errors returned by Unlock and Open. Callers tell them apart with errors.Is.
var (
	// ErrWrongPassphrase means the passphrase does not derive the key the
	// data was sealed with.
	ErrWrongPassphrase = errors.New("wrong passphrase")
	// ErrCorrupt means a sealed value or the stored parameters are damaged
	// or were sealed for another purpose.
	ErrCorrupt = errors.New("sealed data is damaged")
	// ErrEmptyPassphrase is returned by New for an empty passphrase.
	ErrEmptyPassphrase = errors.New("the passphrase is empty")
)

// Cost is the Argon2id work factor.
type Cost struct {
	Time      uint32 // passes over memory
	MemoryKiB uint32
	Threads   uint8
}

// DefaultCost follows the RFC 9106 second recommendation (64 MiB, 3 passes),
// which takes a fraction of a second once per run.
var DefaultCost = Cost{Time: 3, MemoryKiB: 64 * 1024, Threads: 4}

// Params are stored with the sealed data. They are not secret.
type Params struct {
	Version int    `json:"v"`
	Salt    []byte `json:"salt"`
	Cost    Cost   `json:"cost"`
	Check   []byte `json:"check"`
}

const (
	keyLen       = 32
	saltLen      = 16
	formatV1     = 1
	sealedPrefix = 1 // first byte of every sealed value
)

var checkPlain = []byte("siegel vault check")
var checkAAD = []byte("vault.check")

// Vault seals and opens values with one derived key. It is safe for
// concurrent use.
type Vault struct {
	aead cipher.AEAD
}

// New creates a vault for a new passphrase with DefaultCost.
func New(passphrase []byte) (*Vault, Params, error) {
	return NewWithCost(passphrase, DefaultCost)
}

// NewWithCost is New with an explicit work factor; tests use a small one.
func NewWithCost(passphrase []byte, cost Cost) (*Vault, Params, error) {
	if len(passphrase) == 0 {
		return nil, Params{}, ErrEmptyPassphrase
	}
	if cost.Time == 0 || cost.MemoryKiB == 0 || cost.Threads == 0 {
		return nil, Params{}, fmt.Errorf("vault: invalid cost %+v", cost)
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return nil, Params{}, fmt.Errorf("vault: salt: %w", err)
	}
	v, err := derive(passphrase, salt, cost)
	if err != nil {
		return nil, Params{}, err
	}
	check, err := v.Seal(checkPlain, checkAAD)
	if err != nil {
		return nil, Params{}, err
	}
	return v, Params{Version: formatV1, Salt: salt, Cost: cost, Check: check}, nil
}

// Unlock derives the key from stored params and a passphrase. It returns
// ErrWrongPassphrase when the passphrase is not the one the params were made
// with, and ErrCorrupt when the params are unusable.
func Unlock(p Params, passphrase []byte) (*Vault, error) {
	if p.Version != formatV1 || len(p.Salt) != saltLen || len(p.Check) == 0 ||
		p.Cost.Time == 0 || p.Cost.MemoryKiB == 0 || p.Cost.Threads == 0 {
		return nil, fmt.Errorf("vault: parameters: %w", ErrCorrupt)
	}
	v, err := derive(passphrase, p.Salt, p.Cost)
	if err != nil {
		return nil, err
	}
	got, err := v.Open(p.Check, checkAAD)
	if err != nil || subtle.ConstantTimeCompare(got, checkPlain) != 1 {
		return nil, ErrWrongPassphrase
	}
	return v, nil
}

func derive(passphrase, salt []byte, cost Cost) (*Vault, error) {
	key := argon2.IDKey(passphrase, salt, cost.Time, cost.MemoryKiB, cost.Threads, keyLen)
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	return &Vault{aead: aead}, nil
}

// Seal encrypts plain. aad names what the value is and must be given again
// to Open.
func (v *Vault) Seal(plain, aad []byte) ([]byte, error) {
	nonce := make([]byte, v.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("vault: nonce: %w", err)
	}
	out := make([]byte, 0, 1+len(nonce)+len(plain)+v.aead.Overhead())
	out = append(out, sealedPrefix)
	out = append(out, nonce...)
	return v.aead.Seal(out, nonce, plain, aad), nil
}

// Open decrypts a value made by Seal with the same aad. It returns ErrCorrupt
// when the value was altered, sealed under another key, or for another aad.
func (v *Vault) Open(sealed, aad []byte) ([]byte, error) {
	ns := v.aead.NonceSize()
	if len(sealed) < 1+ns+v.aead.Overhead() || sealed[0] != sealedPrefix {
		return nil, ErrCorrupt
	}
	plain, err := v.aead.Open(nil, sealed[1:1+ns], sealed[1+ns:], aad)
	if err != nil {
		return nil, ErrCorrupt
	}
	return plain, nil
}
