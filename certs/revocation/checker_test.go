package revocation_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"siegel/certs/revocation"
	"siegel/crypto/smime"
)

var bg = context.Background()

func check(t *testing.T, got smime.Revocation, status smime.RevocationStatus, source string, reasonHas ...string) {
	t.Helper()
	if got.Status != status || got.Source != source {
		t.Fatalf("got %s per %q (%s), want %s per %q", got.Status, got.Source, got.Reason, status, source)
	}
	for _, s := range reasonHas {
		if !strings.Contains(got.Reason, s) {
			t.Errorf("got reason %q, want it to contain %q", got.Reason, s)
		}
	}
}

func TestOCSP(t *testing.T) {
	tests := []struct {
		name   string
		revoke bool
		status smime.RevocationStatus
		reason string
	}{
		{"good", false, smime.RevGood, ""},
		{"revoked", true, smime.RevRevoked, "keyCompromise"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPKI(t)
			file := p.issue("alice", "leaf")
			leaf := readCert(t, file)
			before := time.Now().Add(-time.Second).Truncate(time.Second)
			if tt.revoke {
				p.revoke(p.inter, file, "keyCompromise")
			}
			p.startResponder(delegated)
			c := newChecker(t, openProfile(t, ""), &revocation.Options{Wait: true})
			r := c.Revocation(bg, leaf, p.inter.cert)
			check(t, r, tt.status, "ocsp")
			if r.Reason != tt.reason {
				t.Errorf("got reason %q, want %q", r.Reason, tt.reason)
			}
			if tt.revoke && (r.RevokedAt.Before(before) || r.RevokedAt.After(time.Now())) {
				t.Errorf("got RevokedAt %v, want between %v and now", r.RevokedAt, before)
			}
			if k := c.Known(bg, leaf, p.inter.cert); k.Status != tt.status {
				t.Errorf("Known: got %s, want %s", k.Status, tt.status)
			}
		})
	}
}

func TestRevokedIntermediate(t *testing.T) {
	p := newPKI(t)
	p.revoke(p.root, p.inter.path("ca.pem"), "cACompromise")
	p.publishCRL(p.root)
	c := newChecker(t, openProfile(t, ""), &revocation.Options{Wait: true})
	r := c.Revocation(bg, p.inter.cert, p.root.cert)
	check(t, r, smime.RevRevoked, "crl")
	if r.Reason != "cACompromise" || r.RevokedAt.IsZero() {
		t.Errorf("got reason %q at %v, want cACompromise with a date", r.Reason, r.RevokedAt)
	}
}

func TestResponderDown(t *testing.T) {
	tests := []struct {
		name      string
		crl       bool
		status    smime.RevocationStatus
		source    string
		reasonHas []string
	}{
		{"CRL says revoked", true, smime.RevRevoked, "crl", []string{"keyCompromise"}},
		{"no CRL", false, smime.RevUnknown, "", []string{"OCSP responder http://127.0.0.1:", "connection refused", "CRL http://127.0.0.1:", "/inter.crl: 404 Not Found"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPKI(t)
			file := p.issue("alice", "leaf")
			p.revoke(p.inter, file, "keyCompromise")
			if tt.crl {
				p.publishCRL(p.inter)
			}
			c := newChecker(t, openProfile(t, ""), &revocation.Options{Wait: true})
			check(t, c.Revocation(bg, readCert(t, file), p.inter.cert), tt.status, tt.source, tt.reasonHas...)
		})
	}
}

func TestNoResponderNoCRL(t *testing.T) {
	p := newPKI(t)
	leaf := p.leaf("alice", "leaf_none") // names only ldap and caIssuers
	c := newChecker(t, openProfile(t, ""), &revocation.Options{Wait: true})
	check(t, c.Revocation(bg, leaf, p.inter.cert), smime.RevUnknown, "", "names no OCSP responder and no CRL")
}

