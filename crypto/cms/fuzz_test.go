package cms

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"siegel/crypto/testpki"
)

// The fuzz targets decrypt with fixed keys, so that the seed envelopes
// (made for these keys) reach the decryption code. The keys are derived
// from fixed strings at test time; the certificates carry fixed issuers,
// serials and key identifiers, so the seeds' recipient identifiers match.
var (
	fuzzOnce sync.Once
	fuzzIDs  []*identity
)

func fuzzIdentities(t testing.TB) []*identity {
	t.Helper()
	fuzzOnce.Do(func() {
		keys := []crypto.Signer{fixedRSAKey("siegel cms fuzz rsa"), fixedECKey(elliptic.P256(), "siegel cms fuzz p256"),
			fixedECKey(elliptic.P384(), "siegel cms fuzz p384")}
		for i, k := range keys {
			ski, err := testpki.KeyID(k.Public())
			if err != nil {
				panic(err)
			}
			id, err := testpki.New(testpki.Spec{
				CN:        "fuzz",
				Emails:    []string{"fuzz@example.com"},
				Key:       k,
				Serial:    int64(i + 1),
				NotBefore: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
				NotAfter:  time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC),
				KeyUsage:  x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageKeyAgreement,
				SKI:       ski,
			})
			if err != nil {
				panic(err)
			}
			cert := id.Cert
			fuzzIDs = append(fuzzIDs, &identity{name: []string{"rsa", "p256", "p384"}[i], cert: cert, key: k})
		}
	})
	return fuzzIDs
}

// fixedRSAKey derives an RSA-2048 key from a string: the primes are the
// next primes after hash-derived numbers. Slow-ish, deterministic and
// independent of how crypto/rsa draws its randomness.
func fixedRSAKey(seed string) *rsa.PrivateKey {
	e := big.NewInt(65537)
	prime := func(label string) *big.Int {
		var buf []byte
		for i := 0; len(buf) < 128; i++ {
			h := sha256.Sum256([]byte(seed + label + string(rune('a'+i))))
			buf = append(buf, h[:]...)
		}
		buf[0] |= 0xc0 // 1024 bits, and p*q has 2048
		p := new(big.Int).SetBytes(buf[:128])
		p.SetBit(p, 0, 1)
		one := big.NewInt(1)
		for {
			if p.ProbablyPrime(20) && new(big.Int).GCD(nil, nil, e, new(big.Int).Sub(p, one)).Cmp(one) == 0 {
				return p
			}
			p.Add(p, big.NewInt(2))
		}
	}
	p, q := prime("p"), prime("q")
	n := new(big.Int).Mul(p, q)
	one := big.NewInt(1)
	phi := new(big.Int).Mul(new(big.Int).Sub(p, one), new(big.Int).Sub(q, one))
	d := new(big.Int).ModInverse(e, phi)
	k := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: n, E: 65537}, D: d, Primes: []*big.Int{p, q}}
	if err := k.Validate(); err != nil {
		panic(err)
	}
	k.Precompute()
	return k
}

func fixedECKey(curve elliptic.Curve, seed string) *ecdsa.PrivateKey {
	h := sha256.Sum256([]byte(seed))
	size := (curve.Params().BitSize + 7) / 8
	scalar := make([]byte, size)
	copy(scalar[size-len(h):], h[:]) // below the order of both curves
	k, err := ecdsa.ParseRawPrivateKey(curve, scalar)
	if err != nil {
		panic(err)
	}
	return k
}

// checkFuzzError fails on an error outside the documented contract, or
// one made from a recovered panic.
func checkFuzzError(t *testing.T, what string, err error, allowed ...error) {
	t.Helper()
	if err == nil {
		return
	}
	if strings.Contains(err.Error(), panicMarker) {
		t.Fatalf("%s panicked: %v", what, err)
	}
	for _, a := range allowed {
		if errors.Is(err, a) {
			return
		}
	}
	t.Fatalf("%s: error outside the contract: %v", what, err)
}

func FuzzParseSignedData(f *testing.F) {
	ids := fuzzIdentities(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := ContentType(data)
		checkFuzzError(t, "ContentType", err, ErrMalformed)
		sd, err := ParseSignedData(data)
		checkFuzzError(t, "ParseSignedData", err, ErrMalformed, ErrUnsupported)
		if err != nil {
			return
		}
		certs := append([]*x509.Certificate{}, sd.Certificates...)
		for _, id := range ids {
			certs = append(certs, id.cert)
		}
		for i, si := range sd.Signers {
			_ = si.ID.String()
			for _, c := range certs {
				_ = si.ID.Matches(c)
				err := sd.Verify(i, sd.Content, c)
				checkFuzzError(t, "Verify", err, ErrMalformed, ErrUnsupported, ErrBadSignature, ErrDigestMismatch)
			}
		}
	})
}

func FuzzParseEnvelope(f *testing.F) {
	ids := fuzzIdentities(f)
	lookup := lookupFor(ids...)
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := ParseEnvelope(data)
		checkFuzzError(t, "ParseEnvelope", err, ErrMalformed, ErrUnsupported)
		if err != nil {
			return
		}
		for _, ri := range env.Recipients {
			_ = ri.ID.String()
		}
		_, err = env.Decrypt(context.Background(), lookup)
		checkFuzzError(t, "Decrypt", err, ErrNoKey, ErrDecrypt, ErrUnsupported)
	})
}
