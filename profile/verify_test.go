package profile

import (
	"context"
	"errors"
	"testing"

	"siegel/crypto/vault"
)

func TestVerifyPassphrase(t *testing.T) {
	ctx := context.Background()
	p := open(t, t.TempDir(), nil)
	if err := p.VerifyPassphrase(ctx, []byte("anything")); err != nil {
		t.Errorf("without a vault: VerifyPassphrase = %v, want nil", err)
	}
	if err := p.Unlock(ctx, []byte("right")); err != nil {
		t.Fatal(err)
	}
	if err := p.VerifyPassphrase(ctx, []byte("right")); err != nil {
		t.Errorf("right passphrase: %v, want nil", err)
	}
	if err := p.VerifyPassphrase(ctx, []byte("wrong")); !errors.Is(err, vault.ErrWrongPassphrase) {
		t.Errorf("wrong passphrase: %v, want vault.ErrWrongPassphrase", err)
	}
	// Called from inside the PassphraseFunc, while Vault holds the lock.
	q := open(t, p.Dir, nil)
	q.ask = func(ctx context.Context, create bool) ([]byte, error) {
		if err := q.VerifyPassphrase(ctx, []byte("wrong")); err == nil {
			t.Error("inside PassphraseFunc: wrong passphrase verified")
		}
		return []byte("right"), q.VerifyPassphrase(ctx, []byte("right"))
	}
	if _, err := q.Vault(ctx); err != nil {
		t.Errorf("Vault with a verified passphrase: %v", err)
	}
}
