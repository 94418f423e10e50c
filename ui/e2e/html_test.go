package e2e

import (
	"image"
	"testing"
	"time"
)

// chartColour is the colour of the bars of the chart the demo's HTML
// newsletter carries as an inline image (demo/newsletter.go): a magenta
// that none of Siegel's themes draws, so its pixels on the screen can only
// be the image.
var chartColour = [3]uint32{0xD0, 0x10, 0x90}

// chartBarPixels is how many pixels the chart's four bars cover at scale
// 1: 72 pixels wide, 56+80+104+128 high.
const chartBarPixels = 72 * (56 + 80 + 104 + 128)

// The demo's HTML newsletter is shown formatted (issue 13): OCR reads the
// rows of its price table, the screenshot has the inline chart's magenta
// bars in the article under the table, the note above the text says that
// the remote image was not loaded, and scrolled down, OCR reads its alt
// text in its place. The screenshots are kept in SIEGEL_SHOTS_DIR (html-article.png,
// html-article-note.png) when set, and with the test's artefacts when it
// fails.
func TestDemoHTMLArticle(t *testing.T) {
	needTools(t)
	d := startDisplay(t)
	art := newArtefacts(t)
	home := t.TempDir()
	a := launch(t, d, art, home, []string{siegelBinary(t), "--demo"}, appEnv(d, home))

	// The list's line reads "[Ticket#N] Northwind Partner News: …"; the
	// OCR may take the icons beside it for a line of their own.
	const subject = "Partner News"
	p := a.waitFor("the ticket list", time.Minute, func(p page) bool {
		_, ok := p.find(subject)
		return ok
	}, nil)
	r, _ := p.find(subject)
	a.click(r.centre())
	a.away()
	rows := []string{"Aniseed Syrup", "Gorgonzola Telino", "Raclette Courdavault"}
	p = a.waitFor("the newsletter", 30*time.Second, func(p page) bool {
		for _, row := range rows {
			if _, ok := p.find(row); !ok {
				return false
			}
		}
		return p.has("Northwind Partner News <news@northwind.example>") && p.has("Signed")
	}, nil)
	keep(t, "html-article", p.file)
	t.Logf("the newsletter as read (%s):\n%s", p.file, p.text())
	for _, cell := range []string{"Product Pack Price Delivery", "12 bottles", "10.00 EUR", "5 days"} {
		if _, ok := p.find(cell); !ok {
			t.Errorf("the table's cell %q is not on the screen", cell)
		}
	}

	// The article is right of the ticket list: from the table's first
	// column to the window's right edge.
	first, _ := p.find(rows[0])
	last, _ := p.find(rows[len(rows)-1])
	article := rect{first.X - 40, a.area.Y, a.area.X + a.area.W - (first.X - 40), a.area.H}
	n, box := colourPixels(readPNG(t, p.file), article, chartColour, 40)
	t.Logf("%d pixels of the chart's colour in the article %v, within %v", n, article, box)
	// A little may be blended by the scaling; most of the bars must be
	// there.
	if n < chartBarPixels*8/10 {
		t.Errorf("%d pixels of the chart's colour in the article %v, want at least %d of its %d (%s)",
			n, article, chartBarPixels*8/10, chartBarPixels, p.file)
	} else if box.Y < last.Y+last.H {
		t.Errorf("the chart's bars at %v, want them under the table (its last row at %v)", box, last)
	}

	// The note on what was blocked stands above the text, in the first
	// view. It is small grey italics, which read best inverted; its words
	// are those for one item ("N remote items (images, styles)" else).
	note := ocrAs(t, p.file, article, inverted)
	if !(note.has("remote item") && note.has("an image") && note.has("not loaded")) {
		t.Errorf("no note on the remote image above the newsletter (%s):\n%s", note.file, note.text())
	}
	// Scrolled down, the remote image's alt text stands in its place.
	x, y := first.X+200, first.Y
	p = a.waitFor("the remote image's alt text", 30*time.Second, func(p page) bool {
		return p.has("[Autumn offers]")
	}, func(page) {
		a.d.xdo(t, "mousemove", x, y)
		a.d.xdo(t, "click", "--repeat", 3, 5)
		a.away()
	})
	keep(t, "html-article-note", p.file)
}

// colourPixels counts the pixels of area that are within tol of rgb in
// every channel, and returns the smallest rectangle holding them.
func colourPixels(img image.Image, area rect, rgb [3]uint32, tol uint32) (int, rect) {
	r := image.Rect(area.X, area.Y, area.X+area.W, area.Y+area.H).Intersect(img.Bounds())
	n, x0, y0, x1, y1 := 0, r.Max.X, r.Max.Y, -1, -1
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if absDiff(cr>>8, rgb[0]) <= tol && absDiff(cg>>8, rgb[1]) <= tol && absDiff(cb>>8, rgb[2]) <= tol {
				n++
				x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
			}
		}
	}
	if n == 0 {
		return 0, rect{}
	}
	return n, rect{x0, y0, x1 - x0 + 1, y1 - y0 + 1}
}
