package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	ttwidget "github.com/dweymouth/fyne-tooltip/widget"

	"siegel/mail/mailtest"
	"siegel/message"
)

// newTestUI builds the UI over the cores in Fyne's test driver, with jobs
// inline (see jobs.go) and English texts.
func newTestUI(t testing.TB, c *cores) *UI {
	t.Helper()
	a := test.NewTempApp(t)
	a.Preferences().SetString(prefLanguage, langEnglish)
	u := newUI(a, Cores{Desk: c.desk, Store: c.side.Store, Engine: c.side.Engine, Profile: c.side.Profile}, Options{}, &jobs{inline: true})
	t.Cleanup(func() {
		u.Close()
		SetLanguage(langEnglish)
	})
	u.win.Resize(fyne.NewSize(1280, 860))
	u.jobs.drain()
	return u
}

// standardTickets fills the desk with one ticket per security state the
// fixtures can make, oldest first:
//
//	10000 Alice, signed and encrypted          (valid, decrypted)
//	10001 Bob, signed without his certificate   (cert-not-found)
//	10002 Alice, signed and then changed         (tampered)
//	10003 Carol, plain                           (none, none)
//	10004 Mallory, signed under a rogue CA       (untrusted)
//	10005 Alice, encrypted for a key we lack     (no-key)
func standardTickets(t testing.TB, c *cores) {
	t.Helper()
	k := getPKI(t)
	alice := customer(t, k.alice)
	mallory := customer(t, k.mallory, k.rogue.certPEM)
	at := func(i int) time.Time { return epoch.Add(time.Duration(i) * time.Hour) }
	signed := alice.SealAt(t, mailtest.Message(t, "Alice Example <alice@example.org>", mailtest.DeskAddress, "Printer broken",
		"Hello, the printer in room 4 is broken.", mailtest.At(at(2))), at(2), true, false)
	c.deliver(
		alice.SealAt(t, mailtest.Message(t, "Alice Example <alice@example.org>", mailtest.DeskAddress, "Contract renewal",
			"The signed contract is attached.\nBest regards, Alice", mailtest.At(at(0)), withAttachment("contract.txt", "Contract text")), at(0), true, true),
		signWithoutCerts(t, mailtest.Message(t, "Bob Example <bob@example.org>", mailtest.DeskAddress, "Invoice question",
			"Where is my invoice?", mailtest.At(at(1))), k.bob, at(1)),
		tamper(t, signed, "room 4", "room 5"),
		mailtest.Message(t, "Carol <carol@example.com>", mailtest.DeskAddress, "Password reset", "Please reset my password.", mailtest.At(at(3))),
		mallory.SealAt(t, mailtest.Message(t, "Mallory <mallory@example.net>", mailtest.DeskAddress, "Urgent payment",
			"Please pay at once.", mailtest.At(at(4))), at(4), true, false),
		alice.SealAt(t, mailtest.Message(t, "Alice Example <alice@example.org>", "support@siegel.example", "For support",
			"Only support can read this.", mailtest.At(at(5))), at(5), false, true),
	)
}

func withAttachment(name, content string) func(*message.Draft) {
	return func(d *message.Draft) {
		d.Attachments = append(d.Attachments, message.Attachment{Name: name, ContentType: "text/plain", Data: []byte(content)})
	}
}

// objects returns the visible objects of a tree, depth first.
func objects(o fyne.CanvasObject) []fyne.CanvasObject {
	if o == nil || !o.Visible() {
		return nil
	}
	out := []fyne.CanvasObject{o}
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			out = append(out, objects(c)...)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(x).Objects() {
			out = append(out, objects(c)...)
		}
	}
	return out
}

// onScreen returns the visible objects of a window, its overlays
// (dialogs, pop-ups) included.
func onScreen(w fyne.Window) []fyne.CanvasObject {
	out := objects(w.Canvas().Content())
	for _, o := range w.Canvas().Overlays().List() {
		out = append(out, objects(o)...)
	}
	return out
}

