package demo

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"math"
	"math/big"
	"time"

	"siegel/crypto/testpki"
)

// Identity is a certificate of the demo PKI with its private key.
type Identity struct {
	Name  string // common name
	Email string // "" for the CA
	Cert  *x509.Certificate
	Key   crypto.Signer // *rsa.PrivateKey or *ecdsa.PrivateKey
}

// PKI is the demo's world of certificates, made fresh at every start. The
// helpdesk's store holds the CA, the helpdesk's identity with its key, and
// the certificates of Anna and Priya; James's certificate is collected
// from his first valid signature; Jonas's is left as a file in the demo
// folder for the administrator to import (DESIGN.md §3, cert-not-found).
type PKI struct {
	// CA is "Siegel Demo CA", the trust anchor of the helpdesk's store.
	CA *Identity
	// Helpdesk is the organisation's identity, support@helpdesk.example
	// (RSA 2048).
	Helpdesk *Identity
	// HelpdeskOld is the helpdesk's previous certificate, expired and its
	// key no longer in the store: mail encrypted to it cannot be read.
	HelpdeskOld *Identity
	// The customers, all issued by the CA: Anna (RSA 2048), James
	// (P-256), Priya (P-256, with an expired predecessor) and Jonas
	// (P-384).
	Anna, James, Priya, PriyaOld, Jonas *Identity
	// Max signs with a self-signed certificate: an untrusted signer.
	Max *Identity
	// Lena's certificate (P-256) was revoked by the CA after her key was
	// stolen (LenaRevoked): the demo's OCSP responder says so.
	Lena        *Identity
	LenaRevoked time.Time
	// News is Northwind's newsletter address (P-256), which signs the
	// demo's HTML mail.
	News *Identity
}

// rsaBits is the size of the demo's RSA keys: the smallest the store
// accepts, since RSA key generation dominates the start-up time.
const rsaBits = 2048

