package smime_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"siegel/certs"
	"siegel/crypto/smime"
	"siegel/crypto/vault"
	"siegel/profile"
)

// openStore opens a certificate store in a fresh profile.
func openStore(t *testing.T) *certs.Store {
	t.Helper()
	ctx := context.Background()
	p, err := profile.Open(ctx, t.TempDir(), func(context.Context, bool) ([]byte, error) {
		return []byte("test passphrase"), nil
	}, &profile.Options{Cost: vault.Cost{Time: 1, MemoryKiB: 1024, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	s, err := certs.Open(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// importFile imports one file; files the store rejects are logged (the
// corpora hold some on purpose) unless mustWork.
func importFile(t *testing.T, s *certs.Store, path, passphrase string, mustWork bool) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Import(context.Background(), data, filepath.Base(path), []byte(passphrase)); err != nil {
		if mustWork {
			t.Fatalf("import %s: %v", path, err)
		}
		t.Logf("import %s: %v (skipped)", filepath.Base(path), err)
	}
}

var _ smime.Keyring = (*certs.Store)(nil)

func TestThunderbirdCorpusWithStore(t *testing.T) {
	dir := smime.InteropDir(t, "thunderbird")
	s := openStore(t)
	importFile(t, s, filepath.Join(dir, "smime", "TestCA.pem"), "", true)
	for _, p := range []string{"smime/Alice.p12", "smime/Bob.p12", "smime/Dave.p12", "smime/Eve.p12",
		"smime/Alice-ec.p12", "smime-interop/Fran.p12", "smime-interop/Fran-ec.p12"} {
		importFile(t, s, filepath.Join(dir, p), "nss", true)
	}
	smime.RunThunderbird(t, dir, s)
}

func TestZammadCorpusWithStore(t *testing.T) {
	dir := smime.InteropDir(t, "zammad")
	smime.RunZammad(t, dir, func(pinned bool) smime.Keyring {
		s := openStore(t)
		for _, name := range smime.ZammadCAs {
			importFile(t, s, filepath.Join(dir, name), "", true)
		}
		if pinned {
			all, _ := filepath.Glob(filepath.Join(dir, "*.crt"))
			for _, p := range all {
				if !slices.Contains(smime.ZammadCAs, filepath.Base(p)) {
					importFile(t, s, p, "", false)
				}
			}
		}
		return s
	})
}
