package certs_test

import (
	"context"
	"testing"

	"siegel/crypto/certinfo"
)

// The stamp changes with every change a verdict can depend on, and only
// then; another Store on the same profile (another process) sees the same.
func TestStamp(t *testing.T) {
	ctx := context.Background()
	pki := newPKI(t)
	k := rsaKey(t, keyErin)
	erin := pki.leaf(t, spec{CN: "Erin", Emails: []string{"erin@example.com"}, Key: k})
	dir := tempDir(t)
	s, _ := openStoreIn(t, dir)
	stamp := func() string {
		t.Helper()
		got, err := s.Stamp(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	seen := map[string]string{}
	step := func(name string) {
		t.Helper()
		got := stamp()
		if prev, ok := seen[got]; ok {
			t.Errorf("%s: the stamp of %q again", name, prev)
		}
		seen[got] = name
	}
	step("empty")
	mustImport(t, s, pemCert(pki.root))
	step("a CA imported")
	if _, err := s.Collect(ctx, erin); err != nil {
		t.Fatal(err)
	}
	step("Erin collected")
	if again := stamp(); seen[again] != "Erin collected" {
		t.Errorf("the stamp changed without a change")
	}
	if err := s.Delete(ctx, certinfo.Fingerprint(erin)); err != nil {
		t.Fatal(err)
	}
	mustImport(t, s, pemCert(erin))
	step("Erin imported (pinned) instead")
	mustImport(t, s, pemKey(t, k, "pkcs8"))
	step("Erin's key imported")
	other, _ := openStoreIn(t, dir)
	if got, err := other.Stamp(ctx); err != nil || seen[got] != "Erin's key imported" {
		t.Errorf("another store on the profile: stamp of %q (%v)", seen[got], err)
	}
}
