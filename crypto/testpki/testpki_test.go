package testpki

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"net"
	"os/exec"
	"slices"
	"testing"
	"time"
)

func TestNew(t *testing.T) {
	root, err := New(Spec{CN: "Root", Org: "Siegel Test", CA: true})
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(nil, 2048)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := New(Spec{CN: "Alice", Emails: []string{"alice@example.org"}, SubjectEmail: "a@example.org",
		Key: rsaKey, Issuer: root})
	if err != nil {
		t.Fatal(err)
	}
	ec, err := New(Spec{CN: "Bob", Issuer: root, NoEKU: true})
	if err != nil {
		t.Fatal(err)
	}

	if !root.Cert.IsCA || !root.Cert.BasicConstraintsValid || root.Cert.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageCRLSign {
		t.Errorf("root: got CA %v, constraints %v, usage %v; want a CA with cert and CRL signing",
			root.Cert.IsCA, root.Cert.BasicConstraintsValid, root.Cert.KeyUsage)
	}
	if got := root.Cert.Subject.Organization; !slices.Equal(got, []string{"Siegel Test"}) {
		t.Errorf("root organisation: got %v, want [Siegel Test]", got)
	}
	if err := leaf.Cert.CheckSignatureFrom(root.Cert); err != nil {
		t.Errorf("leaf not issued by root: %v", err)
	}
	if leaf.Cert.IsCA || leaf.Cert.BasicConstraintsValid {
		t.Errorf("leaf: got CA %v, constraints %v; want neither", leaf.Cert.IsCA, leaf.Cert.BasicConstraintsValid)
	}
	if want := x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment; leaf.Cert.KeyUsage != want {
		t.Errorf("RSA leaf usage: got %v, want %v", leaf.Cert.KeyUsage, want)
	}
	if !slices.Equal(leaf.Cert.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}) {
		t.Errorf("leaf EKU: got %v, want e-mail protection", leaf.Cert.ExtKeyUsage)
	}
	subjectEmail := ""
	for _, atv := range leaf.Cert.Subject.Names {
		if atv.Type.Equal(oidEmailAddress) {
			subjectEmail, _ = atv.Value.(string)
		}
	}
	if !slices.Equal(leaf.Cert.EmailAddresses, []string{"alice@example.org"}) || subjectEmail != "a@example.org" {
		t.Errorf("leaf addresses: got SAN %v, subject emailAddress %q; want [alice@example.org], a@example.org",
			leaf.Cert.EmailAddresses, subjectEmail)
	}
	if _, ok := ec.Key.(*ecdsa.PrivateKey); !ok {
		t.Errorf("default key: got %T, want ECDSA", ec.Key)
	}
	if want := x509.KeyUsageDigitalSignature | x509.KeyUsageKeyAgreement; ec.Cert.KeyUsage != want || len(ec.Cert.ExtKeyUsage) != 0 {
		t.Errorf("EC leaf without EKU: got usage %v, EKU %v; want %v and none", ec.Cert.KeyUsage, ec.Cert.ExtKeyUsage, want)
	}
	if leaf.Cert.SerialNumber.Cmp(ec.Cert.SerialNumber) == 0 {
		t.Errorf("two certificates with serial %v", leaf.Cert.SerialNumber)
	}
	if d := leaf.Cert.NotAfter.Sub(leaf.Cert.NotBefore); d < 365*24*time.Hour || time.Since(leaf.Cert.NotBefore) < time.Hour-time.Second {
		t.Errorf("validity: got %v to %v, want from an hour ago for a year", leaf.Cert.NotBefore, leaf.Cert.NotAfter)
	}
}

func TestKeyIDAndFiles(t *testing.T) {
	id, err := New(Spec{CN: "Carol", Emails: []string{"carol@example.org"}})
	if err != nil {
		t.Fatal(err)
	}
	ski, err := KeyID(id.Key.Public())
	if err != nil || len(ski) != 20 {
		t.Fatalf("KeyID: got %x, %v; want 20 bytes", ski, err)
	}
	withSKI, err := New(Spec{CN: "Carol", Key: id.Key, SKI: ski})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(withSKI.Cert.SubjectKeyId, ski) {
		t.Errorf("SKI: got %x, want %x", withSKI.Cert.SubjectKeyId, ski)
	}
	if !HaveOpenSSL() {
		t.Skip("openssl command not found")
	}
	dir := t.TempDir()
	certFile, keyFile, err := id.WriteFiles(dir, "carol", ".pem")
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := OpenSSL(dir, nil, "x509", "-in", certFile, "-noout", "-email")
	if err != nil || string(out) != "carol@example.org\n" {
		t.Errorf("openssl x509 -email: got %q, %v", out, err)
	}
	if _, _, err := OpenSSL("", nil, "pkey", "-in", keyFile, "-noout"); err != nil {
		t.Errorf("openssl pkey: %v", err)
	}
	_, stderr, err := OpenSSL(dir, nil, "x509", "-in", "missing.pem")
	var oerr *OpenSSLError
	var exit *exec.ExitError
	if !errors.As(err, &oerr) || !errors.As(err, &exit) || len(stderr) == 0 {
		t.Errorf("openssl on a missing file: got %v (stderr %q), want an *OpenSSLError over *exec.ExitError", err, stderr)
	}
}

// A TLS server certificate carries its host names and addresses, and the
// server EKU instead of e-mail protection.
func TestNewServerCertificate(t *testing.T) {
	srv, err := New(Spec{CN: "localhost", DNSNames: []string{"localhost"}, IPs: []net.IP{net.IPv4(127, 0, 0, 1)},
		EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Cert.VerifyHostname("localhost"); err != nil {
		t.Errorf("got %v for localhost, want it valid", err)
	}
	if err := srv.Cert.VerifyHostname("127.0.0.1"); err != nil {
		t.Errorf("got %v for 127.0.0.1, want it valid", err)
	}
	if err := srv.Cert.VerifyHostname("example.org"); err == nil {
		t.Errorf("got no error for example.org, want a host name mismatch")
	}
	if got := srv.Cert.ExtKeyUsage; !slices.Equal(got, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}) {
		t.Errorf("got EKU %v, want server authentication only", got)
	}
}
