package smime

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite the whole results of the corpora under testdata/golden")

// checkGolden compares the whole result of one corpus message — envelope,
// layers, signers, chains, ciphers, reasons — with the one kept in
// testdata/golden, so that any change of a verdict shows in review. Left
// out are the time of the analysis and the signers' certificates as DER
// (the corpora's own files; their fingerprints stay).
func checkGolden(t *testing.T, corpus, file string, res *Result) {
	t.Helper()
	r := *res
	r.Analysed = time.Time{}
	r.Layers = slices.Clone(r.Layers)
	for i := range r.Layers {
		r.Layers[i].Signers = slices.Clone(r.Layers[i].Signers)
		for j := range r.Layers[i].Signers {
			r.Layers[i].Signers[j].CertDER = nil
		}
	}
	got, err := json.MarshalIndent(&r, "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "golden", corpus, file+".json")
	if *updateGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./crypto/smime -run Corpus -update-golden writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the result differs from %s:\n%s", path, lineDiff(string(want), string(got)))
	}
}

// lineDiff lists the lines that differ, with their numbers.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)) && b.Len() < 4000; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n  want %s\n  got  %s\n", i+1, wl, gl)
		}
	}
	return b.String()
}
