package htmlview

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/widget"
)

func TestNewsletter(t *testing.T) {
	src, err := os.ReadFile("testdata/newsletter.html")
	if err != nil {
		t.Fatal(err)
	}
	var tapped []Link
	r := Render(src, Options{
		Images: images(map[string][]byte{"logo@siegel.example": pngOf(200, 60)}),
		OnLink: func(l Link) { tapped = append(tapped, l) },
	})
	want := `IMG(Siegel logo 200x60) P(A"https://news.siegel.example/view?id=42" ¶)` + // "View in browser" is a layout cell
		` P(h1"Siegel Monthly – March")`
	if got := dump(r.Segments); !strings.HasPrefix(got, `IMG(Siegel logo 200x60) P("View in browser (" A"https://news.siegel.example/view?id=42" ")") P(h1"Siegel Monthly – March")`) {
		t.Errorf("start\n got %.300s\nwant %s", got, want)
	}
	got := dump(r.Segments)
	for _, part := range []string{
		"T3[H|Plan|Seats|Price / month; |Starter|5|€\u00a019; |Team|25|€\u00a079; |Enterprise|unlimited|ask us (https://siegel.example/contact)]",
		`P(h2"Prices")`,
		`Q[P("On Monday, Ann wrote:") P("Can we get a table view?")]`,
		`P(m"  sig = sign(body)\n  send(sig)")`,
		`IN[OL1[P("Open Settings"); P("Choose " m"Security")]]`,
		`!"https://login.siegel.example/" " (" b!"⚠ " A"http://login.evil.example/siegel" ") (a test`,
		`P("Subscribe") HR`,
		`P("Remote images stay blocked:\n[Spring banner]")`,
	} {
		if !strings.Contains(got, part) {
			t.Errorf("missing %s\nin %s", part, got)
		}
	}
	// bg.png, the font, the @import, news.css, header.jpg background,
	// banner, tracking pixel, iframe.
	if r.Blocked != 8 {
		t.Errorf("Blocked = %d, want 8", r.Blocked)
	}
	if len(r.Links) != 6 {
		t.Errorf("%d links: %+v", len(r.Links), r.Links)
	}
	// Tapping a target calls OnLink with that link, and nothing else.
	walkSegs(r.Segments, func(s widget.RichTextSegment) {
		if h, ok := s.(*widget.HyperlinkSegment); ok && strings.Contains(h.Text, "evil") {
			h.OnTapped()
		}
	})
	if len(tapped) != 1 || !tapped[0].Deceptive || tapped[0].Target != "http://login.evil.example/siegel" {
		t.Errorf("tapped %+v", tapped)
	}
}

func TestBounds(t *testing.T) {
	t.Run("deep nesting keeps its text", func(t *testing.T) {
		const n = 95 // 475 elements: deeper than MaxDepth, within the parser's 512
		src := strings.Repeat("<div><blockquote><ul><li><b>", n) + "core" + strings.Repeat("</b></li></ul></blockquote></div>", n)
		start := time.Now()
		r := Render([]byte(src), Options{})
		if d := time.Since(start); d > 20*time.Second {
			t.Errorf("took %v", d)
		}
		if r.Flat || !strings.Contains(textOf(r.Segments), "core") {
			t.Error("text below MaxDepth lost")
		}
		depth := 0
		var measure func([]widget.RichTextSegment, int)
		measure = func(segs []widget.RichTextSegment, d int) {
			depth = max(depth, d)
			for _, s := range segs {
				switch s := s.(type) {
				case *QuoteSegment:
					measure(s.Segments, d+1)
				case *widget.ListSegment:
					measure(s.Items, d+1)
				case *widget.ParagraphSegment:
					measure(s.Texts, d+1)
				}
			}
		}
		measure(r.Segments, 0)
		if depth > 3*maxNest+4 {
			t.Errorf("segments nest %d deep", depth)
		}
	})
	t.Run("nesting the parser refuses is shown flat", func(t *testing.T) {
		src := strings.Repeat("<div>", 600) + "<p>deep <b>text</b><img src=https://x.example/a.png alt=A><script>x</script>" + strings.Repeat("</div>", 600)
		r := Render([]byte(src), Options{})
		if got := dump(r.Segments); !r.Flat || got != `P("deep text [A]")` || r.Blocked != 1 {
			t.Errorf("Flat %v, Blocked %d, %s", r.Flat, r.Blocked, got)
		}
	})
	t.Run("segments", func(t *testing.T) {
		r := Render([]byte(strings.Repeat("<p>x</p>", 1000)), Options{MaxSegments: 100})
		if !r.Truncated || len(r.Segments) > 100 {
			t.Errorf("Truncated %v, %d segments", r.Truncated, len(r.Segments))
		}
	})
	t.Run("input bytes", func(t *testing.T) {
		r := Render(bytes.Repeat([]byte("<p>abc</p>"), 1000), Options{MaxBytes: 100})
		if !r.Truncated || len(r.Segments) != 10 {
			t.Errorf("Truncated %v, %d segments", r.Truncated, len(r.Segments))
		}
	})
	t.Run("text bytes", func(t *testing.T) {
		r := Render([]byte("<p>"+strings.Repeat("é", 1000)+"</p>"), Options{MaxText: 101})
		got := textOf(r.Segments)
		if !r.Truncated || strings.Count(got, "é") != 50 || !strings.HasSuffix(got, "é\n") {
			t.Errorf("Truncated %v, %q", r.Truncated, got)
		}
	})
	t.Run("huge image header", func(t *testing.T) {
		big := pngHeader(100_000, 100_000)
		r := Render([]byte(`<img src="cid:a" alt="big">`), Options{Images: images(map[string][]byte{"a": big})})
		if got := dump(r.Segments); got != `P("[big]")` {
			t.Errorf("got %s", got)
		}
	})
	t.Run("wide table is cut", func(t *testing.T) {
		r := Render([]byte("<table><tr>"+strings.Repeat("<td>c</td>", 40)+"</tr><tr><td>d</td><td>e</td></tr></table>"), Options{})
		tab, ok := r.Segments[0].(*TableSegment)
		if !ok || tab.Columns != maxColumns || !r.Truncated || len(tab.Rows[1].Cells) != maxColumns {
			t.Errorf("got %s", dump(r.Segments))
		}
	})
}

// pngHeader is the start of a PNG that claims w×h pixels.
func pngHeader(w, h int) []byte {
	b := pngOf(1, 1)
	out := append([]byte(nil), b...)
	put := func(i, v int) {
		out[i], out[i+1], out[i+2], out[i+3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
	}
	put(16, w)
	put(20, h)
	return out
}
