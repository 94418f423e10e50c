package certs_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"

	"software.sslmate.com/src/go-pkcs12"

	"siegel/certs"
)

// importFixture holds the certificates and keys the import cases use.
type importFixture struct {
	pki        *testPKI
	alice      *x509.Certificate // RSA, signature & encryption
	aliceKey   *rsa.PrivateKey
	bob        *x509.Certificate // EC P-256
	bobKey     *ecdsa.PrivateKey
	carol      *x509.Certificate // EC P-384, address only in the subject
	carolKey   *ecdsa.PrivateKey
	dir        string // holds the fixture as PEM files, for openssl
	chainPEM   []byte // intermediate and root
	alicePEM   []byte
	aliceKeyPK []byte // PKCS#8 PEM
}

func newImportFixture(t *testing.T) *importFixture {
	t.Helper()
	f := &importFixture{pki: newPKI(t), aliceKey: rsaKey(t, keyAlice), dir: t.TempDir()}
	f.alice = f.pki.leaf(t, spec{CN: "Alice", Emails: []string{"Alice@Example.com"}, Key: f.aliceKey})
	f.bobKey = ecKey(t, elliptic.P256())
	f.bob = f.pki.leaf(t, spec{CN: "Bob", Emails: []string{"bob@example.com"}, Key: f.bobKey})
	f.carolKey = ecKey(t, elliptic.P384())
	f.carol = f.pki.leaf(t, spec{CN: "Carol", SubjectEmail: "carol@example.com", Key: f.carolKey})
	f.alicePEM = pemCert(f.alice)
	f.aliceKeyPK = pemKey(t, f.aliceKey, "pkcs8")
	f.chainPEM = concat(pemCert(f.pki.inter), pemCert(f.pki.root))
	writeFile(t, f.dir, "alice.pem", f.alicePEM)
	writeFile(t, f.dir, "alice.key", f.aliceKeyPK)
	writeFile(t, f.dir, "bob.pem", pemCert(f.bob))
	writeFile(t, f.dir, "bob.key", pemKey(t, f.bobKey, "sec1"))
	writeFile(t, f.dir, "chain.pem", f.chainPEM)
	writeFile(t, f.dir, "inter.pem", pemCert(f.pki.inter))
	writeFile(t, f.dir, "inter.key", pemKey(t, f.pki.interKey, "pkcs8"))
	return f
}

// want is one expected report line: kind, status and the certificate's
// first e-mail address (or subject, for a CA).
type want struct {
	kind   certs.ItemKind
	status certs.Status
	who    string
}

func (w want) String() string { return fmt.Sprintf("%s %s %s", w.kind, w.status, w.who) }

func cert(status certs.Status, who string) want { return want{certs.ItemCertificate, status, who} }
func key(status certs.Status, who string) want  { return want{certs.ItemKey, status, who} }

const (
	added    = certs.StatusAdded
	already  = certs.StatusAlreadyStored
	attached = certs.StatusKeyAttached
	rootCN   = "Siegel Test Root CA"
	interCN  = "Siegel Test Intermediate CA"
)

