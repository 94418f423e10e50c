package htmlview

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// FuzzRender checks that no input panics, takes long, breaks a bound or
// yields a tappable target that is not http, https or mailto, or that
// would open itself. Seeds: testdata/fuzz/FuzzRender (a newsletter, a
// deep nesting, broken markup) and the newsletter in testdata.
func FuzzRender(f *testing.F) {
	if b, err := os.ReadFile("testdata/newsletter.html"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`<a href="https://a.example/">x<table><tr><td>1<td>2</table></a><img src=cid:a>`))
	dot := pngOf(3, 3)
	o := Options{
		Images:      func(string) (fyne.Resource, bool) { return fyne.NewStaticResource("x", dot), true },
		OnLink:      func(Link) {},
		MaxSegments: 5000,
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		start := time.Now()
		r := Render(src, o)
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("Render took %v for %d bytes", d, len(src))
		}
		n := 0
		walkSegs(r.Segments, func(s widget.RichTextSegment) {
			n++
			if h, ok := s.(*widget.HyperlinkSegment); ok {
				if h.OnTapped == nil {
					t.Fatal("a hyperlink without OnTapped would open its URL itself")
				}
				if sc := h.URL.Scheme; sc != "http" && sc != "https" && sc != "mailto" {
					t.Fatalf("tappable target %q", h.URL)
				}
			}
		})
		// Each counted segment may carry a paragraph end and a list item.
		if n > 3*o.MaxSegments {
			t.Fatalf("%d segments for a bound of %d", n, o.MaxSegments)
		}
		for _, l := range r.Links {
			if !strings.HasPrefix(l.Target, "http://") && !strings.HasPrefix(l.Target, "https://") && !strings.HasPrefix(l.Target, "mailto:") {
				t.Fatalf("link target %q", l.Target)
			}
		}
	})
}

// walkSegs visits segments and the segments inside them.
func walkSegs(segs []widget.RichTextSegment, fn func(widget.RichTextSegment)) {
	for _, s := range segs {
		fn(s)
		switch s := s.(type) {
		case *widget.ParagraphSegment:
			walkSegs(s.Texts, fn)
		case *widget.ListSegment:
			walkSegs(s.Items, fn)
		case *QuoteSegment:
			walkSegs(s.Segments, fn)
		case *TableSegment:
			for _, r := range s.Rows {
				for _, c := range r.Cells {
					walkSegs(c, fn)
				}
			}
		}
	}
}

// newsletter200K is the newsletter's body repeated to about 200 KB.
func newsletter200K(tb testing.TB) []byte {
	b, err := os.ReadFile("testdata/newsletter.html")
	if err != nil {
		tb.Fatal(err)
	}
	i, j := bytes.Index(b, []byte("<body")), bytes.LastIndex(b, []byte("</body>"))
	head, body, tail := b[:i], b[i:j], b[j:]
	var out bytes.Buffer
	out.Write(head)
	for out.Len() < 200<<10 {
		out.Write(body)
	}
	out.Write(tail)
	return out.Bytes()
}

func BenchmarkRender200K(b *testing.B) {
	src := newsletter200K(b)
	logo := pngOf(200, 60)
	o := Options{
		Images: images(map[string][]byte{"logo@siegel.example": logo}),
		OnLink: func(Link) {},
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		Render(src, o)
	}
}
