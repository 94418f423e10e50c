package smime

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"siegel/message"
)

// sslCase is one message OpenSSL makes and the engine must judge.
type sslCase struct {
	name string
	// make returns the S/MIME entity (MIME-Version and Content-* fields
	// and body) that OpenSSL wrote, from the inner entity.
	make func(t *testing.T, p *testPKI, inner []byte) []byte
	from string // From address; alice@example.org when empty
	enc  EncryptionState
	sig  SignatureState
	// noText: the text cannot be shown (decryption failed, or the CMS is
	// unreadable).
	noText bool
	// shown replaces the expected text (of a tampered message).
	shown string
	// layers are the expected layer kinds, outermost first.
	layers []LayerKind
}

// writeTemp writes data to a file in dir and returns its path.
func writeTemp(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// sslSign signs inner with OpenSSL (cms, or the older smime command when
// args start with "smime").
func sslSign(t *testing.T, p *testPKI, inner []byte, signer *identity, args ...string) []byte {
	t.Helper()
	cmd := "cms"
	if len(args) > 0 && args[0] == "smime" {
		cmd, args = "smime", args[1:]
	}
	in := writeTemp(t, t.TempDir(), "in.mime", inner)
	base := []string{cmd, "-sign", "-in", in, "-signer", signer.certFile, "-inkey", signer.keyFile, "-certfile", p.chainFile}
	return openssl(t, nil, append(base, args...)...)
}

// sslEncrypt encrypts inner with OpenSSL for the recipient certificates.
func sslEncrypt(t *testing.T, inner []byte, args []string, recipients ...*identity) []byte {
	t.Helper()
	in := writeTemp(t, t.TempDir(), "in.mime", inner)
	all := []string{"cms", "-encrypt", "-in", in}
	for _, r := range recipients {
		all = append(all, "-recip", r.certFile)
	}
	// -keyopt applies to the -recip before it.
	return openssl(t, nil, append(all, args...)...)
}

// withHeader makes a complete message around an S/MIME entity.
func withHeader(from string, date time.Time, entity []byte) []byte {
	h := "From: " + from + "\r\nTo: agent@example.com\r\nSubject: OpenSSL test\r\n" +
		"Date: " + date.Format(time.RFC1123Z) + "\r\nMessage-ID: <t@example.org>\r\n"
	return append([]byte(h), entity...)
}

// breakCMS replaces the base64 body of the last base64 part with the
// output of f applied to its decoded bytes.
func breakCMS(t *testing.T, entity []byte, f func([]byte) []byte) []byte {
	t.Helper()
	s := string(entity)
	i := strings.LastIndex(s, "Content-Transfer-Encoding: base64")
	if i < 0 {
		t.Fatalf("no base64 part in %q", s)
	}
	j := strings.Index(s[i:], "\n\n")
	k := strings.Index(s[i:], "\r\n\r\n")
	start := i + j + 2
	if k >= 0 && (j < 0 || k < j) {
		start = i + k + 4
	}
	end := strings.Index(s[start:], "\n--")
	if end < 0 {
		end = len(s) - start
	}
	der, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(s[start : start+end]))
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.StdEncoding.EncodeToString(f(der))
	var lines []string
	for len(enc) > 64 {
		lines, enc = append(lines, enc[:64]), enc[64:]
	}
	lines = append(lines, enc)
	return []byte(s[:start] + strings.Join(lines, "\n") + "\n" + s[start+end:])
}