func TestImportFormats(t *testing.T) {
	f := newImportFixture(t)
	pw := []byte("file secret")
	ossl := func(t *testing.T, args ...string) []byte { return openssl(t, f.dir, args...) }
	p12 := func(t *testing.T, extra ...string) []byte {
		args := append([]string{"pkcs12", "-export", "-in", "alice.pem", "-inkey", "alice.key",
			"-certfile", "chain.pem", "-passout", "pass:" + string(pw)}, extra...)
		return ossl(t, args...)
	}
	aliceWithChain := []want{cert(added, "alice@example.com"), cert(added, interCN), cert(added, rootCN),
		key(added, "alice@example.com")}

	tests := []struct {
		name       string
		input      func(t *testing.T) []byte
		filename   string
		passphrase []byte
		before     [][]byte // imported first
		want       []want
	}{
		{
			name:     "PEM certificate",
			input:    func(t *testing.T) []byte { return f.alicePEM },
			filename: "alice.pem",
			want:     []want{cert(added, "alice@example.com")},
		},
		{
			name:     "PEM bundle with chain",
			input:    func(t *testing.T) []byte { return concat(f.alicePEM, f.chainPEM) },
			filename: "bundle.pem",
			want:     []want{cert(added, "alice@example.com"), cert(added, interCN), cert(added, rootCN)},
		},
		{
			name:     "PEM certificate and PKCS#1 key",
			input:    func(t *testing.T) []byte { return concat(f.alicePEM, pemKey(t, f.aliceKey, "pkcs1")) },
			filename: "alice.pem",
			want:     []want{cert(added, "alice@example.com"), key(added, "alice@example.com")},
		},
		{
			name:     "PEM PKCS#8 key before its certificate",
			input:    func(t *testing.T) []byte { return concat(f.aliceKeyPK, f.alicePEM) },
			filename: "alice.pem",
			want:     []want{cert(added, "alice@example.com"), key(added, "alice@example.com")},
		},
		{
			name: "PEM SEC1 EC key with EC PARAMETERS block",
			input: func(t *testing.T) []byte {
				params := ossl(t, "ecparam", "-name", "prime256v1")
				return concat(params, pemKey(t, f.bobKey, "sec1"), pemCert(f.bob))
			},
			filename: "bob.pem",
			want:     []want{cert(added, "bob@example.com"), key(added, "bob@example.com")},
		},
		{
			name:     "PEM EC P-384 certificate, address in the subject only",
			input:    func(t *testing.T) []byte { return concat(pemCert(f.carol), pemKey(t, f.carolKey, "pkcs8")) },
			filename: "carol.pem",
			want:     []want{cert(added, "carol@example.com"), key(added, "carol@example.com")},
		},
		{name: "DER certificate .der", input: func(t *testing.T) []byte { return f.alice.Raw }, filename: "alice.der",
			want: []want{cert(added, "alice@example.com")}},
		{name: "DER certificate .cer", input: func(t *testing.T) []byte { return f.bob.Raw }, filename: "bob.cer",
			want: []want{cert(added, "bob@example.com")}},
		{name: "DER certificate .crt", input: func(t *testing.T) []byte { return f.pki.root.Raw }, filename: "root.crt",
			want: []want{cert(added, rootCN)}},
		{name: "DER certificate without a name", input: func(t *testing.T) []byte { return f.alice.Raw },
			want: []want{cert(added, "alice@example.com")}},
		{
			name: "DER PKCS#8 key for a stored certificate",
			input: func(t *testing.T) []byte {
				der, _ := x509.MarshalPKCS8PrivateKey(f.aliceKey)
				return der
			},
			filename: "alice.key",
			before:   [][]byte{f.alicePEM},
			want:     []want{key(attached, "alice@example.com")},
		},
		{
			name:     "DER PKCS#1 key for a stored certificate",
			input:    func(t *testing.T) []byte { return x509.MarshalPKCS1PrivateKey(f.aliceKey) },
			filename: "alice.key",
			before:   [][]byte{f.alicePEM},
			want:     []want{key(attached, "alice@example.com")},
		},
		{
			name: "DER SEC1 key for a stored certificate",
			input: func(t *testing.T) []byte {
				der, _ := x509.MarshalECPrivateKey(f.bobKey)
				return der
			},
			filename: "bob.key",
			before:   [][]byte{pemCert(f.bob)},
			want:     []want{key(attached, "bob@example.com")},
		},
		{
			name: "encrypted PKCS#8, openssl default (PBES2 AES-256-CBC)",
			input: func(t *testing.T) []byte {
				return concat(f.alicePEM, ossl(t, "pkcs8", "-topk8", "-in", "alice.key", "-passout", "pass:"+string(pw)))
			},
			filename:   "alice.pem",
			passphrase: pw,
			want:       []want{cert(added, "alice@example.com"), key(added, "alice@example.com")},
		},
		{
			name: "encrypted PKCS#8, openssl -v2 des3",
			input: func(t *testing.T) []byte {
				return concat(f.alicePEM, ossl(t, "pkcs8", "-topk8", "-v2", "des3", "-in", "alice.key", "-passout", "pass:"+string(pw)))
			},
			filename:   "alice.pem",
			passphrase: pw,
			want:       []want{cert(added, "alice@example.com"), key(added, "alice@example.com")},
		},
		{
			name: "encrypted PKCS#8, openssl -v2 aes128 -v2prf hmacWithSHA512",
			input: func(t *testing.T) []byte {
				return concat(f.alicePEM, ossl(t, "pkcs8", "-topk8", "-v2", "aes128", "-v2prf", "hmacWithSHA512",
					"-in", "alice.key", "-passout", "pass:"+string(pw)))
			},
			filename:   "alice.pem",
			passphrase: pw,
			want:       []want{cert(added, "alice@example.com"), key(added, "alice@example.com")},
		},
		{
			name: "encrypted PKCS#8, openssl -v1 PBE-SHA1-3DES",
			input: func(t *testing.T) []byte {
				return concat(f.alicePEM, ossl(t, "pkcs8", "-topk8", "-v1", "PBE-SHA1-3DES", "-in", "alice.key", "-passout", "pass:"+string(pw)))
			},
			filename:   "alice.pem",
			passphrase: pw,
			want:       []want{cert(added, "alice@example.com"), key(added, "alice@example.com")},
		},
		{
			name: "encrypted PKCS#8, openssl -scrypt",
			input: func(t *testing.T) []byte {
				return concat(f.alicePEM, ossl(t, "pkcs8", "-topk8", "-scrypt", "-in", "alice.key", "-passout", "pass:"+string(pw)))
			},
			filename:   "alice.pem",
			passphrase: pw,
			want:       []want{cert(added, "alice@example.com"), key(added, "alice@example.com")},
		},
		{
			name: "encrypted PKCS#8 EC key, openssl, DER",
			input: func(t *testing.T) []byte {
				return ossl(t, "pkcs8", "-topk8", "-in", "bob.key", "-outform", "DER", "-passout", "pass:"+string(pw))
			},
			filename:   "bob.p8",
			passphrase: pw,
			before:     [][]byte{pemCert(f.bob)},
			want:       []want{key(attached, "bob@example.com")},
		},
		{
			name: "legacy encrypted PEM, openssl rsa -aes256 -traditional",
			input: func(t *testing.T) []byte {
				return concat(f.alicePEM, ossl(t, "rsa", "-in", "alice.key", "-aes256", "-traditional", "-passout", "pass:"+string(pw)))
			},
			filename:   "alice.pem",
			passphrase: pw,
			want:       []want{cert(added, "alice@example.com"), key(added, "alice@example.com")},
		},
		{
			name: "legacy encrypted PEM, openssl rsa -des3 -traditional",
			input: func(t *testing.T) []byte {
				return concat(ossl(t, "rsa", "-in", "alice.key", "-des3", "-traditional", "-passout", "pass:"+string(pw)), f.alicePEM)
			},
			filename:   "alice.key",
			passphrase: pw,
			want:       []want{cert(added, "alice@example.com"), key(added, "alice@example.com")},
		},
		{
			name: "legacy encrypted PEM EC key, openssl ec -aes128",
			input: func(t *testing.T) []byte {
				return concat(pemCert(f.bob), ossl(t, "ec", "-in", "bob.key", "-aes128", "-passout", "pass:"+string(pw)))
			},
			filename:   "bob.pem",
			passphrase: pw,
			want:       []want{cert(added, "bob@example.com"), key(added, "bob@example.com")},
		},
		{
			name:       "PKCS#12, OpenSSL 3 default (PBES2, AES-256), with chain",
			input:      func(t *testing.T) []byte { return p12(t) },
			filename:   "alice.p12",
			passphrase: pw,
			want:       aliceWithChain,
		},
		{
			name:       "PKCS#12, legacy RC2-40 and 3DES (openssl -legacy)",
			input:      func(t *testing.T) []byte { return p12(t, "-legacy") },
			filename:   "alice.pfx",
			passphrase: pw,
			want:       aliceWithChain,
		},
		{
			name: "PKCS#12, 3DES with SHA-1 MAC",
			input: func(t *testing.T) []byte {
				return p12(t, "-certpbe", "PBE-SHA1-3DES", "-keypbe", "PBE-SHA1-3DES", "-macalg", "sha1")
			},
			filename:   "alice.p12",
			passphrase: pw,
			want:       aliceWithChain,
		},
		{
			name: "PKCS#12 with an empty password, no passphrase given",
			input: func(t *testing.T) []byte {
				return ossl(t, "pkcs12", "-export", "-in", "alice.pem", "-inkey", "alice.key", "-passout", "pass:")
			},
			filename: "alice.p12",
			want:     []want{cert(added, "alice@example.com"), key(added, "alice@example.com")},
		},
		{
			name: "PKCS#12 with an empty password, a passphrase given anyway",
			input: func(t *testing.T) []byte {
				return ossl(t, "pkcs12", "-export", "-in", "alice.pem", "-inkey", "alice.key", "-passout", "pass:")
			},
			filename:   "alice.p12",
			passphrase: []byte("not needed"),
			want:       []want{cert(added, "alice@example.com"), key(added, "alice@example.com")},
		},
		{
			name: "PKCS#12 with certificates only (openssl -nokeys)",
			input: func(t *testing.T) []byte {
				return ossl(t, "pkcs12", "-export", "-nokeys", "-in", "chain.pem", "-passout", "pass:"+string(pw))
			},
			filename:   "chain.p12",
			passphrase: pw,
			want:       []want{cert(added, interCN), cert(added, rootCN)},
		},
		{
			name: "PKCS#12 without MAC (openssl -nomac)",
			input: func(t *testing.T) []byte {
				return ossl(t, "pkcs12", "-export", "-nomac", "-in", "alice.pem", "-inkey", "alice.key", "-passout", "pass:"+string(pw))
			},
			filename:   "alice.p12",
			passphrase: pw,
			want:       []want{cert(added, "alice@example.com"), key(added, "alice@example.com")},
		},
		{
			name: "PKCS#12 with EC key, legacy",
			input: func(t *testing.T) []byte {
				return ossl(t, "pkcs12", "-export", "-legacy", "-in", "bob.pem", "-inkey", "bob.key", "-passout", "pass:"+string(pw))
			},
			filename:   "bob.p12",
			passphrase: pw,
			want:       []want{cert(added, "bob@example.com"), key(added, "bob@example.com")},
		},
		{
			name: "PKCS#12 by go-pkcs12 (Modern), CA key in it",
			input: func(t *testing.T) []byte {
				der, err := pkcs12.Modern.Encode(f.pki.interKey, f.pki.inter, []*x509.Certificate{f.pki.root}, string(pw))
				if err != nil {
					t.Fatal(err)
				}
				return der
			},
			filename:   "ca.p12",
			passphrase: pw,
			want:       []want{cert(added, interCN), cert(added, rootCN), key(added, interCN)},
		},
		{
			name: "PKCS#12 of a stored certificate attaches its key",
			input: func(t *testing.T) []byte {
				der, err := pkcs12.LegacyDES.Encode(f.aliceKey, f.alice, nil, string(pw))
				if err != nil {
					t.Fatal(err)
				}
				return der
			},
			filename:   "alice.p12",
			passphrase: pw,
			before:     [][]byte{f.alicePEM},
			want:       []want{cert(already, "alice@example.com"), key(attached, "alice@example.com")},
		},
		{
			name: "TRUSTED CERTIFICATE (openssl x509 -addtrust)",
			input: func(t *testing.T) []byte {
				return ossl(t, "x509", "-in", "alice.pem", "-addtrust", "emailProtection", "-trustout")
			},
			filename: "alice.pem",
			want:     []want{cert(added, "alice@example.com")},
		},
		{
			name: "PKCS#7 certificate bundle, PEM (openssl crl2pkcs7)",
			input: func(t *testing.T) []byte {
				return ossl(t, "crl2pkcs7", "-nocrl", "-certfile", "alice.pem", "-certfile", "chain.pem")
			},
			filename: "bundle.p7b",
			want:     []want{cert(added, "alice@example.com"), cert(added, interCN), cert(added, rootCN)},
		},
		{
			name: "PKCS#7 certificate bundle, DER",
			input: func(t *testing.T) []byte {
				return ossl(t, "crl2pkcs7", "-nocrl", "-certfile", "chain.pem", "-outform", "DER")
			},
			filename: "chain.p7c",
			want:     []want{cert(added, interCN), cert(added, rootCN)},
		},
		{
			name: "openssl-issued certificate with subject emailAddress",
			input: func(t *testing.T) []byte {
				ossl(t, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "olga.key", "-out", "olga.csr",
					"-subj", "/CN=Olga/emailAddress=Olga@Example.org")
				writeFile(t, f.dir, "olga.ext", []byte("basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"+
					"extendedKeyUsage=emailProtection\nsubjectAltName=email:olga@example.org\n"))
				ossl(t, "x509", "-req", "-in", "olga.csr", "-CA", "inter.pem", "-CAkey", "inter.key", "-set_serial", "77",
					"-days", "30", "-extfile", "olga.ext", "-out", "olga.pem")
				return concat(readFile(t, f.dir+"/olga.pem"), readFile(t, f.dir+"/olga.key"))
			},
			filename: "olga.pem",
			want:     []want{cert(added, "olga@example.org"), key(added, "olga@example.org")},
		},
		{
			name: "pasted text: PEM with CRLF between prose",
			input: func(t *testing.T) []byte {
				s := "Hello, here is my certificate:\r\n\r\n" + strings.ReplaceAll(string(f.alicePEM), "\n", "\r\n") + "\r\nRegards\r\n"
				return []byte(s)
			},
			want: []want{cert(added, "alice@example.com")},
		},
		{
			name: "pasted text: bare base64 of a DER certificate",
			input: func(t *testing.T) []byte {
				b := base64.StdEncoding.EncodeToString(f.bob.Raw)
				var lines []string
				for len(b) > 76 {
					lines, b = append(lines, b[:76]), b[76:]
				}
				return []byte(strings.Join(append(lines, b), "\n") + "\n")
			},
			want: []want{cert(added, "bob@example.com")},
		},
		{
			name:     "a stored certificate again is not an error",
			input:    func(t *testing.T) []byte { return concat(f.alicePEM, pemCert(f.bob)) },
			filename: "again.pem",
			before:   [][]byte{f.alicePEM},
			want:     []want{cert(already, "alice@example.com"), cert(added, "bob@example.com")},
		},
		{
			name:     "the same certificate twice in one file is stored once",
			input:    func(t *testing.T) []byte { return concat(f.alicePEM, f.alicePEM) },
			filename: "twice.pem",
			want:     []want{cert(added, "alice@example.com")},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			s, _ := openStore(t)
			for _, b := range tc.before {
				if _, err := s.Import(ctx, b, "before.pem", nil); err != nil {
					t.Fatalf("importing the certificate first: %v", err)
				}
			}
			data := tc.input(t)
			report, err := s.Import(ctx, data, tc.filename, tc.passphrase)
			if err != nil {
				t.Fatalf("Import(%s) = %v, want success", tc.filename, err)
			}
			var got, wantS []string
			for _, it := range report.Items {
				who := it.Summary.Subject
				if len(it.Summary.Emails) > 0 {
					who = it.Summary.Emails[0]
				}
				got = append(got, want{it.Kind, it.Status, who}.String())
			}
			for _, w := range tc.want {
				wantS = append(wantS, w.String())
			}
			slices.Sort(got)
			slices.Sort(wantS)
			if !slices.Equal(got, wantS) {
				t.Errorf("report:\n got %q\nwant %q", got, wantS)
			}
			// Every key reported is usable through the Keyring.
			for _, it := range report.Items {
				if it.Kind != certs.ItemKey {
					continue
				}
				e, err := s.Get(ctx, it.Summary.Fingerprint)
				if err != nil {
					t.Fatal(err)
				}
				if !e.Summary.HasKey {
					t.Errorf("summary of %s: HasKey = false after its key was imported", it.Summary.Subject)
				}
				checkKeyPair(t, s, e.Cert)
			}
		})
	}
}

