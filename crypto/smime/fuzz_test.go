package smime

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"siegel/crypto/testpki"
	"siegel/message"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite testdata/fuzz/FuzzOpen/seed-* from generated messages")

// fuzzWorld is a PKI whose keys are derived from fixed strings, so that
// seeds written once decrypt and verify in every later fuzzing run.
type fuzzWorld struct {
	ca, agent, alice *identity
	kr               *memKeyring
}

var (
	fuzzOnce sync.Once
	fuzzW    *fuzzWorld
	fuzzErr  error
)

func getFuzzWorld(t testing.TB) *fuzzWorld {
	t.Helper()
	fuzzOnce.Do(func() { fuzzW, fuzzErr = newFuzzWorld(t.TempDir()) })
	if fuzzErr != nil {
		t.Fatal(fuzzErr)
	}
	return fuzzW
}

func fixedKey(name string) (*ecdsa.PrivateKey, error) {
	d := sha256.Sum256([]byte("siegel fuzz key " + name))
	return ecdsa.ParseRawPrivateKey(elliptic.P256(), d[:])
}

func newFuzzWorld(dir string) (*fuzzWorld, error) {
	w := &fuzzWorld{kr: newMemKeyring()}
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(2045, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, s := range []struct {
		dst         **identity
		name, email string
	}{{&w.ca, "ca", ""}, {&w.agent, "agent", "agent@example.com"}, {&w.alice, "alice", "alice@example.org"}} {
		key, err := fixedKey(s.name)
		if err != nil {
			return nil, err
		}
		pub, _ := x509.MarshalPKIXPublicKey(key.Public())
		ski := sha256.Sum256(pub)
		spec := testpki.Spec{
			CN: "Fuzz " + s.name, Key: key, Serial: int64(100 + i),
			NotBefore: start, NotAfter: end, BasicConstraints: true, SKI: ski[:20],
		}
		if s.email == "" {
			spec.CA, spec.KeyUsage = true, x509.KeyUsageCertSign
		} else {
			spec.Emails = []string{s.email}
			spec.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyAgreement
			spec.Issuer = &testpki.Identity{Cert: w.ca.cert, Key: w.ca.key.(*ecdsa.PrivateKey)}
		}
		tid, err := testpki.New(spec)
		if err != nil {
			return nil, err
		}
		cert := tid.Cert
		id := &identity{cert: cert, key: key}
		if id.certFile, id.keyFile, err = tid.WriteFiles(dir, s.name, ".pem"); err != nil {
			return nil, err
		}
		*s.dst = id
		if s.email == "" {
			w.kr.add(cert, nil)
		} else {
			w.kr.add(cert, key)
		}
	}
	return w, nil
}

func FuzzOpen(f *testing.F) {
	w := getFuzzWorld(f)
	e := NewEngineWithOptions(w.kr, Options{Now: func() time.Time { return time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC) }})
	f.Add([]byte("From: a@example.org\r\n\r\nhello\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		res, content := e.Open(context.Background(), raw)
		if len(res.Layers) > maxDepth+1 {
			t.Fatalf("%d layers", len(res.Layers))
		}
		allValid := true
		for _, l := range res.Layers {
			if strings.HasPrefix(l.Reason, "internal error") {
				t.Fatalf("panic in Open: %s", l.Reason)
			}
			if (l.Kind == LayerSigned || l.Kind == LayerOpaqueSigned) && l.State != string(SigValid) {
				allValid = false
			}
		}
		if res.Signature == SigValid && !allValid {
			t.Fatalf("valid with a failed layer: %+v", res.Layers)
		}
		if res.Encryption == EncDecrypted && res.Recipient == nil {
			t.Fatal("decrypted without recipient")
		}
		_ = message.Extract(content).Text
	})
}

