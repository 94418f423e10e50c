package demo

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkStart measures demo.Start from nothing to a synced desk (and
// Close): the demo's share of `siegel --demo`'s time to the first window,
// whose target is 2 s (issue 6). Each round wipes the previous one's
// folder, as a restart does.
func BenchmarkStart(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "demo")
	ctx := context.Background()
	var slowest time.Duration
	for b.Loop() {
		t0 := time.Now()
		d, err := Start(ctx, dir, &Options{ReplyDelay: -1})
		if err != nil {
			b.Fatal(err)
		}
		slowest = max(slowest, time.Since(t0))
		d.Close()
	}
	// RSA key generation has a long tail: the slowest start matters as
	// much as the mean.
	b.ReportMetric(float64(slowest.Milliseconds()), "max-ms")
	b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(2*time.Second), "of-2s-target")
}

// BenchmarkNewPKI measures the PKI generation alone: its two RSA keys are
// most of Start's time, and vary most.
func BenchmarkNewPKI(b *testing.B) {
	for b.Loop() {
		if _, err := newPKI(time.Now(), "http://127.0.0.1:9/"); err != nil {
			b.Fatal(err)
		}
	}
}
