package certinfo

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"reflect"
	"testing"
	"time"

	"siegel/crypto/testpki"
)

func makeCert(t *testing.T, spec testpki.Spec) *x509.Certificate {
	t.Helper()
	id, err := testpki.New(spec)
	if err != nil {
		t.Fatal(err)
	}
	return id.Cert
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
		spec                testpki.Spec
		wantEmails          []string
		wantKey             string
		wantSign, wantCrypt bool
	}{
		{
			name: "rsa both usages, SAN and subject address",
			spec: testpki.Spec{
				Serial: 0x1234, CN: "Alice", SubjectEmail: "Alice.Old@Example.com",
				Emails:    []string{"Alice@Example.com"},
				NotBefore: from, NotAfter: from.AddDate(1, 0, 0),
				KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
				EKU:      []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
				Key:      rsaKey,
			},
			wantEmails: []string{"alice@example.com", "alice.old@example.com"},
			wantKey:    "RSA 2048", wantSign: true, wantCrypt: true,
		},
		{
			name: "ec signing only",
			spec: testpki.Spec{
				Serial: 2, CN: "Bob",
				Emails:    []string{"bob@example.com", "BOB@example.com"},
				NotBefore: from, NotAfter: from.AddDate(1, 0, 0),
				KeyUsage: x509.KeyUsageDigitalSignature,
				NoEKU:    true,
				Key:      ecKey,
			},
			wantEmails: []string{"bob@example.com"},
			wantKey:    "ECDSA P-384", wantSign: true, wantCrypt: false,
		},
		{
			name: "server EKU is not for mail",
			spec: testpki.Spec{
				Serial: 3, CN: "web",
				Emails:    []string{"web@example.com"},
				NotBefore: from, NotAfter: from.AddDate(1, 0, 0),
				EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
				Key: rsaKey,
			},
			wantEmails: []string{"web@example.com"},
			wantKey:    "RSA 2048", wantSign: false, wantCrypt: false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := makeCert(t, tt.spec)
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
