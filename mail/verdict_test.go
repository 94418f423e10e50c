package mail

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"

	"siegel/crypto/smime"
	"siegel/mail/mailtest"
)

// verdicts is what every view of each article shows, by subject.
type verdict struct {
	list, stored, card, truth string
}

// checkOneVerdict asserts, for every article, that the list row (its
// newest article), the stored result, the opened card and a fresh
// analysis by the engine agree, and returns the verdicts by subject.
func checkOneVerdict(t *testing.T, e *env, side *mailtest.Side) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, tk := range e.tickets() {
		arts := e.articles(tk.ID)
		for i, a := range arts {
			raw, err := e.desk.RawArticle(e.ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			v, err := e.desk.OpenArticle(e.ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			truth, _ := side.Engine.Open(e.ctx, raw)
			state := func(r *smime.Result) string { return fmt.Sprintf("%s/%s", r.Encryption, r.Signature) }
			got := verdict{stored: state(a.Security), card: state(v.Security), truth: state(truth), list: state(a.Security)}
			if i == len(arts)-1 {
				got.list = fmt.Sprintf("%s/%s", tk.Encryption, tk.Signature)
			}
			if got.list != got.truth || got.stored != got.truth || got.card != got.truth {
				t.Errorf("%s: list %s, stored %s, card %s, engine %s: want one verdict", tk.Subject, got.list, got.stored, got.card, got.truth)
			}
			out[a.Subject] = got.truth
		}
	}
	return out
}

// One verdict per article: after every kind of store change, in both
// directions, what the list, the stored result and the card show is what
// the engine says now (the second reproduction: the list and the
// card disagreed after an import or a deletion).
func TestOneVerdictAfterStoreChanges(t *testing.T) {
	e := newEnv(t, nil)
	k := mailtest.TestPKI(t)
	alice := mailtest.CustomerSide(t, k.Alice)
	mallory := mailtest.NewSide(t, k.Mallory.PEM(), k.Desk.CertPEM)
	bob := mailtest.CustomerSide(t, k.Bob)
	if _, err := e.side.Store.Import(e.ctx, k.Support.CertPEM, "support.pem", nil); err != nil {
		t.Fatal(err)
	}
	signed := alice.Seal(t, mailtest.Message(t, k.Alice.Email, mailtest.DeskAddress, "Tampered", "Pay 10 EUR."), true, false)
	for _, raw := range [][]byte{
		alice.Seal(t, mailtest.Message(t, k.Alice.Email, mailtest.DeskAddress, "Alice signed", "Hello."), true, false),
		opensslSignWithoutCerts(t, k.Bob, "Bob without certificate", "Hello from Bob."),
		mallory.Seal(t, mailtest.Message(t, "mallory@example.net", mailtest.DeskAddress, "Mallory signed", "Pay now."), true, false),
		mailtest.NewSide(t, k.CA.CertPEM, k.Alice.PEM(), k.Support.CertPEM).Seal(t,
			mailtest.Message(t, k.Alice.Email, "support@siegel.example", "For support", "Secret."), false, true),
		bytesReplace(t, signed, "Pay 10 EUR.", "Pay 99 EUR."),
		mailtest.Message(t, "carol@example.com", mailtest.DeskAddress, "Plain", "Hi."),
	} {
		e.deliver(raw)
	}
	e.sync()
	if err := e.desk.Start(e.ctx); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"Alice signed":            "none/valid",
		"Bob without certificate": "none/cert-not-found",
		"Mallory signed":          "none/untrusted",
		"For support":             "no-key/none",
		"Tampered":                "none/tampered",
		"Plain":                   "none/none",
	}
	step := func(name string, change func(), now map[string]string) {
		t.Helper()
		change()
		for s, v := range now {
			want[s] = v
		}
		waitFor(t, name, func() bool {
			for _, tk := range e.tickets() {
				a := e.articles(tk.ID)
				if got := fmt.Sprintf("%s/%s", tk.Encryption, tk.Signature); got != want[a[len(a)-1].Subject] {
					return false
				}
			}
			return true
		})
		got := checkOneVerdict(t, e, e.side)
		for s, v := range want {
			if got[s] != v {
				t.Errorf("after %s: %q is %s, want %s", name, s, got[s], v)
			}
		}
	}
	step("the first sync", func() {}, nil)
	step("collecting Bob's certificate", func() {
		e.deliver(bob.Seal(t, mailtest.Message(t, k.Bob.Email, mailtest.DeskAddress, "Bob with certificate", "Hello again."), true, false))
		e.sync()
	}, map[string]string{"Bob with certificate": "none/valid", "Bob without certificate": "none/valid"})
	step("pinning Mallory's certificate", func() { e.importPEM(k.Mallory.CertPEM) },
		map[string]string{"Mallory signed": "none/valid"})
	step("deleting Bob's certificate", func() { e.deleteCert(k.Bob.Cert.Raw) },
		map[string]string{"Bob without certificate": "none/cert-not-found"})
	step("importing the support key", func() { e.importPEM(k.Support.PEM()) },
		map[string]string{"For support": "decrypted/none"})
	step("deleting the CA", func() { e.deleteCert(k.CA.Cert.Raw) },
		// Alice's certificate is pinned: her mail stays valid.
		map[string]string{"Bob with certificate": "none/untrusted"})
	step("deleting the support certificate and key", func() { e.deleteCert(k.Support.Cert.Raw) },
		map[string]string{"For support": "no-key/none"})
}

func (e *env) importPEM(pem []byte) {
	e.t.Helper()
	if _, err := e.side.Store.Import(e.ctx, pem, "import.pem", nil); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) deleteCert(der []byte) {
	e.t.Helper()
	sum := sha256.Sum256(der)
	if err := e.side.Store.Delete(e.ctx, hex.EncodeToString(sum[:])); err != nil {
		e.t.Fatal(err)
	}
}

func bytesReplace(t *testing.T, raw []byte, from, to string) []byte {
	t.Helper()
	out := bytes.Replace(raw, []byte(from), []byte(to), 1)
	if bytes.Equal(out, raw) {
		t.Fatalf("%q not in the message", from)
	}
	return out
}
