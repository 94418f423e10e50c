package certs_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"siegel/profile"
)

// TestNoPlaintextKeysOnDisk imports RSA and EC keys in several forms and
// searches the raw database file and its write-ahead log for any form of
// them: their DER encodings, the lines of their PEM bodies, and the secret
// numbers inside (RSA private exponent and primes, EC private scalar). The
// public RSA modulus is part of the stored certificate, so it may occur only
// inside a certificate's DER.
func TestNoPlaintextKeysOnDisk(t *testing.T) {
	ctx := context.Background()
	f := newImportFixture(t)
	dir := tempDir(t)
	s, p := openStoreIn(t, dir)

	carolPEM := pemCert(f.carol)
	writeFile(t, f.dir, "carol.pem", carolPEM)
	writeFile(t, f.dir, "carol.key", pemKey(t, f.carolKey, "pkcs8"))
	carolP12 := openssl(t, f.dir, "pkcs12", "-export", "-in", "carol.pem", "-inkey", "carol.key", "-passout", "pass:p12")

	imports := []struct {
		data []byte
		name string
		pw   string
	}{
		{concat(f.alicePEM, pemKey(t, f.aliceKey, "pkcs1")), "alice.pem", ""},
		{concat(pemCert(f.bob), pemKey(t, f.bobKey, "sec1")), "bob.pem", ""},
		{carolP12, "carol.p12", "p12"},
	}
	for _, in := range imports {
		if _, err := s.Import(ctx, in.data, in.name, []byte(in.pw)); err != nil {
			t.Fatalf("Import(%s): %v", in.name, err)
		}
	}

	type secret struct {
		what  string
		bytes []byte
	}
	var secrets []secret
	addKey := func(who string, k crypto.Signer) {
		pkcs8, _ := x509.MarshalPKCS8PrivateKey(k)
		secrets = append(secrets, secret{who + " PKCS#8 DER", pkcs8})
		forms := []string{"pkcs8"}
		switch k := k.(type) {
		case *rsa.PrivateKey:
			forms = append(forms, "pkcs1")
			secrets = append(secrets,
				secret{who + " PKCS#1 DER", x509.MarshalPKCS1PrivateKey(k)},
				secret{who + " RSA private exponent", k.D.Bytes()},
				secret{who + " RSA prime p", k.Primes[0].Bytes()},
				secret{who + " RSA prime q", k.Primes[1].Bytes()})
		case *ecdsa.PrivateKey:
			forms = append(forms, "sec1")
			sec1, _ := x509.MarshalECPrivateKey(k)
			scalar, err := k.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			secrets = append(secrets, secret{who + " SEC1 DER", sec1}, secret{who + " EC private scalar", scalar})
		}
		for _, form := range forms {
			blk, _ := pem.Decode(pemKey(t, k, form))
			body := strings.Split(strings.TrimSpace(string(pem.EncodeToMemory(&pem.Block{Bytes: blk.Bytes}))), "\n")
			for _, line := range body[1 : len(body)-2] { // whole 64-character lines
				secrets = append(secrets, secret{who + " " + form + " PEM line", []byte(line)})
			}
		}
	}
	addKey("alice", f.aliceKey)
	addKey("bob", f.bobKey)
	addKey("carol", f.carolKey)
	storedCerts := [][]byte{f.alice.Raw, f.bob.Raw, f.carol.Raw}

	check := func(when string, files ...string) {
		t.Helper()
		var raw []byte
		for _, name := range files {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatalf("%s: %v", when, err)
			}
			raw = append(raw, b...)
		}
		// The search must be able to find things: the certificates and
		// the modulus in them are stored in the clear.
		for i, der := range storedCerts {
			if !bytes.Contains(raw, der) {
				t.Fatalf("%s: certificate %d not found in %v — the search does not work", when, i, files)
			}
		}
		modulus := f.aliceKey.N.Bytes()
		if !bytes.Contains(raw, modulus) {
			t.Fatalf("%s: the RSA modulus is not even in the certificate — the search does not work", when)
		}
		for _, s := range secrets {
			if bytes.Contains(raw, s.bytes) {
				t.Errorf("%s: %v contain %s in plaintext", when, files, s.what)
			}
		}
		withoutCerts := raw
		for _, der := range storedCerts {
			withoutCerts = bytes.ReplaceAll(withoutCerts, der, nil)
		}
		if bytes.Contains(withoutCerts, modulus) {
			t.Errorf("%s: the RSA modulus occurs outside the stored certificate", when)
		}
	}

	wal := profile.DBName + "-wal"
	if _, err := os.Stat(filepath.Join(dir, wal)); err != nil {
		t.Fatalf("no write-ahead log while the profile is open: %v", err)
	}
	check("while open", profile.DBName, wal)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	files := []string{profile.DBName}
	if _, err := os.Stat(filepath.Join(dir, wal)); err == nil {
		files = append(files, wal)
	}
	check("after close", files...)
}
