package certs

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"siegel/crypto/ber"
	"siegel/crypto/testpki"
)

// certsOnly writes the certificates-only SignedData of a .p7b file in DER.
func certsOnly(t testing.TB, certs ...[]byte) []byte {
	t.Helper()
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(ci *cryptobyte.Builder) {
		ci.AddBytes(oidSignedDataDER)
		ci.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(e *cryptobyte.Builder) {
			e.AddASN1(cbasn1.SEQUENCE, func(sd *cryptobyte.Builder) {
				sd.AddASN1Int64(1)
				sd.AddASN1(cbasn1.SET, func(*cryptobyte.Builder) {})
				sd.AddASN1(cbasn1.SEQUENCE, func(eci *cryptobyte.Builder) {
					eci.AddBytes([]byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01})
				})
				sd.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(set *cryptobyte.Builder) {
					for _, c := range certs {
						set.AddBytes(c)
					}
				})
				sd.AddASN1(cbasn1.SET, func(*cryptobyte.Builder) {})
			})
		})
	})
	out, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// nestedBundle is the crash of issue 10: a ContentInfo of type signed-data
// whose content is levels nested indefinite-length SEQUENCE headers (30 80),
// without their end-of-contents octets, or with them when closed.
func nestedBundle(levels int, closed bool) []byte {
	out := append([]byte{0x30, 0x80}, oidSignedDataDER...)
	out = append(out, 0xa0, 0x80)
	out = append(out, bytes.Repeat([]byte{0x30, 0x80}, levels)...)
	if closed {
		out = append(out, bytes.Repeat([]byte{0, 0}, levels+2)...)
	}
	return out
}

func bundleCerts(t testing.TB) (leaf, ca *x509.Certificate) {
	t.Helper()
	now := time.Now()
	root, err := testpki.New(testpki.Spec{CN: "Bundle CA", CA: true, Serial: 1, KeyUsage: x509.KeyUsageCertSign,
		NotBefore: now, NotAfter: now.AddDate(1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	id, err := testpki.New(testpki.Spec{CN: "Bundle", Emails: []string{"bundle@example.com"}, Serial: 2,
		KeyUsage: x509.KeyUsageDigitalSignature, NotBefore: now, Issuer: root})
	if err != nil {
		t.Fatal(err)
	}
	return id.Cert, root.Cert
}

func TestParseBundle(t *testing.T) {
	leaf, ca := bundleCerts(t)
	der := certsOnly(t, ca.Raw, leaf.Raw)
	tests := []struct {
		name, file string
		data       []byte
	}{
		{"DER", "chain.p7b", der},
		{"BER with indefinite lengths and chunked strings", "chain.p7c", berify(t, der)},
		{"PEM PKCS7 block", "chain.pem", pem.EncodeToMemory(&pem.Block{Type: "PKCS7", Bytes: der})},
		{"PEM CMS block, BER", "chain.pem", pem.EncodeToMemory(&pem.Block{Type: "CMS", Bytes: berify(t, der)})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Parse(tc.data, tc.file, nil)
			if err != nil {
				t.Fatalf("Parse: got %v, want the bundle", err)
			}
			// End-entity certificates first, whatever the order in the file.
			if len(b.Certs) != 2 || !b.Certs[0].Equal(leaf) || !b.Certs[1].Equal(ca) {
				t.Errorf("Parse: got %d certificates, want the leaf, then the CA", len(b.Certs))
			}
		})
	}
}

func TestParseBadBundle(t *testing.T) {
	leaf, _ := bundleCerts(t)
	good := certsOnly(t, leaf.Raw)
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"truncated", good[:len(good)-30], ErrMalformed},
		{"not a certificate in the set", certsOnly(t, []byte{0x30, 0x03, 0x02, 0x01, 0x01}), ErrMalformed},
		{"empty bundle", certsOnly(t), ErrNothingFound},
		// The deepest nesting ber reads: no longer too deep, but no
		// SignedData either.
		{"nested just within the bound", nestedBundle(ber.MaxDepth-1, true), ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.data, "bad.p7b", nil)
			if !errors.Is(err, tc.want) || errors.Is(err, ErrTooDeep) {
				t.Errorf("Parse: got %v, want %v (and not ErrTooDeep)", err, tc.want)
			}
		})
	}
}

// TestParseNestedBundle is issue 10's crash: smallstep/pkcs7 recursed once
// per level and died of a stack overflow on 12 MB of nested SEQUENCEs.
// The bundle must be refused as too deeply nested, at once and in bounded
// memory, in each form a user can import it.
func TestParseNestedBundle(t *testing.T) {
	const huge = 6_000_000 // levels: 12 MB of 30 80
	big := nestedBundle(huge, false)
	bigPEM := pem.EncodeToMemory(&pem.Block{Type: "PKCS7", Bytes: nestedBundle(huge*3/4, false)})
	// PEM decodes the base64 once (three quarters of the input); beyond
	// that the refusal costs next to nothing, whatever the input's size.
	const little = 64 << 10
	tests := []struct {
		name, file string
		data       []byte
		maxAlloc   uint64
	}{
		{"12 MB .p7b", "crash.p7b", big, little},
		{"12 MB PEM PKCS7 block", "crash.pem", bigPEM, uint64(len(bigPEM)) + little},
		{"deep but short, closed", "short.p7c", nestedBundle(200, true), little},
		{"one level beyond the bound", "edge.p7b", nestedBundle(ber.MaxDepth, true), little},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.data) > MaxImportSize {
				t.Fatalf("the test bundle has %d bytes, more than MaxImportSize", len(tc.data))
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			b, err := Parse(tc.data, tc.file, nil)
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("%d bytes refused in %v, %d bytes allocated: %v", len(tc.data), elapsed, alloc, err)

			if !errors.Is(err, ErrTooDeep) || !errors.Is(err, ErrMalformed) {
				t.Fatalf("Parse: got %v (bundle %v), want ErrTooDeep wrapping ErrMalformed", err, b != nil)
			}
			if !strings.Contains(err.Error(), "nested too deeply") {
				t.Errorf("Parse: got the message %q, want one that says the bundle is nested too deeply", err)
			}
			if elapsed > time.Second {
				t.Errorf("Parse took %v, want well under a second", elapsed)
			}
			if alloc > tc.maxAlloc {
				t.Errorf("Parse allocated %d bytes, want at most %d", alloc, tc.maxAlloc)
			}
		})
	}
}
