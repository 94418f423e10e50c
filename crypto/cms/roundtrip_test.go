package cms

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"siegel/crypto/testpki"
)

// TestSignDetachedOpenSSL signs with SignDetached and verifies with
// `openssl cms -verify` against the test CA, and with Verify.
func TestSignDetachedOpenSSL(t *testing.T) {
	needOpenSSL(t)
	p := getPKI(t)
	content := writeTemp(t, "content.txt", testContent)
	signingTime := time.Now().Add(-5 * time.Minute).UTC().Truncate(time.Second)
	tests := []struct {
		signer     *identity
		hash       crypto.Hash
		wantDigest string
		wantSig    string
	}{
		{p.rsa, 0, "SHA-256", "RSA PKCS#1 v1.5"},
		{p.rsa, crypto.SHA384, "SHA-384", "RSA PKCS#1 v1.5"},
		{p.rsa, crypto.SHA512, "SHA-512", "RSA PKCS#1 v1.5"},
		{p.p256, 0, "SHA-256", "ECDSA"},
		{p.p384, crypto.SHA384, "SHA-384", "ECDSA"},
		{p.p384, crypto.SHA512, "SHA-512", "ECDSA"},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s-%s", tc.signer.name, tc.wantDigest), func(t *testing.T) {
			der, err := SignDetached(testContent, tc.signer.cert, tc.signer.key, []*x509.Certificate{p.ca.cert},
				&SignOptions{Hash: tc.hash, SigningTime: signingTime})
			if err != nil {
				t.Fatalf("SignDetached: %v", err)
			}
			sig := writeTemp(t, "sig.der", der)
			got := openssl(t, nil, "cms", "-verify", "-binary", "-inform", "DER", "-in", sig,
				"-content", content, "-CAfile", p.caFile, "-purpose", "smimesign")
			if !bytes.Equal(got, testContent) {
				t.Errorf("openssl -verify printed %q, want %q", got, testContent)
			}
			// OpenSSL must reject a changed content, or the check above
			// proves nothing.
			changed := writeTemp(t, "changed.txt", bytes.Replace(testContent, []byte("Hallo"), []byte("Hello"), 1))
			if _, _, err := testpki.OpenSSL("", nil, "cms", "-verify", "-binary", "-inform", "DER", "-in", sig,
				"-content", changed, "-CAfile", p.caFile); err == nil {
				t.Errorf("openssl -verify accepted changed content")
			}

			printed := string(openssl(t, nil, "cms", "-cmsout", "-print", "-inform", "DER", "-in", sig))
			wantTime := "UTCTIME:" + signingTime.Format("Jan _2 15:04:05 2006") + " GMT"
			for _, want := range []string{"signingTime (1.2.840.113549.1.9.5)", wantTime,
				"S/MIME Capabilities (1.2.840.113549.1.9.15)", "messageDigest", "eContent: <ABSENT>",
				"subject: CN=" + tc.signer.name, "subject: O=Siegel tests, CN=CMS Test CA"} {
				if !strings.Contains(printed, want) {
					t.Errorf("openssl -cmsout -print lacks %q", want)
				}
			}
			parsed := string(openssl(t, nil, "asn1parse", "-inform", "DER", "-in", sig))
			caps := regexp.MustCompile(`(?s):S/MIME Capabilities.*?:aes-256-gcm.*?:aes-256-cbc.*?:aes-128-cbc.*?:rsaesOaep.*?:sha256.*?:mgf1.*?:sha256`)
			if !caps.MatchString(parsed) {
				t.Errorf("SMIMECapabilities are not AES-256-GCM, AES-256-CBC, AES-128-CBC, RSAES-OAEP(SHA-256, MGF1-SHA-256):\n%s", parsed)
			}

			sd, err := ParseSignedData(der)
			if err != nil {
				t.Fatalf("ParseSignedData: %v", err)
			}
			si := sd.Signers[0]
			if si.DigestAlgorithm != tc.wantDigest || si.SignatureAlgorithm != tc.wantSig || !si.SigningTime.Equal(signingTime) {
				t.Errorf("got %q, %q, %v, want %q, %q, %v", si.DigestAlgorithm, si.SignatureAlgorithm, si.SigningTime,
					tc.wantDigest, tc.wantSig, signingTime)
			}
			if len(sd.Certificates) != 2 || !sd.Certificates[0].Equal(tc.signer.cert) || !sd.Certificates[1].Equal(p.ca.cert) {
				t.Errorf("certificates: got %d, want signer and CA", len(sd.Certificates))
			}
			if err := sd.Verify(0, testContent, tc.signer.cert); err != nil {
				t.Errorf("Verify: %v", err)
			}
		})
	}
}

