package ui

import (
	"fmt"
	"strings"
	"testing"

	"siegel/crypto/smime"
	"siegel/mail/mailtest"
)

// The card and the list row show the author the engine judged, and no ✅
// for a From header Alice's correct signature does not vouch for.
func TestCardFromAttacks(t *testing.T) {
	c := newCores(t, nil)
	k := getPKI(t)
	alice := customer(t, k.alice)
	attacks := mailtest.FromAttacks(k.alice.email)
	var raws [][]byte
	for i, a := range attacks {
		raw := alice.Seal(t, mailtest.Message(t, k.alice.email, mailtest.DeskAddress, fmt.Sprintf("Case %d", i), "Please pay the invoice.",
			mailtest.WithID(fmt.Sprintf("attack-%d@example.org", i))), true, false)
		raws = append(raws, mailtest.SpoofFrom(t, raw, k.alice.email, a.Header))
	}
	c.deliver(raws...)
	u := newTestUI(t, c)
	for i, a := range attacks {
		n := int64(10000 + i)
		v := openTicket(t, u, n)
		u.jobs.drain()
		card := v.ordered()[0]
		if got := card.bar.sig.label.Text; (got == signatureLabel(smime.SigValid)) != a.Valid {
			t.Errorf("%s: the card's badge says %q, want valid %v", a.Name, got, a.Valid)
		}
		from := card.shownFrom()
		if a.Author != "" && !strings.Contains(from, a.Author) || strings.Contains(from, "boss@") {
			t.Errorf("%s: the card's From is %q, want the judged author %q alone", a.Name, from, a.Author)
		}
		if !strings.Contains(card.body.Text, "Please pay the invoice.") {
			t.Errorf("%s: body %q", a.Name, card.body.Text)
		}
		for _, o := range onScreen(u.win) {
			if row, ok := o.(*ticketRow); ok && row.ticketID == v.ticket.ID {
				if got := row.sig.Resource.Name() == "signed.svg"; got != a.Valid {
					t.Errorf("%s: the list row's icon is %s, want valid %v", a.Name, row.sig.Resource.Name(), a.Valid)
				}
			}
		}
	}
}
