package cms

import (
	"bytes"
	"context"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// TestMalformedInput feeds garbage and broken structures to the parsers.
func TestMalformedInput(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"garbage", []byte("this is not DER at all, just text")},
		{"zero bytes", make([]byte, 64)},
		{"huge length", []byte{0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x06, 0x01, 0x00}},
		{"length beyond input", []byte{0x30, 0x10, 0x06, 0x03, 0x2a, 0x03, 0x04}},
		{"indefinite primitive", []byte{0x04, 0x80, 0x00, 0x00}},
		{"unterminated indefinite", []byte{0x30, 0x80, 0x06, 0x01, 0x2a}},
		{"five-byte length", []byte{0x30, 0x85, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00}},
		{"trailing data", []byte{0x30, 0x00, 0x00}},
		{"deep nesting", deepNesting(10000)},
		{"deep indefinite nesting", deepIndefinite(10000)},
		{"wrong content type", []byte{0x30, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01}},
		{"high tag number", []byte{0x3f, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ParseSignedData(tc.in); !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnsupported) {
				t.Errorf("ParseSignedData: got %v, want ErrMalformed", err)
			}
			if _, err := ParseEnvelope(tc.in); !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnsupported) {
				t.Errorf("ParseEnvelope: got %v, want ErrMalformed", err)
			}
			if _, err := ContentType(tc.in); err == nil && len(tc.in) < 4 {
				t.Errorf("ContentType: got no error for %x", tc.in)
			}
		})
	}
}

func deepNesting(n int) []byte {
	// n nested SEQUENCEs with definite lengths, innermost empty.
	b := []byte{0x30, 0x00}
	for i := 0; i < n; i++ {
		b = append(appendLength([]byte{0x30}, len(b)), b...)
	}
	return b
}

func deepIndefinite(n int) []byte {
	b := make([]byte, 0, 4*n)
	for i := 0; i < n; i++ {
		b = append(b, 0x30, 0x80)
	}
	for i := 0; i < n; i++ {
		b = append(b, 0x00, 0x00)
	}
	return b
}

// TestLimits checks the bounds on signers and recipients.
func TestLimits(t *testing.T) {
	p := getPKI(t)
	certs := make([]*x509.Certificate, maxRecipients+1)
	for i := range certs {
		certs[i] = p.p256.cert
	}
	der, err := Encrypt(testContent, certs[:maxRecipients], nil)
	if err != nil {
		t.Fatal(err)
	}
	if env, err := ParseEnvelope(der); err != nil || len(env.Recipients) != maxRecipients {
		t.Errorf("ParseEnvelope of %d recipients: got %v", maxRecipients, err)
	}
	der, err = Encrypt(testContent, certs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseEnvelope(der); !errors.Is(err, ErrMalformed) {
		t.Errorf("ParseEnvelope of %d recipients: got %v, want ErrMalformed", len(certs), err)
	}
}

// TestSignerLimit checks the bound on SignerInfos with a signature whose
// one SignerInfo is repeated.
func TestSignerLimit(t *testing.T) {
	p := getPKI(t)
	der, err := SignDetached(testContent, p.p256.cert, p.p256.key, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{maxSigners, maxSigners + 1} {
		sd, err := ParseSignedData(repeatSigner(t, der, n))
		if n <= maxSigners {
			if err != nil || len(sd.Signers) != n {
				t.Errorf("%d signers: got %v", n, err)
				continue
			}
			if err := sd.Verify(n-1, testContent, p.p256.cert); err != nil {
				t.Errorf("%d signers: Verify of the last: %v", n, err)
			}
		} else if !errors.Is(err, ErrMalformed) {
			t.Errorf("%d signers: got %v, want ErrMalformed", n, err)
		}
	}
}

// repeatSigner rebuilds a one-signer SignedData with its SignerInfo n times.
func repeatSigner(t *testing.T, der []byte, n int) []byte {
	t.Helper()
	s := cryptobyte.String(der)
	var ci, explicit, sd cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !s.ReadASN1(&ci, cbasn1.SEQUENCE) || !ci.ReadASN1ObjectIdentifier(&oid) ||
		!ci.ReadASN1(&explicit, cbasn1.Tag(0).ContextSpecific().Constructed()) || !explicit.ReadASN1(&sd, cbasn1.SEQUENCE) {
		t.Fatal("bad SignedData")
	}
	var head []cryptobyte.String
	var infos cryptobyte.String
	for !sd.Empty() {
		var elem cryptobyte.String
		var tag cbasn1.Tag
		if !sd.ReadAnyASN1Element(&elem, &tag) {
			t.Fatal("bad element")
		}
		if tag == cbasn1.SET && sd.Empty() {
			infos = elem
		} else {
			head = append(head, elem)
		}
	}
	var info cryptobyte.String
	if !infos.ReadASN1(&info, cbasn1.SET) {
		t.Fatal("bad SignerInfos")
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				for _, h := range head {
					b.AddBytes(h)
				}
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
					for i := 0; i < n; i++ {
						b.AddBytes(info)
					}
				})
			})
		})
	})
	return b.BytesOrPanic()
}

