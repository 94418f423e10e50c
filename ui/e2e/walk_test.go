package e2e

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// walk is the agent's walk through one ticket (see the package doc).
type walk struct {
	// subject is a piece of the ticket's subject as the list shows it.
	subject string
	// signer is the customer's address, which the seal's tooltip names.
	signer string
	// ours is the helpdesk's address, whose certificate the lock's
	// tooltip names as the one that decrypted the article.
	ours string
	// received returns the messages the SMTP server accepted so far.
	received func() [][]byte
	// sent says how the reply must have left.
	sent sentMail
	// answers: the customer answers the reply by themselves (the demo);
	// the ticket must then show three messages.
	answers bool
}

// iconOffset is how far left of its label a security icon's middle is
// (at FYNE_SCALE=1): the icon is 20 pixels wide, the label's text starts
// after paddings.
const iconOffset = 22

// run walks: open the ticket, read the security tooltips, switch Encrypt
// and Sign off and on, send a reply, and check it on the wire and on the
// screen.
func (w walk) run(t *testing.T, a *app) {
	t.Helper()
	_, seal := w.openAndHover(t, a)
	x, _ := seal.centre()
	// The reply is a bar until asked for (screens_test.go clicks it).
	a.key("ctrl+r")
	a.away()
	p := a.waitFor("the composer", 30*time.Second, func(p page) bool {
		return len(p.findAll("Signed")) > 0 && len(p.findAll("Encrypted")) > 0 &&
			len(p.findAll("Encrypt")) > 0 && len(p.findAll("Send")) > 0
	}, nil)
	articles := rect{X: x + 150, Y: seal.Y} // a point in the articles, for scrolling

	t.Log("3. Encrypt and Sign: on, off, on again")
	for _, tg := range []struct{ label, on, off string }{
		{"Encrypt", "This message will be encrypted.", "This message will not be encrypted."},
		{"Sign", "This message will be signed.", "This message will not be signed."},
	} {
		b, ok := p.find(tg.label)
		if !ok {
			t.Fatalf("no %s button; the window shows:\n%s", tg.label, p.text())
		}
		name := strings.ToLower(tg.label)
		a.checkToggle(name+"-on", b, true, tg.on)
		a.click(b.centre())
		a.checkToggle(name+"-off", b, false, tg.off)
		a.click(b.centre())
		a.checkToggle(name+"-on-again", b, true, tg.on)
	}

	t.Log("4. type a reply and send it with Ctrl+Enter")
	reference := fmt.Sprintf("%06d", rand.IntN(900000)+100000)
	w.sent.text = "Thank you for your message, the open item is settled now. Reference " + reference + "."
	a.away() // the last tooltip may cover the message field
	time.Sleep(300 * time.Millisecond)
	p = a.look("composer")
	// The message starts with two empty lines above the quote of the
	// article answered ("On …, NAME wrote:"): the answer goes there.
	quote, ok := p.find("wrote:")
	if !ok {
		t.Fatalf("no quote of the article in the message field; the window shows:\n%s", p.text())
	}
	a.click(quote.centre())
	a.key("Up")
	a.key("Up")
	a.key("Home")
	a.typeText(w.sent.text)
	a.waitFor("the typed reply", 30*time.Second, func(p page) bool { return p.has("Reference " + reference) }, nil)
	before := len(w.received())
	a.key("ctrl+Return")

	t.Log("5. the reply left encrypted and signed, as OpenSSL reads it")
	deadline := time.Now().Add(time.Minute)
	for len(w.received()) == before {
		if time.Now().After(deadline) {
			a.shot("not-sent")
			t.Fatalf("the SMTP server received no reply within a minute; the app says:\n%s", a.output())
		}
		time.Sleep(200 * time.Millisecond)
	}
	got := w.received()
	if len(got) != before+1 {
		t.Errorf("the SMTP server received %d messages, want 1", len(got)-before)
	}
	w.sent.check(t, a.art, got[before])

	t.Log("6. the ticket shows the reply")
	a.waitFor("the sent reply in the ticket", time.Minute, func(p page) bool {
		// The composer is empty again: the text is the article's.
		_, empty := p.find("Your message...")
		return empty && p.has("Reference "+reference)
	}, func(p page) {
		// The view shows the newest article: the customer's answer, once
		// it is there, has scrolled the reply up.
		if w.answers && p.has("3 messages") {
			a.d.xdo(t, "mousemove", articles.X, articles.Y)
			a.d.xdo(t, "click", "--repeat", 5, "--delay", 20, 4)
		}
	})
	if w.answers {
		t.Log("7. the customer's answer arrives by itself")
		a.waitFor("the customer's answer", time.Minute, func(p page) bool { return p.has("3 messages") }, nil)
	}
}

// openAndHover is the walk's first two steps (also the Wine smoke test's):
// it opens the ticket and reads the seal's and the lock's tooltips, and
// returns the ticket as seen and the seal's label. The reply is still a
// bar then.
func (w walk) openAndHover(t *testing.T, a *app) (page, rect) {
	t.Helper()
	t.Log("1. the ticket list shows the ticket; open it")
	p := a.waitFor("the ticket list", time.Minute, func(p page) bool {
		_, ok := p.find(w.subject)
		return ok
	}, nil)
	r, _ := p.find(w.subject)
	a.click(r.centre())
	p = a.waitFor("the ticket", 30*time.Second, func(p page) bool {
		return len(p.findAll(w.subject)) >= 2 && len(p.findAll("Signed")) > 0 && len(p.findAll("Encrypted")) > 0
	}, nil)

	t.Log("2. the seal's and the lock's tooltips name the signer and our certificate")
	seal, _ := p.find("Signed")
	_, y := seal.centre()
	tip := a.tooltip("seal-tooltip", seal.X-iconOffset, y, "The signature of this message was verified successfully.", "Signed by", w.signer)
	t.Logf("the seal's tooltip reads:\n%s", tip)
	lock, _ := p.find("Encrypted")
	_, y = lock.centre()
	tip = a.tooltip("lock-tooltip", lock.X-iconOffset, y, "This message was encrypted for you.", w.ours)
	t.Logf("the lock's tooltip reads:\n%s", tip)
	return p, seal
}

// checkToggle checks a toggle button's state by its colour and by its
// tooltip.
func (a *app) checkToggle(name string, label rect, on bool, tip string) {
	a.t.Helper()
	a.away() // no hover colour, no tooltip over the button
	deadline := time.Now().Add(10 * time.Second)
	for {
		time.Sleep(300 * time.Millisecond)
		shot := a.shot(name)
		if highlighted(a.t, shot, label) == on {
			break
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("%s: the button is not %s (%s)", name, map[bool]string{true: "highlighted", false: "plain"}[on], shot)
		}
	}
	x, y := label.centre()
	a.tooltip(name+"-tooltip", x, y, tip)
}
