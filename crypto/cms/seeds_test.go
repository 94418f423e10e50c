package cms

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var updateSeeds = flag.Bool("update-fuzz-seeds", false, "rewrite testdata/fuzz seeds from openssl and this package")

// TestFuzzSeeds checks that every seed of the fuzz corpora still reaches
// deep: signed seeds parse and verify, envelope seeds decrypt with the fixed
// fuzz keys. With -update-fuzz-seeds it first writes the seeds anew.
func TestFuzzSeeds(t *testing.T) {
	if *updateSeeds {
		writeFuzzSeeds(t)
	}
	ids := fuzzIdentities(t)
	for _, target := range []string{"FuzzParseSignedData", "FuzzParseEnvelope"} {
		files, err := filepath.Glob(filepath.Join("testdata", "fuzz", target, "*"))
		if err != nil {
			t.Fatal(err)
		}
		if len(files) < 10 {
			t.Errorf("%s: %d seeds, want at least 10", target, len(files))
		}
		for _, f := range files {
			if !strings.HasPrefix(filepath.Base(f), "seed-") {
				continue // a crasher kept as a regression seed
			}
			data := readSeed(t, f)
			if target == "FuzzParseSignedData" {
				sd, err := ParseSignedData(data)
				if err != nil {
					t.Errorf("%s: %v", f, err)
					continue
				}
				content := sd.Content
				if content == nil {
					content = testContent
				}
				for i, si := range sd.Signers {
					var cert *x509.Certificate
					for _, id := range ids {
						if si.ID.Matches(id.cert) {
							cert = id.cert
						}
					}
					if err := sd.Verify(i, content, cert); err != nil {
						t.Errorf("%s: Verify: %v", f, err)
					}
				}
				continue
			}
			env, err := ParseEnvelope(data)
			if err != nil {
				t.Errorf("%s: %v", f, err)
				continue
			}
			if d, err := env.Decrypt(context.Background(), lookupFor(ids...)); err != nil {
				t.Errorf("%s: Decrypt: %v", f, err)
			} else if !bytes.Equal(d.Content, testContent) {
				t.Errorf("%s: content differs", f)
			}
		}
	}
}

func readSeed(t *testing.T, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitN(string(b), "\n", 3)
	if len(lines) < 2 || lines[0] != "go test fuzz v1" || !strings.HasPrefix(lines[1], "[]byte(") {
		t.Fatalf("%s: not a fuzz seed", file)
	}
	s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return []byte(s)
}

