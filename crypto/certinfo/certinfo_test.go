package certinfo

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"reflect"
	"testing"
	"time"
)

func makeCert(t *testing.T, tmpl *x509.Certificate, key any) *x509.Certificate {
	t.Helper()
	pub := key.(crypto.Signer).Public()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDescribe(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name                string
		tmpl                *x509.Certificate
		key                 any
		wantEmails          []string
		wantKey             string
		wantSign, wantCrypt bool
	}{
		{
			name: "rsa both usages, SAN and subject address",
			tmpl: &x509.Certificate{
				SerialNumber: big.NewInt(0x1234),
				Subject: pkix.Name{CommonName: "Alice", ExtraNames: []pkix.AttributeTypeAndValue{
					{Type: OIDEmailAddress, Value: "Alice.Old@Example.com"}}},
				EmailAddresses: []string{"Alice@Example.com"},
				NotBefore:      from, NotAfter: from.AddDate(1, 0, 0),
				KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
				ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
			},
			key:        rsaKey,
			wantEmails: []string{"alice@example.com", "alice.old@example.com"},
			wantKey:    "RSA 2048", wantSign: true, wantCrypt: true,
		},
		{
			name: "ec signing only",
			tmpl: &x509.Certificate{
				SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "Bob"},
				EmailAddresses: []string{"bob@example.com", "BOB@example.com"},
				NotBefore:      from, NotAfter: from.AddDate(1, 0, 0),
				KeyUsage: x509.KeyUsageDigitalSignature,
			},
			key:        ecKey,
			wantEmails: []string{"bob@example.com"},
			wantKey:    "ECDSA P-384", wantSign: true, wantCrypt: false,
		},
		{
			name: "server EKU is not for mail",
			tmpl: &x509.Certificate{
				SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "web"},
				EmailAddresses: []string{"web@example.com"},
				NotBefore:      from, NotAfter: from.AddDate(1, 0, 0),
				ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			},
			key:        rsaKey,
			wantEmails: []string{"web@example.com"},
			wantKey:    "RSA 2048", wantSign: false, wantCrypt: false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := makeCert(t, tt.tmpl, tt.key)
			got := Describe(c)
			if !reflect.DeepEqual(got.Emails, tt.wantEmails) {
				t.Errorf("Emails = %v, want %v", got.Emails, tt.wantEmails)
			}
			if got.KeyDescription() != tt.wantKey {
				t.Errorf("KeyDescription = %q, want %q", got.KeyDescription(), tt.wantKey)
			}
			if got.CanSign != tt.wantSign || got.CanEncrypt != tt.wantCrypt {
				t.Errorf("CanSign, CanEncrypt = %v, %v; want %v, %v", got.CanSign, got.CanEncrypt, tt.wantSign, tt.wantCrypt)
			}
			if len(got.Fingerprint) != 64 {
				t.Errorf("Fingerprint = %q, want 64 hex digits", got.Fingerprint)
			}
			if !got.HasEmail(" " + tt.wantEmails[0] + " ") {
				t.Errorf("HasEmail(%q) = false", tt.wantEmails[0])
			}
		})
	}
}

func TestGroupFingerprint(t *testing.T) {
	if got, want := GroupFingerprint("abcdef0123"), "ABCD EF01 23"; got != want {
		t.Errorf("GroupFingerprint = %q, want %q", got, want)
	}
}
