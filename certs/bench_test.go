package certs_test

import (
	"context"
	"crypto/elliptic"
	"fmt"
	"syscall"
	"testing"
	"time"

	"siegel/certs"
)

// benchStore fills a store with n certificates, each for its own address
// user<i>@example.com, issued by one CA.
func benchStore(b *testing.B, n int) *certs.Store {
	b.Helper()
	pki := newPKI(b)
	s, _ := openStore(b)
	ctx := context.Background()
	const batch = 500
	for i := 0; i < n; i += batch {
		var bundle certs.Bundle
		for j := i; j < min(i+batch, n); j++ {
			bundle.Certs = append(bundle.Certs, pki.leaf(b, spec{CN: fmt.Sprintf("User %d", j),
				Emails: []string{fmt.Sprintf("user%d@example.com", j)}, Key: ecKey(b, elliptic.P256())}))
		}
		if _, err := s.Add(ctx, &bundle); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

// BenchmarkLookup looks up addresses in a store of 10,000 certificates,
// each address once in turn (so caches help only as much as they would in
// a real run); the target is below 50 µs per look-up.
func BenchmarkLookup(b *testing.B) {
	const n = 10_000
	s := benchStore(b, n)
	ctx := context.Background()
	now := time.Now()
	addrs := make([]string, n)
	for i := range addrs {
		addrs[i] = fmt.Sprintf("USER%d@example.com", (i*7919)%n)
	}
	i := 0
	cpu := cpuTime()
	for b.Loop() {
		es, err := s.Lookup(ctx, addrs[i%n], certs.UsageEncrypt, now)
		if err != nil || len(es) != 1 {
			b.Fatalf("Lookup(%s) = %d, %v", addrs[i%n], len(es), err)
		}
		i++
	}
	reportCPU(b, cpu, i)
}

// cpuTime is the CPU time the process has used. On a machine shared with
// other work, CPU time per operation is steadier than wall time, so the
// benchmarks report both.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, start time.Duration, ops int) {
	if ops > 0 {
		b.ReportMetric(float64(cpuTime()-start)/float64(ops), "cpu-ns/op")
	}
}

// BenchmarkCertsForAddressMiss is the engine's look-up of an address
// without certificate, in the same store.
func BenchmarkCertsForAddressMiss(b *testing.B) {
	s := benchStore(b, 10_000)
	ctx := context.Background()
	now := time.Now()
	ops := 0
	cpu := cpuTime()
	for b.Loop() {
		if cs, err := s.CertsForAddress(ctx, "nobody@example.com", now); err != nil || len(cs) != 0 {
			b.Fatal(len(cs), err)
		}
		ops++
	}
	reportCPU(b, cpu, ops)
}

// bundle100 is a PEM bundle of 100 RSA-2048 certificates and their CA.
func bundle100(b *testing.B) []byte {
	b.Helper()
	pki := newPKI(b)
	k := rsaKey(b, keyBob)
	data := pemCert(pki.inter)
	for i := range 100 {
		data = append(data, pemCert(pki.leaf(b, spec{CN: fmt.Sprintf("User %d", i),
			Emails: []string{fmt.Sprintf("user%d@example.com", i)}, Key: k}))...)
	}
	return data
}

// BenchmarkImportPEMBundle100 imports a PEM bundle of 100 certificates
// (and the CA) into an empty store: parse, check and one transaction.
func BenchmarkImportPEMBundle100(b *testing.B) {
	data := bundle100(b)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		s, p := openStore(b)
		b.StartTimer()
		r, err := s.Import(ctx, data, "bundle.pem", nil)
		if err != nil || len(r.Items) != 101 {
			b.Fatal(err)
		}
		b.StopTimer()
		p.Close()
		b.StartTimer()
	}
}

// BenchmarkParsePEMBundle100 is the parsing part of the import above.
func BenchmarkParsePEMBundle100(b *testing.B) {
	data := bundle100(b)
	ops := 0
	cpu := cpuTime()
	for b.Loop() {
		bundle, err := certs.Parse(data, "bundle.pem", nil)
		if err != nil || len(bundle.Certs) != 101 {
			b.Fatal(err)
		}
		ops++
	}
	reportCPU(b, cpu, ops)
}
