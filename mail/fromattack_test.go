package mail

import (
	"fmt"
	"strings"
	"testing"

	"siegel/crypto/smime"
	"siegel/mail/mailtest"
)

// The From header is outside what S/MIME signs: a message Alice signed
// correctly, with its From changed, must not show as signed by anyone the
// header names, and the desk must show — as the article's sender, the
// ticket's customer, the verdict beside them — the author the engine
// judged (issue: "a wrong ✅ through the From header").
func TestFromAttacksThroughTheDesk(t *testing.T) {
	e := newEnv(t, nil)
	k := mailtest.TestPKI(t)
	alice := mailtest.CustomerSide(t, k.Alice)
	attacks := mailtest.FromAttacks(k.Alice.Email)
	for i, a := range attacks {
		raw := alice.Seal(t, mailtest.Message(t, k.Alice.Email, mailtest.DeskAddress, fmt.Sprintf("Case %d", i), "Please pay the invoice.",
			mailtest.WithID(fmt.Sprintf("attack-%d@example.org", i))), true, false)
		e.deliver(mailtest.SpoofFrom(t, raw, k.Alice.Email, a.Header))
	}
	e.sync()
	for _, tk := range e.tickets() {
		var i int
		if _, err := fmt.Sscanf(tk.Subject, "Case %d", &i); err != nil {
			t.Fatalf("ticket %q", tk.Subject)
		}
		a := attacks[i]
		art := e.articles(tk.ID)[0]
		v, err := e.desk.OpenArticle(e.ctx, art.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, got := range []struct {
			where string
			sig   smime.SignatureState
			from  string
		}{
			{"list", tk.Signature, tk.Customer.Address},
			{"article", art.Security.Signature, strings.ToLower(art.From.Address)},
			{"card", v.Security.Signature, strings.ToLower(v.From.Address)},
		} {
			if valid := got.sig == smime.SigValid; valid != a.Valid {
				t.Errorf("%s: %s shows %s, want valid %v", a.Name, got.where, got.sig, a.Valid)
			}
			if got.from != strings.ToLower(a.Author) {
				t.Errorf("%s: %s shows the sender %q, want the judged author %q", a.Name, got.where, got.from, a.Author)
			}
		}
		if !a.Valid && !strings.Contains(art.Security.Layers[0].Reason, a.Reason) {
			t.Errorf("%s: reason %q, want one naming %q", a.Name, art.Security.Layers[0].Reason, a.Reason)
		}
		if v.Text != "Please pay the invoice." {
			t.Errorf("%s: text %q", a.Name, v.Text)
		}
	}
	if n := len(e.tickets()); n != len(attacks) {
		t.Errorf("%d tickets, want %d", n, len(attacks))
	}
}