// TestFuzzSeeds checks that the seed corpus is there; with -update-seeds
// it writes it anew from messages made with Seal and the openssl command
// for the fixed-key PKI of FuzzOpen.
func TestFuzzSeeds(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzOpen")
	if !*updateSeeds {
		seeds, _ := filepath.Glob(filepath.Join(dir, "seed-*"))
		if len(seeds) < 20 {
			t.Fatalf("%d seeds in %s, want at least 20 (run go test -run TestFuzzSeeds -update-seeds)", len(seeds), dir)
		}
		// The fixed keys still open the seeds, so fuzzing reaches what lies
		// beneath the layers.
		e := NewEngine(getFuzzWorld(t).kr)
		for name, want := range map[string][2]string{
			"seal-sign-encrypt":         {"decrypted", "valid"},
			"openssl-gcm":               {"decrypted", "none"},
			"openssl-sign-encrypt-sign": {"decrypted", "valid"},
			"too-deep":                  {"none", "malformed"},
			"openssl-wrapped":           {"none", "valid"},
		} {
			raw, err := os.ReadFile(filepath.Join(dir, "seed-"+name))
			if err != nil {
				t.Fatal(err)
			}
			_, lit, _ := strings.Cut(strings.TrimSpace(string(raw)), "[]byte(")
			data, err := strconv.Unquote(strings.TrimSuffix(lit, ")"))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			res, _ := e.Open(context.Background(), []byte(data))
			if string(res.Encryption) != want[0] || string(res.Signature) != want[1] {
				t.Errorf("seed %s: got %s/%s, want %s/%s", name, res.Encryption, res.Signature, want[0], want[1])
			}
		}
		return
	}
	needOpenSSL(t)
	w := getFuzzWorld(t)
	e := NewEngine(w.kr)
	ctx := context.Background()
	msg := sealInput("agent@example.com", []string{"alice@example.org"}, nil, "fuzz seed")
	seeds := map[string][]byte{
		"plain":       []byte("From: alice@example.org\r\nTo: agent@example.com\r\nSubject: hi\r\n\r\nhello\r\n"),
		"mixed":       msg,
		"headless":    []byte("just a line of text\n"),
		"alternative": []byte("From: a@example.org\nContent-Type: multipart/alternative; boundary=x\n\n--x\nContent-Type: text/html\n\n<p>a</p>\n--x\nContent-Type: text/plain\n\nb\n"),
	}
	for name, opts := range map[string]SealOptions{
		"seal-sign":         {Sign: true},
		"seal-encrypt":      {Encrypt: true},
		"seal-encrypt-gcm":  {Encrypt: true, Cipher: AES256GCM},
		"seal-sign-encrypt": {Sign: true, Encrypt: true},
	} {
		out, err := e.Seal(ctx, msg, opts)
		if err != nil {
			t.Fatal(err)
		}
		seeds[name] = out
	}
	inner := []byte("Content-Type: text/plain\r\n\r\nHello from OpenSSL\r\n")
	p := &testPKI{chainFile: w.ca.certFile}
	hdr := func(entity []byte) []byte { return withHeader("alice@example.org", time.Now(), entity) }
	seeds["openssl-detached"] = hdr(sslSign(t, p, inner, w.alice, "-md", "sha256"))
	seeds["openssl-opaque"] = hdr(sslSign(t, p, inner, w.alice, "-md", "sha384", "-nodetach"))
	seeds["openssl-sha1-keyid"] = hdr(sslSign(t, p, inner, w.alice, "-md", "sha1", "-keyid", "-nocerts"))
	seeds["openssl-enveloped"] = hdr(sslEncrypt(t, inner, []string{"-aes128"}, w.agent))
	seeds["openssl-gcm"] = hdr(sslEncrypt(t, inner, []string{"-aes-256-gcm", "-keyid"}, w.agent))
	seeds["openssl-sign-encrypt-sign"] = hdr(sslSign(t, p, sslEncrypt(t, sslSign(t, p, inner, w.alice, "-md", "sha256"),
		[]string{"-aes256"}, w.agent), w.alice, "-md", "sha256", "-nodetach"))
	seeds["openssl-encrypt-sign"] = hdr(sslSign(t, p, sslEncrypt(t, inner, []string{"-aes256"}, w.agent), w.alice, "-md", "sha512"))
	signed := sslSign(t, p, inner, w.alice, "-md", "sha256")
	seeds["truncated-signature"] = hdr(breakCMS(t, signed, func(d []byte) []byte { return d[:len(d)/3] }))
	seeds["garbage-signature"] = hdr(breakCMS(t, signed, func(d []byte) []byte { return []byte{0x30, 0x84, 0x7f, 0xff, 0xff, 0xff} }))
	seeds["truncated-envelope"] = hdr(breakCMS(t, sslEncrypt(t, inner, []string{"-aes256"}, w.agent), func(d []byte) []byte { return d[:len(d)-10] }))
	seeds["openssl-wrapped"] = hdr(sslSign(t, p, []byte("Content-Type: message/rfc822\r\n\r\nFrom: alice@example.org\r\n"+
		"Subject: wrapped\r\nContent-Type: text/plain\r\n\r\nwrapped\r\n"), w.alice, "-md", "sha256"))
	seeds["no-boundary"] = []byte("From: a@example.org\r\nContent-Type: multipart/signed; protocol=\"application/pkcs7-signature\"\r\n\r\nx\r\n")
	deep := inner
	for range 10 {
		deep = sslSign(t, p, deep, w.alice, "-md", "sha256", "-nodetach")
	}
	seeds["too-deep"] = hdr(deep)

	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	old, _ := filepath.Glob(filepath.Join(dir, "seed-*"))
	for _, p := range old {
		os.Remove(p)
	}
	for name, data := range seeds {
		var b bytes.Buffer
		fmt.Fprintf(&b, "go test fuzz v1\n[]byte(%q)\n", data)
		if err := os.WriteFile(filepath.Join(dir, "seed-"+name), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
