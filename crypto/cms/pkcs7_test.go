package cms

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"testing"

	"github.com/smallstep/pkcs7"
)

// TestPKCS7Interop holds this package to interoperate with
// smallstep/pkcs7 in the cases pkcs7 handles, in both directions. None of
// these cases changes pkcs7's package variables.
func TestPKCS7Interop(t *testing.T) {
	p := getPKI(t)
	for _, id := range []*identity{p.rsa, p.p256, p.p384} {
		t.Run("pkcs7 signs, cms verifies/"+id.name, func(t *testing.T) {
			sd, err := pkcs7.NewSignedData(testContent)
			if err != nil {
				t.Fatal(err)
			}
			sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
			if err := sd.AddSignerChain(id.cert, id.key, []*x509.Certificate{p.ca.cert}, pkcs7.SignerInfoConfig{}); err != nil {
				t.Fatal(err)
			}
			sd.Detach()
			der, err := sd.Finish()
			if err != nil {
				t.Fatal(err)
			}
			parsed, err := ParseSignedData(der)
			if err != nil {
				t.Fatalf("ParseSignedData: %v", err)
			}
			if err := parsed.Verify(0, testContent, id.cert); err != nil {
				t.Errorf("Verify: %v", err)
			}
		})
		t.Run("cms signs, pkcs7 verifies/"+id.name, func(t *testing.T) {
			der, err := SignDetached(testContent, id.cert, id.key, []*x509.Certificate{p.ca.cert}, nil)
			if err != nil {
				t.Fatal(err)
			}
			p7, err := pkcs7.Parse(der)
			if err != nil {
				t.Fatalf("pkcs7.Parse: %v", err)
			}
			p7.Content = testContent
			pool := x509.NewCertPool()
			pool.AddCert(p.ca.cert)
			if err := p7.VerifyWithChain(pool); err != nil {
				t.Errorf("pkcs7 VerifyWithChain: %v", err)
			}
			p7.Content = append(bytes.Clone(testContent), '!')
			if err := p7.Verify(); err == nil {
				t.Errorf("pkcs7 Verify accepted changed content")
			}
		})
	}
	for c, name := range map[Cipher]string{AES256CBC: "AES-256-CBC", AES128CBC: "AES-128-CBC"} {
		t.Run("cms encrypts, pkcs7 decrypts/"+name, func(t *testing.T) {
			der, err := Encrypt(testContent, []*x509.Certificate{p.rsa2.cert, p.rsa.cert}, &EncryptOptions{Cipher: c})
			if err != nil {
				t.Fatal(err)
			}
			p7, err := pkcs7.Parse(der)
			if err != nil {
				t.Fatalf("pkcs7.Parse: %v", err)
			}
			got, err := p7.Decrypt(p.rsa.cert, p.rsa.key)
			if err != nil || !bytes.Equal(got, testContent) {
				t.Errorf("pkcs7 Decrypt: got %q, %v, want the content", got, err)
			}
		})
	}
	t.Run("pkcs7 default encryption is refused", func(t *testing.T) {
		// pkcs7.Encrypt's defaults: single DES, which nobody may use.
		der, err := pkcs7.Encrypt(testContent, []*x509.Certificate{p.rsa.cert})
		if err != nil {
			t.Fatal(err)
		}
		env, err := ParseEnvelope(der)
		if err != nil {
			t.Fatalf("ParseEnvelope: %v", err)
		}
		if env.Cipher != "1.3.14.3.2.7" {
			t.Errorf("Cipher: got %q, want the DES-CBC OID", env.Cipher)
		}
		if _, err := env.Decrypt(context.Background(), lookupFor(p.rsa)); !errors.Is(err, ErrUnsupported) {
			t.Errorf("Decrypt: got %v, want ErrUnsupported", err)
		}
	})
	t.Run("pkcs7 loses key-id signers", func(t *testing.T) {
		// Why ParseSignedData does not use pkcs7.Parse (see doc.go).
		needOpenSSL(t)
		in := writeTemp(t, "content.txt", testContent)
		der := openssl(t, nil, "cms", "-sign", "-binary", "-in", in, "-signer", p.rsa.certFile, "-inkey", p.rsa.keyFile,
			"-md", "sha256", "-keyid", "-outform", "DER")
		if p7, err := pkcs7.Parse(der); err == nil && len(p7.Signers) == 1 && p7.GetOnlySigner() != nil {
			t.Errorf("pkcs7 now reads key-id signers; revisit doc.go")
		}
		sd, err := ParseSignedData(der)
		if err != nil || len(sd.Signers) != 1 || sd.Signers[0].ID.SubjectKeyID == nil {
			t.Errorf("ParseSignedData: got %v, want one key-id signer", err)
		}
	})
}