func TestOpenSSLToSiegel(t *testing.T) {
	needOpenSSL(t)
	p := getPKI(t)
	sign := func(signer *identity, args ...string) func(*testing.T, *testPKI, []byte) []byte {
		return func(t *testing.T, p *testPKI, inner []byte) []byte {
			return sslSign(t, p, inner, signer, args...)
		}
	}
	encrypt := func(args []string, to ...func(*testPKI) *identity) func(*testing.T, *testPKI, []byte) []byte {
		return func(t *testing.T, p *testPKI, inner []byte) []byte {
			var ids []*identity
			for _, f := range to {
				ids = append(ids, f(p))
			}
			return sslEncrypt(t, inner, args, ids...)
		}
	}
	agent := func(p *testPKI) *identity { return p.agent }
	bob := func(p *testPKI) *identity { return p.bob }
	carol := func(p *testPKI) *identity { return p.carol }
	stranger := func(p *testPKI) *identity { return p.stranger }
	signed, opaque := []LayerKind{LayerSigned}, []LayerKind{LayerOpaqueSigned}
	env, authEnv := []LayerKind{LayerEnveloped}, []LayerKind{LayerAuthEnveloped}

	cases := []sslCase{
		// Signatures.
		{name: "detached RSA SHA-256", make: sign(p.alice, "-md", "sha256"), sig: SigValid, layers: signed},
		{name: "detached RSA SHA-384", make: sign(p.alice, "-md", "sha384"), sig: SigValid, layers: signed},
		{name: "detached RSA SHA-512", make: sign(p.alice, "-md", "sha512"), sig: SigValid, layers: signed},
		{name: "opaque RSA SHA-256", make: sign(p.alice, "-md", "sha256", "-nodetach"), sig: SigValid, layers: opaque},
		{name: "detached ECDSA P-256", from: "bob@example.org", make: sign(p.bob, "-md", "sha256"), sig: SigValid, layers: signed},
		{name: "opaque ECDSA P-384 SHA-384", from: "carol@example.org", make: sign(p.carol, "-md", "sha384", "-nodetach"), sig: SigValid, layers: opaque},
		{name: "detached RSA-PSS", make: sign(p.alice, "-md", "sha256", "-keyopt", "rsa_padding_mode:pss"), sig: SigValid, layers: signed},
		{name: "opaque RSA-PSS SHA-512", make: sign(p.alice, "-md", "sha512", "-nodetach", "-keyopt", "rsa_padding_mode:pss"), sig: SigValid, layers: opaque},
		{name: "SHA-1 is weak", make: sign(p.alice, "-md", "sha1"), sig: SigWeak, layers: signed},
		{name: "signer by subject key identifier", make: sign(p.alice, "-md", "sha256", "-keyid"), sig: SigValid, layers: signed},
		{name: "no certificates, signer stored", make: sign(p.alice, "-md", "sha256", "-nocerts"), sig: SigValid, layers: signed},
		{name: "no certificates, key id, signer stored", make: sign(p.alice, "-md", "sha256", "-nocerts", "-keyid", "-nodetach"), sig: SigValid, layers: opaque},
		{name: "no certificates, signer unknown", from: "stranger@example.net", make: sign(p.stranger, "-md", "sha256", "-nocerts"),
			sig: SigCertNotFound, layers: signed},
		{name: "openssl smime detached", make: sign(p.alice, "smime", "-md", "sha256"), sig: SigValid, layers: signed},
		{name: "openssl smime opaque", make: sign(p.alice, "smime", "-md", "sha256", "-nodetach"), sig: SigValid, layers: opaque},

		// Envelopes.
		{name: "AES-128-CBC", make: encrypt([]string{"-aes128"}, agent), enc: EncDecrypted, sig: SigNone, layers: env},
		{name: "AES-192-CBC", make: encrypt([]string{"-aes192"}, agent), enc: EncDecrypted, sig: SigNone, layers: env},
		{name: "AES-256-CBC", make: encrypt([]string{"-aes256"}, agent), enc: EncDecrypted, sig: SigNone, layers: env},
		{name: "3DES", make: encrypt([]string{"-des3"}, agent), enc: EncDecrypted, sig: SigNone, layers: env},
		{name: "AES-256-GCM", make: encrypt([]string{"-aes-256-gcm"}, agent), enc: EncDecrypted, sig: SigNone, layers: authEnv},
		{name: "AES-128-GCM", make: encrypt([]string{"-aes-128-gcm"}, agent), enc: EncDecrypted, sig: SigNone, layers: authEnv},
		{name: "RSA-OAEP SHA-1", make: encrypt([]string{"-aes256", "-keyopt", "rsa_padding_mode:oaep"}, agent),
			enc: EncDecrypted, sig: SigNone, layers: env},
		{name: "RSA-OAEP SHA-256", make: encrypt([]string{"-aes256", "-keyopt", "rsa_padding_mode:oaep", "-keyopt", "rsa_oaep_md:sha256"}, agent),
			enc: EncDecrypted, sig: SigNone, layers: env},
		{name: "RSA-OAEP SHA-256 with label", make: encrypt([]string{"-aes256", "-keyopt", "rsa_padding_mode:oaep",
			"-keyopt", "rsa_oaep_md:sha256", "-keyopt", "rsa_mgf1_md:sha256", "-keyopt", "rsa_oaep_label:0123456789abcdef"}, agent),
			enc: EncDecrypted, sig: SigNone, layers: env},
		{name: "ECDH P-256", make: encrypt([]string{"-aes256"}, bob), enc: EncDecrypted, sig: SigNone, layers: env},
		{name: "ECDH P-384", make: encrypt([]string{"-aes128"}, carol), enc: EncDecrypted, sig: SigNone, layers: env},
		{name: "ECDH P-256 AES-256-GCM", make: encrypt([]string{"-aes-256-gcm"}, bob), enc: EncDecrypted, sig: SigNone, layers: authEnv},
		{name: "several recipients, ours last", make: encrypt([]string{"-aes256"}, stranger, carol, agent),
			enc: EncDecrypted, sig: SigNone, layers: env},
		{name: "recipient by subject key identifier", make: encrypt([]string{"-aes256", "-keyid"}, stranger, agent),
			enc: EncDecrypted, sig: SigNone, layers: env},

		// Nesting.
		{name: "sign then encrypt", make: func(t *testing.T, p *testPKI, inner []byte) []byte {
			return sslEncrypt(t, sslSign(t, p, inner, p.alice, "-md", "sha256"), []string{"-aes256"}, p.agent)
		}, enc: EncDecrypted, sig: SigValid, layers: []LayerKind{LayerEnveloped, LayerSigned}},
		{name: "opaque sign then encrypt GCM", make: func(t *testing.T, p *testPKI, inner []byte) []byte {
			return sslEncrypt(t, sslSign(t, p, inner, p.alice, "-md", "sha256", "-nodetach"), []string{"-aes-256-gcm"}, p.agent)
		}, enc: EncDecrypted, sig: SigValid, layers: []LayerKind{LayerAuthEnveloped, LayerOpaqueSigned}},
		{name: "encrypt then sign", make: func(t *testing.T, p *testPKI, inner []byte) []byte {
			return sslSign(t, p, sslEncrypt(t, inner, []string{"-aes256"}, p.agent), p.alice, "-md", "sha256")
		}, enc: EncDecrypted, sig: SigValid, layers: []LayerKind{LayerSigned, LayerEnveloped}},
		{name: "sign encrypt sign", make: func(t *testing.T, p *testPKI, inner []byte) []byte {
			in := sslEncrypt(t, sslSign(t, p, inner, p.alice, "-md", "sha256"), []string{"-aes256"}, p.agent)
			return sslSign(t, p, in, p.alice, "-md", "sha512", "-nodetach")
		}, enc: EncDecrypted, sig: SigValid, layers: []LayerKind{LayerOpaqueSigned, LayerEnveloped, LayerSigned}},

		// Negative cases.
		{name: "tampered body", make: func(t *testing.T, p *testPKI, inner []byte) []byte {
			out := sslSign(t, p, inner, p.alice, "-md", "sha256")
			return bytes.Replace(out, []byte("Hello from OpenSSL"), []byte("Hello from Mallory"), 1)
		}, sig: SigTampered, layers: signed, shown: "Hello from Mallory: tampered body"},
		{name: "tampered opaque content", make: func(t *testing.T, p *testPKI, inner []byte) []byte {
			return breakCMS(t, sslSign(t, p, inner, p.alice, "-md", "sha256", "-nodetach"), func(der []byte) []byte {
				i := bytes.Index(der, []byte("Hello"))
				der[i] = 'J'
				return der
			})
		}, sig: SigTampered, layers: opaque, shown: "Jello from OpenSSL"},
		{name: "tampered attachment", make: func(t *testing.T, p *testPKI, inner []byte) []byte {
			out := sslSign(t, p, withAttachment(inner), p.alice, "-md", "sha256")
			return bytes.Replace(out, []byte("QXR0YWNobWVudCBkYXRh"), []byte("QXR0YWNobWVudCBkYXRi"), 1)
		}, sig: SigTampered, layers: signed},
		{name: "untrusted self-signed", make: sign(p.selfSigned, "-md", "sha256"), sig: SigUntrusted, layers: signed},
		{name: "unknown CA", make: sign(p.unknown, "-md", "sha256"), sig: SigUntrusted, layers: signed},
		{name: "expired signer", make: sign(p.expired, "-md", "sha256"), sig: SigExpired, layers: signed},
		{name: "From mismatch", from: "mallory@example.org", make: sign(p.alice, "-md", "sha256"), sig: SigSenderMismatch, layers: signed},
		{name: "certificate without e-mail", make: sign(p.noEmail, "-md", "sha256"), sig: SigSenderMismatch, layers: signed},
		{name: "server-only EKU", make: sign(p.serverOnly, "-md", "sha256"), sig: SigUntrusted, layers: signed},
		{name: "encrypted for someone else", make: encrypt([]string{"-aes256"}, stranger), enc: EncNoKey, sig: SigNone, noText: true, layers: env},
		{name: "truncated signature", make: func(t *testing.T, p *testPKI, inner []byte) []byte {
			return breakCMS(t, sslSign(t, p, inner, p.alice, "-md", "sha256"), func(der []byte) []byte { return der[:len(der)/2] })
		}, sig: SigMalformed, layers: signed},
		{name: "garbage signature", make: func(t *testing.T, p *testPKI, inner []byte) []byte {
			return breakCMS(t, sslSign(t, p, inner, p.alice, "-md", "sha256"), func(der []byte) []byte {
				return bytes.Repeat([]byte{0x30, 0x82, 0xff, 0xff}, 50)
			})
		}, sig: SigMalformed, layers: signed},
		{name: "truncated opaque signature", make: func(t *testing.T, p *testPKI, inner []byte) []byte {
			return breakCMS(t, sslSign(t, p, inner, p.alice, "-md", "sha256", "-nodetach"), func(der []byte) []byte { return der[:len(der)-40] })
		}, sig: SigMalformed, noText: true, layers: opaque},
		{name: "truncated envelope", make: func(t *testing.T, p *testPKI, inner []byte) []byte {
			return breakCMS(t, sslEncrypt(t, inner, []string{"-aes256"}, p.agent), func(der []byte) []byte { return der[:len(der)-20] })
		}, enc: EncFailed, sig: SigNone, noText: true, layers: env},
		{name: "garbage envelope", make: func(t *testing.T, p *testPKI, inner []byte) []byte {
			return breakCMS(t, sslEncrypt(t, inner, []string{"-aes256"}, p.agent), func(der []byte) []byte { return []byte("garbage") })
		}, enc: EncFailed, sig: SigNone, noText: true, layers: env},
		{name: "corrupted ciphertext", make: func(t *testing.T, p *testPKI, inner []byte) []byte {
			return breakCMS(t, sslEncrypt(t, inner, []string{"-aes-256-gcm"}, p.agent), func(der []byte) []byte {
				der[len(der)-30] ^= 1
				return der
			})
		}, enc: EncFailed, sig: SigNone, noText: true, layers: authEnv},
	}

	e := NewEngine(p.keyring())
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text := "Hello from OpenSSL: " + c.name
			inner := []byte("Content-Type: text/plain; charset=utf-8\r\n\r\n" + text + "\r\n")
			from := c.from
			if from == "" {
				from = "Alice <alice@example.org>"
			}
			raw := withHeader(from, time.Now(), c.make(t, p, inner))
			res, content := e.Open(context.Background(), raw)
			if res.Encryption != orNoneEnc(c.enc) || res.Signature != c.sig {
				t.Errorf("got encryption %s, signature %s; want %s, %s", res.Encryption, res.Signature, orNoneEnc(c.enc), c.sig)
			}
			var kinds []LayerKind
			for _, l := range res.Layers {
				kinds = append(kinds, l.Kind)
			}
			if !equalKinds(kinds, c.layers) {
				t.Errorf("layers: got %v, want %v", kinds, c.layers)
			}
			body := message.Extract(content).Text
			if c.shown != "" {
				text = c.shown
			}
			if shown := strings.Contains(body, text); shown == c.noText {
				t.Errorf("text shown: %v, want %v (displayed %q)", shown, !c.noText, body)
			}
			if res.Encryption == EncDecrypted && (res.Recipient == nil || res.Cipher == "" || res.KeyTransport == "") {
				t.Errorf("decrypted without recipient/cipher/key transport: %+v", res)
			}
			if res.Signature != SigNone && res.Signature != SigMalformed && res.Signature != SigCertNotFound && res.Signer == nil {
				t.Errorf("signature %s without signer", res.Signature)
			}
			if t.Failed() {
				for i, l := range res.Layers {
					t.Logf("layer %d: %s %s: %s", i, l.Kind, l.State, l.Reason)
				}
			}
		})
	}
}

func orNoneEnc(s EncryptionState) EncryptionState {
	if s == "" {
		return EncNone
	}
	return s
}

func equalKinds(a, b []LayerKind) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// withAttachment turns a text entity into multipart/mixed with a base64
// attachment ("Attachment data").
func withAttachment(inner []byte) []byte {
	i := bytes.Index(inner, []byte("\r\n\r\n"))
	return []byte("Content-Type: multipart/mixed; boundary=\"mix\"\r\n\r\n--mix\r\n" + string(inner[:i]) + "\r\n\r\n" +
		string(inner[i+4:]) + "\r\n--mix\r\nContent-Type: application/octet-stream; name=a.bin\r\n" +
		"Content-Disposition: attachment; filename=a.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		"QXR0YWNobWVudCBkYXRh\r\n--mix--\r\n")
}
