package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"siegel/mail/mailtest"
)

// testWineRemember is the keyring in Siegel.exe's window: the unlock
// dialog offers "Remember passphrase on this computer" (the Credential
// Manager is always there), ticked it stores the passphrase, and the next
// start syncs the mailbox — which needs the sealed IMAP password — without
// asking.
func testWineRemember(t *testing.T, w *wine, exe string) {
	needTools(t)
	k := mailtest.TestPKI(t)
	imap := mailtest.NewIMAP(t, nil)
	smtp := mailtest.NewSMTP(t, nil)
	files, home := t.TempDir(), t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(files, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return winPath(p)
	}
	const passphrase = "wine window passphrase"
	profile := winPath(filepath.Join(home, "profile"))
	cli := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "SIEGEL_PASSPHRASE=" + passphrase}
	w.run(t, exe, files, cli, "--data-dir", profile, "certs", "import", write("helpdesk.pem", k.Desk.PEM()), write("ca.pem", k.CA.CertPEM))
	w.run(t, exe, files, cli, "--data-dir", profile, "account", "add",
		"--email", mailtest.DeskAddress, "--name", "Siegel Helpdesk",
		"--imap", fmt.Sprintf("imap://%s@%s", imap.Username, imap.Addr),
		"--smtp", fmt.Sprintf("smtp://%s@%s", smtp.Username, smtp.Addr),
		"--password-file", write("imap-password", []byte(imap.Password)),
		"--smtp-password-file", write("smtp-password", []byte(smtp.Password)))

	d := startDisplay(t)
	env := w.env(appEnv(d, home))
	argv := []string{w.bin, exe, "--data-dir", profile}
	a := launch(t, d, newArtefacts(t), home, argv, env)
	t.Cleanup(func() { w.kill(t) })
	p := a.waitFor("the passphrase dialog with its Remember box", time.Minute, func(p page) bool {
		return p.has("Profile passphrase") && p.has("Remember passphrase on this computer")
	}, nil)
	a.typeText(passphrase)
	box, _ := p.find("Remember passphrase on this computer")
	a.click(box.centre())
	ok, found := p.find("OK")
	if !found {
		t.Fatalf("no OK in the dialog:\n%s", p.text())
	}
	a.click(ok.centre())
	a.waitFor("the mailbox, unlocked", time.Minute, func(p page) bool {
		return !p.has("Profile passphrase") && p.has("Check mail")
	}, nil)
	w.kill(t)
	<-a.exited

	// The next start: mail that only a sync with the sealed password
	// fetches shows, and no dialog asked.
	alice := mailtest.CustomerSide(t, k.Alice)
	imap.Append(t, "INBOX", alice.Seal(t, mailtest.Message(t, "Alice Example <alice@example.org>", mailtest.DeskAddress,
		"Remembered on Windows", "Hello,\r\n\r\nthis arrived without a passphrase dialog.\r\n\r\nAlice"), true, false))
	a = launch(t, d, newArtefacts(t), home, argv, env)
	a.waitFor("the new ticket without a passphrase dialog", time.Minute, func(p page) bool {
		if p.has("Profile passphrase") {
			t.Fatalf("the second start asked for the passphrase (%s)", p.file)
		}
		// The first ticket's number: the profile had none before.
		return p.has("Ticket#10000")
	}, nil)
}