func TestStaleCRL(t *testing.T) {
	p := newPKI(t)
	leaf := p.leaf("alice", "leaf_crl")
	p.publishCRL(p.inter, "-crlhours", "1")
	later := func() time.Time { return time.Now().Add(2 * time.Hour) }
	c := newChecker(t, openProfile(t, ""), &revocation.Options{Wait: true, Now: later})
	check(t, c.Revocation(bg, leaf, p.inter.cert), smime.RevUnknown, "", "the CRL is stale (next update")

	// The same CRL is good an hour earlier.
	c = newChecker(t, openProfile(t, ""), &revocation.Options{Wait: true})
	check(t, c.Revocation(bg, leaf, p.inter.cert), smime.RevGood, "crl")
}

// Responses that are not the CA's are ignored, and the CRL decides.
func TestForgedResponder(t *testing.T) {
	tests := []struct {
		name      string
		signer    string
		revoke    bool
		crl       bool
		status    smime.RevocationStatus
		source    string
		reasonHas string
	}{
		{"wrong key, CRL revoked", rogue, true, true, smime.RevRevoked, "crl", ""},
		{"wrong key, CRL good", rogue, false, true, smime.RevGood, "crl", ""},
		{"wrong key, no CRL", rogue, false, false, smime.RevUnknown, "", "bad response"},
		{"no OCSPSigning, CRL revoked", noEKU, true, true, smime.RevRevoked, "crl", ""},
		{"no OCSPSigning, no CRL", noEKU, false, false, smime.RevUnknown, "", "is not for OCSP signing"},
		{"delegated, no CRL", delegated, false, false, smime.RevGood, "ocsp", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPKI(t)
			file := p.issue("alice", "leaf")
			if tt.revoke {
				p.revoke(p.inter, file, "keyCompromise")
			}
			if tt.crl {
				p.publishCRL(p.inter)
			}
			p.startResponder(tt.signer)
			c := newChecker(t, openProfile(t, ""), &revocation.Options{Wait: true})
			check(t, c.Revocation(bg, readCert(t, file), p.inter.cert), tt.status, tt.source, tt.reasonHas)
		})
	}
}

// A "good" answer captured before the revocation and replayed after its
// nextUpdate is not taken.
func TestReplayedGoodResponse(t *testing.T) {
	p := newPKI(t)
	file := p.issue("alice", "leaf")
	leaf := readCert(t, file)
	p.startResponder(delegated)
	req, err := ocsp.CreateRequest(leaf, p.inter.cert, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(p.ocspURL, "application/ocsp-request", bytes.NewReader(req))
	if err != nil {
		t.Fatal(err)
	}
	old, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if parsed, err := ocsp.ParseResponse(old, p.inter.cert); err != nil || parsed.Status != ocsp.Good {
		t.Fatalf("captured response: %v, %v; want a good one", parsed, err)
	}
	p.stopResponder()
	p.revoke(p.inter, file, "keyCompromise")

	// The replay comes from where the responder was.
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p.ocspPort))
	if err != nil {
		t.Fatal(err)
	}
	replay := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/ocsp-response")
		w.Write(old)
	})}
	go replay.Serve(l)
	t.Cleanup(func() { replay.Close() })

	later := func() time.Time { return time.Now().Add(10 * time.Minute) } // nextUpdate is 5 minutes on
	c := newChecker(t, openProfile(t, ""), &revocation.Options{Wait: true, Now: later})
	check(t, c.Revocation(bg, leaf, p.inter.cert), smime.RevUnknown, "", "the response is stale")

	p.publishCRL(p.inter)
	c = newChecker(t, openProfile(t, ""), &revocation.Options{Wait: true, Now: later})
	check(t, c.Revocation(bg, leaf, p.inter.cert), smime.RevRevoked, "crl")
}

// waitChange returns a channel that receives when the listeners are called.
func waitChange(t *testing.T, c *revocation.Checker) <-chan struct{} {
	ch := make(chan struct{}, 16)
	t.Cleanup(c.OnChange(func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	}))
	return ch
}

