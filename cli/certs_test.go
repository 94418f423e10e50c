package cli

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"siegel/crypto/certinfo"
	"siegel/crypto/testpki"
)

// certsRun runs `siegel certs ARGS…` in-process, with the
// profile passphrase in SIEGEL_PASSPHRASE.
func certsRun(t *testing.T, profilePassphrase string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return certsRunStdin(t, "", profilePassphrase, args...)
}

func certsRunStdin(t *testing.T, stdin, profilePassphrase string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	env, out, errOut := newEnv(stdin, profilePassphrase, "")
	code = Run(context.Background(), env, append([]string{"certs"}, args...))
	return out.String(), errOut.String(), code
}

// certsFixture writes test files: a CA, Alice's certificate with her key,
// Bob's certificate, and Alice's identity as a P12 with a passphrase.
type certsFixture struct {
	dir                        string
	ca, alice, bob             *x509.Certificate
	caFile, aliceFile, bobFile string
	p12File, passFile          string
	garbageFile                string
}

// fp is the fingerprint of c as the CLI prints it.
func fp(c *x509.Certificate) string { return certinfo.Fingerprint(c) }

func newCertsFixture(t *testing.T) *certsFixture {
	t.Helper()
	f := &certsFixture{dir: t.TempDir()}
	now := time.Now()
	issue := func(s testpki.Spec) *testpki.Identity {
		id, err := testpki.New(s)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	ca := issue(testpki.Spec{CN: "CLI Test CA", CA: true, Serial: 1, KeyUsage: x509.KeyUsageCertSign,
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(5, 0, 0)})
	leaf := func(serial int64, cn, email string) *testpki.Identity {
		return issue(testpki.Spec{CN: cn, Emails: []string{email}, Serial: serial,
			NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0), Issuer: ca})
	}
	alice, bob := leaf(2, "Alice", "Alice@Example.com"), leaf(3, "Bob", "bob@example.com")
	f.ca, f.alice, f.bob = ca.Cert, alice.Cert, bob.Cert
	aliceKey, bobKey := alice.Key, bob.Key
	pemOf := func(typ string, der []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}) }
	keyDER, _ := x509.MarshalPKCS8PrivateKey(aliceKey)
	write := func(name string, data []byte) string {
		path := filepath.Join(f.dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	f.caFile = write("ca.pem", pemOf("CERTIFICATE", f.ca.Raw))
	f.aliceFile = write("alice.pem", append(pemOf("CERTIFICATE", f.alice.Raw), pemOf("PRIVATE KEY", keyDER)...))
	f.bobFile = write("bob.cer", f.bob.Raw)
	p12, err := pkcs12.Modern.Encode(bobKey, f.bob, []*x509.Certificate{f.ca}, "p12 secret")
	if err != nil {
		t.Fatal(err)
	}
	f.p12File = write("bob.p12", p12)
	f.passFile = write("pass.txt", []byte("p12 secret\n"))
	f.garbageFile = write("notes.txt", []byte("not a certificate"))
	return f
}

func TestCertsImportListExportDelete(t *testing.T) {
	f := newCertsFixture(t)
	data := t.TempDir()
	const pw = "profile pass"
	run := func(args ...string) (string, string, int) {
		t.Helper()
		return certsRun(t, pw, append([]string{"--data-dir", data}, args...)...)
	}

	// A first import: one line per certificate and key, with e-mail and
	// fingerprint.
	out, errOut, code := run("import", f.caFile, f.aliceFile)
	if code != 0 || errOut != "" {
		t.Fatalf("import = %d, stderr %q; want 0 and nothing", code, errOut)
	}
	wantLines := []string{
		f.caFile + `: stored CA certificate "CLI Test CA" ` + fp(f.ca),
		f.aliceFile + ": stored certificate alice@example.com " + fp(f.alice),
		f.aliceFile + ": stored private key for alice@example.com " + fp(f.alice),
	}
	if got := strings.Split(strings.TrimSpace(out), "\n"); strings.Join(got, "\n") != strings.Join(wantLines, "\n") {
		t.Errorf("import printed\n%s\nwant\n%s", out, strings.Join(wantLines, "\n"))
	}

	// Again, with more files: a bad one and an encrypted one without its
	// passphrase fail with their own messages; the others are imported;
	// the exit status says something failed.
	out, errOut, code = run("import", f.aliceFile, f.garbageFile, f.p12File, f.bobFile)
	if code != 1 {
		t.Errorf("import with failing files = %d, want 1", code)
	}
	for _, want := range []string{
		f.aliceFile + ": already in the store: certificate alice@example.com " + fp(f.alice),
		f.aliceFile + ": already in the store: private key for alice@example.com",
		f.bobFile + ": stored certificate bob@example.com " + fp(f.bob),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("import output lacks %q:\n%s", want, out)
		}
	}
	for _, want := range []string{
		f.garbageFile + ": no certificate or private key found",
		f.p12File + ": the file is encrypted: give its passphrase with --passphrase-file",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("import errors lack %q:\n%s", want, errOut)
		}
	}

	// The P12 with its passphrase file (flag after the file): Bob's key
	// joins his certificate.
	out, errOut, code = run("import", f.p12File, "--passphrase-file", f.passFile)
	if code != 0 || !strings.Contains(out, "stored private key for bob@example.com "+fp(f.bob)+" (its certificate was already in the store)") {
		t.Errorf("import of the P12 = %d\n%s%s", code, out, errOut)
	}
	// A wrong one.
	wrong := filepath.Join(f.dir, "wrong.txt")
	os.WriteFile(wrong, []byte("nope"), 0o600)
	if _, errOut, code = run("import", "--passphrase-file", wrong, f.p12File); code != 1 || !strings.Contains(errOut, "wrong passphrase for this file") {
		t.Errorf("import with a wrong file passphrase = %d, %q", code, errOut)
	}

	// list --json: the summaries, fingerprints in lower-case hex, dates in
	// RFC 3339.
	out, errOut, code = run("list", "--json")
	if code != 0 {
		t.Fatalf("list --json = %d: %s", code, errOut)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("list --json is not a JSON array: %v\n%s", err, out)
	}
	if len(list) != 3 {
		t.Fatalf("list --json has %d entries, want 3", len(list))
	}
	byFP := map[string]map[string]any{}
	for _, e := range list {
		byFP[e["fingerprint"].(string)] = e
		for _, field := range []string{"not_before", "not_after", "imported_at"} {
			if _, err := time.Parse(time.RFC3339, e[field].(string)); err != nil {
				t.Errorf("%s = %q is not RFC 3339", field, e[field])
			}
		}
	}
	alice := byFP[fp(f.alice)]
	if alice == nil || alice["usage"] != "sign+encrypt" || alice["has_key"] != true || alice["subject"] != "Alice" ||
		alice["emails"].([]any)[0] != "alice@example.com" || alice["collected"] != false {
		t.Errorf("Alice in list --json = %v", alice)
	}
	if ca := byFP[fp(f.ca)]; ca == nil || ca["usage"] != "ca" || ca["is_ca"] != true {
		t.Errorf("the CA in list --json = %v", ca)
	}

	out, _, code = run("list")
	if code != 0 || !strings.Contains(out, "Signature & Encryption") || !strings.Contains(out, fp(f.alice)[:16]) ||
		!strings.Contains(out, "CLI Test CA") || !strings.Contains(out, "FINGERPRINT") {
		t.Errorf("list = %d:\n%s", code, out)
	}

	// export by a prefix: PEM, DER, into a file.
	out, errOut, code = run("export", fp(f.alice)[:8])
	if blk, _ := pem.Decode([]byte(out)); code != 0 || blk == nil || !bytes.Equal(blk.Bytes, f.alice.Raw) {
		t.Errorf("export = %d, %q: want Alice's certificate as PEM", code, errOut)
	}
	out, _, code = run("export", "--der", strings.ToUpper(fp(f.bob)))
	if code != 0 || out != string(f.bob.Raw) {
		t.Errorf("export --der = %d, %d bytes; want Bob's DER", code, len(out))
	}
	outFile := filepath.Join(f.dir, "out.pem")
	if _, _, code = run("export", fp(f.ca), "--out", outFile); code != 0 {
		t.Errorf("export --out = %d", code)
	}
	if b, err := os.ReadFile(outFile); err != nil || !bytes.Contains(b, []byte("BEGIN CERTIFICATE")) {
		t.Errorf("export --out wrote %q (%v)", b, err)
	}
	if _, errOut, code = run("export", "1234"); code != 1 || !strings.Contains(errOut, "8 to 64 hex digits") {
		t.Errorf("export with a short prefix = %d, %q", code, errOut)
	}
	if _, errOut, code = run("export", "00000000"); code != 1 || !strings.Contains(errOut, "certificate not found") {
		t.Errorf("export of an unknown fingerprint = %d, %q", code, errOut)
	}

	// Pasted text on standard input.
	pasted := "Here is the CA again:\n" + string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.ca.Raw}))
	out, errOut, code = certsRunStdin(t, pasted, pw, "--data-dir", data, "import", "-")
	if code != 0 || !strings.Contains(out, `-: already in the store: CA certificate "CLI Test CA"`) {
		t.Errorf("import - = %d, %q, %q", code, out, errOut)
	}

	// delete.
	out, errOut, code = run("delete", fp(f.alice)[:12])
	if code != 0 || !strings.Contains(out, "deleted certificate with private key alice@example.com "+fp(f.alice)) {
		t.Errorf("delete = %d, %q, %q", code, out, errOut)
	}
	if _, errOut, code = run("delete", fp(f.alice)); code != 1 || !strings.Contains(errOut, "certificate not found") {
		t.Errorf("delete again = %d, %q; want not found", code, errOut)
	}
	out, _, _ = run("list", "--json")
	if strings.Contains(out, fp(f.alice)) {
		t.Errorf("Alice still listed after delete")
	}
}

