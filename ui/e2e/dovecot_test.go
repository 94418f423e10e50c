package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"siegel/crypto/certinfo"
	"siegel/mail/mailtest"
)

// runCLI runs a command of the binary and returns its output; it fails the
// test when the command fails.
func runCLI(t *testing.T, bin string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("siegel %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// The walk against a real Dovecot: a profile made with the command line
// (`siegel certs import`, `siegel account add` with IMAPS to Dovecot, its
// certificate pinned, and SMTP to a server on loopback), a signed and
// encrypted message from Alice delivered into Dovecot's INBOX, and the
// profile passphrase typed into the window's dialog.
func TestDovecotWalk(t *testing.T) {
	needTools(t)
	dc := mailtest.StartDovecot(t)
	smtp := mailtest.NewSMTP(t, nil)
	k := mailtest.TestPKI(t)
	d := startDisplay(t)
	art := newArtefacts(t)
	home, files := t.TempDir(), t.TempDir()
	bin := siegelBinary(t)
	const passphrase = "end-to-end passphrase"

	write := func(name string, data []byte) string {
		p := filepath.Join(files, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	profile := filepath.Join(home, "profile")
	env := appEnv(d, home)
	cli := append(env, "SIEGEL_PASSPHRASE="+passphrase)
	t.Log(runCLI(t, bin, cli, "--data-dir", profile, "certs", "import",
		write("helpdesk.pem", k.Desk.PEM()), write("ca.pem", k.CA.CertPEM), write("alice.pem", k.Alice.CertPEM)))
	t.Log(runCLI(t, bin, cli, "--data-dir", profile, "account", "add",
		"--email", mailtest.DeskAddress, "--name", "Siegel Helpdesk",
		"--imap", fmt.Sprintf("imaps://%s@127.0.0.1:%d", dc.User, dc.IMAPSPort),
		"--tls-pin", certinfo.Fingerprint(dc.Cert.Cert),
		"--smtp", fmt.Sprintf("smtp://%s@%s", smtp.Username, smtp.Addr),
		"--password-file", write("imap-password", []byte(dc.Password)),
		"--smtp-password-file", write("smtp-password", []byte(smtp.Password))))

	alice := mailtest.CustomerSide(t, k.Alice)
	dc.Deliver(t, alice.Seal(t, mailtest.Message(t, "Alice Example <alice@example.org>", mailtest.DeskAddress,
		"Printer contract renewal", "Hello,\n\nplease send us the renewal of the printer contract.\n\nAlice",
		mailtest.WithID("renewal@example.org")), true, true))

	// No SIEGEL_PASSPHRASE: the window asks.
	a := launch(t, d, art, home, []string{bin, "--data-dir", profile}, env)
	t.Log("0. the passphrase dialog asks for the profile passphrase")
	a.waitFor("the passphrase dialog", time.Minute, func(p page) bool { return p.has("Profile passphrase") }, nil)
	a.typeText(passphrase)
	a.key("Return")

	walk{
		subject: "Printer contract renewal",
		signer:  "alice@example.org",
		ours:    mailtest.DeskAddress,
		received: func() [][]byte {
			var out [][]byte
			for _, r := range smtp.Received() {
				out = append(out, r.Data)
			}
			return out
		},
		sent: sentMail{
			recipientPEM: write("alice-key.pem", k.Alice.PEM()),
			caFile:       write("ca-for-openssl.pem", k.CA.CertPEM),
			signer:       mailtest.DeskAddress,
		},
	}.run(t, a)
}
