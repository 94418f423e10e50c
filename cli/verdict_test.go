package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"siegel/mail/mailtest"
)

// A `certs` command changes the store in its own process; the next
// `tickets` and `show` show the verdicts of the store as it is now — the
// list and the article agree, in both directions.
func TestVerdictsFollowCertsCommands(t *testing.T) {
	f := newMailFixture(t)
	k := mailtest.TestPKI(t)
	f.addAccount(t)
	mallory := mailtest.NewSide(t, k.Mallory.PEM(), k.Desk.CertPEM)
	bob := mailtest.CustomerSide(t, k.Bob)
	f.imap.Append(t, "INBOX", mallory.Seal(t, mailtest.Message(t, "mallory@example.net", mailtest.DeskAddress, "Urgent", "Pay now.",
		mailtest.WithID("m1@example.net")), true, false))
	f.imap.Append(t, "INBOX", bob.Seal(t, mailtest.Message(t, k.Bob.Email, mailtest.DeskAddress, "Contract", "Signed.",
		mailtest.WithID("b1@example.org")), true, false))
	if out, errOut, code := f.run(t, "sync"); code != 0 {
		t.Fatalf("sync: exit %d\n%s%s", code, out, errOut)
	}
	dir := t.TempDir()
	malloryPEM := filepath.Join(dir, "mallory.pem")
	os.WriteFile(malloryPEM, k.Mallory.CertPEM, 0o600)
	fp := func(der []byte) string { s := sha256.Sum256(der); return hex.EncodeToString(s[:]) }

	verdicts := func(step string) map[string]string {
		t.Helper()
		out, errOut, code := f.run(t, "tickets", "--json")
		if code != 0 {
			t.Fatalf("%s: tickets: exit %d: %s", step, code, errOut)
		}
		got := map[string]string{}
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var tk ticketJSON
			if err := json.Unmarshal([]byte(line), &tk); err != nil {
				t.Fatal(err)
			}
			out, _, _ := f.run(t, "show", "--json", tk.Tag)
			var rep showJSON
			if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Articles) != 1 {
				t.Fatalf("%s: show %s: %v %q", step, tk.Tag, err, out)
			}
			if a := rep.Articles[0]; a.Signature.State != tk.Signature || a.Encryption.State != tk.Encryption {
				t.Errorf("%s: %s: tickets says %s/%s, show says %s/%s", step, tk.Subject, tk.Encryption, tk.Signature, a.Encryption.State, a.Signature.State)
			}
			got[tk.Subject] = tk.Signature
		}
		return got
	}
	for _, step := range []struct {
		name string
		args []string
		want map[string]string
	}{
		{"after the sync", nil, map[string]string{"Urgent": "untrusted", "Contract": "valid"}},
		{"after pinning Mallory's certificate", []string{"certs", "import", malloryPEM}, map[string]string{"Urgent": "valid", "Contract": "valid"}},
		{"after deleting it again", []string{"certs", "delete", fp(k.Mallory.Cert.Raw)}, map[string]string{"Urgent": "untrusted", "Contract": "valid"}},
		// Bob's certificate was collected, not imported: without the CA
		// nothing vouches for it.
		{"after deleting the CA", []string{"certs", "delete", fp(k.CA.Cert.Raw)}, map[string]string{"Urgent": "untrusted", "Contract": "untrusted"}},
	} {
		if step.args != nil {
			if out, errOut, code := f.run(t, step.args...); code != 0 {
				t.Fatalf("%s: exit %d\n%s%s", strings.Join(step.args, " "), code, out, errOut)
			}
		}
		got := verdicts(step.name)
		for s, w := range step.want {
			if got[s] != w {
				t.Errorf("%s: %q is %s, want %s", step.name, s, got[s], w)
			}
		}
	}
}