// newPKI generates the demo PKI with certificates valid around now. The
// two RSA keys, which take most of the time, are generated in parallel
// with each other and with the EC ones.
func newPKI(now time.Time, ocspURL string) (*PKI, error) {
	type rsaResult struct {
		key *rsa.PrivateKey
		err error
	}
	rsaKeys := make([]chan rsaResult, 2)
	for i := range rsaKeys {
		rsaKeys[i] = make(chan rsaResult, 1)
		go func() {
			k, err := rsa.GenerateKey(rand.Reader, rsaBits)
			rsaKeys[i] <- rsaResult{k, err}
		}()
	}
	waitRSA := func(i int) (*rsa.PrivateKey, error) {
		r := <-rsaKeys[i]
		return r.key, r.err
	}
	// Both channels are drained on every path, so no goroutine is left.
	var errs []error
	fail := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}

	k := &PKI{}
	day := 24 * time.Hour
	var err error
	k.CA, err = issue(spec{name: "Siegel Demo CA", ca: true, from: now.Add(-3 * 365 * day), until: now.Add(7 * 365 * day)}, nil, nil)
	fail(err)
	if k.CA != nil {
		ecSpecs := []struct {
			dst   **Identity
			s     spec
			curve elliptic.Curve
		}{
			{&k.HelpdeskOld, spec{name: "Siegel Demo Helpdesk", email: HelpdeskAddress, from: now.Add(-2 * 365 * day), until: now.Add(-165 * day), ocsp: ocspURL}, elliptic.P256()},
			{&k.James, spec{name: "James Miller", email: james.email, org: "Northwind Traders", from: now.Add(-300 * day), until: now.Add(430 * day), ocsp: ocspURL}, elliptic.P256()},
			{&k.Priya, spec{name: "Priya Patel", email: priya.email, org: "Contoso", from: now.Add(-20 * day), until: now.Add(710 * day), ocsp: ocspURL}, elliptic.P256()},
			{&k.PriyaOld, spec{name: "Priya Patel", email: priya.email, org: "Contoso", from: now.Add(-745 * day), until: now.Add(-15 * day), ocsp: ocspURL}, elliptic.P256()},
			{&k.Lena, spec{name: "Lena Hoffmann", email: lena.email, org: "Hoffmann Steuerberatung", from: now.Add(-120 * day), until: now.Add(600 * day), ocsp: ocspURL}, elliptic.P256()},
			{&k.Jonas, spec{name: "Jonas Becker", email: jonas.email, org: "Stadtwerke Nord", from: now.Add(-90 * day), until: now.Add(640 * day), ocsp: ocspURL}, elliptic.P384()},
			{&k.News, spec{name: "Northwind Partner News", email: news.email, org: "Northwind Traders", from: now.Add(-60 * day), until: now.Add(670 * day), ocsp: ocspURL}, elliptic.P256()},
		}
		for _, e := range ecSpecs {
			key, err := ecdsa.GenerateKey(e.curve, rand.Reader)
			if err != nil {
				fail(err)
				continue
			}
			*e.dst, err = issue(e.s, key, k.CA)
			fail(err)
		}
	}
	// Max's certificate is its own issuer: no CA in the store vouches
	// for it.
	if key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		fail(err)
	} else {
		k.Max, err = issue(spec{name: "Max Mustermann", email: mustermann.email, org: "Mustermann Gebäudetechnik", from: now.Add(-400 * day), until: now.Add(330 * day), ocsp: ocspURL}, key, nil)
		fail(err)
	}

	k.LenaRevoked = now.Add(-2 * day).Truncate(time.Minute)

	helpdeskKey, err := waitRSA(0)
	fail(err)
	annaKey, err := waitRSA(1)
	fail(err)
	if len(errs) > 0 {
		return nil, fmt.Errorf("demo: certificates: %w", errors.Join(errs...))
	}
	if k.Helpdesk, err = issue(spec{name: "Siegel Demo Helpdesk", email: HelpdeskAddress, org: "Siegel Demo", from: now.Add(-200 * day), until: now.Add(530 * day), ocsp: ocspURL}, helpdeskKey, k.CA); err != nil {
		return nil, fmt.Errorf("demo: certificates: %w", err)
	}
	if k.Anna, err = issue(spec{name: "Anna Schmidt", email: anna.email, org: "Kanzlei Schmidt & Partner", from: now.Add(-150 * day), until: now.Add(580 * day), ocsp: ocspURL}, annaKey, k.CA); err != nil {
		return nil, fmt.Errorf("demo: certificates: %w", err)
	}
	return k, nil
}

// spec describes one certificate to issue.
type spec struct {
	name, email, org string
	ca               bool
	from, until      time.Time
	// ocsp is the CA's OCSP responder the certificate names (the demo's
	// own, on loopback; ocsp.go).
	ocsp string
}

// issue makes a certificate for key, signed by issuer (self-signed when
// issuer is nil), with crypto/testpki, the one builder of made-up
// certificates. A CA gets a fresh P-256 key when key is nil. End-entity
// certificates carry what S/MIME asks for: the address as rfc822Name,
// digital signature plus key encipherment (RSA) or key agreement (EC), the
// e-mail protection EKU (testpki's defaults), and CA:FALSE.
func issue(s spec, key crypto.Signer, issuer *Identity) (*Identity, error) {
	// A random serial: every start makes a new PKI under the same names,
	// and a client that saw an earlier one must not take a new
	// certificate for an old one.
	serial, err := rand.Int(rand.Reader, big.NewInt(math.MaxInt64))
	if err != nil {
		return nil, err
	}
	org := s.org
	if org == "" {
		org = "Siegel Demo"
	}
	ts := testpki.Spec{
		CN: s.name, Org: org, Key: key, CA: s.ca,
		BasicConstraints: true,
		Serial:           serial.Int64() + 1,
		NotBefore:        s.from.Truncate(time.Second),
		NotAfter:         s.until.Truncate(time.Second),
	}
	if !s.ca {
		ts.Emails = []string{s.email}
	}
	if issuer != nil {
		ts.Issuer = &testpki.Identity{Cert: issuer.Cert, Key: issuer.Key}
		if s.ocsp != "" {
			ts.OCSP = []string{s.ocsp}
		}
	}
	id, err := testpki.New(ts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.name, err)
	}
	return &Identity{Name: s.name, Email: s.email, Cert: id.Cert, Key: id.Key}, nil
}