// text returns every text the window shows, one per line.
func text(w fyne.Window) string {
	var b strings.Builder
	for _, o := range onScreen(w) {
		if s := textOf(o); s != "" {
			b.WriteString(s)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// textOf is the text an object shows itself.
func textOf(o fyne.CanvasObject) string {
	switch x := o.(type) {
	case *widget.Label:
		return x.Text
	case *ttwidget.Label:
		return x.Text
	case *fittedLabel:
		return x.Text
	case *widget.Card:
		return x.Title + "\n" + x.Subtitle
	case *widget.Entry:
		return x.Text
	case *entry:
		return x.Text
	case *widget.Check:
		return x.Text
	case *ttwidget.Check:
		return x.Text
	}
	// The tooltip library's tooltip is internal: read its Text field.
	if strings.HasSuffix(fmt.Sprintf("%T", o), ".ToolTip") {
		if f := reflect.ValueOf(o).Elem().FieldByName("Text"); f.IsValid() {
			return f.String()
		}
	}
	return buttonText(o)
}

// buttonOn finds a visible button by its text.
func buttonOn(t testing.TB, w fyne.Window, label string) fyne.CanvasObject {
	t.Helper()
	for _, o := range onScreen(w) {
		if _, ok := o.(fyne.Tappable); ok && buttonText(o) == label {
			return o
		}
	}
	t.Fatalf("no button %q on screen; the screen shows:\n%s", label, text(w))
	return nil
}

// disabled reports whether a button is disabled.
func disabled(o fyne.CanvasObject) bool {
	d, ok := o.(fyne.Disableable)
	return ok && d.Disabled()
}

// tap taps a button found by its text (the tooltip buttons embed
// widget.Button, so the renderer tree holds the outer widget).
func tap(t testing.TB, w fyne.Window, label string) {
	t.Helper()
	test.Tap(buttonOn(t, w, label).(fyne.Tappable))
}

// buttonText is the text of any kind of button.
func buttonText(o fyne.CanvasObject) string {
	switch x := o.(type) {
	case *widget.Button:
		return x.Text
	case *ttwidget.Button:
		return x.Text
	case *toggle:
		return x.Text
	}
	return ""
}

// wantText fails unless the window shows every one of the texts.
func wantText(t testing.TB, w fyne.Window, texts ...string) {
	t.Helper()
	got := text(w)
	for _, s := range texts {
		if !strings.Contains(got, s) {
			t.Errorf("the window does not show %q; it shows:\n%s", s, got)
		}
	}
}

// notText fails if the window shows one of the texts.
func notText(t testing.TB, w fyne.Window, texts ...string) {
	t.Helper()
	got := text(w)
	for _, s := range texts {
		if strings.Contains(got, s) {
			t.Errorf("the window shows %q, want it not to", s)
		}
	}
}

// relayout lays a canvas out as it is now. Fyne's test driver lays out on
// resizes only, a real driver on every frame whose sizes changed (a label
// that wraps its new text grows its card).
func relayout(c fyne.Canvas) {
	r, ok := c.(interface{ Resize(fyne.Size) })
	if !ok {
		return
	}
	size := c.Size()
	r.Resize(size.AddWidthHeight(1, 1))
	r.Resize(size)
}

// volatile matches what changes from run to run in a golden: fingerprints
// (the test keys are made at test time) in both spellings.
var (
	volatile   = regexp.MustCompile(`(size="[0-9.x]+">)?([0-9a-f]{64}|[0-9A-F]{4}( [0-9A-F]{1,4}){2,15}( ?…)?)`)
	serverPort = regexp.MustCompile(`127\.0\.0\.1:\d+`)
)

// assertMarkup compares the window's markup (test.RenderToMarkup) with
// testdata/name, after replacing the volatile parts. A failing run writes
// what it saw to testdata/failed/name, to compare and, if right, promote.
func assertMarkup(t *testing.T, name string, c fyne.Canvas) {
	t.Helper()
	relayout(c)
	got := volatile.ReplaceAllStringFunc(test.RenderToMarkup(c), func(s string) string {
		if strings.HasPrefix(s, "size=") {
			return `size="-">FINGERPRINT` // its width follows the digits
		}
		return "FINGERPRINT"
	})
	got = serverPort.ReplaceAllString(got, "127.0.0.1:PORT")
	path := filepath.Join("testdata", name)
	want, err := os.ReadFile(path)
	if err == nil && string(want) == got {
		return
	}
	failed := filepath.Join("testdata", "failed", name)
	os.MkdirAll(filepath.Dir(failed), 0o755)
	os.WriteFile(failed, []byte(got), 0o644)
	if err != nil {
		t.Errorf("no golden %s (%v); the markup is in %s", path, err, failed)
		return
	}
	t.Errorf("%s differs from the golden; see %s", name, failed)
}

// openReply opens the ticket with number n and its composer, as clicks on
// the list and on the Reply bar would.
func openReply(t testing.TB, u *UI, n int64) *ticketView {
	t.Helper()
	v := openTicket(t, u, n)
	tap(t, u.win, tr("ticket.reply"))
	if !v.replying {
		t.Fatal("the Reply bar did not open the composer")
	}
	return v
}

// showDetails expands every failure banner on screen (its Details).
func showDetails(t testing.TB, w fyne.Window) {
	t.Helper()
	for _, o := range onScreen(w) {
		if b, ok := o.(*ttwidget.Button); ok && b.Text == tr("article.details") {
			test.Tap(b)
		}
	}
}

// openTicket selects the ticket with number n in the list, as a click
// would.
func openTicket(t testing.TB, u *UI, n int64) *ticketView {
	t.Helper()
	l := u.main.list
	for i := 0; i < l.count; i++ {
		if tk, ok := l.at(i); ok && tk.Number == n {
			l.list.Select(i)
			if u.main.view == nil || u.main.view.ticket.Number != n {
				t.Fatalf("selecting ticket %d opened %+v", n, u.main.view)
			}
			return u.main.view
		}
	}
	t.Fatalf("ticket %d is not in the list", n)
	return nil
}
