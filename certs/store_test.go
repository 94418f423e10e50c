package certs_test

import (
	"bytes"
	"context"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"math/big"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"siegel/certs"
	"siegel/crypto/certinfo"
	"siegel/crypto/smime"
	"siegel/crypto/testpki"
	"siegel/crypto/vault"
	"siegel/profile"
)

// The store is the engine's keyring.
var _ smime.Keyring = (*certs.Store)(nil)

func mustImport(t *testing.T, s *certs.Store, data []byte) *certs.ImportReport {
	t.Helper()
	r, err := s.Import(context.Background(), data, "test.pem", nil)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	return r
}

func fps(es []certs.Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Summary.Fingerprint)
	}
	return out
}

func TestLookupByAddress(t *testing.T) {
	ctx := context.Background()
	pki := newPKI(t)
	now := time.Now().Truncate(time.Second)
	old := pki.leaf(t, spec{CN: "Alice 2020", Emails: []string{"alice@example.com"},
		NotBefore: now.AddDate(-3, 0, 0), NotAfter: now.AddDate(-2, 0, 0)})
	signOnly := pki.leaf(t, spec{CN: "Alice sign", Emails: []string{"alice@example.com"},
		KeyUsage: x509.KeyUsageDigitalSignature, NotBefore: now.AddDate(0, -2, 0), NotAfter: now.AddDate(1, 0, 0)})
	encOnly := pki.leaf(t, spec{CN: "Alice encrypt", Emails: []string{"ALICE@example.com", "a@example.org"},
		Key: rsaKey(t, keyAlice), KeyUsage: x509.KeyUsageKeyEncipherment, NotBefore: now.AddDate(0, -1, 0), NotAfter: now.AddDate(1, 0, 0)})
	future := pki.leaf(t, spec{CN: "Alice next", Emails: []string{"alice@example.com"},
		NotBefore: now.AddDate(0, 6, 0), NotAfter: now.AddDate(2, 0, 0)})
	other := pki.leaf(t, spec{CN: "Bob", Emails: []string{"bob@example.com"}})

	s, _ := openStore(t)
	mustImport(t, s, concat(pemCert(old), pemCert(signOnly), pemCert(encOnly), pemCert(future), pemCert(other), pemCert(pki.inter)))
	fp := certinfo.Fingerprint

	tests := []struct {
		name  string
		addr  string
		usage certs.Usage
		at    time.Time
		want  []string
	}{
		{"any usage, newest first", "alice@example.com", 0, now, []string{fp(encOnly), fp(signOnly)}},
		{"address in other case", " Alice@EXAMPLE.com ", 0, now, []string{fp(encOnly), fp(signOnly)}},
		{"signing", "alice@example.com", certs.UsageSign, now, []string{fp(signOnly)}},
		{"encryption", "alice@example.com", certs.UsageEncrypt, now, []string{fp(encOnly)}},
		{"both usages", "alice@example.com", certs.UsageSign | certs.UsageEncrypt, now, nil},
		{"second address", "a@example.org", certs.UsageEncrypt, now, []string{fp(encOnly)}},
		{"in the past", "alice@example.com", 0, now.AddDate(-2, -6, 0), []string{fp(old)}},
		{"on the last valid second", "alice@example.com", 0, old.NotAfter, []string{fp(old)}},
		{"one second later", "alice@example.com", 0, old.NotAfter.Add(time.Second), nil},
		{"in the future", "alice@example.com", 0, now.AddDate(0, 7, 0), []string{fp(future), fp(encOnly), fp(signOnly)}},
		{"unknown address", "carol@example.com", 0, now, nil},
		{"a CA is no address's certificate", "", 0, now, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Lookup(ctx, tc.addr, tc.usage, tc.at)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(fps(got), tc.want) {
				t.Errorf("Lookup(%q, %v, %v) = %q, want %q", tc.addr, tc.usage, tc.at, fps(got), tc.want)
			}
			certsFor, err := s.CertsForAddress(ctx, tc.addr, tc.at)
			if err != nil {
				t.Fatal(err)
			}
			if tc.usage == 0 && len(certsFor) != len(tc.want) {
				t.Errorf("CertsForAddress(%q) found %d certificates, want %d", tc.addr, len(certsFor), len(tc.want))
			}
		})
	}
}

