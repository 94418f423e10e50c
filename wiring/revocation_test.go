package wiring

import (
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"siegel/certs"
	"siegel/certs/revocation"
	"siegel/certs/revocation/revocationtest"
	"siegel/crypto/certinfo"
	"siegel/crypto/smime"
	"siegel/crypto/vault"
	"siegel/mail"
	"siegel/mail/account"
	"siegel/mail/loopback"
	"siegel/profile"
)

// open opens a profile in a fresh folder with ca's certificate in its
// store.
var cheap = &profile.Options{Cost: vault.Cost{Time: 1, MemoryKiB: 8 << 10, Threads: 1}}

func open(t testing.TB, ca *revocationtest.CA, o Options) *Parts {
	t.Helper()
	o.Profile = cheap
	o.Passphrase = func(context.Context, bool) ([]byte, error) { return []byte("pw"), nil }
	p, err := Open(context.Background(), filepath.Join(t.TempDir(), "profile"), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	if _, err := p.Store.Add(context.Background(), &certs.Bundle{Name: "ca", Certs: []*x509.Certificate{ca.Cert}}); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRevocationThroughTheEngine(t *testing.T) {
	ctx := context.Background()
	w := revocationtest.New(t, 3, false)
	revokedAt := time.Now().Add(-time.Hour).Truncate(time.Second)
	w.Revoke(w.Signers[1].Cert, revokedAt)
	p := open(t, w, Options{NoDesk: true, RevocationWait: true})

	res, _ := p.Engine.Open(ctx, w.Message(t, 0, 0))
	if res.Signature != smime.SigValid || res.Revocation == nil || res.Revocation.Status != smime.RevGood || res.Revocation.Source != "ocsp" {
		t.Errorf("good signer: got %s, %+v", res.Signature, res.Revocation)
	}
	res, _ = p.Engine.Open(ctx, w.Message(t, 1, 1))
	if res.Signature != smime.SigRevoked || res.Revocation == nil || !res.Revocation.RevokedAt.Equal(revokedAt) || res.Revocation.Reason != "keyCompromise" {
		t.Errorf("revoked signer: got %s, %+v", res.Signature, res.Revocation)
	}

	// Encrypting to the revoked signer is refused, to the others not.
	p.Store.Add(ctx, &certs.Bundle{Name: "people", Certs: []*x509.Certificate{w.Signers[0].Cert, w.Signers[1].Cert}})
	caps := p.Engine.Check(ctx, "signer0@example.org", []string{"signer1@example.org"}, time.Now())
	if len(caps.Revoked) != 1 || caps.Revoked[0].Address != "signer1@example.org" {
		t.Errorf("Check: got revoked %+v", caps.Revoked)
	}

	// The settings take effect at once: offline, nothing more is asked
	// (the cached answers still count); strict, unknown fails.
	if err := p.Revocations.SetOnline(ctx, false); err != nil {
		t.Fatal(err)
	}
	before := w.OCSPRequests.Load()
	res, _ = p.Engine.Open(ctx, w.Message(t, 2, 2))
	if w.OCSPRequests.Load() != before || res.Revocation == nil || res.Revocation.Status != smime.RevNotChecked || res.Signature != smime.SigValid {
		t.Errorf("offline: got %s, %+v after %d requests", res.Signature, res.Revocation, w.OCSPRequests.Load()-before)
	}
	if on, _ := p.Revocations.Online(ctx); on {
		t.Error("Online after SetOnline(false): got true")
	}
	p.Revocations.SetOnline(ctx, true)
	w.Down.Store(true)
	p.Revocations.SetStrict(ctx, true)
	res, _ = p.Engine.Open(ctx, w.Message(t, 2, 3))
	if res.Signature != smime.SigUntrusted || res.Revocation == nil || res.Revocation.Status != smime.RevUnknown {
		t.Errorf("strict, responder down: got %s, %+v", res.Signature, res.Revocation)
	}
	p.Revocations.SetStrict(ctx, false)
	res, _ = p.Engine.Open(ctx, w.Message(t, 2, 4))
	if res.Signature != smime.SigValid || res.Revocation.Status != smime.RevUnknown {
		t.Errorf("responder down: got %s, %+v", res.Signature, res.Revocation)
	}

	// Status reports what is known, per stored certificate.
	st, err := p.Revocations.Status(ctx, certinfo.Fingerprint(w.Signers[1].Cert))
	if err != nil || st.Status != smime.RevRevoked {
		t.Errorf("Status: got %+v, %v", st, err)
	}
}

// TestRevocationUpdatesTheDesk: the desk shows an article at once, with
// the answer still to come, and updates it when the answer comes — also
// when the network only comes back later.
func TestRevocationUpdatesTheDesk(t *testing.T) {
	ctx := context.Background()
	w := revocationtest.New(t, 2, false)
	w.Revoke(w.Signers[1].Cert, time.Now().Add(-time.Hour))
	w.Down.Store(true)
	srv, err := loopback.StartIMAP(loopback.IMAPOptions{Username: "help@example.com", Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	p := open(t, w, Options{Revocation: &revocation.Options{RetryInterval: 200 * time.Millisecond}})
	changed := make(chan int64, 16)
	cancel := p.Desk.Subscribe(func(e mail.Event) {
		if ac, ok := e.(mail.ArticleChanged); ok {
			changed <- ac.ArticleID
		}
	})
	defer cancel()
	host, port := splitAddr(t, srv.Addr())
	server := account.Server{Host: host, Port: port, Security: account.Plain, User: "help@example.com", Password: "pw"}
	if _, err := p.Desk.AddAccount(ctx, account.Account{Address: "help@example.com", IMAP: server, SMTP: server}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Deliver("INBOX", w.Message(t, 1, 1), time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Desk.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.Desk.Start(ctx); err != nil {
		t.Fatal(err)
	}
	art := onlyArticle(t, p)
	if art.Security.Signature != smime.SigValid || art.Security.Revocation == nil ||
		art.Security.Revocation.Status != smime.RevChecking && art.Security.Revocation.Status != smime.RevUnknown {
		t.Fatalf("first verdict: got %s, %+v, want valid while the answer is pending", art.Security.Signature, art.Security.Revocation)
	}
	waitArticle(t, p, changed, func(a mail.Article) bool {
		return a.Security.Revocation != nil && a.Security.Revocation.Status == smime.RevUnknown
	})
	// The strict setting takes effect on the shown articles at once.
	if err := p.Revocations.SetStrict(ctx, true); err != nil {
		t.Fatal(err)
	}
	waitArticle(t, p, changed, func(a mail.Article) bool { return a.Security.Signature == smime.SigUntrusted })
	p.Revocations.SetStrict(ctx, false)
	waitArticle(t, p, changed, func(a mail.Article) bool { return a.Security.Signature == smime.SigValid })
	w.Down.Store(false) // the network comes back
	waitArticle(t, p, changed, func(a mail.Article) bool { return a.Security.Signature == smime.SigRevoked })
}

// waitArticle waits until the only article satisfies ok.
func waitArticle(t *testing.T, p *Parts, changed chan int64, ok func(mail.Article) bool) {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for !ok(onlyArticle(t, p)) {
		select {
		case <-changed:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			a := onlyArticle(t, p)
			t.Fatalf("the article was not updated: %s, %+v", a.Security.Signature, a.Security.Revocation)
		}
	}
}

func onlyArticle(t *testing.T, p *Parts) mail.Article {
	t.Helper()
	page, err := p.Desk.Tickets(context.Background(), mail.TicketQuery{})
	if err != nil || len(page.Tickets) != 1 {
		t.Fatalf("tickets: %v, %v", page, err)
	}
	arts, err := p.Desk.Articles(context.Background(), page.Tickets[0].ID)
	if err != nil || len(arts) != 1 {
		t.Fatalf("articles: %v, %v", arts, err)
	}
	return arts[0]
}

// TestRevocationColdFetches: opening many articles asks the responder once
// per certificate, and fetches a CA's CRL once for all its certificates.
func TestRevocationColdFetches(t *testing.T) {
	ctx := context.Background()
	for _, crlOnly := range []bool{false, true} {
		t.Run(fmt.Sprintf("crlOnly=%v", crlOnly), func(t *testing.T) {
			w := revocationtest.New(t, 10, crlOnly)
			p := open(t, w, Options{NoDesk: true, RevocationWait: true})
			var msgs [][]byte
			for i := range 100 {
				msgs = append(msgs, w.Message(t, i, i))
			}
			var wg sync.WaitGroup
			for g := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := g; i < len(msgs); i += 4 {
						if res, _ := p.Engine.Open(ctx, msgs[i]); res.Signature != smime.SigValid || res.Revocation.Status != smime.RevGood {
							t.Errorf("message %d: got %s, %+v", i, res.Signature, res.Revocation)
						}
					}
				}()
			}
			wg.Wait()
			gotOCSP, gotCRL := w.OCSPRequests.Load(), w.CRLFetches.Load()
			wantOCSP, wantCRL := int64(10), int64(0)
			if crlOnly {
				wantOCSP, wantCRL = 0, 1
			}
			if gotOCSP != wantOCSP || gotCRL != wantCRL {
				t.Errorf("got %d OCSP requests and %d CRL fetches, want %d and %d", gotOCSP, gotCRL, wantOCSP, wantCRL)
			}
		})
	}
}

// BenchmarkOpenRevocation opens 1,000 signed articles from 50 signers
// under one CA, interleaved: without revocation checks, with them from a
// warm OCSP cache, and from a warm CRL, in the same run. It reports the
// time per article of each and the rates with checks as a share of the
// rate without (the issue asks at least 0.9).
func BenchmarkOpenRevocation(b *testing.B) {
	ctx := context.Background()
	type setup struct {
		engine *smime.Engine
		msgs   [][]byte
		spent  time.Duration
	}
	make1 := func(crlOnly, checks bool) *setup {
		w := revocationtest.New(b, 50, crlOnly)
		p := open(b, w, Options{NoDesk: true, RevocationWait: true})
		s := &setup{engine: p.Engine}
		if !checks {
			s.engine = smime.NewEngine(p.Store)
		}
		for i := range 1000 {
			s.msgs = append(s.msgs, w.Message(b, i, i))
		}
		for _, m := range s.msgs { // warm the caches
			if res, _ := s.engine.Open(ctx, m); res.Signature != smime.SigValid {
				b.Fatalf("got %s", res.Signature)
			}
		}
		return s
	}
	without, ocspWarm, crlWarm := make1(false, false), make1(false, true), make1(true, true)
	all := []*setup{without, ocspWarm, crlWarm}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, s := range all {
			start := time.Now()
			s.engine.Open(ctx, s.msgs[i%len(s.msgs)])
			s.spent += time.Since(start)
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64(without.spent.Nanoseconds())/n, "without-ns/article")
	b.ReportMetric(float64(ocspWarm.spent.Nanoseconds())/n, "ocsp-ns/article")
	b.ReportMetric(float64(crlWarm.spent.Nanoseconds())/n, "crl-ns/article")
	b.ReportMetric(float64(without.spent)/float64(ocspWarm.spent), "ocsp-rate-ratio")
	b.ReportMetric(float64(without.spent)/float64(crlWarm.spent), "crl-rate-ratio")
}

func splitAddr(t *testing.T, addr string) (string, int) {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	return host, n
}