// TestSignDetachedErrors checks the refusals of SignDetached.
func TestSignDetachedErrors(t *testing.T) {
	p := getPKI(t)
	if _, err := SignDetached(testContent, p.rsa.cert, p.rsa2.key, nil, nil); err == nil {
		t.Errorf("SignDetached with another certificate's key: got no error")
	}
	if _, err := SignDetached(testContent, p.rsa.cert, p.rsa.key, nil, &SignOptions{Hash: crypto.SHA1}); err == nil {
		t.Errorf("SignDetached with SHA-1: got no error")
	}
	if _, err := SignDetached(testContent, nil, p.rsa.key, nil, nil); err == nil {
		t.Errorf("SignDetached without a certificate: got no error")
	}
}

// TestEncryptOpenSSL encrypts with Encrypt and decrypts with `openssl cms
// -decrypt` for every recipient, and with Decrypt.
func TestEncryptOpenSSL(t *testing.T) {
	needOpenSSL(t)
	p := getPKI(t)
	ciphers := []struct {
		c    Cipher
		name string
	}{{AES256CBC, "AES-256-CBC"}, {AES256GCM, "AES-256-GCM"}, {AES128CBC, "AES-128-CBC"}}
	transports := []struct {
		kt   KeyTransport
		name string
	}{{RSAPKCS1v15, "RSA PKCS#1 v1.5"}, {RSAOAEP, "RSA-OAEP (SHA-256, MGF1-SHA-256)"}}
	recipientSets := []struct {
		name string
		ids  []*identity
	}{
		{"rsa", []*identity{p.rsa}},
		{"p256", []*identity{p.p256}},
		{"p384", []*identity{p.p384}},
		{"several", []*identity{p.rsa2, p.p256, p.p384, p.rsa}},
	}
	// A larger content than testContent, to cross block and chunk sizes.
	content := bytes.Repeat([]byte("Zeile mit Umlauten: äöü ß\r\n"), 300)
	for _, c := range ciphers {
		for _, kt := range transports {
			for _, rs := range recipientSets {
				if kt.kt == RSAOAEP && rs.name != "rsa" && rs.name != "several" {
					continue // the key transport does not apply to EC recipients
				}
				t.Run(c.name+"/"+kt.name+"/"+rs.name, func(t *testing.T) {
					var certs []*x509.Certificate
					for _, id := range rs.ids {
						certs = append(certs, id.cert)
					}
					der, err := Encrypt(content, certs, &EncryptOptions{Cipher: c.c, KeyTransport: kt.kt})
					if err != nil {
						t.Fatalf("Encrypt: %v", err)
					}
					in := writeTemp(t, "env.der", der)
					for _, id := range rs.ids {
						got := openssl(t, nil, "cms", "-decrypt", "-binary", "-inform", "DER", "-in", in,
							"-recip", id.certFile, "-inkey", id.keyFile)
						if !bytes.Equal(got, content) {
							t.Errorf("openssl -decrypt for %s: got %d bytes, want the %d bytes of content", id.name, len(got), len(content))
						}
						env, err := ParseEnvelope(der)
						if err != nil {
							t.Fatalf("ParseEnvelope: %v", err)
						}
						if env.Cipher != c.name || env.Auth != (c.c == AES256GCM) {
							t.Errorf("got %q (auth %v), want %q", env.Cipher, env.Auth, c.name)
						}
						dec, err := env.Decrypt(context.Background(), lookupFor(id))
						if err != nil {
							t.Fatalf("Decrypt for %s: %v", id.name, err)
						}
						if !bytes.Equal(dec.Content, content) {
							t.Errorf("Decrypt for %s: content differs", id.name)
						}
						want := kt.name
						if _, ok := id.key.(interface{ ECDH() }); ok || id == p.p256 || id == p.p384 {
							bits := 256
							if c.c == AES128CBC {
								bits = 128
							}
							kdf := map[*identity]string{p.p256: "P-256 (X9.63-SHA-256", p.p384: "P-384 (X9.63-SHA-384"}[id]
							want = fmt.Sprintf("ECDH %s, AES-%d key wrap)", kdf, bits)
						}
						if dec.KeyTransport != want {
							t.Errorf("key transport for %s: got %q, want %q", id.name, dec.KeyTransport, want)
						}
					}
				})
			}
		}
	}
}

// TestEncryptErrors checks the refusals of Encrypt.
func TestEncryptErrors(t *testing.T) {
	p := getPKI(t)
	if _, err := Encrypt(testContent, nil, nil); err == nil {
		t.Errorf("Encrypt without recipients: got no error")
	}
	if _, err := Encrypt(testContent, []*x509.Certificate{p.rsa.cert}, &EncryptOptions{Cipher: 99}); err == nil {
		t.Errorf("Encrypt with an unknown cipher: got no error")
	}
	ed := *p.rsa.cert
	ed.PublicKey = struct{}{}
	if _, err := Encrypt(testContent, []*x509.Certificate{p.rsa.cert, &ed}, nil); err == nil || !strings.Contains(err.Error(), `"rsa"`) {
		t.Errorf("Encrypt for a certificate with an unusable key: got %v, want an error naming it", err)
	}
}
