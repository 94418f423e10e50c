package e2e

import (
	"bytes"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// At the common laptop's 1366×768 a 20-line article is read whole, as it
// comes, without scrolling (issue 13): the bakery's order for the
// Christmas party in the demo.
func TestLaptopReadsTwentyLines(t *testing.T) {
	needTools(t)
	d := startDisplayAt(t, 1366, 768)
	art := newArtefacts(t)
	home := t.TempDir()
	a := launch(t, d, art, home, []string{siegelBinary(t), "--demo"}, appEnv(d, home))
	a.waitFor("the ticket list", time.Minute, func(p page) bool { return p.has("New ticket") && p.has("Ticket#10000") || p.has("Ticket#10015") }, nil)
	// Below the fold of the list at this size: search for it.
	a.key("ctrl+f")
	a.typeText("Weihnachtsfeier")
	p := a.waitFor("the order in the list", 30*time.Second, func(p page) bool {
		_, ok := p.find("Bestellung")
		return ok
	}, nil)
	r, _ := p.find("Bestellung")
	a.click(r.centre())
	a.away()
	p = a.waitFor("the whole order", 30*time.Second, func(p page) bool {
		_, first := p.find("Guten Morgen")
		_, last := p.find("Klaus Weber")
		return first && last && p.has("Weber, Haupt")
	}, nil)
	keep(t, "1366x768-twenty-lines", p.file)
	first, _ := p.find("Guten Morgen")
	// The signature's name, under the list's line with it: the text's
	// second-last line.
	last := lowest(p.findAll("Klaus Weber"))
	if !within(first, a.area) || !within(last, a.area) || last.Y <= first.Y {
		t.Errorf("the order's first line at %v and its signature at %v, want both in the window %v, in that order", first, last, a.area)
	}
	if reply := lowest(p.findAll("Reply")); reply.Y <= last.Y {
		t.Errorf("the Reply bar at %v is not under the order's end at %v", reply, last)
	}
}

// The composer's Tab order is To → Cc → Subject → message → Attach →
// Encrypt → Sign → Send (issue 13): a new ticket typed with Tab between
// the fields, and sent by Space after four more Tabs, leaves with each
// text in its field.
func TestTabOrder(t *testing.T) {
	needTools(t)
	d := startDisplayAt(t, 1366, 768)
	art := newArtefacts(t)
	home := t.TempDir()
	a := launch(t, d, art, home, []string{siegelBinary(t), "--demo"}, appEnv(d, home))
	dir := demoDir(home)
	a.waitFor("the ticket list", time.Minute, func(p page) bool { return p.has("New ticket") && p.has("Ticket#10015") }, nil)

	const (
		to      = "anna.schmidt@kanzlei-schmidt.example"
		cc      = "priya.patel@contoso.example"
		subject = "Tab order 4711"
		text    = "Typed after three tabs."
	)
	a.key("ctrl+n")
	a.waitFor("the new ticket's composer", 30*time.Second, func(p page) bool { return p.has("Send") && p.has("Attach") }, nil)
	before := len(receivedFiles(t, filepath.Join(dir, "outbox-received")))
	a.typeText(to)
	a.key("Tab")
	a.typeText(cc)
	a.key("Tab")
	a.typeText(subject)
	a.key("Tab")
	a.typeText(text)
	p := a.waitFor("the typed message", 30*time.Second, func(p page) bool { return p.has(subject) && p.has(text) }, nil)
	keep(t, "1366x768-tab-order", p.file)
	// Attach, Encrypt, Sign, then Send takes the Space.
	a.key("Tab", "Tab", "Tab", "Tab", "space")

	deadline := time.Now().Add(time.Minute)
	var got [][]byte
	for {
		got = receivedFiles(t, filepath.Join(dir, "outbox-received"))
		if len(got) > before {
			break
		}
		if time.Now().After(deadline) {
			a.shot("not-sent")
			t.Fatalf("Tab ×4 and Space sent nothing within a minute; the app says:\n%s", a.output())
		}
		time.Sleep(300 * time.Millisecond)
	}
	raw := got[len(got)-1]
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("the sent message does not parse: %v", err)
	}
	for field, want := range map[string]string{"To": to, "Cc": cc} {
		if list, err := msg.Header.AddressList(field); err != nil || len(list) != 1 || list[0].Address != want {
			t.Errorf("%s: got %v (%v), want %s", field, list, err, want)
		}
	}
	// Encrypted for Anna (who has a certificate), the subject and text
	// are inside: open it with her key.
	inner := raw
	if mt, _, _ := mime.ParseMediaType(msg.Header.Get("Content-Type")); mt == "application/pkcs7-mime" {
		anna := filepath.Join(t.TempDir(), "anna.pem")
		openssl(t, "pkcs12", "-in", filepath.Join(dir, "keys", "anna-schmidt.p12"), "-passin", "pass:siegel-demo", "-nodes", "-out", anna)
		in, out := art.write("tab-sent.eml", raw), art.path("tab-decrypted.eml")
		openssl(t, "cms", "-decrypt", "-in", in, "-recip", anna, "-inkey", anna, "-out", out)
		if inner, err = os.ReadFile(out); err != nil {
			t.Fatal(err)
		}
	}
	// The new ticket's number goes before the subject.
	if !regexp.MustCompile(`(?m)^Subject: \[Ticket#\d+\] ` + subject + `\r?$`).Match(inner) {
		t.Errorf("the subject %q is not the message's (%s)", subject, art.write("tab-inner.eml", inner))
	}
	if !strings.Contains(squash(plainText(t, inner)), text) {
		t.Errorf("the text %q is not the message's: %q", text, plainText(t, inner))
	}
}