// checkKeyPair asserts that the store's private key for c is the one for
// its public key, and usable for signing (and, for RSA, decryption).
func checkKeyPair(t *testing.T, s *certs.Store, c *x509.Certificate) {
	t.Helper()
	k, err := s.PrivateKey(context.Background(), c)
	if err != nil || k == nil {
		t.Fatalf("PrivateKey(%s) = %v, %v; want the key", c.Subject.CommonName, k, err)
	}
	signer, ok := k.(crypto.Signer)
	if !ok {
		t.Fatalf("PrivateKey(%s) is a %T, not a crypto.Signer", c.Subject.CommonName, k)
	}
	if pub, ok := c.PublicKey.(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(signer.Public()) {
		t.Errorf("PrivateKey(%s) does not belong to the certificate", c.Subject.CommonName)
	}
	if _, isRSA := c.PublicKey.(*rsa.PublicKey); isRSA {
		if _, ok := k.(crypto.Decrypter); !ok {
			t.Errorf("RSA PrivateKey(%s) is not a crypto.Decrypter", c.Subject.CommonName)
		}
	}
}

func TestParsePreview(t *testing.T) {
	f := newImportFixture(t)
	b, err := certs.Parse(concat(f.alicePEM, f.chainPEM, f.aliceKeyPK), "alice.pem", nil)
	if err != nil {
		t.Fatal(err)
	}
	sums := b.Summaries()
	if len(sums) != 3 || len(b.Keys) != 1 {
		t.Fatalf("Parse found %d certificates and %d keys, want 3 and 1", len(sums), len(b.Keys))
	}
	tests := []struct {
		i      int
		usage  string
		hasKey bool
		emails []string
		key    string
	}{
		{0, "Signature & Encryption", true, []string{"alice@example.com"}, "RSA 2048"},
		{1, "CA", false, nil, "RSA 2048"},
		{2, "CA", false, nil, "RSA 2048"},
	}
	for _, tc := range tests {
		s := sums[tc.i]
		if s.Usage.String() != tc.usage || s.HasKey != tc.hasKey || !slices.Equal(s.Emails, tc.emails) || s.KeyDescription() != tc.key {
			t.Errorf("summary %d (%s) = usage %q, key %v, emails %q, %s; want %q, %v, %q, %s",
				tc.i, s.Subject, s.Usage, s.HasKey, s.Emails, s.KeyDescription(), tc.usage, tc.hasKey, tc.emails, tc.key)
		}
	}
	if got := sums[0].Fingerprint; got != fmt.Sprintf("%x", sha256Sum(f.alice.Raw)) {
		t.Errorf("fingerprint = %s, want the SHA-256 of the DER", got)
	}
	if sums[0].Issuer != interCN {
		t.Errorf("issuer = %q, want %q", sums[0].Issuer, interCN)
	}
}

func TestUsageStrings(t *testing.T) {
	tests := []struct {
		u    certs.Usage
		text string
		json string
	}{
		{certs.UsageSign | certs.UsageEncrypt, "Signature & Encryption", "sign+encrypt"},
		{certs.UsageSign, "Signature", "sign"},
		{certs.UsageEncrypt, "Encryption", "encrypt"},
		{certs.UsageCA, "CA", "ca"},
	}
	for _, tc := range tests {
		b, err := tc.u.MarshalText()
		if tc.u.String() != tc.text || err != nil || string(b) != tc.json {
			t.Errorf("Usage %d: String %q, MarshalText %q (%v); want %q, %q", tc.u, tc.u, b, err, tc.text, tc.json)
		}
		var back certs.Usage
		if err := back.UnmarshalText(b); err != nil || back != tc.u {
			t.Errorf("UnmarshalText(%q) = %d, %v; want %d", b, back, err, tc.u)
		}
	}
}
