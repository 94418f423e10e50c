package ui

import (
	"testing"

	"siegel/crypto/smime"
)

// The list row and the open card show the one stored verdict, and both
// follow a change of the certificate store in either direction (the
// issue's reproduction: after pinning a certificate the card said Signed
// while the row kept "untrusted").
func TestListAndCardFollowTheStore(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	k := getPKI(t)
	u := newTestUI(t, c)
	v := openTicket(t, u, 10004) // Mallory, under a CA nobody trusts
	u.jobs.drain()
	check := func(step string, want smime.SignatureState) {
		t.Helper()
		if err := c.desk.Recheck(c.ctx); err != nil {
			t.Fatal(err)
		}
		u.jobs.drain()
		u.main.list.reload()
		u.jobs.drain()
		card := v.ordered()[0]
		if got := card.bar.sig.label.Text; got != signatureLabel(want) {
			t.Errorf("%s: the card says %q, want %q", step, got, signatureLabel(want))
		}
		found := false
		for _, o := range onScreen(u.win) {
			if row, ok := o.(*ticketRow); ok && row.ticketID == v.ticket.ID {
				found = true
				if got, want := row.sig.Resource.Name(), signatureIcon(want).Name(); got != want {
					t.Errorf("%s: the row shows %s, want %s", step, got, want)
				}
			}
		}
		if !found {
			t.Fatalf("%s: ticket 10004 has no row on screen", step)
		}
		if tk := c.ticket(10004); tk.Signature != want {
			t.Errorf("%s: the desk's ticket says %s, want %s", step, tk.Signature, want)
		}
	}
	check("before", smime.SigUntrusted)
	if _, err := c.side.Store.Import(c.ctx, k.mallory.certPEM, "mallory.pem", nil); err != nil {
		t.Fatal(err)
	}
	check("after pinning Mallory's certificate", smime.SigValid)
	if err := c.side.Store.Delete(c.ctx, fingerprint(k.mallory)); err != nil {
		t.Fatal(err)
	}
	check("after deleting it", smime.SigUntrusted)
}
