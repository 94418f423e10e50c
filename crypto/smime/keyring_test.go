package smime

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"siegel/crypto/certinfo"
)

// memKeyring is a Keyring in memory, for tests that do not need the
// certificate store.
type memKeyring struct {
	mu    sync.RWMutex
	certs []*x509.Certificate
	keys  map[string]crypto.PrivateKey // by fingerprint
	gen   atomic.Uint64

	lookups atomic.Int64 // look-ups by identifier, to see the caches work
}

func newMemKeyring() *memKeyring {
	return &memKeyring{keys: map[string]crypto.PrivateKey{}}
}

// add stores a certificate (pinned, or a trust anchor when it is a CA) and
// optionally its key.
func (k *memKeyring) add(c *x509.Certificate, key crypto.PrivateKey) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !slices.ContainsFunc(k.certs, c.Equal) {
		k.certs = append(k.certs, c)
	}
	if key != nil {
		k.keys[certinfo.Fingerprint(c)] = key
	}
	k.gen.Add(1)
}

func (k *memKeyring) CertByIssuerSerial(ctx context.Context, issuer []byte, serial *big.Int) (*x509.Certificate, error) {
	k.lookups.Add(1)
	k.mu.RLock()
	defer k.mu.RUnlock()
	for _, c := range k.certs {
		if bytes.Equal(c.RawIssuer, issuer) && c.SerialNumber.Cmp(serial) == 0 {
			return c, nil
		}
	}
	return nil, nil
}

func (k *memKeyring) CertBySubjectKeyID(ctx context.Context, ski []byte) (*x509.Certificate, error) {
	k.lookups.Add(1)
	k.mu.RLock()
	defer k.mu.RUnlock()
	for _, c := range k.certs {
		if len(c.SubjectKeyId) > 0 && bytes.Equal(c.SubjectKeyId, ski) {
			return c, nil
		}
	}
	return nil, nil
}

func (k *memKeyring) PrivateKey(ctx context.Context, cert *x509.Certificate) (crypto.PrivateKey, error) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.keys[certinfo.Fingerprint(cert)], nil
}

func (k *memKeyring) TrustAnchors(ctx context.Context) ([]*x509.Certificate, error) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	var out []*x509.Certificate
	for _, c := range k.certs {
		if c.IsCA && c.BasicConstraintsValid {
			out = append(out, c)
		}
	}
	return out, nil
}

func (k *memKeyring) IsStored(ctx context.Context, cert *x509.Certificate) (bool, error) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return slices.ContainsFunc(k.certs, cert.Equal), nil
}

func (k *memKeyring) CertsForAddress(ctx context.Context, addr string, t time.Time) ([]*x509.Certificate, error) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	var out []*x509.Certificate
	for _, c := range k.certs {
		info := certinfo.Describe(c)
		if !c.IsCA && info.HasEmail(addr) && info.ValidAt(t) {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b *x509.Certificate) int { return b.NotBefore.Compare(a.NotBefore) })
	return out, nil
}

func (k *memKeyring) Generation() uint64 { return k.gen.Load() }

// addPEMFile stores every certificate of a PEM file (also "TRUSTED
// CERTIFICATE" blocks, whose DER is followed by trust settings).
func (k *memKeyring) addPEMFile(t testing.TB, path string) []*x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		der := b.Bytes
		if b.Type == "TRUSTED CERTIFICATE" {
			der = firstSequence(der)
		} else if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Logf("%s: %v (skipped)", path, err)
			continue
		}
		k.add(c, nil)
		out = append(out, c)
	}
	return out
}

// firstSequence cuts the first DER SEQUENCE out of b.
func firstSequence(b []byte) []byte {
	if len(b) < 2 || b[0] != 0x30 {
		return b
	}
	n, hdr := int(b[1]), 2
	if n&0x80 != 0 {
		l := n & 0x7f
		n, hdr = 0, 2+l
		for _, c := range b[2 : 2+l] {
			n = n<<8 | int(c)
		}
	}
	if hdr+n > len(b) {
		return b
	}
	return b[:hdr+n]
}

// addP12File stores the key and end-entity certificate of a PKCS #12 file
// (not the CA certificates it carries: they do not become anchors). The
// corpus files are BER, which go-pkcs12 rejects; the certificate store
// reads them itself, and this test keyring asks the openssl command.
func (k *memKeyring) addP12File(t testing.TB, path, password string) *x509.Certificate {
	t.Helper()
	out, err := exec.Command("openssl", "pkcs12", "-in", path, "-passin", "pass:"+password, "-nodes").Output()
	if err != nil {
		t.Fatalf("openssl pkcs12 %s: %v", path, err)
	}
	var key crypto.PrivateKey
	var leaf *x509.Certificate
	for {
		var b *pem.Block
		b, out = pem.Decode(out)
		if b == nil {
			break
		}
		switch b.Type {
		case "PRIVATE KEY":
			if key, err = x509.ParsePKCS8PrivateKey(b.Bytes); err != nil {
				t.Fatalf("%s: key: %v", path, err)
			}
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if !c.IsCA {
				leaf = c
			}
		}
	}
	if key == nil || leaf == nil {
		t.Fatalf("%s: no key or end-entity certificate", path)
	}
	k.add(leaf, key)
	return leaf
}
