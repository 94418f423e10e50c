package cms

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
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
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "CMS Test CA", Organization: []string{"Siegel tests"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	if p.ca, err = p.issue("ca", caTmpl, caKey, nil); err != nil {
		return nil, err
	}
	p.caFile = p.ca.certFile
	mk := func(name string, serial int64, key crypto.Signer) (*identity, error) {
		pubDER, err := x509.MarshalPKIXPublicKey(key.Public())
		if err != nil {
			return nil, err
		}
		ski := sha1.Sum(pubDER)
		usage := x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
		if _, ok := key.(*ecdsa.PrivateKey); ok {
			usage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyAgreement
		}
		tmpl := &x509.Certificate{
			SerialNumber:   big.NewInt(serial),
			Subject:        pkix.Name{CommonName: name},
			EmailAddresses: []string{name + "@example.com"},
			NotBefore:      now.Add(-time.Hour),
			NotAfter:       now.Add(24 * time.Hour),
			KeyUsage:       usage,
			ExtKeyUsage:    []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
			SubjectKeyId:   ski[:],
		}
		id, err := p.issue(name, tmpl, key, p.ca)
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

// issue makes a certificate from tmpl signed by parent (self-signed when
// parent is nil) and writes it and the key as PEM.
func (p *testPKI) issue(name string, tmpl *x509.Certificate, key crypto.Signer, parent *identity) (*identity, error) {
	issuerCert, issuerKey := tmpl, key
	if parent != nil {
		issuerCert, issuerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuerCert, key.Public(), issuerKey)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	id := &identity{
		name: name, cert: cert, key: key,
		certFile: filepath.Join(p.dir, name+".pem"),
		keyFile:  filepath.Join(p.dir, name+".key"),
	}
	if err := os.WriteFile(id.certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(id.keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
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
	out, err := runOpenSSL(stdin, args...)
	if err != nil {
		t.Fatalf("openssl %v: %v", args, err)
	}
	return out
}

func runOpenSSL(stdin []byte, args ...string) ([]byte, error) {
	cmd := exec.Command("openssl", args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, &opensslError{err: err, stderr: stderr.String()}
	}
	return stdout.Bytes(), nil
}

type opensslError struct {
	err    error
	stderr string
}

func (e *opensslError) Error() string { return e.err.Error() + ": " + e.stderr }

func needOpenSSL(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
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
