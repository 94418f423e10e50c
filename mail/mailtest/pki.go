// Package mailtest holds the real peers that tests of the mail core (and
// of the UI and command line over it) run against, all on 127.0.0.1
// inside the test process: the IMAP and the SMTP server of mail/loopback
// (the ones the demo runs on), the SMTP one recording what it receives and
// able to be told to fail, a TCP proxy that cuts connections after a
// number of bytes, a test PKI, and profiles with the real certificate
// store and S/MIME engine. No protocol is mocked. Only tests import it.
package mailtest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"sync"
	"testing"
	"time"

	"siegel/crypto/testpki"
)

// Identity is a certificate with its private key.
type Identity struct {
	Email   string
	Cert    *x509.Certificate
	Key     crypto.Signer
	CertPEM []byte
	KeyPEM  []byte
}

// PEM is the certificate and the key in one PEM file, as an import takes
// it.
func (id *Identity) PEM() []byte { return append(append([]byte{}, id.CertPEM...), id.KeyPEM...) }

// PKI is the test world: a CA the helpdesk trusts, the helpdesk's identity
// and three customers.
type PKI struct {
	CA    *Identity
	Desk  *Identity // help@siegel.example
	Alice *Identity // alice@example.org
	Bob   *Identity // bob@example.org
	// Mallory is signed by a CA nobody trusts.
	Mallory *Identity // mallory@example.net
	// Support is a second address of the helpdesk, whose key the desk
	// does not have at first.
	Support *Identity // support@siegel.example
}

// DeskAddress is the helpdesk's address in the tests.
const DeskAddress = "help@siegel.example"

var (
	pkiOnce sync.Once
	pki     *PKI
)

// TestPKI returns the PKI, made once per test binary (RSA keys take time).
func TestPKI(t testing.TB) *PKI {
	t.Helper()
	pkiOnce.Do(func() {
		ca := newIdentity(t, "Siegel Test CA", "", nil, true)
		rogue := newIdentity(t, "Rogue CA", "", nil, true)
		pki = &PKI{
			CA:      ca,
			Desk:    newIdentity(t, "Siegel Helpdesk", DeskAddress, ca, false),
			Alice:   newIdentity(t, "Alice Example", "alice@example.org", ca, false),
			Bob:     newIdentity(t, "Bob Example", "bob@example.org", ca, false),
			Mallory: newIdentity(t, "Mallory", "mallory@example.net", rogue, false),
			Support: newIdentity(t, "Siegel Support", "support@siegel.example", ca, false),
		}
	})
	if pki == nil {
		t.Fatal("test PKI could not be made")
	}
	return pki
}

func newIdentity(t testing.TB, cn, email string, issuer *Identity, isCA bool) *Identity {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	s := testpki.Spec{CN: cn, Org: "Siegel Tests", Key: key, CA: isCA,
		NotBefore: now.Add(-48 * time.Hour), NotAfter: now.Add(365 * 24 * time.Hour)}
	if !isCA {
		s.Emails = []string{email}
	}
	if issuer != nil {
		s.Issuer = &testpki.Identity{Cert: issuer.Cert, Key: issuer.Key}
	}
	id, err := testpki.New(s)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := id.KeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	return &Identity{Email: email, Cert: id.Cert, Key: key, CertPEM: id.CertPEM(), KeyPEM: keyPEM}
}

// ServerCert is a self-signed TLS certificate for 127.0.0.1 and
// localhost, with its PEM (to trust it as a root) and its certificate.
type ServerCert struct {
	TLS  tls.Certificate
	Cert *x509.Certificate
	PEM  []byte
}

// NewServerCert makes a self-signed server certificate. When name is
// not empty, it is the only name in the certificate (so connecting to
// 127.0.0.1 fails the host name check).
func NewServerCert(t testing.TB, name string) *ServerCert {
	t.Helper()
	// Its own CA, so that a client can trust it as a root.
	spec := testpki.Spec{CN: "localhost", CA: true,
		KeyUsage:  x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		EKU:       []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:  []string{"localhost"},
		IPs:       []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	if name != "" {
		spec.CN, spec.DNSNames, spec.IPs = name, []string{name}, nil
	}
	id, err := testpki.New(spec)
	if err != nil {
		t.Fatal(err)
	}
	return &ServerCert{
		TLS:  tls.Certificate{Certificate: [][]byte{id.Cert.Raw}, PrivateKey: id.Key, Leaf: id.Cert},
		Cert: id.Cert,
		PEM:  id.CertPEM(),
	}
}

// PrivateKeyPEM is the server certificate's key as PKCS #8 PEM, for
// servers that read it from a file.
func PrivateKeyPEM(t testing.TB, c *ServerCert) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(c.TLS.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}
