package certs

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"siegel/crypto/ber"
	"siegel/crypto/testpki"
)

// The seed corpora live in testdata/fuzz/<FuzzName>/. They are made by
//
//	go test -run TestWriteFuzzSeeds -update-fuzz-seeds ./certs/
//
// with one-iteration key derivations so the fuzzer runs fast; crashers the
// fuzzer finds are added there as well and stay.
var updateFuzzSeeds = flag.Bool("update-fuzz-seeds", false, "rewrite the generated fuzz seeds under testdata/fuzz")

// FuzzParse feeds arbitrary input, file names and passphrases to Parse:
// it must never panic, and what it accepts must be usable.
func FuzzParse(f *testing.F) {
	f.Add([]byte(""), "", []byte(""))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"), "a.pem", []byte(""))
	f.Add([]byte{0x30, 0x80, 0x02, 0x01, 0x03, 0x00, 0x00}, "a.p12", []byte("pw"))
	f.Fuzz(func(t *testing.T, data []byte, name string, passphrase []byte) {
		b, err := Parse(data, name, passphrase)
		if !checkParse(t, b, err) {
			return
		}
		for _, k := range b.Keys {
			if publicKeyID(k.Public()) == "" {
				t.Errorf("key %T has no usable public key", k)
			}
		}
		for _, c := range b.Certs {
			_ = Check(c)
		}
		_ = b.Summaries()
	})
}

// FuzzDecryptPKCS8 reaches deeper into the password-based decryption than
// FuzzParse can through MAC-protected PKCS#12 files.
func FuzzDecryptPKCS8(f *testing.F) {
	f.Add([]byte{0x30, 0x00}, []byte("pw"))
	f.Fuzz(func(t *testing.T, der, passphrase []byte) {
		if _, err := decryptPKCS8(der, passphrase); err != nil && !errors.Is(err, ErrMalformed) &&
			!errors.Is(err, ErrUnsupportedEncryption) && !errors.Is(err, errBadPadding) {
			t.Errorf("decryptPKCS8 error %v is none of the expected ones", err)
		}
	})
}

