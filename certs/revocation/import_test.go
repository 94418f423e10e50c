package revocation_test

import (
	"bytes"
	"encoding/pem"
	"errors"
	"testing"
	"time"

	"siegel/certs/revocation"
	"siegel/crypto/smime"
)

func TestImportCRL(t *testing.T) {
	tests := []struct {
		name string
		pem  bool
	}{
		{"PEM", true},
		{"DER", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPKI(t)
			good := p.leaf("alice", "leaf")
			file := p.issue("bob", "leaf")
			revoked := readCert(t, file)
			p.revoke(p.inter, file, "keyCompromise")
			der, pemText := p.crl(p.inter)
			data := der
			if tt.pem {
				data = pemText
			}
			c := newChecker(t, openProfile(t, ""), &revocation.Options{Offline: true})
			check(t, c.Revocation(bg, revoked, p.inter.cert), smime.RevNotChecked, "", "online revocation checks are off")
			changed := waitChange(t, c)
			info, err := c.ImportCRL(bg, data, lookup(p.root.cert, p.inter.cert))
			if err != nil {
				t.Fatal(err)
			}
			await(t, changed, "ImportCRL")
			if !info.Imported || info.Entries != 1 || info.Issuer != "Test Intermediate" || info.NextUpdate.Before(time.Now()) {
				t.Errorf("got %+v, want an imported CRL of Test Intermediate with 1 entry", info)
			}
			r := c.Revocation(bg, revoked, p.inter.cert)
			check(t, r, smime.RevRevoked, "crl")
			if r.Reason != "keyCompromise" {
				t.Errorf("got reason %q, want keyCompromise", r.Reason)
			}
			check(t, c.Revocation(bg, good, p.inter.cert), smime.RevGood, "crl")
			crls, err := c.CRLs(bg)
			if err != nil || len(crls) != 1 || !crls[0].Imported {
				t.Errorf("CRLs: got %+v, %v; want the imported one", crls, err)
			}
			if n := p.hitsOf("/inter.crl") + p.hitsOf("/ocsp"); n != 0 {
				t.Errorf("got %d requests offline, want none", n)
			}
		})
	}
}

func TestImportCRLErrors(t *testing.T) {
	p := newPKI(t)
	der, pemText := p.crl(p.inter)
	stale, _ := p.crl(p.inter, "-crlhours", "1")
	tampered := bytes.Clone(der)
	tampered[len(tampered)-1] ^= 1 // in the signature
	b, _ := pem.Decode(pemText)
	b.Bytes = tampered
	tamperedPEM := pem.EncodeToMemory(b)
	later := func() time.Time { return time.Now().Add(2 * time.Hour) }

	tests := []struct {
		name    string
		data    []byte
		issuers revocation.IssuerLookup
		now     func() time.Time
		want    error
	}{
		{"garbage", []byte("not a CRL at all"), lookup(p.inter.cert), nil, revocation.ErrNotCRL},
		{"empty", nil, lookup(p.inter.cert), nil, revocation.ErrNotCRL},
		{"PEM of a certificate", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.inter.cert.Raw}), lookup(p.inter.cert), nil, revocation.ErrNotCRL},
		{"unknown issuer", der, lookup(p.root.cert), nil, revocation.ErrNoIssuer},
		{"tampered DER", tampered, lookup(p.inter.cert), nil, revocation.ErrBadSignature},
		{"tampered PEM", tamperedPEM, lookup(p.inter.cert), nil, revocation.ErrBadSignature},
		{"stale", stale, lookup(p.inter.cert), later, revocation.ErrStale},
		{"too large", make([]byte, 32<<20+1), lookup(p.inter.cert), nil, revocation.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newChecker(t, openProfile(t, ""), &revocation.Options{Wait: true, Now: tt.now})
			_, err := c.ImportCRL(bg, tt.data, tt.issuers)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if crls, _ := c.CRLs(bg); len(crls) != 0 {
				t.Errorf("got %d stored CRLs after a failed import, want 0", len(crls))
			}
		})
	}
}
