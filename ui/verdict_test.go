package ui

import (
	"strings"
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

// Beside a ✅ the list names the address the signature vouches for, not
// the display name (which anyone can write); other rows keep the name.
func TestListNamesTheSignerAddress(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	u := newTestUI(t, c)
	want := map[int64]string{
		10000: "alice@example.org", // signed and encrypted, valid
		10003: "Carol",             // plain
	}
	seen := 0
	for _, o := range onScreen(u.win) {
		row, ok := o.(*ticketRow)
		if !ok || row.ticketID == 0 {
			continue
		}
		tk, err := c.desk.Ticket(c.ctx, row.ticketID)
		if err != nil {
			t.Fatal(err)
		}
		if w, ok := want[tk.Number]; ok {
			seen++
			if got := row.sub.Text; !strings.HasPrefix(got, w+" · ") {
				t.Errorf("ticket %d: row says %q, want it to start with %q", tk.Number, got, w)
			}
		}
	}
	if seen != len(want) {
		t.Fatalf("%d of the rows on screen, want %d", seen, len(want))
	}
}
