package certs_test

import (
	"context"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"errors"
	mathrand "math/rand/v2"
	"strings"
	"testing"

	"siegel/certs"
	"siegel/profile"
)

// snapshot is everything a failed import must leave as it was.
func snapshot(t *testing.T, s *certs.Store, p *profile.Profile) string {
	t.Helper()
	list, err := s.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var keys int
	if err := p.DB.QueryRow(`SELECT count(*) FROM private_keys`).Scan(&keys); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(struct {
		List []certs.Summary
		Keys int
	}{list, keys})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestBadInputsLeaveStoreUnchanged(t *testing.T) {
	ctx := context.Background()
	f := newImportFixture(t)
	pw := []byte("file secret")
	ossl := func(t *testing.T, args ...string) []byte { return openssl(t, f.dir, args...) }
	stray := rsaKey(t, keyStray)
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	p12 := func(t *testing.T) []byte {
		return ossl(t, "pkcs12", "-export", "-in", "alice.pem", "-inkey", "alice.key", "-certfile", "chain.pem",
			"-passout", "pass:"+string(pw))
	}
	garbage := make([]byte, 4096)
	rng := mathrand.NewChaCha8([32]byte{1})
	rng.Read(garbage)

	tests := []struct {
		name       string
		input      func(t *testing.T) []byte
		filename   string
		passphrase []byte
		err        error      // errors.Is target, or nil when rule is set
		rule       certs.Rule // the *RuleError's rule
	}{
		{name: "empty file", input: func(t *testing.T) []byte { return nil }, filename: "empty.pem", err: certs.ErrNothingFound},
		{name: "only white space", input: func(t *testing.T) []byte { return []byte(" \r\n\t\n") }, err: certs.ErrNothingFound},
		{name: "binary garbage", input: func(t *testing.T) []byte { return garbage }, filename: "x.der", err: certs.ErrNothingFound},
		{name: "text garbage", input: func(t *testing.T) []byte { return []byte(strings.Repeat("Lorem ipsum dolor sit amet. ", 50)) },
			filename: "notes.txt", err: certs.ErrNothingFound},
		{name: "only a public key", input: func(t *testing.T) []byte {
			der, _ := x509.MarshalPKIXPublicKey(stray.Public())
			return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
		}, filename: "pub.pem", err: certs.ErrNothingFound},
		{name: "truncated PEM", input: func(t *testing.T) []byte { return f.alicePEM[:len(f.alicePEM)/2] },
			filename: "alice.pem", err: certs.ErrMalformed},
		{name: "PEM bundle whose second certificate is cut off", input: func(t *testing.T) []byte {
			return concat(pemCert(f.bob), f.alicePEM[:len(f.alicePEM)-40])
		}, filename: "bundle.pem", err: certs.ErrMalformed},
		{name: "PEM with damaged base64", input: func(t *testing.T) []byte {
			b := []byte(string(f.alicePEM))
			b[100] = '!'
			return b
		}, filename: "alice.pem", err: certs.ErrMalformed},
		{name: "PEM around a truncated certificate", input: func(t *testing.T) []byte {
			return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.alice.Raw[:300]})
		}, filename: "alice.pem", err: certs.ErrMalformed},
		{name: "truncated DER certificate", input: func(t *testing.T) []byte { return f.alice.Raw[:len(f.alice.Raw)-10] },
			filename: "alice.der", err: certs.ErrMalformed},
		{name: "truncated P12", input: func(t *testing.T) []byte { b := p12(t); return b[:len(b)/2] },
			filename: "alice.p12", passphrase: pw, err: certs.ErrMalformed},
		{name: "truncated P12 without a name", input: func(t *testing.T) []byte { b := p12(t); return b[:len(b)-100] },
			passphrase: pw, err: certs.ErrMalformed},
		{name: "garbage called .pfx", input: func(t *testing.T) []byte { return garbage }, filename: "x.pfx", err: certs.ErrMalformed},
		{name: "P12, wrong passphrase", input: p12, filename: "alice.p12", passphrase: []byte("wrong"), err: certs.ErrWrongPassphrase},
		{name: "P12, no passphrase", input: p12, filename: "alice.p12", err: certs.ErrPassphraseRequired},
		{name: "P12 without MAC, wrong passphrase", input: func(t *testing.T) []byte {
			return ossl(t, "pkcs12", "-export", "-nomac", "-in", "alice.pem", "-inkey", "alice.key", "-passout", "pass:"+string(pw))
		}, filename: "alice.p12", passphrase: []byte("wrong"), err: certs.ErrWrongPassphrase},
		{name: "encrypted PKCS#8, wrong passphrase", input: func(t *testing.T) []byte {
			return concat(f.alicePEM, ossl(t, "pkcs8", "-topk8", "-in", "alice.key", "-passout", "pass:"+string(pw)))
		}, filename: "alice.pem", passphrase: []byte("wrong"), err: certs.ErrWrongPassphrase},
		{name: "encrypted PKCS#8, no passphrase", input: func(t *testing.T) []byte {
			return concat(f.alicePEM, ossl(t, "pkcs8", "-topk8", "-in", "alice.key", "-passout", "pass:"+string(pw)))
		}, filename: "alice.pem", err: certs.ErrPassphraseRequired},
		{name: "legacy encrypted PEM, wrong passphrase", input: func(t *testing.T) []byte {
			return concat(f.alicePEM, ossl(t, "rsa", "-in", "alice.key", "-aes256", "-traditional", "-passout", "pass:"+string(pw)))
		}, filename: "alice.pem", passphrase: []byte("wrong"), err: certs.ErrWrongPassphrase},
		{name: "legacy encrypted PEM, no passphrase", input: func(t *testing.T) []byte {
			return concat(f.alicePEM, ossl(t, "rsa", "-in", "alice.key", "-aes256", "-traditional", "-passout", "pass:"+string(pw)))
		}, filename: "alice.pem", err: certs.ErrPassphraseRequired},
		{name: "a key that matches nothing", input: func(t *testing.T) []byte { return pemKey(t, stray, "pkcs8") },
			filename: "stray.key", err: certs.ErrKeyWithoutCert},
		{name: "a certificate file holding a key", input: func(t *testing.T) []byte { return pemKey(t, stray, "pkcs1") },
			filename: "partner.crt", err: certs.ErrKeyWithoutCert},
		{name: "a certificate with a key of another certificate", input: func(t *testing.T) []byte {
			return concat(pemCert(f.bob), pemKey(t, stray, "pkcs8"))
		}, filename: "bob.pem", err: certs.ErrKeyWithoutCert},
		{name: "certificate without e-mail address", input: func(t *testing.T) []byte {
			return pemCert(f.pki.leaf(t, spec{CN: "Nobody", Key: ecKey(t, elliptic.P256())}))
		}, filename: "nobody.pem", rule: certs.RuleEmail},
		{name: "server-only EKU", input: func(t *testing.T) []byte {
			return pemCert(f.pki.leaf(t, spec{CN: "mail.example.com", Emails: []string{"server@example.com"},
				EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}))
		}, filename: "server.pem", rule: certs.RuleExtKeyUsage},
		{name: "RSA-1024", input: func(t *testing.T) []byte {
			return pemCert(f.pki.leaf(t, spec{CN: "Weak", Emails: []string{"weak@example.com"}, Key: rsa1024}))
		}, filename: "weak.pem", rule: certs.RuleKeySize},
		{name: "key usage for CAs only on an end-entity certificate", input: func(t *testing.T) []byte {
			return pemCert(f.pki.leaf(t, spec{CN: "Odd", Emails: []string{"odd@example.com"}, KeyUsage: x509.KeyUsageCertSign}))
		}, filename: "odd.pem", rule: certs.RuleKeyUsage},
		{name: "EC certificate with key encipherment only", input: func(t *testing.T) []byte {
			return pemCert(f.pki.leaf(t, spec{CN: "Odd", Emails: []string{"odd@example.com"}, KeyUsage: x509.KeyUsageKeyEncipherment}))
		}, filename: "odd.pem", rule: certs.RuleKeyUsage},
		{name: "Ed25519 certificate", input: func(t *testing.T) []byte {
			return pemCert(f.pki.leaf(t, spec{CN: "Ed", Emails: []string{"ed@example.com"}, Key: edKey,
				KeyUsage: x509.KeyUsageDigitalSignature}))
		}, filename: "ed.pem", rule: certs.RuleKeyType},
		{name: "DSA certificate", input: func(t *testing.T) []byte {
			ossl(t, "genpkey", "-genparam", "-algorithm", "DSA", "-pkeyopt", "dsa_paramgen_bits:2048", "-out", "dsa.param")
			ossl(t, "genpkey", "-paramfile", "dsa.param", "-out", "dsa.key")
			return ossl(t, "req", "-new", "-x509", "-key", "dsa.key", "-subj", "/CN=Dsa/emailAddress=dsa@example.com", "-days", "3")
		}, filename: "dsa.pem", rule: certs.RuleKeyType},
		{name: "a good certificate with one without e-mail", input: func(t *testing.T) []byte {
			return concat(pemCert(f.bob), pemCert(f.pki.leaf(t, spec{CN: "Nobody"})))
		}, filename: "two.pem", rule: certs.RuleEmail},
		{name: "DSA private key", input: func(t *testing.T) []byte { return readFile(t, f.dir+"/dsa.key") },
			filename: "dsa.key", err: certs.ErrUnsupportedKey},
		{name: "DSA private key, traditional", input: func(t *testing.T) []byte {
			b := ossl(t, "pkey", "-in", "dsa.key", "-traditional")
			if !strings.Contains(string(b), "BEGIN DSA PRIVATE KEY") {
				t.Fatalf("openssl pkey -traditional wrote %.40q, want a DSA PRIVATE KEY block", b)
			}
			return b
		}, filename: "dsa.key", err: certs.ErrUnsupportedKey},
		{name: "Ed25519 private key", input: func(t *testing.T) []byte { return pemKey(t, edKey, "pkcs8") },
			filename: "ed.key", err: certs.ErrUnsupportedKey},
		{name: "P-192 certificate and key (openssl)", input: func(t *testing.T) []byte {
			ossl(t, "ecparam", "-name", "prime192v1", "-genkey", "-noout", "-out", "p192.key")
			return ossl(t, "req", "-new", "-x509", "-key", "p192.key", "-subj", "/CN=Old/emailAddress=old@example.com", "-days", "3")
		}, filename: "p192.pem", err: certs.ErrUnsupportedKey},
		{name: "P-192 key", input: func(t *testing.T) []byte { return readFile(t, f.dir+"/p192.key") },
			filename: "p192.key", err: certs.ErrUnsupportedKey},
		{name: "encrypted PKCS#8 with an absurd iteration count", input: func(t *testing.T) []byte {
			return pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: pbes2Key(t, 1<<30)})
		}, filename: "slow.key", passphrase: pw, err: certs.ErrUnsupportedEncryption},
		{name: "encrypted PKCS#8 with PBES1 MD5 and DES", input: func(t *testing.T) []byte {
			return pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: pbes1Key(t)})
		}, filename: "old.key", passphrase: pw, err: certs.ErrUnsupportedEncryption},
		{name: "legacy PEM with an unknown cipher", input: func(t *testing.T) []byte {
			return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Headers: map[string]string{
				"Proc-Type": "4,ENCRYPTED", "DEK-Info": "CAMELLIA-256-CBC,00112233445566778899AABBCCDDEEFF"},
				Bytes: make([]byte, 1200)})
		}, filename: "alice.key", passphrase: pw, err: certs.ErrUnsupportedEncryption},
	}

	s, p := openStore(t)
	if _, err := s.Import(ctx, concat(f.alicePEM, f.chainPEM, f.aliceKeyPK), "alice.pem", nil); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, s, p)
	gen := s.Generation()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			report, err := s.Import(ctx, tc.input(t), tc.filename, tc.passphrase)
			if err == nil {
				t.Fatalf("Import = %+v, want an error", report)
			}
			t.Logf("error: %v", err)
			if tc.rule != 0 {
				var re *certs.RuleError
				if !errors.As(err, &re) || re.Rule != tc.rule || !errors.Is(err, certs.ErrNotForSMIME) {
					t.Errorf("Import error = %v, want a *RuleError for %q", err, tc.rule)
				}
			} else if !errors.Is(err, tc.err) {
				t.Errorf("Import error = %v, want %v", err, tc.err)
			}
			if after := snapshot(t, s, p); after != before {
				t.Errorf("the store changed:\n before %s\n after  %s", before, after)
			}
		})
	}
	if s.Generation() != gen {
		t.Errorf("Generation moved from %d to %d without a change", gen, s.Generation())
	}
}

