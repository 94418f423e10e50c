package revocation_test

import (
	"testing"

	"siegel/certs/revocation"
	"siegel/crypto/smime"
)

// BenchmarkRevocationWarm is the desk asking again about certificates
// whose answers are cached: one by OCSP, one by CRL.
func BenchmarkRevocationWarm(b *testing.B) {
	p := newPKI(b)
	byOCSP := p.leaf("alice", "leaf_ocsp")
	byCRL := p.leaf("bob", "leaf_crl")
	p.publishCRL(p.inter)
	p.startResponder(delegated)
	c := newChecker(b, openProfile(b, ""), &revocation.Options{Wait: true})
	for _, bb := range []struct {
		name   string
		source string
	}{{"ocsp", "ocsp"}, {"crl", "crl"}} {
		cert := byOCSP
		if bb.source == "crl" {
			cert = byCRL
		}
		if r := c.Revocation(bg, cert, p.inter.cert); r.Status != smime.RevGood || r.Source != bb.source {
			b.Fatalf("got %s per %q (%s), want good per %s", r.Status, r.Source, r.Reason, bb.source)
		}
		b.Run(bb.name, func(b *testing.B) {
			for b.Loop() {
				c.Revocation(bg, cert, p.inter.cert)
			}
		})
	}
}
