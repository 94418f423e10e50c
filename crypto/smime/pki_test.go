package smime

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"siegel/crypto/testpki"
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
		dst   **identity
		name  string
		email string
		spec  testpki.Spec
	}{
		{&p.root, "root", "", testpki.Spec{CN: "Siegel Test Root", Key: ecKey(elliptic.P256()), CA: true}},
		{&p.inter, "inter", "", testpki.Spec{CN: "Siegel Test Intermediate", Key: ecKey(elliptic.P256()), CA: true}},
		{&p.other, "other", "", testpki.Spec{CN: "Other Root", Key: ecKey(elliptic.P256()), CA: true}},
		{&p.agent, "agent", "agent@example.com", testpki.Spec{CN: "Helpdesk", Key: agentKey, EKU: mail, KeyUsage: rsaUsage}},
		{&p.alice, "alice", "alice@example.org", testpki.Spec{CN: "Alice", Key: aliceKey, EKU: mail, KeyUsage: rsaUsage}},
		{&p.bob, "bob", "bob@example.org", testpki.Spec{CN: "Bob", Key: ecKey(elliptic.P256()), EKU: mail, KeyUsage: ecUsage}},
		{&p.carol, "carol", "carol@example.org", testpki.Spec{CN: "Carol", Key: ecKey(elliptic.P384()), EKU: mail, KeyUsage: ecUsage}},
		{&p.stranger, "stranger", "stranger@example.net", testpki.Spec{CN: "Stranger", Key: strangerKey, EKU: mail, KeyUsage: rsaUsage}},
		{&p.expired, "expired", "alice@example.org", testpki.Spec{CN: "Alice", Key: spareKey, EKU: mail, KeyUsage: rsaUsage,
			NotBefore: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{&p.noEmail, "noemail", "", testpki.Spec{CN: "No Mail", Key: spareKey, EKU: mail, KeyUsage: rsaUsage}},
		{&p.serverOnly, "server", "alice@example.org", testpki.Spec{CN: "alice.example.org", Key: spareKey,
			EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: rsaUsage}},
		{&p.selfSigned, "selfsigned", "alice@example.org", testpki.Spec{CN: "Alice", Key: spareKey, EKU: mail, KeyUsage: rsaUsage}},
		{&p.unknown, "unknown", "alice@example.org", testpki.Spec{CN: "Alice", Key: spareKey, EKU: mail, KeyUsage: rsaUsage}},
	}
	if err != nil {
		return nil, err
	}
	for i, s := range specs {
		spec := s.spec
		spec.Org, spec.BasicConstraints, spec.Serial = "Siegel Test", true, int64(1000+i+1)
		if s.email != "" {
			spec.Emails = []string{s.email}
		}
		if spec.SKI, err = testpki.KeyID(spec.Key.Public()); err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		var parent *identity
		switch s.name {
		case "root", "other", "selfsigned":
		case "inter":
			parent = p.root
		case "unknown":
			parent = p.other
		default:
			parent = p.inter
		}
		if parent != nil {
			spec.Issuer = &testpki.Identity{Cert: parent.cert, Key: parent.key}
		}
		if spec.NotBefore.IsZero() {
			spec.NotBefore, spec.NotAfter = validFrom, validTo
			if spec.CA {
				spec.NotBefore, spec.NotAfter = now.Add(-10*365*24*time.Hour), now.Add(10*365*24*time.Hour)
			}
		}
		tid, err := testpki.New(spec)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		id := &identity{cert: tid.Cert, key: tid.Key}
		if id.certFile, id.keyFile, err = tid.WriteFiles(dir, s.name, ".pem"); err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		*s.dst = id
	}
	p.chainFile = p.inter.certFile
	return p, nil
}

// openssl runs the openssl command with stdin and returns its stdout; the
// test fails when it fails. Tests that need it skip when it is missing.
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
		t.Skip("openssl command not found")
	}
}