// envelopeParts describes a hand-made EnvelopedData with one ktri for the
// test PKI's RSA identity, for the cases Encrypt never writes.
type envelopeParts struct {
	encryptedKey []byte
	alg          asn1.ObjectIdentifier
	params       func(*cryptobyte.Builder)
	ciphertext   []byte
	oaep         bool // RSAES-OAEP with SHA-256 instead of PKCS #1 v1.5
	auth         bool
	mac          []byte
}

func (e envelopeParts) build(p *testPKI) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		if e.auth {
			b.AddASN1ObjectIdentifier(OIDAuthEnvelopedData)
		} else {
			b.AddASN1ObjectIdentifier(OIDEnvelopedData)
		}
		b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1Int64(0)
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1Int64(0)
						addIssuerAndSerial(b, p.rsa.cert)
						if e.oaep {
							addAlgorithm(b, oidRSAESOAEP, addOAEPParams)
						} else {
							addAlgorithm(b, oidRSAEncryption, func(b *cryptobyte.Builder) { b.AddASN1NULL() })
						}
						b.AddASN1OctetString(e.encryptedKey)
					})
				})
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(OIDData)
					addAlgorithm(b, e.alg, e.params)
					b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(e.ciphertext) })
				})
				if e.auth {
					b.AddASN1OctetString(e.mac)
				}
			})
		})
	})
	return b.BytesOrPanic()
}

