// Package revocationtest is a certificate authority for the tests of the
// layers above the revocation checker: a CA whose certificates name its
// own OCSP responder and CRL server on loopback (real HTTP, real OCSP and
// CRL encodings), which counts what it is asked, can be taken down, and
// revokes on request; and signed messages from its signers. The checker
// itself is tested against OpenSSL's responder (package revocation).
package revocationtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"siegel/crypto/cms"
	"siegel/crypto/testpki"
)

// CA is a certificate authority with its signers and its responder.
type CA struct {
	*testpki.Identity
	// Signers are signer0@example.org, signer1@example.org, …
	Signers []*testpki.Identity
	// OCSPRequests and CRLFetches count what the responder was asked.
	OCSPRequests, CRLFetches atomic.Int64
	// Down makes the responder answer 503 to everything.
	Down atomic.Bool

	srv     *httptest.Server
	mu      sync.Mutex
	revoked map[string]time.Time
}

// New makes a CA with n signers whose certificates name its CRL and,
// unless crlOnly, its OCSP responder. The servers stop with the test.
func New(t testing.TB, n int, crlOnly bool) *CA {
	t.Helper()
	id, err := testpki.New(testpki.Spec{CN: "Revocation Test CA", CA: true, NotBefore: time.Now().Add(-48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	ca := &CA{Identity: id, revoked: map[string]time.Time{}}
	ca.srv = httptest.NewServer(http.HandlerFunc(ca.serve))
	t.Cleanup(ca.srv.Close)
	for i := range n {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		s := testpki.Spec{CN: fmt.Sprintf("Signer %d", i), Emails: []string{fmt.Sprintf("signer%d@example.org", i)}, Key: key,
			BasicConstraints: true, Issuer: id, NotBefore: time.Now().Add(-24 * time.Hour), CRL: []string{ca.CRLURL()}}
		if !crlOnly {
			s.OCSP = []string{ca.srv.URL + "/ocsp"}
		}
		signer, err := testpki.New(s)
		if err != nil {
			t.Fatal(err)
		}
		ca.Signers = append(ca.Signers, signer)
	}
	return ca
}

// CRLURL is where the CA publishes its CRL.
func (ca *CA) CRLURL() string { return ca.srv.URL + "/ca.crl" }

// Revoke revokes c (key compromise) as of at.
func (ca *CA) Revoke(c *x509.Certificate, at time.Time) {
	ca.mu.Lock()
	ca.revoked[c.SerialNumber.String()] = at
	ca.mu.Unlock()
}

// CRL is the CA's current CRL (DER), valid for an hour.
func (ca *CA) CRL(t testing.TB) []byte {
	t.Helper()
	now := time.Now().Truncate(time.Second)
	ca.mu.Lock()
	var entries []x509.RevocationListEntry
	for s, at := range ca.revoked {
		n, _ := new(big.Int).SetString(s, 10)
		entries = append(entries, x509.RevocationListEntry{SerialNumber: n, RevocationTime: at, ReasonCode: ocsp.KeyCompromise})
	}
	ca.mu.Unlock()
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(now.UnixNano()),
		ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(time.Hour), RevokedCertificateEntries: entries}, ca.Cert, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func (ca *CA) serve(w http.ResponseWriter, req *http.Request) {
	if ca.Down.Load() {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	if req.URL.Path == "/ca.crl" {
		ca.CRLFetches.Add(1)
		w.Write(ca.CRL(panicTB{}))
		return
	}
	ca.OCSPRequests.Add(1)
	body, _ := io.ReadAll(io.LimitReader(req.Body, 1<<16))
	q, err := ocsp.ParseRequest(body)
	if err != nil {
		w.Write(ocsp.MalformedRequestErrorResponse)
		return
	}
	now := time.Now().Truncate(time.Second)
	tmpl := ocsp.Response{Status: ocsp.Good, SerialNumber: q.SerialNumber, ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(time.Hour)}
	ca.mu.Lock()
	if at, ok := ca.revoked[q.SerialNumber.String()]; ok {
		tmpl.Status, tmpl.RevokedAt, tmpl.RevocationReason = ocsp.Revoked, at, ocsp.KeyCompromise
	}
	ca.mu.Unlock()
	out, err := ocsp.CreateResponse(ca.Cert, ca.Cert, tmpl, ca.Key)
	if err != nil {
		w.Write(ocsp.InternalErrorErrorResponse)
		return
	}
	w.Header().Set("Content-Type", "application/ocsp-response")
	w.Write(out)
}

// panicTB turns a failure on the server's goroutine into a 500 (the
// HTTP server recovers), where a test's Fatal may not be called.
type panicTB struct{ testing.TB }

func (panicTB) Helper()           {}
func (panicTB) Fatal(args ...any) { panic(fmt.Sprint(args...)) }

// Message is the n-th multipart/signed message, from signer i (modulo the
// signers), as a mail client sends it: the CA certificate bundled, signed
// now, to help@example.com.
func (ca *CA) Message(t testing.TB, i, n int) []byte {
	t.Helper()
	s := ca.Signers[i%len(ca.Signers)]
	entity := []byte(fmt.Sprintf("Content-Type: text/plain; charset=utf-8\r\n\r\nMessage %d.\r\n", n))
	now := time.Now()
	sig, err := cms.SignDetached(entity, s.Cert, s.Key, []*x509.Certificate{ca.Cert}, &cms.SignOptions{SigningTime: now})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\nTo: help@example.com\r\nSubject: m%d\r\nDate: %s\r\nMessage-ID: <m%d@example.org>\r\nMIME-Version: 1.0\r\n",
		s.Cert.EmailAddresses[0], n, now.Format(time.RFC1123Z), n)
	b.WriteString("Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"b\"\r\n\r\n--b\r\n")
	b.Write(entity)
	b.WriteString("\r\n--b\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString(sig)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--b--\r\n")
	return b.Bytes()
}
