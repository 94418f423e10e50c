package certs_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"siegel/certs"
	"siegel/crypto/testpki"
	"siegel/crypto/vault"
	"siegel/profile"
)

// Test certificates are made at test time. RSA keys are slow to make, so a
// few are made once per run and shared by index; each index is used for
// one purpose only, so key matching stays meaningful.
var (
	rsaMu   sync.Mutex
	rsaPool = map[int]*rsa.PrivateKey{}
)

// Indexes into the RSA key pool.
const (
	keyCA = iota
	keyIntermediate
	keyAlice
	keyBob
	keyCarol
	keyStray // matches no certificate
	keyDave
	keyErin
)

func rsaKey(t testing.TB, i int) *rsa.PrivateKey {
	t.Helper()
	rsaMu.Lock()
	defer rsaMu.Unlock()
	if k := rsaPool[i]; k != nil {
		return k
	}
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaPool[i] = k
	return k
}

func ecKey(t testing.TB, curve elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// spec describes a certificate to make; zero fields get the defaults of
// testpki.Spec (an S/MIME end-entity certificate valid from an hour ago for
// a year, self-signed unless Issuer is set).
type spec = testpki.Spec

// makeCert issues the certificate s describes, in organisation "Siegel
// Test" unless s names another.
func makeCert(t testing.TB, s spec) *x509.Certificate {
	t.Helper()
	if s.Org == "" {
		s.Org = "Siegel Test"
	}
	id, err := testpki.New(s)
	if err != nil {
		t.Fatal(err)
	}
	return id.Cert
}

// testPKI is a root CA, an intermediate CA and end-entity certificates
// issued by the intermediate.
type testPKI struct {
	root, inter       *x509.Certificate
	rootKey, interKey crypto.Signer
}

func newPKI(t testing.TB) *testPKI {
	t.Helper()
	p := &testPKI{rootKey: rsaKey(t, keyCA), interKey: rsaKey(t, keyIntermediate)}
	p.root = makeCert(t, spec{CN: "Siegel Test Root CA", CA: true, Key: p.rootKey,
		NotAfter: time.Now().AddDate(10, 0, 0)})
	p.inter = makeCert(t, spec{CN: "Siegel Test Intermediate CA", CA: true, Key: p.interKey,
		Issuer: &testpki.Identity{Cert: p.root, Key: p.rootKey}, NotAfter: time.Now().AddDate(5, 0, 0)})
	return p
}

// leaf issues an end-entity certificate from the intermediate CA.
func (p *testPKI) leaf(t testing.TB, s spec) *x509.Certificate {
	t.Helper()
	s.Issuer = &testpki.Identity{Cert: p.inter, Key: p.interKey}
	return makeCert(t, s)
}

func pemCert(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

func pemKey(t testing.TB, k crypto.Signer, form string) []byte {
	t.Helper()
	var blk *pem.Block
	switch form {
	case "pkcs1":
		blk = &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k.(*rsa.PrivateKey))}
	case "sec1":
		der, err := x509.MarshalECPrivateKey(k.(*ecdsa.PrivateKey))
		if err != nil {
			t.Fatal(err)
		}
		blk = &pem.Block{Type: "EC PRIVATE KEY", Bytes: der}
	default:
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		blk = &pem.Block{Type: "PRIVATE KEY", Bytes: der}
	}
	return pem.EncodeToMemory(blk)
}

func concat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// testCost keeps the profile's Argon2id fast in tests.
var testCost = vault.Cost{Time: 1, MemoryKiB: 1024, Threads: 1}

const profilePassphrase = "profile secret"

// openStore opens a store in a fresh profile folder whose passphrase is
// profilePassphrase.
func openStore(t testing.TB) (*certs.Store, *profile.Profile) {
	t.Helper()
	return openStoreIn(t, tempDir(t))
}

// tempDir is t.TempDir without the test's name in the path: profile.OpenDB
// builds an SQLite URI from the path, where a "#" (as in "PKCS#12") would
// end it.
func tempDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "siegel-certs-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func openStoreIn(t testing.TB, dir string) (*certs.Store, *profile.Profile) {
	t.Helper()
	ask := func(ctx context.Context, create bool) ([]byte, error) { return []byte(profilePassphrase), nil }
	p, err := profile.Open(context.Background(), dir, ask, &profile.Options{Cost: testCost})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	s, err := certs.Open(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return s, p
}

// openssl runs the openssl command in dir and returns its standard output.
func openssl(t testing.TB, dir string, args ...string) []byte {
	t.Helper()
	out, _ := runOpenssl(t, dir, args...)
	return out
}

// runOpenssl is openssl returning standard error too (where -info writes).
func runOpenssl(t testing.TB, dir string, args ...string) (stdout, stderr []byte) {
	t.Helper()
	if !testpki.HaveOpenSSL() {
		t.Fatal("the openssl command is needed (Debian package openssl)")
	}
	stdout, stderr, err := testpki.OpenSSL(dir, nil, args...)
	if err != nil {
		t.Fatal(err)
	}
	return stdout, stderr
}

func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sha256Sum(b []byte) [32]byte { return sha256.Sum256(b) }
