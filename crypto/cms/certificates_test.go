package cms

import (
	"bytes"
	"crypto/x509"
	"errors"
	"strings"
	"testing"

	"github.com/smallstep/pkcs7"

	"siegel/crypto/ber"
)

// certsOnly writes a certificates-only SignedData as .p7b files hold it,
// in DER or, with indefinite, in the BER that streaming writers use.
func certsOnly(indefinite bool, certs ...[]byte) []byte {
	seq := func(tag byte, body ...[]byte) []byte {
		b := bytes.Join(body, nil)
		if indefinite {
			return append(append([]byte{tag, 0x80}, b...), 0, 0)
		}
		return append(appendLength([]byte{tag}, len(b)), b...)
	}
	oidSigned := []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02}
	oidData := []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01}
	sd := seq(0x30, []byte{0x02, 0x01, 0x01}, []byte{0x31, 0x00}, seq(0x30, oidData),
		seq(0xa0, certs...), []byte{0x31, 0x00})
	return seq(0x30, oidSigned, seq(0xa0, sd))
}

func TestCertificates(t *testing.T) {
	p := getPKI(t)
	ca, alice := p.ca.cert.Raw, p.rsa.cert.Raw
	fromPKCS7, err := pkcs7.DegenerateCertificate(append(append([]byte{}, alice...), ca...))
	if err != nil {
		t.Fatal(err)
	}
	signed, err := SignDetached(testContent, p.rsa.cert, p.rsa.key, []*x509.Certificate{p.ca.cert}, nil)
	if err != nil {
		t.Fatal(err)
	}
	needOpenSSL(t)
	fromOpenSSL := openssl(t, nil, "crl2pkcs7", "-nocrl", "-certfile", p.rsa.certFile, "-certfile", p.caFile, "-outform", "DER")

	tests := []struct {
		name string
		in   []byte
		want [][]byte
	}{
		{"DER bundle", certsOnly(false, alice, ca), [][]byte{alice, ca}},
		{"BER bundle with indefinite lengths", certsOnly(true, alice, ca), [][]byte{alice, ca}},
		{"empty bundle", certsOnly(false), nil},
		{"smallstep/pkcs7 DegenerateCertificate", fromPKCS7, [][]byte{alice, ca}},
		{"openssl crl2pkcs7 -nocrl", fromOpenSSL, [][]byte{alice, ca}},
		{"a signature with its chain", signed, [][]byte{alice, ca}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Certificates(tc.in)
			if err != nil {
				t.Fatalf("Certificates: got %v, want no error", err)
			}
			// The order within the SET is the writer's; compare as sets.
			if len(got) != len(tc.want) {
				t.Fatalf("got %d certificates, want %d", len(got), len(tc.want))
			}
			for _, w := range tc.want {
				found := false
				for _, g := range got {
					found = found || bytes.Equal(g, w)
				}
				if !found {
					t.Errorf("got %d certificates without the one of %d bytes wanted", len(got), len(w))
				}
			}
		})
	}
}

func TestCertificatesRefuses(t *testing.T) {
	p := getPKI(t)
	alice := p.rsa.cert.Raw
	enveloped, err := Encrypt(testContent, []*x509.Certificate{p.rsa.cert}, nil)
	if err != nil {
		t.Fatal(err)
	}
	good := certsOnly(false, alice)
	deep := append(append([]byte{}, certsOnly(true)[:15]...), bytes.Repeat([]byte{0x30, 0x80}, 10000)...)
	many := make([][]byte, MaxCertificates+1)
	for i := range many {
		many[i] = []byte{0x30, 0x00}
	}
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"enveloped data", enveloped, ErrUnsupported},
		{"truncated", good[:len(good)/2], ErrMalformed},
		{"trailing data", append(append([]byte{}, good...), 0x05, 0x00), ErrMalformed},
		{"garbage", []byte(strings.Repeat("not a bundle ", 10)), ErrMalformed},
		{"nested too deeply", deep, ber.ErrTooDeep},
		{"too many certificates", certsOnly(false, many...), ErrMalformed},
		{"signer infos cut off", good[:len(good)-2], ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Certificates(tc.in)
			if !errors.Is(err, tc.want) {
				t.Errorf("Certificates: got %d certificates, %v; want %v", len(got), err, tc.want)
			}
		})
	}
}