// writeFuzzSeeds makes the seeds: what openssl and this package produce
// for the fixed fuzz identities, in the variants of the interop tests.
func writeFuzzSeeds(t *testing.T) {
	needOpenSSL(t)
	ids := fuzzIdentities(t)
	dir := t.TempDir()
	files := map[string][2]string{}
	for _, id := range ids {
		keyDER, err := x509.MarshalPKCS8PrivateKey(id.key)
		if err != nil {
			t.Fatal(err)
		}
		c := filepath.Join(dir, id.name+".pem")
		k := filepath.Join(dir, id.name+".key")
		os.WriteFile(c, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: id.cert.Raw}), 0o600)
		os.WriteFile(k, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)
		files[id.name] = [2]string{c, k}
	}
	in := filepath.Join(dir, "content.txt")
	os.WriteFile(in, testContent, 0o600)
	seeds := map[string]map[string][]byte{"FuzzParseSignedData": {}, "FuzzParseEnvelope": {}}

	sign := map[string][]string{
		"rsa-sha256-detached": {"rsa", "-md", "sha256"},
		"rsa-sha256-stream":   {"rsa", "-md", "sha256", "-nodetach", "-stream"},
		"rsa-sha1-nodetach":   {"rsa", "-md", "sha1", "-nodetach"},
		"rsa-sha512-keyid":    {"rsa", "-md", "sha512", "-keyid"},
		"rsa-nocerts":         {"rsa", "-md", "sha256", "-nocerts"},
		"rsa-pss":             {"rsa", "-md", "sha256", "-keyopt", "rsa_padding_mode:pss", "-nodetach"},
		"p256-sha256":         {"p256", "-md", "sha256", "-nodetach"},
		"p384-sha384-stream":  {"p384", "-md", "sha384", "-nodetach", "-stream", "-keyid"},
	}
	for name, args := range sign {
		f := files[args[0]]
		seeds["FuzzParseSignedData"]["openssl-"+name] = openssl(t, nil, append([]string{"cms", "-sign", "-binary",
			"-in", in, "-signer", f[0], "-inkey", f[1], "-outform", "DER"}, args[1:]...)...)
	}
	for _, id := range ids[:2] {
		der, err := SignDetached(testContent, id.cert, id.key, nil, &SignOptions{SigningTime: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		seeds["FuzzParseSignedData"]["cms-"+id.name] = der
	}

	encrypt := map[string][]string{
		"aes128-cbc":         {"-aes128", "rsa"},
		"aes192-cbc":         {"-aes192", "rsa"},
		"3des-cbc":           {"-des3", "rsa"},
		"aes256-cbc-stream":  {"-aes256", "-stream", "rsa"},
		"aes128-gcm":         {"-aes-128-gcm", "rsa"},
		"aes256-gcm-stream":  {"-aes-256-gcm", "-stream", "rsa"},
		"oaep-sha1":          {"-aes256", "rsa", "rsa_padding_mode:oaep"},
		"oaep-sha256-label":  {"-aes256", "rsa", "rsa_padding_mode:oaep", "rsa_oaep_md:sha256", "rsa_oaep_label:0123456789ABCDEF"},
		"oaep-mgf1-sha1":     {"-aes128", "rsa", "rsa_padding_mode:oaep", "rsa_oaep_md:sha256", "rsa_mgf1_md:sha1"},
		"ec-p256":            {"-aes256", "p256"},
		"ec-p256-sha256kdf":  {"-aes128", "-keyid", "p256", "ecdh_kdf_md:sha256"},
		"ec-p384-sha384-gcm": {"-aes-256-gcm", "p384", "ecdh_kdf_md:sha384"},
		"keyid-rsa":          {"-aes256", "-keyid", "rsa"},
	}
	for name, args := range encrypt {
		cmd := []string{"cms", "-encrypt", "-binary", "-in", in, "-outform", "DER"}
		for _, a := range args {
			switch {
			case strings.HasPrefix(a, "-"):
				cmd = append(cmd, a)
			case files[a][0] != "":
				cmd = append(cmd, "-recip", files[a][0])
			default:
				cmd = append(cmd, "-keyopt", a)
			}
		}
		seeds["FuzzParseEnvelope"]["openssl-"+name] = openssl(t, nil, cmd...)
	}
	for _, c := range []Cipher{AES256CBC, AES256GCM, AES128CBC} {
		for _, kt := range []KeyTransport{RSAPKCS1v15, RSAOAEP} {
			der, err := Encrypt(testContent, []*x509.Certificate{ids[1].cert, ids[0].cert, ids[2].cert},
				&EncryptOptions{Cipher: c, KeyTransport: kt})
			if err != nil {
				t.Fatal(err)
			}
			seeds["FuzzParseEnvelope"]["cms-"+strconv.Itoa(int(c))+"-"+strconv.Itoa(int(kt))] = der
		}
	}
	for target, m := range seeds {
		d := filepath.Join("testdata", "fuzz", target)
		old, _ := filepath.Glob(filepath.Join(d, "seed-*"))
		for _, f := range old {
			os.Remove(f)
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, data := range m {
			body := "go test fuzz v1\n[]byte(" + strconv.Quote(string(data)) + ")\n"
			if err := os.WriteFile(filepath.Join(d, "seed-"+name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