func TestCertsProfilePassphrase(t *testing.T) {
	f := newCertsFixture(t)
	data := t.TempDir()
	if _, errOut, code := certsRun(t, "right", "import", "--data-dir", data, f.caFile); code != 0 {
		t.Fatalf("import = %d: %s", code, errOut)
	}
	// Certificates alone need no passphrase; keys do.
	if _, errOut, code := certsRun(t, "right", "--data-dir", data, "import", f.aliceFile); code != 0 {
		t.Fatalf("import = %d: %s", code, errOut)
	}
	if _, errOut, code := certsRun(t, "", "--data-dir", data, "import", f.bobFile); code != 0 {
		t.Errorf("import of a certificate without SIEGEL_PASSPHRASE = %d: %s", code, errOut)
	}
	_, errOut, code := certsRun(t, "wrong", "--data-dir", data, "import", f.p12File, "--passphrase-file", f.passFile)
	if code != 1 || !strings.Contains(errOut, "wrong profile passphrase") {
		t.Errorf("import of a key with a wrong profile passphrase = %d, %q", code, errOut)
	}
	_, errOut, code = certsRun(t, "", "--data-dir", data, "import", f.p12File, "--passphrase-file", f.passFile)
	if code != 1 || !strings.Contains(errOut, "profile passphrase is needed") {
		t.Errorf("import of a key without a profile passphrase = %d, %q", code, errOut)
	}
}

func TestCertsUsage(t *testing.T) {
	data := t.TempDir()
	tests := []struct {
		args []string
		code int
		in   string // expected in stdout+stderr
	}{
		{nil, 2, "certs import FILE…"},
		{[]string{"help"}, 0, "certs export FPR"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"import"}, 2, "usage: siegel certs import"},
		{[]string{"export"}, 2, "usage: siegel certs export"},
		{[]string{"delete", "a", "b"}, 2, "usage: siegel certs delete"},
		{[]string{"list", "--data-dir", data}, 0, "The certificate store is empty."},
		{[]string{"list", "--json", "--data-dir", data}, 0, "[]"},
	}
	for _, tc := range tests {
		out, errOut, code := certsRun(t, "x", tc.args...)
		if code != tc.code || !strings.Contains(out+errOut, tc.in) {
			t.Errorf("siegel certs %q = %d\n%s%s\nwant %d and %q", tc.args, code, out, errOut, tc.code, tc.in)
		}
	}
}
