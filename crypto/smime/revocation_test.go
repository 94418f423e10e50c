package smime

import (
	"context"
	"crypto/x509"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// tableChecker answers from a table by serial number: the engine's side
// of revocation. The checker itself, against OpenSSL's responder and
// CRLs, is tested in certs/revocation.
type tableChecker struct {
	mu      sync.Mutex
	answers map[string]Revocation // by serial
	waited  map[string]Revocation // what RevocationWait says, when it differs
	asked   []string              // "serial<-issuerSerial"
}

func (c *tableChecker) Revocation(ctx context.Context, cert, issuer *x509.Certificate) Revocation {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.asked = append(c.asked, cert.SerialNumber.String()+"<-"+issuer.SerialNumber.String())
	if r, ok := c.answers[cert.SerialNumber.String()]; ok {
		return r
	}
	return Revocation{Status: RevGood, Source: "ocsp"}
}

func (c *tableChecker) RevocationWait(ctx context.Context, cert, issuer *x509.Certificate) Revocation {
	c.mu.Lock()
	r, ok := c.waited[cert.SerialNumber.String()]
	c.mu.Unlock()
	if ok {
		return r
	}
	return c.Revocation(ctx, cert, issuer)
}

func TestOpenRevocation(t *testing.T) {
	needOpenSSL(t)
	p := getPKI(t)
	inner := []byte("Content-Type: text/plain\r\n\r\nhello\r\n")
	now := time.Now()
	msg := withHeader("alice@example.org", now, sslSign(t, p, inner, p.alice))
	revokedAt := now.Add(-48 * time.Hour).Truncate(time.Second)
	alice, inter := p.alice.cert.SerialNumber.String(), p.inter.cert.SerialNumber.String()

	tests := []struct {
		name    string
		answers map[string]Revocation
		strict  bool
		want    SignatureState
		status  RevocationStatus
		reason  string // in the signer's reason
		pending bool
	}{
		{"good", nil, false, SigValid, RevGood, "", false},
		{"revoked signer", map[string]Revocation{alice: {Status: RevRevoked, Source: "ocsp", RevokedAt: revokedAt, Reason: "keyCompromise"}},
			false, SigRevoked, RevRevoked, "certificate revoked on " + revokedAt.UTC().Format(time.DateOnly) + " (keyCompromise), per OCSP", false},
		{"revoked intermediate", map[string]Revocation{inter: {Status: RevRevoked, Source: "crl", Reason: "cACompromise"}},
			false, SigRevoked, RevRevoked, `issuing CA "Siegel Test Intermediate" revoked (cACompromise), per CRL`, false},
		{"unknown is noted", map[string]Revocation{alice: {Status: RevUnknown, Reason: "connection refused"}},
			false, SigValid, RevUnknown, "", true},
		{"unknown fails when strict", map[string]Revocation{alice: {Status: RevUnknown, Reason: "connection refused"}},
			true, SigUntrusted, RevUnknown, "revocation status unknown (treated as untrusted): connection refused", true},
		{"checking", map[string]Revocation{alice: {Status: RevChecking}}, false, SigValid, RevChecking, "", true},
		{"revoked beats unknown", map[string]Revocation{alice: {Status: RevUnknown}, inter: {Status: RevRevoked}},
			false, SigRevoked, RevRevoked, "revoked", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chk := &tableChecker{answers: tt.answers}
			e := NewEngineWithOptions(p.keyring(), Options{Revocation: chk, RevocationStrict: tt.strict})
			res, _ := e.Open(context.Background(), msg)
			if res.Signature != tt.want {
				t.Fatalf("got %s (%s), want %s", res.Signature, res.Layers[0].Reason, tt.want)
			}
			if res.Revocation == nil || res.Revocation.Status != tt.status {
				t.Fatalf("got revocation %+v, want %s", res.Revocation, tt.status)
			}
			if s := res.Layers[0].Signers[0]; !strings.Contains(s.Reason, tt.reason) {
				t.Errorf("got reason %q, want it to hold %q", s.Reason, tt.reason)
			}
			if got := res.RevocationPending(); got != tt.pending {
				t.Errorf("got pending %v, want %v", got, tt.pending)
			}
			// The signer and the intermediate are asked about, each
			// against its own issuer; the anchor is not.
			want := alice + "<-" + inter + " " + inter + "<-" + p.root.cert.SerialNumber.String()
			if got := strings.Join(chk.asked, " "); got != want {
				t.Errorf("got questions %q, want %q", got, want)
			}
		})
	}

	// Without a checker, nothing is said about revocation.
	res, _ := NewEngine(p.keyring()).Open(context.Background(), msg)
	if res.Signature != SigValid || res.Revocation != nil {
		t.Errorf("without a checker: got %s, %+v", res.Signature, res.Revocation)
	}

	// A pinned certificate is asked about against the CA that issued it,
	// found among the certificates the message carries.
	k := newMemKeyring()
	k.add(p.alice.cert, nil)
	chk := &tableChecker{answers: map[string]Revocation{alice: {Status: RevRevoked}}}
	res, _ = NewEngineWithOptions(k, Options{Revocation: chk}).Open(context.Background(), msg)
	if res.Signature != SigRevoked || strings.Join(chk.asked, " ") != alice+"<-"+inter {
		t.Errorf("pinned: got %s, asked %v", res.Signature, chk.asked)
	}
}

