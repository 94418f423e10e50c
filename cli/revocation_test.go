package cli

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"siegel/certs/revocation/revocationtest"
)

// TestRevocationCommands: inspect asks the CA and says so in its JSON;
// --offline asks nobody, and an imported CRL answers then; seal refuses to
// encrypt to a revoked certificate, naming it.
func TestRevocationCommands(t *testing.T) {
	ctx := context.Background()
	ca := revocationtest.New(t, 2, false)
	revokedAt := time.Now().Add(-3 * time.Hour).Truncate(time.Second)
	ca.Revoke(ca.Signers[1].Cert, revokedAt)
	dir := t.TempDir()
	pemFile := func(name string, c *x509.Certificate) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	env, out, errOut := testEnv(t, "")
	importFiles(t, env, "", pemFile("ca.pem", ca.Cert), pemFile("s0.pem", ca.Signers[0].Cert), pemFile("s1.pem", ca.Signers[1].Cert))
	good, revoked := write("good.eml", ca.Message(t, 0, 0)), write("revoked.eml", ca.Message(t, 1, 1))

	if code := Run(ctx, env, []string{"inspect", "--json", good, revoked}); code != 0 {
		t.Fatalf("inspect: exit %d: %s", code, errOut)
	}
	reps := decodeInspect(t, out.Bytes())
	if got := reps[0].Signature; got.State != "valid" || got.Revocation.Status != "good" || got.Revocation.Source != "ocsp" || got.Revocation.CheckedAt == "" {
		t.Errorf("good: got %+v", got)
	}
	want := revocationJSON{Status: "revoked", Source: "ocsp", RevokedAt: revokedAt.UTC().Format(time.RFC3339), Reason: "keyCompromise",
		CheckedAt: reps[1].Signature.Revocation.CheckedAt}
	if got := reps[1].Signature; got.State != "revoked" || got.Revocation != want ||
		got.Message != "Sign: The signer's certificate was revoked by its certificate authority." {
		t.Errorf("revoked: got %+v, want revocation %+v", got, want)
	}

	// A new profile, offline: nobody is asked until a CRL is imported.
	env, out, errOut = testEnv(t, "")
	importFiles(t, env, "", filepath.Join(dir, "ca.pem"))
	asked := ca.OCSPRequests.Load() + ca.CRLFetches.Load()
	if code := Run(ctx, env, []string{"inspect", "--json", "--offline", revoked}); code != 0 {
		t.Fatalf("inspect --offline: exit %d: %s", code, errOut)
	}
	if got := decodeInspect(t, out.Bytes())[0].Signature; got.State != "valid" || got.Revocation.Status != "not-checked" {
		t.Errorf("offline without a CRL: got %+v", got)
	}
	crlPEM := pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: ca.CRL(t)})
	out.Reset()
	if code := Run(ctx, env, []string{"certs", "import", write("ca-crl.pem", crlPEM)}); code != 0 {
		t.Fatalf("certs import CRL: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out.String(), "stored CRL of Revocation Test CA: 1 revoked certificates") {
		t.Errorf("import output: got %q", out)
	}
	out.Reset()
	if code := Run(ctx, env, []string{"inspect", "--json", "--offline", revoked}); code != 0 {
		t.Fatalf("inspect --offline: exit %d: %s", code, errOut)
	}
	if got := decodeInspect(t, out.Bytes())[0].Signature; got.State != "revoked" || got.Revocation.Source != "crl" {
		t.Errorf("offline with the imported CRL: got %+v", got)
	}
	if n := ca.OCSPRequests.Load() + ca.CRLFetches.Load(); n != asked {
		t.Errorf("offline: the CA was asked %d times", n-asked)
	}
	// Garbage named .crl is refused with the reason.
	errOut.Reset()
	if code := Run(ctx, env, []string{"certs", "import", write("junk.crl", []byte("not a CRL"))}); code != 1 ||
		!strings.Contains(errOut.String(), "junk.crl: not a certificate revocation list (PEM or DER)") {
		t.Errorf("garbage CRL: exit %d, %q", code, errOut)
	}

	// Encrypting to the revoked certificate is refused, naming it.
	env, out, errOut = testEnv(t, "Hello.\n")
	importFiles(t, env, "", filepath.Join(dir, "ca.pem"), filepath.Join(dir, "s0.pem"), filepath.Join(dir, "s1.pem"))
	code := Run(ctx, env, []string{"seal", "--encrypt", "--from", "signer0@example.org", "--to", "signer1@example.org", "--subject", "x"})
	if code != 1 || !strings.Contains(errOut.String(), "the certificate of signer1@example.org was revoked on "+revokedAt.UTC().Format(time.DateOnly)+" (keyCompromise)") {
		t.Errorf("seal to a revoked recipient: exit %d, %q", code, errOut)
	}
	if bytes.Contains(out.Bytes(), []byte("Hello.")) {
		t.Error("seal wrote the plaintext")
	}
}
