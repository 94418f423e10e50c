package demo

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/crypto/ocsp"
)

// ocspResponder is the demo CA's OCSP responder on 127.0.0.1: every demo
// certificate names it, so the desk checks revocation as it would against
// a real CA, without leaving the machine. It says "revoked" for Lena's
// stolen key and "good" for every other certificate the CA issued.
type ocspResponder struct {
	ln  net.Listener
	srv *http.Server

	mu      sync.Mutex
	ca      *Identity
	revoked map[string]revocationEntry // by serial
}

type revocationEntry struct {
	at     time.Time
	reason int
}

// startOCSP listens before the PKI exists: the certificates carry its URL.
func startOCSP() (*ocspResponder, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &ocspResponder{ln: ln, revoked: map[string]revocationEntry{}}
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: 5 * time.Second}
	go r.srv.Serve(ln)
	return r, nil
}

// URL is the responder's address, as certificates name it.
func (r *ocspResponder) URL() string { return "http://" + r.ln.Addr().String() + "/" }

// answer sets the CA the responder speaks for and the certificates it
// revoked.
func (r *ocspResponder) answer(ca *Identity, revoked map[*x509.Certificate]revocationEntry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ca = ca
	for c, rc := range revoked {
		r.revoked[c.SerialNumber.String()] = rc
	}
}

func (r *ocspResponder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		http.Error(w, "POST an OCSP request", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, 64<<10))
	if err != nil {
		return
	}
	q, err := ocsp.ParseRequest(body)
	if err != nil {
		w.Header().Set("Content-Type", "application/ocsp-response")
		w.Write(ocsp.MalformedRequestErrorResponse)
		return
	}
	out, err := r.respond(q)
	if err != nil {
		w.Header().Set("Content-Type", "application/ocsp-response")
		w.Write(ocsp.InternalErrorErrorResponse)
		return
	}
	w.Header().Set("Content-Type", "application/ocsp-response")
	w.Write(out)
}

func (r *ocspResponder) respond(q *ocsp.Request) ([]byte, error) {
	r.mu.Lock()
	ca := r.ca
	rc, revoked := r.revoked[q.SerialNumber.String()]
	r.mu.Unlock()
	if ca == nil {
		return nil, errors.New("no CA yet")
	}
	if !issuedBy(q, ca.Cert) {
		return ocsp.UnauthorizedErrorResponse, nil
	}
	now := time.Now().Truncate(time.Minute)
	t := ocsp.Response{Status: ocsp.Good, SerialNumber: q.SerialNumber, ThisUpdate: now, NextUpdate: now.Add(time.Hour)}
	if revoked {
		t.Status, t.RevokedAt, t.RevocationReason = ocsp.Revoked, rc.at, rc.reason
	}
	return ocsp.CreateResponse(ca.Cert, ca.Cert, t, ca.Key)
}

// issuedBy reports whether the request asks about a certificate of ca:
// the hash of its key, as RFC 6960 names the issuer.
func issuedBy(q *ocsp.Request, ca *x509.Certificate) bool {
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(ca.RawSubjectPublicKeyInfo, &spki); err != nil || !q.HashAlgorithm.Available() {
		return false
	}
	h := q.HashAlgorithm.New()
	h.Write(spki.PublicKey.RightAlign())
	return bytes.Equal(h.Sum(nil), q.IssuerKeyHash)
}

func (r *ocspResponder) close() error { return r.srv.Close() }
