//go:build !race

// The tooltip library shows a tooltip from a timer goroutine through
// fyne.Do, which the test driver runs on that goroutine: the race detector
// would report the test reading the window meanwhile. These tests run in
// the Makefile's second, non-race line (see `make test`).

package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// hover moves the mouse onto o and waits for its tooltip.
func hover(t *testing.T, w fyne.Window, o fyne.CanvasObject, want ...string) string {
	t.Helper()
	relayout(w.Canvas())
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(o).Add(fyne.NewPos(4, 4))
	test.MoveMouse(w.Canvas(), fyne.NewPos(1, 1))
	test.MoveMouse(w.Canvas(), pos)
	deadline := time.Now().Add(3 * time.Second)
	for {
		got := text(w)
		ok := true
		for _, s := range want {
			ok = ok && strings.Contains(got, s)
		}
		if ok {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("hovering shows no tooltip with %q; the window shows:\n%s", want, got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Hovering the seal of a signed and encrypted article shows the signer's
// e-mail and fingerprint, the chain and the digest; hovering the lock the
// cipher and our certificate.
func TestHoverSecurityIcons(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	u := newTestUI(t, c)
	v := openTicket(t, u, 10000)
	var card *articleCard
	for _, ac := range v.byID {
		card = ac
	}
	k := getPKI(t)
	hover(t, u.win, card.bar.sig,
		"The signature of this message was verified successfully.",
		"Alice Example <alice@example.org>",
		groupedFingerprint(fingerprint(k.alice)),
		"Issued by: Siegel Test CA",
		"Valid: 2025-01-01 – 2045-01-01",
		"Chain: Alice Example → Siegel Test CA",
		"Digest: SHA-256",
		"Key: RSA 2048")
	hover(t, u.win, card.bar.enc,
		"This message was encrypted for you.",
		"Content encryption: AES-256-CBC",
		"Siegel Helpdesk <help@siegel.example>",
		groupedFingerprint(fingerprint(k.desk)))
}

// The disabled Encrypt button explains itself on hover.
func TestHoverDisabledEncrypt(t *testing.T) {
	c := newCores(t, nil)
	u := newTestUI(t, c)
	u.keys.shortcut(ctrl(fyne.KeyN))
	cp := u.main.newTicket
	test.Type(cp.to, "carol@example.com")
	hover(t, u.win, cp.encrypt,
		"Ask your administrator to add the recipient's certificate to the certificate store.",
		"No certificate for: carol@example.com")
}

// Clicking a toggle under the mouse changes its tooltip at once: it never
// shows the state from before the click.
func TestHoverToggleAfterClick(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	u := newTestUI(t, c)
	v := openReply(t, u, 10000)
	enc := v.composer.encrypt
	hover(t, u.win, enc, "This message will be encrypted.")
	test.Tap(enc)
	waitTooltip(t, u.win, "This message will not be encrypted.")
	if got := text(u.win); strings.Contains(got, "This message will be encrypted.") {
		t.Errorf("after the click the window still shows the old tooltip:\n%s", got)
	}
	test.Tap(enc)
	waitTooltip(t, u.win, "This message will be encrypted.")
}

// waitTooltip waits, without moving the mouse, until the window shows want.
func waitTooltip(t *testing.T, w fyne.Window, want string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !strings.Contains(text(w), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no tooltip %q; the window shows:\n%s", want, text(w))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A tooltip goes when a dialog opens over it (clicking the seal opens the
// details) and when the button under it changes its text (Close ticket
// becomes Reopen): it never stays drawn behind the dialog or over the new
// text.
func TestHoverGoesWithDialogAndNewText(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	u := newTestUI(t, c)
	v := openTicket(t, u, 10000)
	card := cardOf(t, v)
	tip := "The signature of this message was verified successfully."
	hover(t, u.win, card.bar.sig, tip)
	test.Tap(card.bar.sig)
	wantText(t, u.win, tr("details.title"))
	if strings.Contains(tooltipText(u.win), tip) {
		t.Errorf("the seal's tooltip stays drawn behind the details:\n%s", tooltipText(u.win))
	}
	closeTopModal(u.win.Canvas())

	hover(t, u.win, v.stateBtn, tr("ticket.close.tip"))
	test.Tap(v.stateBtn)
	if v.stateBtn.Text != tr("ticket.reopen") {
		t.Fatalf("the button reads %q after closing the ticket", v.stateBtn.Text)
	}
	if got := tooltipText(u.win); strings.Contains(got, tr("ticket.close.tip")) {
		t.Errorf("the old tooltip stays over %q: %q", v.stateBtn.Text, got)
	}
}

// tooltipText is the text of the tooltips drawn in the window's layer.
func tooltipText(w fyne.Window) string {
	var b strings.Builder
	for _, o := range objects(toolTipLayers[w.Canvas()]) {
		if strings.HasSuffix(fmt.Sprintf("%T", o), ".ToolTip") {
			b.WriteString(textOf(o))
		}
	}
	return b.String()
}
