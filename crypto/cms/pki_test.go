package cms

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"siegel/crypto/testpki"
)

// identity is a test certificate with its key, also written as PEM files
// for the openssl command.
type identity struct {
	name     string
	cert     *x509.Certificate
	key      crypto.Signer
	certFile string
	keyFile  string
}

// testPKI is a CA with end-entity identities, generated once per test
// binary (RSA key generation is slow) into a temporary folder.
type testPKI struct {
	dir    string
	ca     *identity
	caFile string
	rsa    *identity // RSA-2048
	rsa2   *identity // RSA-2048, another person
	p256   *identity
	p384   *identity
	all    []*identity
}

var (
	pkiOnce sync.Once
	pki     *testPKI
	pkiErr  error
)

// TestMain removes the PKI folder after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if pki != nil {
		os.RemoveAll(pki.dir)
	}
	os.Exit(code)
}

func getPKI(t testing.TB) *testPKI {
	t.Helper()
	pkiOnce.Do(func() { pki, pkiErr = newPKI() })
	if pkiErr != nil {
		t.Fatalf("making the test PKI: %v", pkiErr)
	}
	return pki
}

func newPKI() (*testPKI, error) {
	dir, err := os.MkdirTemp("", "cms-pki-")
	if err != nil {
		return nil, err
	}
	p := &testPKI{dir: dir}
	now := time.Now()
	from, until := now.Add(-time.Hour), now.Add(24*time.Hour)
	if p.ca, err = p.issue("ca", testpki.Spec{CN: "CMS Test CA", Org: "Siegel tests", CA: true, Serial: 1,
		NotBefore: from, NotAfter: until}); err != nil {
		return nil, err
	}
	p.caFile = p.ca.certFile
	mk := func(name string, serial int64, key crypto.Signer) (*identity, error) {
		ski, err := testpki.KeyID(key.Public())
		if err != nil {
			return nil, err
		}
		id, err := p.issue(name, testpki.Spec{CN: name, Emails: []string{name + "@example.com"}, Key: key,
			Serial: serial, NotBefore: from, NotAfter: until, SKI: ski, Issuer: &testpki.Identity{Cert: p.ca.cert, Key: p.ca.key}})
		if err == nil {
			p.all = append(p.all, id)
		}
		return id, err
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	rsaKey2, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		return nil, err
	}
	if p.rsa, err = mk("rsa", 10, rsaKey); err != nil {
		return nil, err
	}
	if p.rsa2, err = mk("rsa2", 11, rsaKey2); err != nil {
		return nil, err
	}
	if p.p256, err = mk("p256", 12, p256); err != nil {
		return nil, err
	}
	if p.p384, err = mk("p384", 13, p384); err != nil {
		return nil, err
	}
	return p, nil
}

// issue makes the certificate s describes and writes it and its key as
// PEM files into the PKI folder.
func (p *testPKI) issue(name string, s testpki.Spec) (*identity, error) {
	tid, err := testpki.New(s)
	if err != nil {
		return nil, err
	}
	id := &identity{name: name, cert: tid.Cert, key: tid.Key}
	if id.certFile, id.keyFile, err = tid.WriteFiles(p.dir, name, ".pem"); err != nil {
		return nil, err
	}
	return id, nil
}

// lookupFor is a KeyLookup that knows the given identities.
func lookupFor(ids ...*identity) KeyLookup {
	return func(_ context.Context, id CertID) (*x509.Certificate, crypto.PrivateKey, error) {
		for _, i := range ids {
			if id.Matches(i.cert) {
				return i.cert, i.key, nil
			}
		}
		return nil, nil, nil
	}
}

// openssl runs the openssl command with stdin and returns its stdout.
func openssl(t testing.TB, stdin []byte, args ...string) []byte {
	t.Helper()
	out, _, err := testpki.OpenSSL("", stdin, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func needOpenSSL(t testing.TB) {
	t.Helper()
	if !testpki.HaveOpenSSL() {
		t.Fatal("the openssl command is needed as the second implementation: install openssl")
	}
}

// writeTemp writes data to a new file in the test's temporary folder.
func writeTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(f, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}