func TestSealRevokedRecipient(t *testing.T) {
	p := getPKI(t)
	ctx := context.Background()
	revokedAt := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	alice := p.alice.cert.SerialNumber.String()
	k := p.keyring()
	k.add(p.inter.cert, nil)
	chk := &tableChecker{answers: map[string]Revocation{alice: {Status: RevRevoked, Source: "crl", RevokedAt: revokedAt, Reason: "keyCompromise"}}}
	e := NewEngineWithOptions(k, Options{Revocation: chk})

	c := e.Check(ctx, "agent@example.com", []string{"Alice <alice@example.org>", "bob@example.org"}, time.Now())
	if c.CanEncrypt || len(c.Missing) != 0 || len(c.Revoked) != 1 || c.Revoked[0].Address != "alice@example.org" ||
		!c.Revoked[0].Revocation.RevokedAt.Equal(revokedAt) {
		t.Errorf("Check: got CanEncrypt %v, missing %v, revoked %+v", c.CanEncrypt, c.Missing, c.Revoked)
	}
	_, err := e.Seal(ctx, sealInput("agent@example.com", []string{"alice@example.org", "bob@example.org"}, nil, "hi"), SealOptions{Encrypt: true})
	var re *RevokedCertError
	if !errors.As(err, &re) || err.Error() != "the certificate of alice@example.org was revoked on 2026-11-30 (keyCompromise)" {
		t.Fatalf("Seal: got %v, want RevokedCertError for alice", err)
	}
	// Signing alone is not affected by a recipient's revocation.
	if _, err := e.Seal(ctx, sealInput("agent@example.com", []string{"alice@example.org"}, nil, "hi"), SealOptions{Sign: true}); err != nil {
		t.Errorf("Seal sign only: %v", err)
	}

	// Seal waits for the answer the composer did not have yet.
	chk = &tableChecker{answers: map[string]Revocation{alice: {Status: RevChecking}},
		waited: map[string]Revocation{alice: {Status: RevRevoked, Source: "ocsp"}}}
	e = NewEngineWithOptions(k, Options{Revocation: chk})
	if c := e.Check(ctx, "agent@example.com", []string{"alice@example.org"}, time.Now()); !c.CanEncrypt {
		t.Errorf("Check while checking: got %+v, want Encrypt available", c)
	}
	if _, err := e.Seal(ctx, sealInput("agent@example.com", []string{"alice@example.org"}, nil, "hi"), SealOptions{Encrypt: true}); !errors.As(err, &re) {
		t.Errorf("Seal after waiting: got %v, want RevokedCertError", err)
	}

	// A good answer encrypts.
	e = NewEngineWithOptions(k, Options{Revocation: &tableChecker{}})
	if _, err := e.Seal(ctx, sealInput("agent@example.com", []string{"alice@example.org"}, nil, "hi"), SealOptions{Encrypt: true}); err != nil {
		t.Errorf("Seal with good answers: %v", err)
	}
}
