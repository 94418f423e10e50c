package profile

import (
	"context"
	"fmt"

	"siegel/crypto/vault"
)

// VerifyPassphrase reports whether pw opens the profile's vault, without
// unlocking it. A passphrase dialog calls it from inside the
// PassphraseFunc (while Vault holds the profile's lock, so Unlock cannot
// be used there) to ask again at once after a typing mistake. It returns
// nil when the profile has no vault yet, and vault.ErrWrongPassphrase
// (wrapped) for a wrong passphrase.
func (p *Profile) VerifyPassphrase(ctx context.Context, pw []byte) error {
	params, ok, err := p.params(ctx, p.DB)
	if err != nil || !ok {
		return err
	}
	if _, err := vault.Unlock(params, pw); err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	return nil
}
