package e2e

import (
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// demoDir is the demo folder in a scratch home (demo.DefaultDir under
// XDG_CACHE_HOME).
func demoDir(home string) string { return filepath.Join(home, ".cache", "siegel-demo") }

// The walk on the demo mailbox: Anna Schmidt's signed and encrypted
// question about an invoice; the reply goes to the demo SMTP server, which
// writes what it received into the demo folder.
func TestDemoWalk(t *testing.T) {
	needTools(t)
	d := startDisplay(t)
	art := newArtefacts(t)
	home := t.TempDir()
	a := launch(t, d, art, home, []string{siegelBinary(t), "--demo"}, appEnv(d, home))
	dir := demoDir(home)

	anna := filepath.Join(t.TempDir(), "anna.pem")
	openssl(t, "pkcs12", "-in", filepath.Join(dir, "keys", "anna-schmidt.p12"), "-passin", "pass:siegel-demo",
		"-nodes", "-out", anna)
	walk{
		subject:  "zur Rechnung",
		signer:   "anna.schmidt@kanzlei-schmidt.example",
		ours:     "support@helpdesk.example",
		received: func() [][]byte { return receivedFiles(t, filepath.Join(dir, "outbox-received")) },
		sent: sentMail{
			recipientPEM: anna,
			caFile:       filepath.Join(dir, "certificates", "siegel-demo-ca.pem"),
			signer:       "support@helpdesk.example",
		},
		answers: true,
	}.run(t, a)
}

// receivedFiles reads the demo SMTP server's received messages
// (0001.eml, …) in their order.
func receivedFiles(t *testing.T, dir string) [][]byte {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	var out [][]byte
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, data)
	}
	return out
}

// Without an account siegel opens the demo — with the banner, without a
// passphrase dialog — and makes no profile; a profile without an account
// opens the demo as well.
func TestNoAccountOpensDemo(t *testing.T) {
	needTools(t)
	d := startDisplay(t)
	home := t.TempDir()
	bin := siegelBinary(t)
	profile := filepath.Join(home, ".config", "siegel")

	t.Run("no profile", func(t *testing.T) {
		a := launch(t, d, newArtefacts(t), home, []string{bin}, appEnv(d, home))
		a.waitFor("the demo banner", time.Minute, func(p page) bool {
			return p.has("Demo mailbox") && p.has("nothing leaves this computer") && p.has("Ticket#")
		}, nil)
		if _, err := os.Stat(profile); !os.IsNotExist(err) {
			t.Errorf("the real profile folder %s was made (%v); the demo must not touch it", profile, err)
		}
	})
	t.Run("profile without account", func(t *testing.T) {
		cli := runCLI(t, bin, appEnv(d, home), "certs", "list")
		if _, err := os.Stat(filepath.Join(profile, "siegel.db")); err != nil {
			t.Fatalf("`siegel certs list` made no profile (%v): %s", err, cli)
		}
		a := launch(t, d, newArtefacts(t), home, []string{bin}, appEnv(d, home))
		a.waitFor("the demo banner", time.Minute, func(p page) bool {
			return p.has("Demo mailbox") && p.has("Ticket#")
		}, nil)
	})
}