// TestBrokenEnvelopes checks envelopes with bad IVs, lengths, keys,
// padding and tags: structure errors are ErrMalformed, everything that
// depends on the key is ErrDecrypt.
func TestBrokenEnvelopes(t *testing.T) {
	p := getPKI(t)
	cek := bytes.Repeat([]byte{0x42}, 32)
	ek, err := rsa.EncryptPKCS1v15(rand.Reader, &p.rsa.key.(*rsa.PrivateKey).PublicKey, cek)
	if err != nil {
		t.Fatal(err)
	}
	ek16, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, &p.rsa.key.(*rsa.PrivateKey).PublicKey, cek[:16], nil)
	if err != nil {
		t.Fatal(err)
	}
	iv := make([]byte, 16)
	ivParam := func(iv []byte) func(*cryptobyte.Builder) {
		return func(b *cryptobyte.Builder) { b.AddASN1OctetString(iv) }
	}
	// cbc encrypts raw blocks without adding padding.
	cbc := func(plain []byte) []byte {
		block, _ := aes.NewCipher(cek)
		out := make([]byte, len(plain))
		cipher.NewCBCEncrypter(block, iv).CryptBlocks(out, plain)
		return out
	}
	gcmParams := func(nonce []byte, icv int64) func(*cryptobyte.Builder) {
		return func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1OctetString(nonce)
				b.AddASN1Int64(icv)
			})
		}
	}
	block, _ := aes.NewCipher(cek)
	gcm, _ := cipher.NewGCM(block)
	sealed := gcm.Seal(nil, make([]byte, 12), testContent, nil)
	body, tag := sealed[:len(testContent)], sealed[len(testContent):]
	badTag := bytes.Clone(tag)
	badTag[0] ^= 1
	good := append(bytes.Clone(testContent[:32]), bytes.Repeat([]byte{16}, 16)...)

	tests := []struct {
		name      string
		env       envelopeParts
		parseErr  error
		decrypted []byte
		want      error
	}{
		{"good CBC", envelopeParts{encryptedKey: ek, alg: oidAES256CBC, params: ivParam(iv), ciphertext: cbc(good)}, nil, testContent[:32], nil},
		{"IV of 15 bytes", envelopeParts{encryptedKey: ek, alg: oidAES256CBC, params: ivParam(iv[:15]), ciphertext: cbc(good)}, ErrMalformed, nil, nil},
		{"IV missing", envelopeParts{encryptedKey: ek, alg: oidAES256CBC, ciphertext: cbc(good)}, ErrMalformed, nil, nil},
		{"3DES with an AES IV", envelopeParts{encryptedKey: ek, alg: oidDESEDE3CBC, params: ivParam(iv), ciphertext: cbc(good)}, ErrMalformed, nil, nil},
		{"ciphertext not whole blocks", envelopeParts{encryptedKey: ek, alg: oidAES256CBC, params: ivParam(iv), ciphertext: cbc(good)[:40]}, ErrMalformed, nil, nil},
		{"empty ciphertext", envelopeParts{encryptedKey: ek, alg: oidAES256CBC, params: ivParam(iv), ciphertext: nil}, ErrMalformed, nil, nil},
		{"padding byte zero", envelopeParts{encryptedKey: ek, alg: oidAES256CBC, params: ivParam(iv), ciphertext: cbc(make([]byte, 32))}, nil, nil, ErrDecrypt},
		{"padding byte 255", envelopeParts{encryptedKey: ek, alg: oidAES256CBC, params: ivParam(iv), ciphertext: cbc(bytes.Repeat([]byte{0xff}, 16))}, nil, nil, ErrDecrypt},
		{"padding bytes differ", envelopeParts{encryptedKey: ek, alg: oidAES256CBC, params: ivParam(iv), ciphertext: cbc(append(make([]byte, 13), 1, 3, 3))}, nil, nil, ErrDecrypt},
		// Key failures with RSA PKCS#1 v1.5 give a random content key
		// (see Decrypt), which GCM's tag rejects every time.
		{"zero-length encrypted key", envelopeParts{encryptedKey: nil, alg: oidAES256GCM, params: gcmParams(make([]byte, 12), 16), ciphertext: body, auth: true, mac: tag}, nil, nil, ErrDecrypt},
		{"encrypted key too short", envelopeParts{encryptedKey: ek[:100], alg: oidAES256GCM, params: gcmParams(make([]byte, 12), 16), ciphertext: body, auth: true, mac: tag}, nil, nil, ErrDecrypt},
		{"encrypted key changed", envelopeParts{encryptedKey: append([]byte{ek[0] ^ 1}, ek[1:]...), alg: oidAES256GCM, params: gcmParams(make([]byte, 12), 16), ciphertext: body, auth: true, mac: tag}, nil, nil, ErrDecrypt},
		{"OAEP content key of the wrong size", envelopeParts{encryptedKey: ek16, oaep: true, alg: oidAES256CBC, params: ivParam(iv), ciphertext: cbc(good)}, nil, nil, ErrDecrypt},
		{"OAEP zero-length encrypted key", envelopeParts{encryptedKey: nil, oaep: true, alg: oidAES256CBC, params: ivParam(iv), ciphertext: cbc(good)}, nil, nil, ErrDecrypt},
		{"good GCM", envelopeParts{encryptedKey: ek, alg: oidAES256GCM, params: gcmParams(make([]byte, 12), 16), ciphertext: body, auth: true, mac: tag}, nil, testContent, nil},
		{"GCM wrong tag", envelopeParts{encryptedKey: ek, alg: oidAES256GCM, params: gcmParams(make([]byte, 12), 16), ciphertext: body, auth: true, mac: badTag}, nil, nil, ErrDecrypt},
		{"GCM changed ciphertext", envelopeParts{encryptedKey: ek, alg: oidAES256GCM, params: gcmParams(make([]byte, 12), 16), ciphertext: append([]byte{body[0] ^ 1}, body[1:]...), auth: true, mac: tag}, nil, nil, ErrDecrypt},
		{"GCM empty nonce", envelopeParts{encryptedKey: ek, alg: oidAES256GCM, params: gcmParams(nil, 16), ciphertext: body, auth: true, mac: tag}, ErrMalformed, nil, nil},
		{"GCM 8-byte tag", envelopeParts{encryptedKey: ek, alg: oidAES256GCM, params: gcmParams(make([]byte, 12), 8), ciphertext: body, auth: true, mac: tag[:8]}, ErrMalformed, nil, nil},
		{"GCM mac shorter than the tag length", envelopeParts{encryptedKey: ek, alg: oidAES256GCM, params: gcmParams(make([]byte, 12), 16), ciphertext: body, auth: true, mac: tag[:12]}, ErrMalformed, nil, nil},
		{"GCM in EnvelopedData, tag appended", envelopeParts{encryptedKey: ek, alg: oidAES256GCM, params: gcmParams(make([]byte, 12), 16), ciphertext: sealed}, nil, testContent, nil},
		{"CBC in AuthEnvelopedData", envelopeParts{encryptedKey: ek, alg: oidAES256CBC, params: ivParam(iv), ciphertext: cbc(good), auth: true, mac: tag}, ErrMalformed, nil, nil},
		{"unknown cipher", envelopeParts{encryptedKey: ek, alg: asn1.ObjectIdentifier{1, 2, 3, 4}, params: ivParam(iv), ciphertext: cbc(good)}, nil, nil, ErrUnsupported},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env, err := ParseEnvelope(tc.env.build(p))
			if tc.parseErr != nil {
				if !errors.Is(err, tc.parseErr) {
					t.Errorf("ParseEnvelope: got %v, want %v", err, tc.parseErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseEnvelope: %v", err)
			}
			d, err := env.Decrypt(context.Background(), lookupFor(p.rsa))
			if tc.want != nil {
				if !errors.Is(err, tc.want) {
					t.Errorf("Decrypt: got %v, want %v", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decrypt: %v", err)
			}
			if !bytes.Equal(d.Content, tc.decrypted) {
				t.Errorf("Decrypt: got %q, want %q", d.Content, tc.decrypted)
			}
		})
	}
}

// TestBrokenKeyAgreement changes the ephemeral key and the wrapped key of
// an ECDH recipient: both are ErrDecrypt.
func TestBrokenKeyAgreement(t *testing.T) {
	p := getPKI(t)
	der, err := Encrypt(testContent, []*x509.Certificate{p.p256.cert}, nil)
	if err != nil {
		t.Fatal(err)
	}
	env, err := ParseEnvelope(der)
	if err != nil {
		t.Fatal(err)
	}
	point := env.recipients[0].ephemeral
	wrapped := env.recipients[0].encryptedKey
	for name, at := range map[string]int{
		"point off the curve":          bytes.Index(der, point) + 10,
		"point with a bad format byte": bytes.Index(der, point),
		"wrapped key changed":          bytes.Index(der, wrapped) + 3,
	} {
		t.Run(name, func(t *testing.T) {
			bad := bytes.Clone(der)
			bad[at] ^= 0x01
			env, err := ParseEnvelope(bad)
			if err != nil {
				t.Fatalf("ParseEnvelope: %v", err)
			}
			if _, err := env.Decrypt(context.Background(), lookupFor(p.p256)); !errors.Is(err, ErrDecrypt) {
				t.Errorf("Decrypt: got %v, want ErrDecrypt", err)
			}
		})
	}
	t.Run("RSA key for an EC recipient", func(t *testing.T) {
		lookup := func(_ context.Context, id CertID) (*x509.Certificate, crypto.PrivateKey, error) {
			return p.p256.cert, p.rsa.key, nil
		}
		if _, err := env.Decrypt(context.Background(), lookup); !errors.Is(err, ErrDecrypt) {
			t.Errorf("Decrypt: got %v, want ErrDecrypt", err)
		}
	})
}

// TestDecryptLookupErrors checks how Decrypt reports failed look-ups.
func TestDecryptLookupErrors(t *testing.T) {
	p := getPKI(t)
	der, err := Encrypt(testContent, []*x509.Certificate{p.rsa2.cert, p.rsa.cert}, nil)
	if err != nil {
		t.Fatal(err)
	}
	env, err := ParseEnvelope(der)
	if err != nil {
		t.Fatal(err)
	}
	errLocked := errors.New("store locked")
	failFor := func(bad *identity, good *identity) KeyLookup {
		return func(_ context.Context, id CertID) (*x509.Certificate, crypto.PrivateKey, error) {
			switch {
			case id.Matches(bad.cert):
				return nil, nil, errLocked
			case good != nil && id.Matches(good.cert):
				return good.cert, good.key, nil
			}
			return nil, nil, nil
		}
	}
	if _, err := env.Decrypt(context.Background(), failFor(p.rsa2, nil)); !errors.Is(err, errLocked) || errors.Is(err, ErrNoKey) {
		t.Errorf("only a failing look-up: got %v, want the look-up error", err)
	}
	d, err := env.Decrypt(context.Background(), failFor(p.rsa2, p.rsa))
	if err != nil || !bytes.Equal(d.Content, testContent) {
		t.Errorf("a failing look-up and a key: got %v, want the content", err)
	}
}

// Signed attributes without a contentType attribute (RFC 5652 §5.3) are
// not a signature we accept, even when the rest would verify.
func TestSignedAttributesNeedContentType(t *testing.T) {
	p := getPKI(t)
	content := []byte("Content-Type: text/plain\r\n\r\nhello\r\n")
	sig, err := SignDetached(content, p.rsa.cert, p.rsa.key, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseSignedData(sig); err != nil {
		t.Fatalf("unchanged signature: %v", err)
	}
	// id-contentType 1.2.840.113549.1.9.3 becomes the unknown 1.2.840.113549.1.9.63.
	oid := []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x03}
	if bytes.Count(sig, oid) != 1 {
		t.Fatalf("contentType attribute found %d times, want 1", bytes.Count(sig, oid))
	}
	broken := bytes.Replace(sig, oid, append(oid[:len(oid)-1:len(oid)-1], 0x3f), 1)
	if _, err := ParseSignedData(broken); !errors.Is(err, ErrMalformed) {
		t.Errorf("without contentType: got %v, want ErrMalformed", err)
	}
}
