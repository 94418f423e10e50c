package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"siegel/mail/mailtest"
)

// inspect --json shows the author the engine judged and never "valid" for
// a From header the signature does not vouch for, naming the reason.
func TestInspectFromAttacks(t *testing.T) {
	k := mailtest.TestPKI(t)
	alice := mailtest.CustomerSide(t, k.Alice)
	env, out, errOut := testEnv(t, "")
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, k.CA.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	importFiles(t, env, "", ca)
	attacks := mailtest.FromAttacks(k.Alice.Email)
	args := []string{"inspect", "--json"}
	for i, a := range attacks {
		raw := alice.Seal(t, mailtest.Message(t, k.Alice.Email, mailtest.DeskAddress, "Invoice", "Please pay."), true, false)
		f := filepath.Join(dir, fmt.Sprintf("%02d.eml", i))
		if err := os.WriteFile(f, mailtest.SpoofFrom(t, raw, k.Alice.Email, a.Header), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, f)
	}
	if code := Run(t.Context(), env, args); code != 0 {
		t.Fatalf("inspect: exit %d: %s", code, errOut)
	}
	reps := decodeInspect(t, out.Bytes())
	if len(reps) != len(attacks) {
		t.Fatalf("%d reports, want %d", len(reps), len(attacks))
	}
	for i, a := range attacks {
		rep := reps[i]
		if valid := rep.Signature.State == "valid"; valid != a.Valid {
			t.Errorf("%s: signature %s, want valid %v", a.Name, rep.Signature.State, a.Valid)
		}
		if rep.From != a.Author {
			t.Errorf("%s: from %q, want the judged author %q", a.Name, rep.From, a.Author)
		}
		if !a.Valid && (len(rep.Layers) != 1 || !strings.Contains(rep.Layers[0].Reason, a.Reason)) {
			t.Errorf("%s: layers %+v, want a reason naming %q", a.Name, rep.Layers, a.Reason)
		}
		if a.Valid != (rep.FromProblem == "") && !strings.Contains(a.Reason, "non-ASCII") && !strings.Contains(a.Name, "someone else than the signer") {
			t.Errorf("%s: from_problem %q", a.Name, rep.FromProblem)
		}
	}
}
