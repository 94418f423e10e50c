package smime

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
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
	cert     *x509.Certificate
	key      crypto.Signer
	certFile string
	keyFile  string
}

// testPKI is the world of the OpenSSL tests, generated once per test
// binary (RSA key generation is slow) into a temporary folder:
//
//	root (stored CA) → inter (not stored; senders bundle it) → agent,
//	alice, bob (P-256), carol (P-384), and the problem certificates;
//	other (a CA not in the store) → unknown.
type testPKI struct {
	dir        string
	root       *identity
	inter      *identity
	other      *identity
	agent      *identity // agent@example.com, RSA, the helpdesk
	alice      *identity // alice@example.org, RSA
	bob        *identity // bob@example.org, ECDSA P-256
	carol      *identity // carol@example.org, ECDSA P-384
	stranger   *identity // stranger@example.net, RSA, not in the store
	expired    *identity // alice@example.org, valid 2020 to 2021
	noEmail    *identity // no e-mail address
	serverOnly *identity // alice@example.org, EKU serverAuth only
	selfSigned *identity // alice@example.org look-alike, self-signed
	unknown    *identity // alice@example.org, issued by other
	chainFile  string    // inter, for -certfile
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

// keyring returns a fresh store with the root as anchor and the customer
// and agent certificates with their keys.
func (p *testPKI) keyring() *memKeyring {
	k := newMemKeyring()
	k.add(p.root.cert, nil)
	for _, id := range []*identity{p.agent, p.alice, p.bob, p.carol} {
		k.add(id.cert, id.key)
	}
	return k
}

type certSpec struct {
	cn, email  string
	key        crypto.Signer
	parent     *identity // nil: self-signed
	ca         bool
	notBefore  time.Time
	notAfter   time.Time
	eku        []x509.ExtKeyUsage
	usage      x509.KeyUsage
	noSKI      bool
	serialSeed int64
}

func newPKI() (*testPKI, error) {
	dir, err := os.MkdirTemp("", "smime-pki-")
	if err != nil {
		return nil, err
	}
	p := &testPKI{dir: dir}
	rsaKey := func() crypto.Signer {
		k, kerr := rsa.GenerateKey(rand.Reader, 2048)
		if kerr != nil && err == nil {
			err = kerr
		}
		return k
	}
	ecKey := func(c elliptic.Curve) crypto.Signer {
		k, kerr := ecdsa.GenerateKey(c, rand.Reader)
		if kerr != nil && err == nil {
			err = kerr
		}
		return k
	}
	agentKey, aliceKey, strangerKey, spareKey := rsaKey(), rsaKey(), rsaKey(), rsaKey()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	validFrom, validTo := now.Add(-24*time.Hour), now.Add(365*24*time.Hour)
	mail := []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}
	rsaUsage := x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
	ecUsage := x509.KeyUsageDigitalSignature | x509.KeyUsageKeyAgreement
	specs := []struct {
		dst  **identity
		name string
		spec certSpec
	}{
		{&p.root, "root", certSpec{cn: "Siegel Test Root", key: ecKey(elliptic.P256()), ca: true}},
		{&p.inter, "inter", certSpec{cn: "Siegel Test Intermediate", key: ecKey(elliptic.P256()), ca: true}},
		{&p.other, "other", certSpec{cn: "Other Root", key: ecKey(elliptic.P256()), ca: true}},
		{&p.agent, "agent", certSpec{cn: "Helpdesk", email: "agent@example.com", key: agentKey, eku: mail, usage: rsaUsage}},
		{&p.alice, "alice", certSpec{cn: "Alice", email: "alice@example.org", key: aliceKey, eku: mail, usage: rsaUsage}},
		{&p.bob, "bob", certSpec{cn: "Bob", email: "bob@example.org", key: ecKey(elliptic.P256()), eku: mail, usage: ecUsage}},
		{&p.carol, "carol", certSpec{cn: "Carol", email: "carol@example.org", key: ecKey(elliptic.P384()), eku: mail, usage: ecUsage}},
		{&p.stranger, "stranger", certSpec{cn: "Stranger", email: "stranger@example.net", key: strangerKey, eku: mail, usage: rsaUsage}},
		{&p.expired, "expired", certSpec{cn: "Alice", email: "alice@example.org", key: spareKey, eku: mail, usage: rsaUsage,
			notBefore: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), notAfter: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{&p.noEmail, "noemail", certSpec{cn: "No Mail", key: spareKey, eku: mail, usage: rsaUsage}},
		{&p.serverOnly, "server", certSpec{cn: "alice.example.org", email: "alice@example.org", key: spareKey,
			eku: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, usage: rsaUsage}},
		{&p.selfSigned, "selfsigned", certSpec{cn: "Alice", email: "alice@example.org", key: spareKey, eku: mail, usage: rsaUsage}},
		{&p.unknown, "unknown", certSpec{cn: "Alice", email: "alice@example.org", key: spareKey, eku: mail, usage: rsaUsage}},
	}
	if err != nil {
		return nil, err
	}
	for i, s := range specs {
		spec := s.spec
		spec.serialSeed = int64(i + 1)
		switch s.name {
		case "root", "other", "selfsigned":
		case "inter":
			spec.parent = p.root
		case "unknown":
			spec.parent = p.other
		default:
			spec.parent = p.inter
		}
		if spec.notBefore.IsZero() {
			spec.notBefore, spec.notAfter = validFrom, validTo
			if spec.ca {
				spec.notBefore, spec.notAfter = now.Add(-10*365*24*time.Hour), now.Add(10*365*24*time.Hour)
			}
		}
		id, err := issue(dir, s.name, spec)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		*s.dst = id
	}
	p.chainFile = p.inter.certFile
	return p, nil
}

func issue(dir, name string, s certSpec) (*identity, error) {
	pubDER, err := x509.MarshalPKIXPublicKey(s.key.Public())
	if err != nil {
		return nil, err
	}
	ski := sha1.Sum(pubDER)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1000 + s.serialSeed),
		Subject:               pkix.Name{CommonName: s.cn, Organization: []string{"Siegel Test"}},
		NotBefore:             s.notBefore,
		NotAfter:              s.notAfter,
		BasicConstraintsValid: true,
		IsCA:                  s.ca,
		KeyUsage:              s.usage,
		ExtKeyUsage:           s.eku,
		SubjectKeyId:          ski[:],
	}
	if s.ca {
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	}
	if s.email != "" {
		tmpl.EmailAddresses = []string{s.email}
	}
	parentCert, parentKey := tmpl, s.key
	if s.parent != nil {
		parentCert, parentKey = s.parent.cert, s.parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parentCert, s.key.Public(), parentKey)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(s.key)
	if err != nil {
		return nil, err
	}
	id := &identity{cert: cert, key: s.key,
		certFile: filepath.Join(dir, name+".pem"), keyFile: filepath.Join(dir, name+".key")}
	if err := os.WriteFile(id.certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(id.keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return nil, err
	}
	return id, nil
}

// openssl runs the openssl command with stdin and returns its stdout; the
// test fails when it fails. Tests that need it skip when it is missing.
func openssl(t testing.TB, stdin []byte, args ...string) []byte {
	t.Helper()
	out, err := opensslErr(stdin, args...)
	if err != nil {
		t.Fatalf("openssl %v: %v", args, err)
	}
	return out
}

func opensslErr(stdin []byte, args ...string) ([]byte, error) {
	cmd := exec.Command("openssl", args...)
	cmd.Stdin = bytesReader(stdin)
	var stderr []byte
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok {
		stderr = ee.Stderr
	}
	if err != nil {
		return out, fmt.Errorf("%w: %s", err, stderr)
	}
	return out, nil
}

func needOpenSSL(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl command not found")
	}
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
