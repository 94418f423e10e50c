package ui

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"net/url"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"siegel/mail/mailtest"
	"siegel/ui/htmlview"
)

// testPNG is a small image for an HTML mail's cid: reference.
func testPNG(t testing.TB) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 40, 20))
	for x := range 40 {
		for y := range 20 {
			img.Set(x, y, color.NRGBA{R: 200, A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// newsletter is an HTML mail with a table, an inline image of its own
// (multipart/related), a remote image and a link whose text names
// another site than its target.
func newsletter(t testing.TB) []byte {
	t.Helper()
	html := `<html><body><h1>Monthly news</h1>
<table><tr><th>Product</th><th>Price</th></tr><tr><td>Printer</td><td>120 EUR</td></tr></table>
<p><img src="cid:logo@example.org" alt="Logo"> <img src="https://tracker.example/pixel.gif" alt="pixel"></p>
<p>Log in at <a href="https://evil.example/login">https://bank.example/</a> today.</p>
</body></html>`
	img := base64.StdEncoding.EncodeToString(testPNG(t))
	raw := "From: Newsletter <news@example.org>\r\nTo: " + mailtest.DeskAddress + "\r\nSubject: Monthly news\r\n" +
		"Date: Mon, 03 Mar 2025 10:00:00 +0000\r\nMessage-ID: <news-1@example.org>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/related; boundary=\"rel\"\r\n\r\n" +
		"--rel\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + strings.ReplaceAll(html, "\n", "\r\n") + "\r\n" +
		"--rel\r\nContent-Type: image/png; name=\"logo.png\"\r\nContent-ID: <logo@example.org>\r\n" +
		"Content-Disposition: inline; filename=\"logo.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + img + "\r\n" +
		"--rel--\r\n"
	return []byte(raw)
}

// An HTML article shows formatted: its table as a grid, its own inline
// image (not listed again as an attachment), a note on the one remote
// image it did not load; a link asks before it opens and says when its
// text names another site. A plain article stays a selectable label.
func TestHTMLArticle(t *testing.T) {
	c := newCores(t, nil)
	c.deliver(newsletter(t))
	u := newTestUI(t, c)
	var opened []string
	openURL = func(u *url.URL) error { opened = append(opened, u.String()); return nil }
	t.Cleanup(func() { openURL = func(u *url.URL) error { return fyne.CurrentApp().OpenURL(u) } })
	card := cardOf(t, openTicket(t, u, 10000))
	if !card.html.Visible() || card.body.Visible() {
		t.Fatalf("the HTML article shows as text (rich text shown %v, label shown %v)", card.html.Visible(), card.body.Visible())
	}
	var table *htmlview.TableSegment
	var img *htmlview.InlineImage
	var link *widget.HyperlinkSegment
	for _, s := range card.html.Segments {
		switch x := s.(type) {
		case *htmlview.TableSegment:
			table = x
		case *htmlview.InlineImage:
			img = x
		case *widget.ParagraphSegment:
			for _, in := range x.Texts {
				if h, ok := in.(*widget.HyperlinkSegment); ok {
					link = h
				}
			}
		case *widget.HyperlinkSegment:
			link = x
		}
	}
	if table == nil || table.Columns != 2 || len(table.Rows) != 2 {
		t.Errorf("the table is not a 2×2 grid: %+v", table)
	}
	if img == nil || img.Alt != "Logo" {
		t.Errorf("the inline image is not shown: %+v", img)
	}
	wantText(t, u.win, "1 remote item (an image or a style) was not loaded.", "Copy text")
	notText(t, u.win, "logo.png", "shown as plain text")
	// The grid is on screen as a grid: one row container per table row.
	var grids int
	for _, o := range objects(card.html) {
		if _, ok := o.(*widget.RichText); ok && strings.Contains(textOfRich(o), "Printer") {
			grids++
		}
	}
	if grids == 0 {
		t.Error("the table's cells are not drawn")
	}

	// Rendered once: a refresh of the card keeps the rendering.
	done := card.htmlDone
	card.show()
	if card.htmlDone != done {
		t.Error("the card rendered the HTML again on a refresh")
	}

	if link == nil {
		t.Fatal("the link's target is not tappable")
	}
	link.OnTapped()
	if len(opened) != 0 {
		t.Fatalf("a tap opened %v without asking", opened)
	}
	wantText(t, u.win, "Open link?", "https://evil.example/login",
		"The text shows “https://bank.example/”, but the link goes to https://evil.example/login.")
	tap(t, u.win, "Cancel")
	if len(opened) != 0 {
		t.Fatalf("Cancel opened %v", opened)
	}
	link.OnTapped()
	tap(t, u.win, "Open link")
	if len(opened) != 1 || opened[0] != "https://evil.example/login" {
		t.Errorf("Open link opened %v, want the real target", opened)
	}

	// Copy text copies the text, as the plain label lets select it.
	tap(t, u.win, "Copy text")
	if clip := u.app.Clipboard().Content(); !strings.Contains(clip, "Monthly news") {
		t.Errorf("Copy text put %q on the clipboard", clip)
	}
}

// textOfRich is the text of a rich text object.
func textOfRich(o fyne.CanvasObject) string {
	if r, ok := o.(*widget.RichText); ok {
		return r.String()
	}
	return ""
}

// A plain article is shown as before: a selectable label, no rich text,
// no note; the German note counts remote items in the plural.
func TestPlainArticleUnchanged(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	u := newTestUI(t, c)
	card := cardOf(t, openTicket(t, u, 10003))
	if card.html.Visible() || !card.body.Visible() || !card.body.Selectable {
		t.Errorf("a plain article is not its selectable label (rich text %v, label %v)", card.html.Visible(), card.body.Visible())
	}
	if card.body.Text != "Please reset my password." {
		t.Errorf("the text is %q", card.body.Text)
	}
	notText(t, u.win, "Copy text", "not loaded")
	SetLanguage(langGerman)
	if got := trn("article.blocked", 3, map[string]any{"Count": 3}); got != "3 externe Inhalte (Bilder, Stile) wurden nicht geladen." {
		t.Errorf("German note: %q", got)
	}
}

// The demo's newsletter shows as the demo made it: its price table as a
// grid of its four columns, the chart it carries as an image (not
// listed again as a file), and the note that its one remote image was
// not loaded.
func TestDemoNewsletter(t *testing.T) {
	dw := newDemoWindow(t)
	u := dw.u
	card := cardOf(t, openTicket(t, u, dw.demo.Tickets["Northwind Partner News: autumn price list"]))
	if !card.html.Visible() {
		t.Fatal("the newsletter shows as plain text")
	}
	var tables []string
	var images []*htmlview.InlineImage
	for _, s := range card.html.Segments {
		switch x := s.(type) {
		case *htmlview.TableSegment:
			tables = append(tables, x.Textual())
		case *htmlview.InlineImage:
			images = append(images, x)
		}
	}
	wantTable := "Product | Pack | Price | Delivery\n" +
		"Aniseed Syrup | 12 bottles | 10.00 EUR | 2 days\n" +
		"Gorgonzola Telino | 12 pieces | 12.50 EUR | 3 days\n" +
		"Raclette Courdavault | 5 kg | 55.00 EUR | 5 days\n"
	if len(tables) != 1 || tables[0] != wantTable {
		t.Errorf("tables %q, want one:\n%s", tables, wantTable)
	}
	chart := card.view.Attachments
	if len(images) != 1 || len(chart) != 1 || images[0].Alt != "Partner orders per quarter" ||
		!bytes.Equal(images[0].Resource.Content(), chart[0].Data) || images[0].Size != fyne.NewSize(480, 160) {
		t.Errorf("images %+v, want the chart of the message (%d attachments) at 480×160", images, len(chart))
	}
	var all strings.Builder
	var write func([]widget.RichTextSegment)
	write = func(segs []widget.RichTextSegment) {
		for _, s := range segs {
			if p, ok := s.(*widget.ParagraphSegment); ok {
				write(p.Texts) // a paragraph's Textual is empty
				continue
			}
			all.WriteString(s.Textual())
		}
	}
	write(card.html.Segments)
	if got := all.String(); !strings.Contains(got, "[Autumn offers]") {
		t.Errorf("the remote image's alt text is not in its place:\n%s", got)
	}
	wantText(t, u.win, "1 remote item (an image or a style) was not loaded.")
	notText(t, u.win, "orders-chart.png")
}