// pbes2Key builds an EncryptedPrivateKeyInfo with PBES2/PBKDF2 parameters
// and random content, to test the limits without doing the work.
func pbes2Key(t *testing.T, iterations int) []byte {
	t.Helper()
	type algID = pkix.AlgorithmIdentifier
	mustMarshal := func(v any) asn1.RawValue {
		b, err := asn1.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return asn1.RawValue{FullBytes: b}
	}
	kdf := algID{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12},
		Parameters: mustMarshal(struct {
			Salt       []byte
			Iterations int
		}{make([]byte, 8), iterations})}
	scheme := algID{Algorithm: asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}, Parameters: mustMarshal(make([]byte, 16))}
	params := mustMarshal(struct{ KDF, Scheme algID }{kdf, scheme})
	der, err := asn1.Marshal(struct {
		Alg  algID
		Data []byte
	}{algID{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}, Parameters: params}, make([]byte, 64)})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// pbes1Key builds an EncryptedPrivateKeyInfo with pbeWithMD5AndDES-CBC.
func pbes1Key(t *testing.T) []byte {
	t.Helper()
	params, _ := asn1.Marshal(struct {
		Salt       []byte
		Iterations int
	}{make([]byte, 8), 2048})
	der, err := asn1.Marshal(struct {
		Alg  pkix.AlgorithmIdentifier
		Data []byte
	}{pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 3},
		Parameters: asn1.RawValue{FullBytes: params}}, make([]byte, 64)})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestKeyImportWithoutProfilePassphrase(t *testing.T) {
	ctx := context.Background()
	f := newImportFixture(t)
	p, err := profile.Open(ctx, tempDir(t), nil, &profile.Options{Cost: testCost})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	s, err := certs.Open(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, s, p)
	_, err = s.Import(ctx, concat(f.alicePEM, f.aliceKeyPK), "alice.pem", nil)
	if !errors.Is(err, profile.ErrNoPassphrase) {
		t.Errorf("Import of a key without a profile passphrase = %v, want profile.ErrNoPassphrase", err)
	}
	if after := snapshot(t, s, p); after != before {
		t.Errorf("the store changed although the import failed")
	}
	// Certificates alone need no passphrase.
	if _, err := s.Import(ctx, f.alicePEM, "alice.pem", nil); err != nil {
		t.Errorf("Import of a certificate without a profile passphrase = %v, want success", err)
	}
}