func await(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(15 * time.Second):
		t.Fatalf("no OnChange call after %s", what)
	}
}

func TestBackground(t *testing.T) {
	p := newPKI(t)
	file := p.issue("alice", "leaf")
	leaf := readCert(t, file)
	p.revoke(p.inter, file, "keyCompromise")
	p.startResponder(delegated)
	c := newChecker(t, openProfile(t, ""), nil)
	changed := waitChange(t, c)
	check(t, c.Revocation(bg, leaf, p.inter.cert), smime.RevChecking, "")
	await(t, changed, "the background fetch")
	check(t, c.Revocation(bg, leaf, p.inter.cert), smime.RevRevoked, "ocsp")
	select {
	case <-changed:
		t.Error("OnChange called again though the status did not change")
	case <-time.After(100 * time.Millisecond):
	}
}

func TestRetryWhenNetworkReturns(t *testing.T) {
	p := newPKI(t)
	leaf := p.leaf("alice", "leaf_ocsp")
	c := newChecker(t, openProfile(t, ""), &revocation.Options{RetryInterval: 200 * time.Millisecond})
	changed := waitChange(t, c)
	check(t, c.Revocation(bg, leaf, p.inter.cert), smime.RevChecking, "")
	await(t, changed, "the first fetch")
	check(t, c.Revocation(bg, leaf, p.inter.cert), smime.RevUnknown, "", "connection refused")

	p.startResponder(delegated)
	start := time.Now()
	await(t, changed, "the responder started")
	check(t, c.Revocation(bg, leaf, p.inter.cert), smime.RevGood, "ocsp")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("got the retry after %v, want about the retry interval", d)
	}
}

func TestCacheSurvivesReopen(t *testing.T) {
	for _, offline := range []bool{true, false} {
		t.Run("offline="+strconv.FormatBool(offline), func(t *testing.T) {
			p := newPKI(t)
			good := p.leaf("alice", "leaf_ocsp")
			revokedFile := p.issue("bob", "leaf_crl")
			revoked := readCert(t, revokedFile)
			p.revoke(p.inter, revokedFile, "superseded")
			p.publishCRL(p.inter)
			p.startResponder(delegated)

			dir := t.TempDir()
			prof := openProfile(t, dir)
			c := newChecker(t, prof, &revocation.Options{Wait: true})
			check(t, c.Revocation(bg, good, p.inter.cert), smime.RevGood, "ocsp")
			check(t, c.Revocation(bg, revoked, p.inter.cert), smime.RevRevoked, "crl")
			c.Close()
			prof.Close()

			// Nothing answers any more.
			p.stopResponder()
			p.srv.Close()
			c = newChecker(t, openProfile(t, dir), &revocation.Options{Wait: true, Offline: offline})
			check(t, c.Revocation(bg, good, p.inter.cert), smime.RevGood, "ocsp")
			r := c.Revocation(bg, revoked, p.inter.cert)
			check(t, r, smime.RevRevoked, "crl")
			if r.Reason != "superseded" {
				t.Errorf("got reason %q, want superseded", r.Reason)
			}
			crls, err := c.CRLs(bg)
			if err != nil || len(crls) != 1 || crls[0].Imported || crls[0].Issuer != "Test Intermediate" || crls[0].Entries != 1 {
				t.Errorf("CRLs: got %+v, %v; want the fetched CRL of Test Intermediate with 1 entry", crls, err)
			}
		})
	}
}