// TestWriteFuzzSeeds writes the generated seeds (only with -update-fuzz-seeds).
func TestWriteFuzzSeeds(t *testing.T) {
	if !*updateFuzzSeeds {
		t.Skip("run with -update-fuzz-seeds to rewrite the seeds")
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Now()
	ca, err := testpki.New(testpki.Spec{CN: "Seed CA", CA: true, Serial: 1, KeyUsage: x509.KeyUsageCertSign,
		NotBefore: now, NotAfter: now.AddDate(10, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	id, err := testpki.New(testpki.Spec{CN: "Seed", Emails: []string{"seed@example.com"}, Key: key, Serial: 2,
		KeyUsage: x509.KeyUsageDigitalSignature, NotBefore: now, Issuer: ca})
	if err != nil {
		t.Fatal(err)
	}
	leaf, leafDER := id.Cert, id.Cert.Raw
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(key)
	sec1, _ := x509.MarshalECPrivateKey(key)
	pemOf := func(typ string, der []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}) }
	certPEM := pemOf("CERTIFICATE", leafDER)
	const pw = "seed"
	encKey := encryptPKCS8(t, pkcs8, []byte(pw))
	legacy, err := x509.EncryptPEMBlock(rand.Reader, "EC PRIVATE KEY", sec1, []byte(pw), x509.PEMCipherAES128) //lint:ignore SA1019 a seed in the legacy format
	if err != nil {
		t.Fatal(err)
	}
	modern, err := pkcs12.Modern.WithIterations(1).Encode(key, leaf, []*x509.Certificate{ca.Cert}, pw)
	if err != nil {
		t.Fatal(err)
	}
	rc2, err := pkcs12.LegacyRC2.WithIterations(1).Encode(key, leaf, nil, pw)
	if err != nil {
		t.Fatal(err)
	}
	trusted := pemOf("TRUSTED CERTIFICATE", append(append([]byte{}, leafDER...), 0x30, 0x03, 0x30, 0x01, 0x00))

	parse := []struct {
		name string
		data []byte
		file string
		pw   string
	}{
		{"pem-cert", certPEM, "seed.pem", ""},
		{"pem-chain-key", append(append(certPEM, pemOf("CERTIFICATE", ca.Cert.Raw)...), pemOf("EC PRIVATE KEY", sec1)...), "bundle.pem", ""},
		{"der-cert", leafDER, "seed.cer", ""},
		{"der-pkcs8", pkcs8, "seed.key", ""},
		{"pem-encrypted-pkcs8", append(append([]byte{}, certPEM...), pemOf("ENCRYPTED PRIVATE KEY", encKey)...), "seed.pem", pw},
		{"der-encrypted-pkcs8", encKey, "seed.p8", pw},
		{"pem-legacy-encrypted", append(append([]byte{}, certPEM...), pem.EncodeToMemory(legacy)...), "seed.pem", pw},
		{"p12-modern", modern, "seed.p12", pw},
		{"p12-rc2", rc2, "seed.pfx", pw},
		{"p12-ber", toBERP12(t, rc2, pw, sha1.New, asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}), "seed.p12", pw},
		{"p12-ber-aes", toBERP12(t, modern, pw, sha256.New, asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}), "seed.p12", pw},
		{"trusted-cert", trusted, "seed.pem", ""},
		{"bare-base64", []byte(base64.StdEncoding.EncodeToString(leafDER)), "", ""},
		{"truncated-pem", certPEM[:len(certPEM)/2], "seed.pem", ""},
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzParse")
	for _, s := range parse {
		writeSeed(t, dir, s.name, []byte(s.data), s.file, []byte(s.pw))
	}
	dir = filepath.Join("testdata", "fuzz", "FuzzDecryptPKCS8")
	writeSeed(t, dir, "pbes2-aes", encKey, []byte(pw))
}

// writeSeed writes one corpus file in the "go test fuzz v1" format.
func writeSeed(t *testing.T, dir, name string, values ...any) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	out := "go test fuzz v1\n"
	for _, v := range values {
		switch v := v.(type) {
		case []byte:
			out += "[]byte(" + strconv.Quote(string(v)) + ")\n"
		case string:
			out += "string(" + strconv.Quote(v) + ")\n"
		default:
			t.Fatalf("seed value of type %T", v)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
}

// encryptPKCS8 encrypts a PKCS#8 key with PBES2 (PBKDF2-SHA256, one
// iteration, AES-256-CBC), the structure `openssl pkcs8 -topk8` writes.
func encryptPKCS8(t *testing.T, der, passphrase []byte) []byte {
	t.Helper()
	salt, iv := make([]byte, 8), make([]byte, 16)
	rand.Read(salt)
	rand.Read(iv)
	key, err := pbkdf2.Key(sha256.New, string(passphrase), salt, 1, 32)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := aes.NewCipher(key)
	n := 16 - len(der)%16
	plain := append(append([]byte{}, der...), make([]byte, n)...)
	for i := len(der); i < len(plain); i++ {
		plain[i] = byte(n)
	}
	ct := make([]byte, len(plain))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, plain)
	raw := func(v any) asn1.RawValue {
		b, err := asn1.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return asn1.RawValue{FullBytes: b}
	}
	kdf := pkix.AlgorithmIdentifier{Algorithm: oidPBKDF2, Parameters: raw(pbkdf2Params{Salt: salt, Iterations: 1,
		PRF: pkix.AlgorithmIdentifier{Algorithm: oidHMACSHA256, Parameters: asn1.NullRawValue}})}
	scheme := pkix.AlgorithmIdentifier{Algorithm: oidAES256CBC, Parameters: raw(iv)}
	out, err := asn1.Marshal(encryptedPrivateKeyInfo{
		Algorithm: pkix.AlgorithmIdentifier{Algorithm: oidPBES2, Parameters: raw(pbes2Params{KDF: kdf, Scheme: scheme})},
		Data:      ct,
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// FuzzParseBundle feeds arbitrary PKCS#7 certificate bundles to Parse, the
// way a .p7b file reaches it: it must never panic or run away (the crash
// of issue 10 was a stack overflow), its errors must be the documented
// ones, and what it accepts must be certificates.
func FuzzParseBundle(f *testing.F) {
	f.Add(nestedBundle(ber.MaxDepth+10, false))
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		b, err := Parse(data, "bundle.p7b", nil)
		if d := time.Since(start); d > time.Second {
			t.Errorf("Parse of %d bytes took %v", len(data), d)
		}
		if !checkParse(t, b, err) {
			return
		}
		for _, c := range b.Certs {
			_ = Check(c)
		}
		_ = b.Summaries()
	})
}

// TestWriteBundleSeeds writes FuzzParseBundle's seeds (only with
// -update-fuzz-seeds): a valid bundle in DER, BER and PEM, a truncated
// one, nested BER closed and open, another content type, and garbage.
func TestWriteBundleSeeds(t *testing.T) {
	if !*updateFuzzSeeds {
		t.Skip("run with -update-fuzz-seeds to rewrite the seeds")
	}
	leaf, ca := bundleCerts(t)
	der := certsOnly(t, leaf.Raw, ca.Raw)
	data := append([]byte{}, der...)
	data[len(oidSignedDataDER)+3] = 0x01 // the OID of data instead of signed-data
	seeds := []struct {
		name string
		data []byte
	}{
		{"valid-der", der},
		{"valid-ber", berify(t, der)},
		{"valid-pem", pem.EncodeToMemory(&pem.Block{Type: "PKCS7", Bytes: der})},
		{"truncated", der[:len(der)*2/3]},
		{"nested-ber", nestedBundle(200, true)},
		{"nested-ber-open", nestedBundle(1000, false)},
		{"data-content-type", data},
		{"garbage", []byte("\x30\x80\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02\xa0\x80 this is not a bundle \x00\x00")},
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzParseBundle")
	for _, s := range seeds {
		writeSeed(t, dir, s.name, s.data)
	}
}

// checkParse holds Parse to its contract: an error is one of the
// documented ones and comes without a bundle; a bundle is never empty. It
// reports whether there is a bundle to look into.
func checkParse(t *testing.T, b *Bundle, err error) bool {
	t.Helper()
	if err == nil {
		if len(b.Certs) == 0 && len(b.Keys) == 0 {
			t.Errorf("Parse succeeded with an empty bundle")
		}
		return true
	}
	if b != nil {
		t.Errorf("Parse returned a bundle with error %v", err)
	}
	if errors.Is(err, ErrTooDeep) && !errors.Is(err, ErrMalformed) {
		t.Errorf("Parse error %v is ErrTooDeep without ErrMalformed", err)
	}
	for _, known := range []error{ErrNothingFound, ErrMalformed, ErrPassphraseRequired, ErrWrongPassphrase,
		ErrUnsupportedEncryption, ErrUnsupportedKey, ErrTooLarge} {
		if errors.Is(err, known) {
			return false
		}
	}
	t.Errorf("Parse error %v is none of the documented ones", err)
	return false
}
