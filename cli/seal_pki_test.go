package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"siegel/certs"
	"siegel/crypto/testpki"
	"siegel/crypto/vault"
	"siegel/profile"
)

const testPassphrase = "correct horse battery staple"

// testEnv is an Env on a fresh profile folder, with the passphrase in
// SIEGEL_PASSPHRASE and a cheap vault.
func testEnv(t *testing.T, stdin string) (Env, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	return newEnv(stdin, testPassphrase, t.TempDir())
}

// newEnv is an Env on the profile folder dataDir (the default folder when
// empty) with stdin, the passphrase in SIEGEL_PASSPHRASE and a cheap vault;
// it returns the buffers that collect standard output and error.
func newEnv(stdin, passphrase, dataDir string) (Env, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	env := Env{
		Stdin:  strings.NewReader(stdin),
		Stdout: &out,
		Stderr: &errOut,
		Getenv: func(k string) string {
			if k == "SIEGEL_PASSPHRASE" {
				return passphrase
			}
			return ""
		},
		DataDir:   dataDir,
		VaultCost: vault.Cost{Time: 1, MemoryKiB: 1024, Threads: 1},
	}
	return env, &out, &errOut
}

// importFiles imports certificate and key files into the store of env's
// profile, through the certificate store itself.
func importFiles(t *testing.T, env Env, passphrase string, files ...string) {
	t.Helper()
	ctx := context.Background()
	p, err := profile.Open(ctx, env.DataDir, func(context.Context, bool) ([]byte, error) {
		return []byte(testPassphrase), nil
	}, &profile.Options{Cost: env.VaultCost})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	store, err := certs.Open(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.Import(ctx, data, filepath.Base(f), []byte(passphrase)); err != nil {
			t.Fatalf("import %s: %v", f, err)
		}
	}
}

// person is a generated certificate with its key, as PEM files: certFile
// holds the certificate, bothFile certificate and key (for import).
type person struct {
	*testpki.Identity
	certFile, keyFile string
	bothFile          string
}

// testPeople makes a CA and two people, agent@example.com and
// customer@example.org (RSA 2048), under dir.
func testPeople(t *testing.T, dir string) (ca, agent, customer *person) {
	t.Helper()
	now := time.Now()
	from, until := now.Add(-time.Hour), now.Add(24*time.Hour)
	ca = writePerson(t, dir, "ca", testpki.Spec{CN: "CLI Test CA", CA: true, Serial: 1,
		KeyUsage: x509.KeyUsageCertSign, NotBefore: from, NotAfter: until})
	mk := func(name, email string, serial int64) *person {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		return writePerson(t, dir, name, testpki.Spec{CN: name, Emails: []string{email}, Key: key, Serial: serial,
			NotBefore: from, NotAfter: until, Issuer: ca.Identity})
	}
	return ca, mk("agent", "agent@example.com", 2), mk("customer", "customer@example.org", 3)
}

// writePerson issues the certificate s describes and writes it as
// name.crt, its key as name.key, and both as name.pem.
func writePerson(t *testing.T, dir, name string, s testpki.Spec) *person {
	t.Helper()
	id, err := testpki.New(s)
	if err != nil {
		t.Fatal(err)
	}
	p := &person{Identity: id, bothFile: filepath.Join(dir, name+".pem")}
	if p.certFile, p.keyFile, err = id.WriteFiles(dir, name, ".crt"); err != nil {
		t.Fatal(err)
	}
	keyPEM, err := id.KeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p.bothFile, append(id.CertPEM(), keyPEM...), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// opensslCmd runs the openssl command, skipping the test when it is not
// installed.
func opensslCmd(t *testing.T, args ...string) []byte {
	t.Helper()
	if !testpki.HaveOpenSSL() {
		t.Skip("openssl command not found")
	}
	out, _, err := testpki.OpenSSL("", nil, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// parsePEMCerts parses the certificates of PEM data.
func parsePEMCerts(t *testing.T, data []byte) []*x509.Certificate {
	t.Helper()
	var out []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return out
		}
		if b.Type == "CERTIFICATE" {
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, c)
		}
	}
}