func TestKeyringLookups(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	// Two CAs with the same name but different keys issue certificates with
	// the same serial number, like the Zammad fixtures: issuer and serial
	// alone do not identify a certificate.
	caKey1, caKey2 := ecKey(t, elliptic.P256()), ecKey(t, elliptic.P256())
	ca1 := makeCert(t, spec{CN: "Same CA", CA: true, Key: caKey1})
	ca2 := makeCert(t, spec{CN: "Same CA", CA: true, Key: caKey2})
	withKey := rsaKey(t, keyDave)
	x := makeCert(t, spec{CN: "X", Emails: []string{"x@example.com"}, Key: withKey, Issuer: &testpki.Identity{Cert: ca1, Key: caKey1},
		Serial: 0x1000, SKI: []byte{1, 2, 3, 4}})
	y := makeCert(t, spec{CN: "Y", Emails: []string{"y@example.com"}, Issuer: &testpki.Identity{Cert: ca2, Key: caKey2}, Serial: 0x1000,
		NotBefore: x.NotBefore.Add(time.Minute), SKI: []byte{5, 6, 7, 8}})
	mustImport(t, s, concat(pemCert(y), pemCert(x), pemKey(t, withKey, "pkcs8")))

	got, err := s.CertByIssuerSerial(ctx, x.RawIssuer, big.NewInt(0x1000))
	if err != nil || got == nil || !got.Equal(x) {
		t.Errorf("CertByIssuerSerial = %v, %v; want X, the one with the private key", name(got), err)
	}
	if got, err := s.CertByIssuerSerial(ctx, x.RawIssuer, big.NewInt(0x1001)); got != nil || err != nil {
		t.Errorf("CertByIssuerSerial(unknown serial) = %v, %v; want nil, nil", name(got), err)
	}
	if got, err := s.CertBySubjectKeyID(ctx, []byte{5, 6, 7, 8}); err != nil || got == nil || !got.Equal(y) {
		t.Errorf("CertBySubjectKeyID = %v, %v; want Y", name(got), err)
	}
	if got, err := s.CertBySubjectKeyID(ctx, []byte{9}); got != nil || err != nil {
		t.Errorf("CertBySubjectKeyID(unknown) = %v, %v; want nil, nil", name(got), err)
	}
	if k, err := s.PrivateKey(ctx, y); k != nil || err != nil {
		t.Errorf("PrivateKey(Y without key) = %T, %v; want nil, nil", k, err)
	}
	checkKeyPair(t, s, x)
	for _, c := range []*x509.Certificate{x, y} {
		if ok, err := s.IsStored(ctx, c); !ok || err != nil {
			t.Errorf("IsStored(%s) = %v, %v; want true", name(c), ok, err)
		}
	}
	if ok, err := s.IsStored(ctx, ca1); ok || err != nil {
		t.Errorf("IsStored(a CA that is not stored) = %v, %v; want false", ok, err)
	}
}

func name(c *x509.Certificate) string {
	if c == nil {
		return "nil"
	}
	return c.Subject.CommonName
}

func TestTrustAnchorsGenerationAndOnChange(t *testing.T) {
	ctx := context.Background()
	pki := newPKI(t)
	s, _ := openStore(t)
	var calls int
	cancel := s.OnChange(func() { calls++ })

	anchors, err := s.TrustAnchors(ctx)
	if err != nil || len(anchors) != 0 {
		t.Fatalf("TrustAnchors of an empty store = %d, %v; want none", len(anchors), err)
	}
	g0 := s.Generation()
	mustImport(t, s, concat(pemCert(pki.root), pemCert(pki.inter)))
	if calls != 1 || s.Generation() == g0 {
		t.Errorf("after an import: %d OnChange calls, generation %d → %d; want 1 call and a new generation", calls, g0, s.Generation())
	}
	anchors, err = s.TrustAnchors(ctx)
	if err != nil || len(anchors) != 2 {
		t.Fatalf("TrustAnchors = %d, %v; want root and intermediate", len(anchors), err)
	}
	// Importing what is stored changes nothing.
	g1 := s.Generation()
	mustImport(t, s, pemCert(pki.root))
	if calls != 1 || s.Generation() != g1 {
		t.Errorf("re-import: %d OnChange calls, generation %d → %d; want no change", calls, g1, s.Generation())
	}
	if err := s.Delete(ctx, certinfo.Fingerprint(pki.inter)); err != nil {
		t.Fatal(err)
	}
	if calls != 2 || s.Generation() == g1 {
		t.Errorf("after a delete: %d OnChange calls; want 2 and a new generation", calls)
	}
	anchors, err = s.TrustAnchors(ctx)
	if err != nil || len(anchors) != 1 || !anchors[0].Equal(pki.root) {
		t.Errorf("TrustAnchors after deleting the intermediate = %d, %v; want the root", len(anchors), err)
	}
	cancel()
	mustImport(t, s, pemCert(pki.inter))
	if calls != 2 {
		t.Errorf("OnChange called %d times after cancel, want 2", calls)
	}
}

