package cms

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"testing"
)

// TestOpenSSLEnveloped decrypts envelopes made by `openssl cms -encrypt`.
func TestOpenSSLEnveloped(t *testing.T) {
	needOpenSSL(t)
	p := getPKI(t)
	oaep := []string{"rsa_padding_mode:oaep"}
	oaep256 := []string{"rsa_padding_mode:oaep", "rsa_oaep_md:sha256"}
	tests := []struct {
		name       string
		args       []string
		recips     []recip
		ours       *identity // the identity whose key we have
		ber        bool
		wantAuth   bool
		wantCipher string
		wantKT     string
		wantKeyID  bool
	}{
		{"aes128-cbc", []string{"-aes128"}, []recip{{p.rsa, nil}}, p.rsa, false, false, "AES-128-CBC", "RSA PKCS#1 v1.5", false},
		{"aes192-cbc", []string{"-aes192"}, []recip{{p.rsa, nil}}, p.rsa, false, false, "AES-192-CBC", "RSA PKCS#1 v1.5", false},
		{"aes256-cbc", []string{"-aes256"}, []recip{{p.rsa, nil}}, p.rsa, false, false, "AES-256-CBC", "RSA PKCS#1 v1.5", false},
		{"3des-cbc", []string{"-des3"}, []recip{{p.rsa, nil}}, p.rsa, false, false, "3DES-CBC", "RSA PKCS#1 v1.5", false},
		{"aes256-cbc-stream", []string{"-aes256", "-stream"}, []recip{{p.rsa, nil}}, p.rsa, true, false, "AES-256-CBC", "RSA PKCS#1 v1.5", false},
		{"aes128-gcm", []string{"-aes-128-gcm"}, []recip{{p.rsa, nil}}, p.rsa, false, true, "AES-128-GCM", "RSA PKCS#1 v1.5", false},
		{"aes256-gcm", []string{"-aes-256-gcm"}, []recip{{p.rsa, nil}}, p.rsa, false, true, "AES-256-GCM", "RSA PKCS#1 v1.5", false},
		{"aes256-gcm-stream", []string{"-aes-256-gcm", "-stream"}, []recip{{p.rsa, nil}}, p.rsa, true, true, "AES-256-GCM", "RSA PKCS#1 v1.5", false},
		{"oaep-sha1", []string{"-aes256"}, []recip{{p.rsa, oaep}}, p.rsa, false, false, "AES-256-CBC", "RSA-OAEP (SHA-1, MGF1-SHA-1)", false},
		{"oaep-sha256", []string{"-aes256"}, []recip{{p.rsa, oaep256}}, p.rsa, false, false, "AES-256-CBC", "RSA-OAEP (SHA-256, MGF1-SHA-256)", false},
		{"oaep-sha256-mgf1-sha1", []string{"-aes128"}, []recip{{p.rsa, append(oaep256, "rsa_mgf1_md:sha1")}}, p.rsa, false, false, "AES-128-CBC", "RSA-OAEP (SHA-256, MGF1-SHA-1)", false},
		{"oaep-sha1-label", []string{"-aes256"}, []recip{{p.rsa, append(oaep, "rsa_oaep_label:0123456789ABCDEF")}}, p.rsa, false, false, "AES-256-CBC", "RSA-OAEP (SHA-1, MGF1-SHA-1, label)", false},
		{"oaep-sha256-label-gcm", []string{"-aes-256-gcm"}, []recip{{p.rsa, append(oaep256, "rsa_oaep_label:cafe")}}, p.rsa, false, true, "AES-256-GCM", "RSA-OAEP (SHA-256, MGF1-SHA-256, label)", false},
		{"ec-p256", []string{"-aes256"}, []recip{{p.p256, nil}}, p.p256, false, false, "AES-256-CBC", "ECDH P-256 (X9.63-SHA-1, AES-256 key wrap)", false},
		{"ec-p256-sha256kdf-aes128", []string{"-aes128"}, []recip{{p.p256, []string{"ecdh_kdf_md:sha256"}}}, p.p256, false, false, "AES-128-CBC", "ECDH P-256 (X9.63-SHA-256, AES-128 key wrap)", false},
		{"ec-p384", []string{"-aes256"}, []recip{{p.p384, nil}}, p.p384, false, false, "AES-256-CBC", "ECDH P-384 (X9.63-SHA-1, AES-256 key wrap)", false},
		{"ec-p384-sha384kdf-gcm", []string{"-aes-256-gcm"}, []recip{{p.p384, []string{"ecdh_kdf_md:sha384"}}}, p.p384, false, true, "AES-256-GCM", "ECDH P-384 (X9.63-SHA-384, AES-256 key wrap)", false},
		{"ec-p384-sha512kdf-stream", []string{"-aes256", "-stream"}, []recip{{p.p384, []string{"ecdh_kdf_md:sha512"}}}, p.p384, true, false, "AES-256-CBC", "ECDH P-384 (X9.63-SHA-512, AES-256 key wrap)", false},
		{"keyid-rsa", []string{"-aes256", "-keyid"}, []recip{{p.rsa, nil}}, p.rsa, false, false, "AES-256-CBC", "RSA PKCS#1 v1.5", true},
		{"keyid-oaep", []string{"-aes256", "-keyid"}, []recip{{p.rsa, oaep256}}, p.rsa, false, false, "AES-256-CBC", "RSA-OAEP (SHA-256, MGF1-SHA-256)", true},
		{"keyid-ec", []string{"-aes256", "-keyid"}, []recip{{p.p256, []string{"ecdh_kdf_md:sha256"}}}, p.p256, false, false, "AES-256-CBC", "ECDH P-256 (X9.63-SHA-256, AES-256 key wrap)", true},
		{"several-rsa-last", []string{"-aes256"}, []recip{{p.rsa2, nil}, {p.p256, nil}, {p.rsa, oaep256}}, p.rsa, false, false, "AES-256-CBC", "RSA-OAEP (SHA-256, MGF1-SHA-256)", false},
		{"several-ec-middle", []string{"-aes-256-gcm", "-keyid"}, []recip{{p.rsa2, nil}, {p.p384, nil}, {p.rsa, nil}}, p.p384, false, true, "AES-256-GCM", "ECDH P-384 (X9.63-SHA-1, AES-256 key wrap)", true},
	}
	in := writeTemp(t, "content.txt", testContent)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"cms", "-encrypt", "-binary", "-in", in, "-outform", "DER"}, tc.args...)
			for _, r := range tc.recips {
				args = append(args, "-recip", r.id.certFile)
				for _, o := range r.keyopts {
					args = append(args, "-keyopt", o)
				}
			}
			der := openssl(t, nil, args...)
			if d, err := toDER(der); err != nil {
				t.Fatalf("toDER: %v", err)
			} else if isBER := !bytes.Equal(d, der); isBER != tc.ber {
				t.Errorf("input is BER: got %v, want %v", isBER, tc.ber)
			}
			wantType := OIDEnvelopedData
			if tc.wantAuth {
				wantType = OIDAuthEnvelopedData
			}
			if ct, err := ContentType(der); err != nil || !ct.Equal(wantType) {
				t.Errorf("ContentType: got %v, %v, want %v", ct, err, wantType)
			}
			env, err := ParseEnvelope(der)
			if err != nil {
				t.Fatalf("ParseEnvelope: %v", err)
			}
			if env.Auth != tc.wantAuth || env.Cipher != tc.wantCipher {
				t.Errorf("got Auth %v, Cipher %q, want %v, %q", env.Auth, env.Cipher, tc.wantAuth, tc.wantCipher)
			}
			if len(env.Recipients) != len(tc.recips) {
				t.Fatalf("got %d recipients, want %d", len(env.Recipients), len(tc.recips))
			}
			// OpenSSL sorts the SET OF RecipientInfo, so look for each.
			for _, r := range tc.recips {
				found := -1
				for i, ri := range env.Recipients {
					if ri.ID.Matches(r.id.cert) {
						found = i
					}
				}
				if found < 0 {
					t.Errorf("no RecipientInfo names %s", r.id.name)
					continue
				}
				if keyid := env.Recipients[found].ID.SubjectKeyID != nil; keyid != tc.wantKeyID {
					t.Errorf("recipient %s identified by key id: got %v, want %v", r.id.name, keyid, tc.wantKeyID)
				}
				if r.id == tc.ours && len(tc.recips) > 1 && found == 0 {
					t.Errorf("our RecipientInfo is the first of %d; the case wants it elsewhere", len(tc.recips))
				}
			}
			got, err := env.Decrypt(context.Background(), lookupFor(tc.ours))
			if err != nil {
				t.Fatalf("Decrypt: %v", err)
			}
			if !bytes.Equal(got.Content, testContent) {
				t.Errorf("content: got %q, want %q", got.Content, testContent)
			}
			if got.Recipient != tc.ours.cert {
				t.Errorf("recipient: got %v, want %s", got.Recipient.Subject, tc.ours.name)
			}
			if got.KeyTransport != tc.wantKT {
				t.Errorf("key transport: got %q, want %q", got.KeyTransport, tc.wantKT)
			}

			// Nobody else's key opens it.
			others := []*identity{}
			for _, id := range p.all {
				if !hasRecipient(tc.recips, id) {
					others = append(others, id)
				}
			}
			if _, err := env.Decrypt(context.Background(), lookupFor(others...)); !errors.Is(err, ErrNoKey) {
				t.Errorf("Decrypt with the keys of others: got %v, want ErrNoKey", err)
			}
			// A wrong key of the same type for our identifier. RSA
			// PKCS#1 v1.5 with CBC is left out: its wrong key gives a
			// random content key that passes the padding check once in
			// 256 runs (see Decrypt).
			if wrong := wrongKeyFor(p, tc.ours); wrong != nil && !(tc.wantKT == "RSA PKCS#1 v1.5" && !tc.wantAuth) {
				lookup := func(_ context.Context, id CertID) (*x509.Certificate, crypto.PrivateKey, error) {
					if id.Matches(tc.ours.cert) {
						return tc.ours.cert, wrong, nil
					}
					return nil, nil, nil
				}
				if _, err := env.Decrypt(context.Background(), lookup); !errors.Is(err, ErrDecrypt) {
					t.Errorf("Decrypt with a wrong key: got %v, want ErrDecrypt", err)
				}
			}
			// Truncated input.
			for _, n := range []int{1, 10, len(der) / 2, len(der) - 1} {
				if _, err := ParseEnvelope(der[:n]); !errors.Is(err, ErrMalformed) {
					t.Errorf("ParseEnvelope of %d of %d bytes: got %v, want ErrMalformed", n, len(der), err)
				}
			}
		})
	}
}

// recip is a recipient for `openssl cms -encrypt` with its -keyopt values.
type recip struct {
	id      *identity
	keyopts []string
}

func hasRecipient(list []recip, id *identity) bool {
	for _, r := range list {
		if r.id == id {
			return true
		}
	}
	return false
}

// wrongKeyFor returns another identity's key of the same type.
func wrongKeyFor(p *testPKI, id *identity) crypto.PrivateKey {
	switch id {
	case p.rsa:
		return p.rsa2.key
	case p.rsa2:
		return p.rsa.key
	}
	return nil
}
