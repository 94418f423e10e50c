package vault

import (
	"bytes"
	"errors"
	"testing"
)

var testCost = Cost{Time: 1, MemoryKiB: 1024, Threads: 1}

func TestSealOpenRoundTrip(t *testing.T) {
	v, p, err := NewWithCost([]byte("correct horse"), testCost)
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("-----BEGIN PRIVATE KEY-----")
	sealed, err := v.Seal(secret, []byte("keys.der"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, secret) {
		t.Fatalf("sealed value contains the plaintext")
	}
	v2, err := Unlock(p, []byte("correct horse"))
	if err != nil {
		t.Fatalf("Unlock with the right passphrase: %v", err)
	}
	got, err := v2.Open(sealed, []byte("keys.der"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if !bytes.Equal(got, secret) {
		t.Errorf("Open = %q, want %q", got, secret)
	}
}

func TestUnlockWrongPassphrase(t *testing.T) {
	_, p, err := NewWithCost([]byte("one"), testCost)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Unlock(p, []byte("two")); !errors.Is(err, ErrWrongPassphrase) {
		t.Errorf("Unlock(wrong) error = %v, want ErrWrongPassphrase", err)
	}
}

func TestOpenRejects(t *testing.T) {
	v, _, err := NewWithCost([]byte("pw"), testCost)
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := NewWithCost([]byte("pw"), testCost) // same passphrase, other salt
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := v.Seal([]byte("secret"), []byte("a"))
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(sealed)
	flipped[len(flipped)-1] ^= 1
	tests := []struct {
		name   string
		v      *Vault
		sealed []byte
		aad    string
	}{
		{"other aad", v, sealed, "b"},
		{"other key", other, sealed, "a"},
		{"altered", v, flipped, "a"},
		{"truncated", v, sealed[:10], "a"},
		{"empty", v, nil, "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.v.Open(tt.sealed, []byte(tt.aad)); !errors.Is(err, ErrCorrupt) {
				t.Errorf("Open error = %v, want ErrCorrupt", err)
			}
		})
	}
}

func TestUnlockCorruptParams(t *testing.T) {
	_, p, err := NewWithCost([]byte("pw"), testCost)
	if err != nil {
		t.Fatal(err)
	}
	p.Salt = p.Salt[:3]
	if _, err := Unlock(p, []byte("pw")); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Unlock(short salt) error = %v, want ErrCorrupt", err)
	}
	if _, _, err := NewWithCost(nil, testCost); !errors.Is(err, ErrEmptyPassphrase) {
		t.Errorf("New(empty) error = %v, want ErrEmptyPassphrase", err)
	}
}