func TestDelete(t *testing.T) {
	ctx := context.Background()
	pki := newPKI(t)
	k := rsaKey(t, keyErin)
	// A renewal: the same key pair in two certificates.
	first := pki.leaf(t, spec{CN: "Erin", Emails: []string{"erin@example.com"}, Key: k})
	renewed := pki.leaf(t, spec{CN: "Erin", Emails: []string{"erin@example.com"}, Key: k, NotBefore: first.NotBefore.Add(time.Hour)})
	s, p := openStore(t)
	r := mustImport(t, s, concat(pemCert(first), pemCert(renewed), pemKey(t, k, "pkcs1")))
	if len(r.Items) != 3 {
		t.Fatalf("report has %d items, want two certificates and one key", len(r.Items))
	}
	countKeys := func() int {
		var n int
		if err := p.DB.QueryRow(`SELECT count(*) FROM private_keys`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if err := s.Delete(ctx, certinfo.Fingerprint(first)); err != nil {
		t.Fatal(err)
	}
	e, err := s.Get(ctx, certinfo.Fingerprint(renewed))
	if err != nil || !e.Summary.HasKey || countKeys() != 1 {
		t.Errorf("after deleting the first certificate: renewed HasKey %v (%v), %d keys; want the shared key kept", e.Summary.HasKey, err, countKeys())
	}
	checkKeyPair(t, s, renewed)
	if err := s.Delete(ctx, strings.ToUpper(certinfo.Fingerprint(renewed))); err != nil {
		t.Fatal(err)
	}
	if n := countKeys(); n != 0 {
		t.Errorf("after deleting both certificates %d keys remain, want 0", n)
	}
	if k, err := s.PrivateKey(ctx, renewed); k != nil || err != nil {
		t.Errorf("PrivateKey after delete = %T, %v; want nil, nil", k, err)
	}
	if err := s.Delete(ctx, certinfo.Fingerprint(renewed)); !errors.Is(err, certs.ErrNotFound) {
		t.Errorf("deleting a missing certificate = %v, want ErrNotFound", err)
	}
	if _, err := s.Get(ctx, certinfo.Fingerprint(first)); !errors.Is(err, certs.ErrNotFound) {
		t.Errorf("Get of a deleted certificate = %v, want ErrNotFound", err)
	}
	if list, _ := s.List(ctx); len(list) != 0 {
		t.Errorf("List after deleting everything has %d entries", len(list))
	}
}

func TestExport(t *testing.T) {
	ctx := context.Background()
	f := newImportFixture(t)
	s, _ := openStore(t)
	mustImport(t, s, concat(f.alicePEM, f.chainPEM, f.aliceKeyPK, pemCert(f.bob)))
	alice := certinfo.Fingerprint(f.alice)

	p, err := s.ExportPEM(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	if blk, rest := pem.Decode(p); blk == nil || blk.Type != "CERTIFICATE" || !bytes.Equal(blk.Bytes, f.alice.Raw) || len(rest) != 0 {
		t.Errorf("ExportPEM = %q, want one CERTIFICATE block with Alice's DER", p)
	}
	d, err := s.ExportDER(ctx, alice)
	if err != nil || !bytes.Equal(d, f.alice.Raw) {
		t.Errorf("ExportDER = %d bytes, %v; want Alice's DER", len(d), err)
	}

	pw := []byte("export secret")
	der, err := s.ExportPKCS12(ctx, alice, pw)
	if err != nil {
		t.Fatal(err)
	}
	key, leaf, chain, err := pkcs12.DecodeChain(der, string(pw))
	if err != nil {
		t.Fatalf("decoding the exported P12: %v", err)
	}
	if !leaf.Equal(f.alice) || len(chain) != 2 || !chain[0].Equal(f.pki.inter) || !chain[1].Equal(f.pki.root) {
		t.Errorf("exported P12 holds %s and a chain of %d, want Alice with intermediate and root", name(leaf), len(chain))
	}
	if !f.aliceKey.Equal(key) {
		t.Errorf("exported P12 holds another key")
	}
	// A second implementation reads it, and it is really encrypted.
	writeFile(t, f.dir, "export.p12", der)
	if _, info := runOpenssl(t, f.dir, "pkcs12", "-in", "export.p12", "-passin", "pass:"+string(pw), "-info", "-noout"); !bytes.Contains(info, []byte("AES-256-CBC")) {
		t.Errorf("openssl -info on the exported P12:\n%s\nwant AES-256-CBC encryption", info)
	}
	out := openssl(t, f.dir, "pkcs12", "-in", "export.p12", "-passin", "pass:"+string(pw), "-nodes")
	if !bytes.Contains(out, []byte("BEGIN PRIVATE KEY")) || bytes.Count(out, []byte("BEGIN CERTIFICATE")) != 3 {
		t.Errorf("openssl reads the exported P12 as:\n%s\nwant a key and three certificates", out)
	}
	// And it imports again.
	s2, _ := openStore(t)
	if r, err := s2.Import(ctx, der, "export.p12", pw); err != nil || len(r.Items) != 4 {
		t.Errorf("re-importing the export = %v, %v; want 3 certificates and a key", r, err)
	}

	if _, err := s.ExportPKCS12(ctx, certinfo.Fingerprint(f.bob), pw); !errors.Is(err, certs.ErrNoKey) {
		t.Errorf("ExportPKCS12 without key = %v, want ErrNoKey", err)
	}
	if _, err := s.ExportPKCS12(ctx, alice, nil); !errors.Is(err, certs.ErrEmptyPassphrase) {
		t.Errorf("ExportPKCS12 with an empty passphrase = %v, want ErrEmptyPassphrase", err)
	}
	if _, err := s.ExportPEM(ctx, strings.Repeat("ab", 32)); !errors.Is(err, certs.ErrNotFound) {
		t.Errorf("ExportPEM of an unknown fingerprint = %v, want ErrNotFound", err)
	}
}

func TestCollect(t *testing.T) {
	ctx := context.Background()
	f := newImportFixture(t)
	s, _ := openStore(t)
	var calls int
	s.OnChange(func() { calls++ })

	added, err := s.Collect(ctx, f.bob)
	if !added || err != nil {
		t.Fatalf("Collect(bob) = %v, %v; want true", added, err)
	}
	e, err := s.Get(ctx, certinfo.Fingerprint(f.bob))
	if err != nil || !e.Summary.Collected {
		t.Errorf("collected certificate: Collected = %v (%v), want true", e.Summary.Collected, err)
	}
	if ok, _ := s.IsStored(ctx, f.bob); ok {
		t.Errorf("IsStored(collected) = true; a collected certificate must not count as pinned")
	}
	if got, _ := s.Lookup(ctx, "bob@example.com", certs.UsageEncrypt, time.Now()); len(got) != 1 {
		t.Errorf("Lookup finds %d collected certificates, want 1", len(got))
	}
	if added, err := s.Collect(ctx, f.bob); added || err != nil {
		t.Errorf("Collect again = %v, %v; want false, nil", added, err)
	}
	if added, err := s.Collect(ctx, f.pki.root); added || err != nil {
		t.Errorf("Collect(CA) = %v, %v; want false, nil", added, err)
	}
	var re *certs.RuleError
	if added, err := s.Collect(ctx, f.pki.leaf(t, spec{CN: "No mail"})); added || !errors.As(err, &re) || re.Rule != certs.RuleEmail {
		t.Errorf("Collect(no e-mail) = %v, %v; want a RuleError", added, err)
	}
	if calls != 1 {
		t.Errorf("OnChange called %d times, want once", calls)
	}
	// The administrator imports it: now it is pinned.
	r := mustImport(t, s, pemCert(f.bob))
	if len(r.Items) != 1 || r.Items[0].Status != certs.StatusAlreadyStored || r.Items[0].Summary.Collected {
		t.Errorf("import of a collected certificate = %+v, want already stored and no longer collected", r.Items)
	}
	if ok, _ := s.IsStored(ctx, f.bob); !ok {
		t.Errorf("IsStored after explicit import = false, want true")
	}
}

func TestResolve(t *testing.T) {
	ctx := context.Background()
	f := newImportFixture(t)
	s, p := openStore(t)
	mustImport(t, s, concat(f.alicePEM, pemCert(f.bob)))
	alice := certinfo.Fingerprint(f.alice)
	// Two real fingerprints sharing 8 digits would take 2^32 tries; a row
	// with a made-up fingerprint stands in for the second certificate.
	twin := alice[:10] + strings.Repeat("0", 54)
	if _, err := p.DB.Exec(`INSERT INTO certificates (fingerprint, der, subject, issuer, serial, key_id, not_before,
		not_after, is_ca, can_sign, can_encrypt, imported_at) VALUES (?, x'00', 'twin', x'00', '', '', 0, 0, 0, 0, 0, 0)`, twin); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in   string
		want string
		err  error
	}{
		{alice, alice, nil},
		{strings.ToUpper(alice[:12]), alice, nil},
		{certinfo.GroupFingerprint(alice[:16]), alice, nil},
		{certinfo.Fingerprint(f.bob)[:8], certinfo.Fingerprint(f.bob), nil},
		{alice[:10], "", certs.ErrAmbiguous},
		{alice[:7], "", certs.ErrBadFingerprint},
		{"xyz12345", "", certs.ErrBadFingerprint},
		{alice + "00", "", certs.ErrBadFingerprint},
		{"00000000", "", certs.ErrNotFound},
	}
	for _, tc := range tests {
		got, err := s.Resolve(ctx, tc.in)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("Resolve(%q) = %q, %v; want %q, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestChangePassphraseReseals(t *testing.T) {
	ctx := context.Background()
	f := newImportFixture(t)
	dir := tempDir(t)
	s, p := openStoreIn(t, dir)
	mustImport(t, s, concat(f.alicePEM, f.aliceKeyPK))
	if err := p.ChangePassphrase(ctx, []byte(profilePassphrase), []byte("new secret")); err != nil {
		t.Fatal(err)
	}
	p.Close()

	open := func(pw string) *certs.Store {
		ask := func(ctx context.Context, create bool) ([]byte, error) { return []byte(pw), nil }
		p, err := profile.Open(ctx, dir, ask, &profile.Options{Cost: testCost})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close() })
		s, err := certs.Open(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if _, err := open(profilePassphrase).PrivateKey(ctx, f.alice); !errors.Is(err, vault.ErrWrongPassphrase) {
		t.Errorf("PrivateKey with the old passphrase = %v, want vault.ErrWrongPassphrase", err)
	}
	checkKeyPair(t, open("new secret"), f.alice)
}

func TestConcurrentUse(t *testing.T) {
	ctx := context.Background()
	pki := newPKI(t)
	s, _ := openStore(t)
	mustImport(t, s, concat(pemCert(pki.root), pemCert(pki.inter)))
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 4 {
		wg.Go(func() {
			for j := range 10 {
				c := pki.leaf(t, spec{CN: "U", Emails: []string{"u@example.com"}, Serial: int64(100000 + i*100 + j)})
				if _, err := s.Import(ctx, pemCert(c), "u.pem", nil); err != nil {
					errs <- err
				}
				if _, err := s.Lookup(ctx, "u@example.com", 0, time.Now()); err != nil {
					errs <- err
				}
				if _, err := s.TrustAnchors(ctx); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	got, err := s.Lookup(ctx, "u@example.com", 0, time.Now())
	if err != nil || len(got) != 40 {
		t.Errorf("after concurrent imports Lookup finds %d, %v; want 40", len(got), err)
	}
}
