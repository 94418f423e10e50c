package mailtest

import (
	"context"
	"testing"
	"time"

	"siegel/certs"
	"siegel/crypto/smime"
	"siegel/crypto/vault"
	"siegel/profile"
)

// Passphrase is the profile passphrase of the test profiles.
const Passphrase = "correct horse battery staple"

// Side is one party of the tests: a profile with its certificate store
// and S/MIME engine (the helpdesk, or a customer whose mail client seals
// messages for it).
type Side struct {
	Profile *profile.Profile
	Store   *certs.Store
	Engine  *smime.Engine
}

// NewSide opens a profile in a fresh folder and imports the PEM files.
func NewSide(t testing.TB, imports ...[]byte) *Side {
	t.Helper()
	return OpenSide(t, t.TempDir(), imports...)
}

// OpenSide opens (or creates) the profile in dir and imports the PEMs.
func OpenSide(t testing.TB, dir string, imports ...[]byte) *Side {
	t.Helper()
	ctx := context.Background()
	p, err := profile.Open(ctx, dir, func(context.Context, bool) ([]byte, error) {
		return []byte(Passphrase), nil
	}, &profile.Options{Cost: vault.Cost{Time: 1, MemoryKiB: 1024, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	st, err := certs.Open(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	for _, pem := range imports {
		if _, err := st.Import(ctx, pem, "test.pem", nil); err != nil {
			t.Fatalf("import: %v", err)
		}
	}
	return &Side{Profile: p, Store: st, Engine: smime.NewEngine(st)}
}

// DeskSide is the helpdesk: it trusts the CA, holds its own key, and
// knows Alice's certificate (Bob's it learns from his signatures).
func DeskSide(t testing.TB) *Side {
	t.Helper()
	k := TestPKI(t)
	return NewSide(t, k.CA.CertPEM, k.Desk.PEM(), k.Alice.CertPEM)
}

// CustomerSide is a customer's mail client: it holds the customer's key
// and trusts the CA and the helpdesk.
func CustomerSide(t testing.TB, id *Identity) *Side {
	t.Helper()
	k := TestPKI(t)
	return NewSide(t, k.CA.CertPEM, id.PEM(), k.Desk.CertPEM)
}

// Seal signs and/or encrypts raw with the side's engine.
func (s *Side) Seal(t testing.TB, raw []byte, sign, encrypt bool) []byte {
	t.Helper()
	return seal(t, s.Engine, raw, sign, encrypt)
}

// SealAt is Seal by a mail client whose clock shows at: the signature's
// signing time is at (fixtures with fixed dates).
func (s *Side) SealAt(t testing.TB, raw []byte, at time.Time, sign, encrypt bool) []byte {
	t.Helper()
	e := smime.NewEngineWithOptions(s.Store, smime.Options{Now: func() time.Time { return at }})
	return seal(t, e, raw, sign, encrypt)
}

func seal(t testing.TB, e *smime.Engine, raw []byte, sign, encrypt bool) []byte {
	t.Helper()
	// The customers' mail programs leave the Subject outside (the
	// tests find their tickets by it, also when a message cannot be
	// decrypted); the desk's own mail hides it (mail.SettingHideSubject).
	out, err := e.Seal(context.Background(), raw, smime.SealOptions{Sign: sign, Encrypt: encrypt, KeepSubject: true})
	if err != nil {
		t.Fatalf("seal: %v", err)
	}
	return out
}