func TestOneCRLFetchForMany(t *testing.T) {
	p := newPKI(t)
	leaves := p.leaves(50, "leaf_crl")
	p.revoke(p.inter, p.inter.path("new/"+strings.ToUpper(leaves[7].SerialNumber.Text(16))+".pem"), "keyCompromise")
	p.publishCRL(p.inter)
	c := newChecker(t, openProfile(t, ""), &revocation.Options{Wait: true})
	got := make([]smime.Revocation, len(leaves))
	var wg sync.WaitGroup
	for i, l := range leaves {
		wg.Go(func() { got[i] = c.Revocation(bg, l, p.inter.cert) })
	}
	wg.Wait()
	for i, l := range leaves { // and once more, one by one
		if r := c.Revocation(bg, l, p.inter.cert); r.Status != got[i].Status {
			t.Errorf("certificate %d: got %s, then %s", i, got[i].Status, r.Status)
		}
	}
	for i, r := range got {
		want := smime.RevGood
		if i == 7 {
			want = smime.RevRevoked
		}
		if r.Status != want || r.Source != "crl" {
			t.Errorf("certificate %d: got %s per %q (%s), want %s per crl", i, r.Status, r.Source, r.Reason, want)
		}
	}
	if n := p.hitsOf("/inter.crl"); n != 1 {
		t.Errorf("got %d CRL fetches, want 1", n)
	}
}

func TestOneOCSPRequestPerCertificate(t *testing.T) {
	for _, wait := range []bool{true, false} {
		t.Run("wait="+strconv.FormatBool(wait), func(t *testing.T) {
			p := newPKI(t)
			leaves := []*x509.Certificate{p.leaf("alice", "leaf_proxy"), p.leaf("bob", "leaf_proxy")}
			p.startResponder(delegated)
			c := newChecker(t, openProfile(t, ""), &revocation.Options{Wait: wait})
			changed := waitChange(t, c)
			var wg sync.WaitGroup
			for range 5 {
				for _, l := range leaves {
					wg.Go(func() { c.Revocation(bg, l, p.inter.cert) })
				}
			}
			wg.Wait()
			deadline := time.Now().Add(15 * time.Second)
			for _, l := range leaves {
				for c.Revocation(bg, l, p.inter.cert).Status == smime.RevChecking && time.Now().Before(deadline) {
					<-changed
				}
				check(t, c.Revocation(bg, l, p.inter.cert), smime.RevGood, "ocsp")
			}
			if n := p.hitsOf("/ocsp"); n != len(leaves) {
				t.Errorf("got %d OCSP requests for %d certificates, want one each", n, len(leaves))
			}
		})
	}
}

func TestOffline(t *testing.T) {
	p := newPKI(t)
	leaf := p.leaf("alice", "leaf")
	p.startResponder(delegated)
	c := newChecker(t, openProfile(t, ""), &revocation.Options{Wait: true, Offline: true})
	check(t, c.Revocation(bg, leaf, p.inter.cert), smime.RevNotChecked, "", "online revocation checks are off")
	changed := waitChange(t, c)
	c.SetOffline(false)
	await(t, changed, "SetOffline")
	check(t, c.Revocation(bg, leaf, p.inter.cert), smime.RevGood, "ocsp")
	// A fresh answer still counts offline.
	c.SetOffline(true)
	check(t, c.Revocation(bg, leaf, p.inter.cert), smime.RevGood, "ocsp")
	if n := p.hitsOf("/inter.crl"); n != 0 {
		t.Errorf("got %d CRL fetches, want none", n)
	}
}

func TestKnownFetchesNothing(t *testing.T) {
	p := newPKI(t)
	leaf := p.leaf("alice", "leaf_proxy")
	p.startResponder(delegated)
	c := newChecker(t, openProfile(t, ""), nil)
	if r := c.Known(bg, leaf, p.inter.cert); r.Status != smime.RevNotChecked {
		t.Errorf("got %s, want not-checked", r.Status)
	}
	time.Sleep(100 * time.Millisecond)
	if n := p.hitsOf("/ocsp"); n != 0 {
		t.Errorf("got %d OCSP requests, want none", n)
	}
}

func TestClose(t *testing.T) {
	p := newPKI(t)
	leaf := p.leaf("alice", "leaf_ocsp")
	c := newChecker(t, openProfile(t, ""), nil)
	c.Revocation(bg, leaf, p.inter.cert)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if r := c.Revocation(bg, leaf, p.inter.cert); r.Status == smime.RevChecking {
		t.Errorf("got %s after Close, want no promise of an answer", r.Status)
	}
}
