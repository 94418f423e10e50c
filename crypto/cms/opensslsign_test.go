package cms

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// The message content used by the OpenSSL tests: canonical MIME, CRLF.
var testContent = []byte("Content-Type: text/plain; charset=utf-8\r\n\r\nHallo Welt, this is a signed test message.\r\n")

// TestOpenSSLSigned verifies signatures made by `openssl cms -sign`.
func TestOpenSSLSigned(t *testing.T) {
	needOpenSSL(t)
	p := getPKI(t)
	tests := []struct {
		name       string
		signer     *identity
		args       []string
		detached   bool
		nocerts    bool
		ber        bool // -stream output is BER
		wantDigest string
		wantSig    string
	}{
		{"rsa-sha256-detached", p.rsa, []string{"-md", "sha256"}, true, false, false, "SHA-256", "RSA PKCS#1 v1.5"},
		{"rsa-sha256-nodetach", p.rsa, []string{"-md", "sha256", "-nodetach"}, false, false, false, "SHA-256", "RSA PKCS#1 v1.5"},
		{"rsa-sha256-stream", p.rsa, []string{"-md", "sha256", "-nodetach", "-stream"}, false, false, true, "SHA-256", "RSA PKCS#1 v1.5"},
		{"rsa-sha1", p.rsa, []string{"-md", "sha1"}, true, false, false, "SHA-1", "RSA PKCS#1 v1.5"},
		{"rsa-sha384", p.rsa, []string{"-md", "sha384"}, true, false, false, "SHA-384", "RSA PKCS#1 v1.5"},
		{"rsa-sha512", p.rsa, []string{"-md", "sha512", "-nodetach"}, false, false, false, "SHA-512", "RSA PKCS#1 v1.5"},
		{"rsa-keyid", p.rsa, []string{"-md", "sha256", "-keyid"}, true, false, false, "SHA-256", "RSA PKCS#1 v1.5"},
		{"rsa-nocerts", p.rsa, []string{"-md", "sha256", "-nocerts"}, true, true, false, "SHA-256", "RSA PKCS#1 v1.5"},
		{"rsa-keyid-nocerts-stream", p.rsa, []string{"-md", "sha256", "-keyid", "-nocerts", "-nodetach", "-stream"}, false, true, true, "SHA-256", "RSA PKCS#1 v1.5"},
		{"rsa-pss-sha256", p.rsa, []string{"-md", "sha256", "-keyopt", "rsa_padding_mode:pss"}, true, false, false, "SHA-256", "RSASSA-PSS (SHA-256)"},
		{"rsa-pss-sha512-saltlen", p.rsa, []string{"-md", "sha512", "-keyopt", "rsa_padding_mode:pss", "-keyopt", "rsa_pss_saltlen:32", "-nodetach"}, false, false, false, "SHA-512", "RSASSA-PSS (SHA-512)"},
		{"ecdsa-p256", p.p256, []string{"-md", "sha256"}, true, false, false, "SHA-256", "ECDSA"},
		{"ecdsa-p256-stream", p.p256, []string{"-md", "sha256", "-nodetach", "-stream"}, false, false, true, "SHA-256", "ECDSA"},
		{"ecdsa-p384-sha384", p.p384, []string{"-md", "sha384"}, true, false, false, "SHA-384", "ECDSA"},
		{"ecdsa-p384-sha512-keyid", p.p384, []string{"-md", "sha512", "-keyid"}, true, false, false, "SHA-512", "ECDSA"},
	}
	in := writeTemp(t, "content.txt", testContent)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"cms", "-sign", "-binary", "-in", in, "-signer", tc.signer.certFile,
				"-inkey", tc.signer.keyFile, "-outform", "DER"}, tc.args...)
			der := openssl(t, nil, args...)
			if d, err := toDER(der); err != nil {
				t.Fatalf("toDER: %v", err)
			} else if isBER := !bytes.Equal(d, der); isBER != tc.ber {
				t.Errorf("input is BER: got %v, want %v", isBER, tc.ber)
			}
			if ct, err := ContentType(der); err != nil || !ct.Equal(OIDSignedData) {
				t.Errorf("ContentType: got %v, %v, want signed-data", ct, err)
			}
			sd, err := ParseSignedData(der)
			if err != nil {
				t.Fatalf("ParseSignedData: %v", err)
			}
			if len(sd.Signers) != 1 {
				t.Fatalf("got %d signers, want 1", len(sd.Signers))
			}
			si := sd.Signers[0]
			if si.DigestAlgorithm != tc.wantDigest || si.SignatureAlgorithm != tc.wantSig {
				t.Errorf("algorithms: got %q, %q, want %q, %q", si.DigestAlgorithm, si.SignatureAlgorithm, tc.wantDigest, tc.wantSig)
			}
			if d := time.Since(si.SigningTime); d < -time.Minute || d > time.Minute {
				t.Errorf("signing time: got %v, want about now", si.SigningTime)
			}
			keyid := si.ID.SubjectKeyID != nil
			if want := contains(tc.args, "-keyid"); keyid != want {
				t.Errorf("signer identified by key id: got %v, want %v (%s)", keyid, want, si.ID)
			}
			if !si.ID.Matches(tc.signer.cert) {
				t.Errorf("signer ID %s does not match the signer's certificate", si.ID)
			}
			var cert = tc.signer.cert
			if tc.nocerts {
				if len(sd.Certificates) != 0 {
					t.Errorf("got %d certificates, want none", len(sd.Certificates))
				}
			} else {
				cert = nil
				for _, c := range sd.Certificates {
					if si.ID.Matches(c) {
						cert = c
					}
				}
				if cert == nil {
					t.Fatalf("signer certificate %s not among the %d embedded ones", si.ID, len(sd.Certificates))
				}
			}
			content := testContent
			if tc.detached {
				if sd.Content != nil {
					t.Errorf("detached signature carries %d bytes of content", len(sd.Content))
				}
			} else if !bytes.Equal(sd.Content, testContent) {
				t.Fatalf("encapsulated content: got %q, want %q", sd.Content, testContent)
			}
			if err := sd.Verify(0, content, cert); err != nil {
				t.Errorf("Verify: %v", err)
			}

			tampered := bytes.Replace(content, []byte("Hallo"), []byte("Hallx"), 1)
			if err := sd.Verify(0, tampered, cert); !errors.Is(err, ErrDigestMismatch) {
				t.Errorf("Verify of tampered content: got %v, want ErrDigestMismatch", err)
			}
			other := p.rsa2.cert
			if tc.signer == p.rsa2 {
				other = p.rsa.cert
			}
			if err := sd.Verify(0, content, other); !errors.Is(err, ErrBadSignature) {
				t.Errorf("Verify with another certificate: got %v, want ErrBadSignature", err)
			}
			bad := bytes.Clone(der)
			i := bytes.Index(bad, si.signature)
			bad[i+len(si.signature)/2] ^= 0x01
			sd2, err := ParseSignedData(bad)
			if err != nil {
				t.Fatalf("ParseSignedData of a tampered signature: %v", err)
			}
			if err := sd2.Verify(0, content, cert); !errors.Is(err, ErrBadSignature) {
				t.Errorf("Verify of a tampered signature: got %v, want ErrBadSignature", err)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestOpenSSLSignedNoAttributes verifies `openssl cms -sign -noattr`: the
// signature covers the content itself.
func TestOpenSSLSignedNoAttributes(t *testing.T) {
	needOpenSSL(t)
	p := getPKI(t)
	in := writeTemp(t, "content.txt", testContent)
	for _, id := range []*identity{p.rsa, p.p256} {
		t.Run(id.name, func(t *testing.T) {
			der := openssl(t, nil, "cms", "-sign", "-binary", "-noattr", "-in", in, "-signer", id.certFile,
				"-inkey", id.keyFile, "-md", "sha256", "-outform", "DER")
			sd, err := ParseSignedData(der)
			if err != nil {
				t.Fatalf("ParseSignedData: %v", err)
			}
			if si := sd.Signers[0]; si.attrs != nil || !si.SigningTime.IsZero() {
				t.Errorf("got signed attributes or a signing time %v, want none", si.SigningTime)
			}
			if err := sd.Verify(0, testContent, id.cert); err != nil {
				t.Errorf("Verify: %v", err)
			}
			if err := sd.Verify(0, append(bytes.Clone(testContent), 'x'), id.cert); !errors.Is(err, ErrDigestMismatch) {
				t.Errorf("Verify of changed content: got %v, want ErrDigestMismatch", err)
			}
			other := p.p384.cert
			if id == p.p256 {
				other = p.rsa.cert
			}
			if err := sd.Verify(0, testContent, other); !errors.Is(err, ErrBadSignature) {
				t.Errorf("Verify with a certificate of another key type: got %v, want ErrBadSignature", err)
			}
		})
	}
}
