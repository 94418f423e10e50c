// Package testpki is the one builder of made-up X.509 certificates: it
// makes certificates and private keys at run time, as the tests of the
// certificate store, the CMS and S/MIME code, the mail core, the command
// line and the UI need them (S/MIME identities, CAs, TLS server
// certificates for the loopback servers), and hands them to the openssl
// command, the second implementation those tests check against. Nothing is
// stored in the repository.
//
// Besides the tests, the demo mailbox (package demo) issues its PKI with
// it: the demo ships, and its certificates are made-up ones of the same
// kind, so they come from the same builder rather than a second one. No
// other production code imports it.
//
// It imports the standard library only, so the tests of every package
// (crypto/cms and crypto/smime included) can use it without an import
// cycle. Keys are made fresh unless the caller passes one (the fuzz tests
// pass fixed keys, so their corpora stay meaningful).
//
// A Spec describes one certificate; New issues it and returns an Identity,
// the certificate with its key:
//
//	root, _ := testpki.New(testpki.Spec{CN: "Test Root", CA: true})
//	alice, _ := testpki.New(testpki.Spec{CN: "Alice", Emails: []string{"alice@example.org"},
//		Key: rsaKey, Issuer: root})
package testpki

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
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"time"
)

// Spec describes a certificate. The zero value of each field takes a
// default, so a Spec names only what matters to the test:
//
//   - Key: a new ECDSA P-256 key.
//   - Serial: the next number of a counter shared by the test binary.
//   - NotBefore: an hour ago; NotAfter: a year after NotBefore.
//   - KeyUsage: certificate and CRL signing for a CA; for an end entity
//     digital signature plus key encipherment (RSA) or key agreement (EC).
//   - EKU: e-mail protection for an end entity, unless NoEKU.
//   - Issuer: none, the certificate is self-signed.
//
// A CA always has valid basic constraints; BasicConstraints adds them
// (CA:FALSE) to an end entity.
type Spec struct {
	CN               string
	Org              string   // subject organisation; none when empty
	Emails           []string // subject alternative name rfc822Name
	SubjectEmail     string   // subject emailAddress attribute
	DNSNames         []string // subject alternative name dNSName (TLS servers)
	IPs              []net.IP // subject alternative name iPAddress (TLS servers)
	Key              crypto.Signer
	CA               bool
	BasicConstraints bool
	KeyUsage         x509.KeyUsage
	EKU              []x509.ExtKeyUsage
	NoEKU            bool
	NotBefore        time.Time
	NotAfter         time.Time
	Serial           int64
	// SKI is the subject key identifier; KeyID gives the usual one.
	// Without it, crypto/x509 sets one for CAs only.
	SKI    []byte
	Issuer *Identity
	// OCSP and CRL are the certificate's OCSP responder (authority
	// information access) and CRL distribution point URLs.
	OCSP, CRL []string
}

// Identity is a certificate with its private key.
type Identity struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

var serial atomic.Int64

// oidEmailAddress is the PKCS #9 emailAddress attribute of a subject.
var oidEmailAddress = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}

// New issues the certificate that s describes.
func New(s Spec) (*Identity, error) {
	if s.Key == nil {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		s.Key = k
	}
	if s.Serial == 0 {
		s.Serial = 1<<32 + serial.Add(1)
	}
	if s.NotBefore.IsZero() {
		s.NotBefore = time.Now().Add(-time.Hour).Truncate(time.Second)
	}
	if s.NotAfter.IsZero() {
		s.NotAfter = s.NotBefore.AddDate(1, 0, 0)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(s.Serial),
		Subject:               pkix.Name{CommonName: s.CN},
		NotBefore:             s.NotBefore,
		NotAfter:              s.NotAfter,
		EmailAddresses:        s.Emails,
		DNSNames:              s.DNSNames,
		IPAddresses:           s.IPs,
		KeyUsage:              s.KeyUsage,
		ExtKeyUsage:           s.EKU,
		SubjectKeyId:          s.SKI,
		IsCA:                  s.CA,
		BasicConstraintsValid: s.CA || s.BasicConstraints,
		OCSPServer:            s.OCSP,
		CRLDistributionPoints: s.CRL,
	}
	if s.Org != "" {
		tmpl.Subject.Organization = []string{s.Org}
	}
	if s.SubjectEmail != "" {
		tmpl.Subject.ExtraNames = []pkix.AttributeTypeAndValue{{Type: oidEmailAddress, Value: s.SubjectEmail}}
	}
	switch {
	case s.CA && tmpl.KeyUsage == 0:
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	case !s.CA && tmpl.KeyUsage == 0:
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		if _, ok := s.Key.Public().(*rsa.PublicKey); ok {
			tmpl.KeyUsage |= x509.KeyUsageKeyEncipherment
		} else {
			tmpl.KeyUsage |= x509.KeyUsageKeyAgreement
		}
	}
	if !s.CA && len(tmpl.ExtKeyUsage) == 0 && !s.NoEKU {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}
	}
	parent, parentKey := tmpl, s.Key
	if s.Issuer != nil {
		parent, parentKey = s.Issuer.Cert, s.Issuer.Key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, s.Key.Public(), parentKey)
	if err != nil {
		return nil, fmt.Errorf("testpki: %s: %w", s.CN, err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("testpki: %s: %w", s.CN, err)
	}
	return &Identity{Cert: c, Key: s.Key}, nil
}

// KeyID is the subject key identifier of RFC 5280 §4.2.1.2 method 1 over
// the whole SubjectPublicKeyInfo, as OpenSSL and many CAs compute it.
func KeyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	sum := sha1.Sum(der)
	return sum[:], nil
}

// CertPEM is the certificate as PEM.
func (id *Identity) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: id.Cert.Raw})
}

// KeyPEM is the private key as unencrypted PKCS #8 PEM.
func (id *Identity) KeyPEM() ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(id.Key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// WriteFiles writes the certificate to dir/name+certExt and the key to
// dir/name.key, both PEM, for the openssl command.
func (id *Identity) WriteFiles(dir, name, certExt string) (certFile, keyFile string, err error) {
	keyPEM, err := id.KeyPEM()
	if err != nil {
		return "", "", err
	}
	certFile, keyFile = filepath.Join(dir, name+certExt), filepath.Join(dir, name+".key")
	if err := os.WriteFile(certFile, id.CertPEM(), 0o600); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		return "", "", err
	}
	return certFile, keyFile, nil
}

// OpenSSLError is a failed run of the openssl command.
type OpenSSLError struct {
	Args   []string
	Err    error // from os/exec
	Stderr []byte
}

func (e *OpenSSLError) Error() string {
	return fmt.Sprintf("openssl %v: %v: %s", e.Args, e.Err, e.Stderr)
}

func (e *OpenSSLError) Unwrap() error { return e.Err }

// OpenSSL runs the openssl command in dir (the current folder when empty)
// with stdin and returns what it wrote to standard output and standard
// error. A command that fails, or cannot be found (exec.ErrNotFound), gives
// an *OpenSSLError.
func OpenSSL(dir string, stdin []byte, args ...string) (stdout, stderr []byte, err error) {
	cmd := exec.Command("openssl", args...)
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return out.Bytes(), errOut.Bytes(), &OpenSSLError{Args: args, Err: err, Stderr: errOut.Bytes()}
	}
	return out.Bytes(), errOut.Bytes(), nil
}

// HaveOpenSSL reports whether the openssl command is installed.
func HaveOpenSSL() bool {
	_, err := exec.LookPath("openssl")
	return err == nil
}
