package cms

import (
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
