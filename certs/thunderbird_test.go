package certs_test

import (
	"context"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"

	"siegel/certs"
	"siegel/crypto/certinfo"
)

// thunderbirdDir holds Thunderbird's S/MIME test data (see its README); the
// files are read from there, never copied into this repository.
const thunderbirdDir = "../../shared/interop/thunderbird"

// TestThunderbirdCorpus imports TestCA.pem and every P12 file of the
// Thunderbird corpus (password "nss") and checks what the store makes of
// them. Facts about the files, found with openssl: all certificates are
// signed with SHA-256 (RSA) or ECDSA with SHA-256/384, none with SHA-1; the
// end-entity certificates of Alice, Bob, Dave and Eve carry no extensions at
// all (so no key usage restriction: Signature & Encryption), Eve's has a
// SAN with three more addresses; the CA certificates carry Netscape
// certificate types besides basic constraints and key usage; Alice-ec's
// P12 includes an EC CA with a P-521 key; Fran's issuers are not included.
func TestThunderbirdCorpus(t *testing.T) {
	if _, err := os.Stat(thunderbirdDir); err != nil {
		t.Skipf("Thunderbird corpus not present: %v", err)
	}
	ctx := context.Background()
	s, _ := openStore(t)

	type wantItem struct {
		file   string
		who    string // first e-mail, or subject of a CA
		usage  string
		key    string
		issuer string
		status certs.Status
	}
	const rsaCA = "NSS Test CA (RSA)"
	const ecCA = "NSS Test CA (ECC)"
	tests := []struct {
		file  string
		items []wantItem // certificates in report order
		keys  int
	}{
		{"smime/TestCA.pem", []wantItem{{who: rsaCA, usage: "CA", key: "RSA 2048", issuer: rsaCA, status: added}}, 0},
		{"smime/Alice.p12", []wantItem{
			{who: "alice@example.com", usage: "Signature & Encryption", key: "RSA 2048", issuer: rsaCA, status: added},
			{who: rsaCA, usage: "CA", key: "RSA 2048", issuer: rsaCA, status: already}}, 1},
		{"smime/Bob.p12", []wantItem{
			{who: "bob@example.com", usage: "Signature & Encryption", key: "RSA 2048", issuer: rsaCA, status: added},
			{who: rsaCA, usage: "CA", key: "RSA 2048", issuer: rsaCA, status: already}}, 1},
		{"smime/Dave.p12", []wantItem{
			{who: "dave@example.com", usage: "Signature & Encryption", key: "RSA 2048", issuer: rsaCA, status: added},
			{who: rsaCA, usage: "CA", key: "RSA 2048", issuer: rsaCA, status: already}}, 1},
		{"smime/Eve.p12", []wantItem{
			{who: "eve@example.net", usage: "Signature & Encryption", key: "RSA 2048", issuer: rsaCA, status: added},
			{who: rsaCA, usage: "CA", key: "RSA 2048", issuer: rsaCA, status: already}}, 1},
		{"smime/Alice-ec.p12", []wantItem{
			{who: "alice-ec@example.com", usage: "Signature & Encryption", key: "ECDSA P-384", issuer: ecCA, status: added},
			{who: ecCA, usage: "CA", key: "ECDSA P-521", issuer: ecCA, status: added}}, 1},
		{"smime/Fran.p12", []wantItem{
			{who: "fran@example.com", usage: "Signature & Encryption", key: "RSA 2048", issuer: "NSS Pregenerated Test CA", status: added}}, 1},
		{"smime/Fran-ec.p12", []wantItem{
			{who: "fran-ec@example.com", usage: "Signature & Encryption", key: "ECDSA P-384", issuer: "NSS Pregenerated Test CA (ECC)", status: added}}, 1},
		// Byte-identical copies: everything is already stored.
		{"browser/TestCA.pem", []wantItem{{who: rsaCA, usage: "CA", key: "RSA 2048", issuer: rsaCA, status: already}}, 0},
		{"browser/Alice.p12", []wantItem{
			{who: "alice@example.com", usage: "Signature & Encryption", key: "RSA 2048", issuer: rsaCA, status: already},
			{who: rsaCA, usage: "CA", key: "RSA 2048", issuer: rsaCA, status: already}}, 1},
		{"browser/Bob.p12", []wantItem{
			{who: "bob@example.com", usage: "Signature & Encryption", key: "RSA 2048", issuer: rsaCA, status: already},
			{who: rsaCA, usage: "CA", key: "RSA 2048", issuer: rsaCA, status: already}}, 1},
		{"smime-interop/Fran.p12", []wantItem{
			{who: "fran@example.com", usage: "Signature & Encryption", key: "RSA 2048", issuer: "NSS Pregenerated Test CA", status: already}}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(thunderbirdDir, tc.file))
			if os.IsNotExist(err) {
				t.Skipf("%s not present", tc.file)
			}
			if err != nil {
				t.Fatal(err)
			}
			var pw []byte
			if filepath.Ext(tc.file) == ".p12" {
				pw = []byte("nss")
				if _, err := certs.Parse(data, tc.file, nil); err != certs.ErrPassphraseRequired {
					t.Errorf("Parse without passphrase = %v, want ErrPassphraseRequired", err)
				}
			}
			report, err := s.Import(ctx, data, filepath.Base(tc.file), pw)
			if err != nil {
				t.Fatalf("Import: %v", err)
			}
			var items []certs.ReportItem
			keys := 0
			for _, it := range report.Items {
				if it.Kind == certs.ItemKey {
					keys++
					continue
				}
				items = append(items, it)
			}
			if len(items) != len(tc.items) || keys != tc.keys {
				t.Fatalf("report has %d certificates and %d keys, want %d and %d", len(items), keys, len(tc.items), tc.keys)
			}
			for i, w := range tc.items {
				sum := items[i].Summary
				who := sum.Subject
				if len(sum.Emails) > 0 {
					who = sum.Emails[0]
				}
				if who != w.who || sum.Usage.String() != w.usage || sum.KeyDescription() != w.key ||
					sum.Issuer != w.issuer || items[i].Status != w.status {
					t.Errorf("certificate %d: %s, %s, %s, issuer %q, %s; want %s, %s, %s, issuer %q, %s", i,
						who, sum.Usage, sum.KeyDescription(), sum.Issuer, items[i].Status,
						w.who, w.usage, w.key, w.issuer, w.status)
				}
				e, err := s.Get(ctx, sum.Fingerprint)
				if err != nil {
					t.Fatal(err)
				}
				if alg := e.Cert.SignatureAlgorithm; alg == x509.SHA1WithRSA || alg == x509.ECDSAWithSHA1 {
					t.Errorf("%s is signed with %v; the corpus was found to have no SHA-1 signatures", who, alg)
				}
				if !sum.IsCA && !sum.HasKey {
					t.Errorf("%s: HasKey = false after importing its P12", who)
				}
				if !sum.IsCA {
					checkKeyPair(t, s, e.Cert)
				}
			}
		})
	}

	// The trusted root of the README, by its published fingerprint.
	root, err := s.Get(ctx, "CE:2F:08:04:D6:1D:E9:F1:23:28:11:4A:46:C4:E8:8A:71:6E:09:46:07:26:80:23:CC:1D:32:92:15:72:C9:88")
	if err != nil {
		t.Fatalf("TestCA.pem by its published fingerprint: %v", err)
	}
	if root.Summary.Subject != rsaCA {
		t.Errorf("TestCA subject = %q, want %q", root.Summary.Subject, rsaCA)
	}
	// Eve's four addresses, SAN first, all found case-insensitively.
	at := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, addr := range []string{"eve@example.net", "Eve@example.org", "beve@example.com", "EVE@example.com"} {
		es, err := s.Lookup(ctx, addr, certs.UsageEncrypt, at)
		if err != nil || len(es) != 1 || es[0].Summary.Subject != "Eve" {
			t.Errorf("Lookup(%q) = %d certificates (%v), want Eve's", addr, len(es), err)
		}
	}
	// Alice can sign: her certificate, with its key, chains to TestCA.
	es, err := s.Lookup(ctx, "Alice@example.com", certs.UsageSign, at)
	if err != nil || len(es) != 1 || !es[0].Summary.HasKey {
		t.Fatalf("Lookup(Alice, sign) = %d, %v; want her certificate with its key", len(es), err)
	}
	anchors, err := s.TrustAnchors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	for _, a := range anchors {
		pool.AddCert(a)
	}
	chains, err := es[0].Cert.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil || len(chains) == 0 || !chains[0][len(chains[0])-1].Equal(root.Cert) {
		t.Errorf("Alice does not chain to TestCA through the trust anchors: %v", err)
	}
	// Fran's certificate is valid until 9999.
	if es, _ := s.Lookup(ctx, "fran@example.com", certs.UsageEncrypt, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)); len(es) != 1 {
		t.Errorf("Lookup(fran) in 9999 found %d certificates, want 1", len(es))
	}
	list, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var subjects []string
	for _, sum := range list {
		subjects = append(subjects, sum.Subject+"/"+certinfo.GroupFingerprint(sum.Fingerprint)[:4])
	}
	if len(list) != 9 {
		t.Errorf("the store holds %d certificates %q, want 9 (2 CAs and 7 identities)", len(list), subjects)
	}
}
