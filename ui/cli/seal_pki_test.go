package cli

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"siegel/certs"
	"siegel/certs/profile"
	"siegel/crypto/vault"
)

const testPassphrase = "correct horse battery staple"

// testEnv is an Env on a fresh profile folder, with the passphrase in
// SIEGEL_PASSPHRASE and a cheap vault.
func testEnv(t *testing.T, stdin string) (Env, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := Env{
		Stdin:  strings.NewReader(stdin),
		Stdout: &out,
		Stderr: &errOut,
		Getenv: func(k string) string {
			if k == "SIEGEL_PASSPHRASE" {
				return testPassphrase
			}
			return ""
		},
		DataDir:   t.TempDir(),
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
	cert              *x509.Certificate
	certFile, keyFile string
	bothFile          string
}

// testPeople makes a CA and two people, agent@example.com and
// customer@example.org (RSA 2048), under dir.
func testPeople(t *testing.T, dir string) (ca, agent, customer *person) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "CLI Test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	ca = writePerson(t, dir, "ca", caTmpl, caTmpl, caKey, caKey)
	mk := func(name, email string, serial int64) *person {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
			EmailAddresses: []string{email}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
			KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}}
		return writePerson(t, dir, name, tmpl, ca.cert, key, caKey)
	}
	return ca, mk("agent", "agent@example.com", 2), mk("customer", "customer@example.org", 3)
}

func writePerson(t *testing.T, dir, name string, tmpl, parent *x509.Certificate, key crypto.Signer, parentKey crypto.Signer) *person {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	p := &person{cert: cert, certFile: filepath.Join(dir, name+".crt"), keyFile: filepath.Join(dir, name+".key"),
		bothFile: filepath.Join(dir, name+".pem")}
	for f, data := range map[string][]byte{p.certFile: certPEM, p.keyFile: keyPEM, p.bothFile: append(certPEM, keyPEM...)} {
		if err := os.WriteFile(f, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// opensslCmd runs the openssl command, skipping the test when it is not
// installed.
func opensslCmd(t *testing.T, args ...string) []byte {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl command not found")
	}
	out, err := exec.Command("openssl", args...).Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("openssl %v: %v: %s", args, err, stderr)
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
