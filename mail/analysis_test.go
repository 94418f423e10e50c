package mail

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"siegel/crypto/smime"
	"siegel/mail/mailtest"
)

// opensslSignWithoutCerts signs a message as id with the openssl command,
// leaving the signer's certificate out, so only a store that has it can
// verify the signature.
func opensslSignWithoutCerts(t *testing.T, id *mailtest.Identity, subject, text string) []byte {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cert, key := write("cert.pem", id.CertPEM), write("key.pem", id.KeyPEM)
	body := write("body.txt", []byte("Content-Type: text/plain; charset=us-ascii\r\n\r\n"+text+"\r\n"))
	out, err := exec.Command("openssl", "smime", "-sign", "-nocerts", "-md", "sha256", "-signer", cert, "-inkey", key,
		"-from", id.Email, "-to", mailtest.DeskAddress, "-subject", subject, "-in", body).Output()
	if err != nil {
		t.Fatalf("openssl smime -sign: %v", err)
	}
	return out
}

func TestRecheckAfterImport(t *testing.T) {
	e := newEnv(t, nil)
	k := mailtest.TestPKI(t)
	// Bob signs without including his certificate: not found until the
	// administrator imports it.
	e.deliver(opensslSignWithoutCerts(t, k.Bob, "Signed, no certificate", "Hello from Bob."))
	// Alice encrypts to the support address, whose key the desk lacks.
	if _, err := e.side.Store.Import(e.ctx, k.Support.CertPEM, "support.pem", nil); err != nil {
		t.Fatal(err)
	}
	alice := mailtest.NewSide(t, k.CA.CertPEM, k.Alice.PEM(), k.Support.CertPEM)
	e.deliver(alice.Seal(t, mailtest.Message(t, "alice@example.org", "support@siegel.example", "For support", "Encrypted to support."), false, true))
	e.sync()
	bobTicket, aliceTicket := e.ticket(10000), e.ticket(10001)
	if bobTicket.Signature != smime.SigCertNotFound || aliceTicket.Encryption != smime.EncNoKey {
		t.Fatalf("before the imports: %s and %s, want cert-not-found and no-key", bobTicket.Signature, aliceTicket.Encryption)
	}
	// Retry alone changes nothing yet.
	res, err := e.desk.Retry(e.ctx, e.articles(bobTicket.ID)[0].ID)
	if err != nil || res.Signature != smime.SigCertNotFound {
		t.Fatalf("Retry = %v, %v; want cert-not-found still", res.Signature, err)
	}

	var mu sync.Mutex
	changed := map[int64]bool{}
	e.desk.Subscribe(func(ev Event) {
		if c, ok := ev.(ArticleChanged); ok {
			mu.Lock()
			changed[c.TicketID] = true
			mu.Unlock()
		}
	})
	if err := e.desk.Start(e.ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.side.Store.Import(e.ctx, k.Bob.CertPEM, "bob.pem", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.side.Store.Import(e.ctx, k.Support.KeyPEM, "support.key", nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the automatic re-check", func() bool {
		return e.ticket(10000).Signature == smime.SigValid && e.ticket(10001).Encryption == smime.EncDecrypted
	})
	a := e.articles(bobTicket.ID)[0]
	if a.Security.Signature != smime.SigValid || a.Security.Signer == nil {
		t.Errorf("Bob's article after the import: %s, signer %v", a.Security.Signature, a.Security.Signer)
	}
	mu.Lock()
	defer mu.Unlock()
	if !changed[bobTicket.ID] || !changed[aliceTicket.ID] {
		t.Errorf("ArticleChanged events for tickets %v, want both", changed)
	}
}

func TestUntrustedSignerIsNotCollected(t *testing.T) {
	e := newEnv(t, nil)
	k := mailtest.TestPKI(t)
	mallory := mailtest.NewSide(t, k.Mallory.PEM(), k.Desk.CertPEM)
	e.deliver(mallory.Seal(t, mailtest.Message(t, "mallory@example.net", mailtest.DeskAddress, "Invoice", "Pay now."), true, false))
	e.sync()
	if s := e.ticket(10000).Signature; s != smime.SigUntrusted {
		t.Errorf("Mallory's signature = %s, want untrusted", s)
	}
	if c, _ := e.side.Store.CertsForAddress(e.ctx, "mallory@example.net", mailtest.TestPKI(t).Mallory.Cert.NotBefore.AddDate(0, 0, 3)); len(c) != 0 {
		t.Errorf("an untrusted signer's certificate was collected")
	}
}
