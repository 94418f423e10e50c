package htmlview

import (
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// QuoteSegment is a block shown indented: with a bar on its left for a
// <blockquote> (quoted mail), without one for a nested list. Fyne's own
// block quote style indents one text style only; a segment of its own
// keeps lists, tables and images of quoted mail inside the quote.
type QuoteSegment struct {
	Segments []widget.RichTextSegment
	// Bar is true for a quotation, false for plain indentation.
	Bar bool
}

// Inline returns false: a quote is a block.
func (q *QuoteSegment) Inline() bool { return false }

// Textual returns the quote's text, each line after "> " (or indented).
func (q *QuoteSegment) Textual() string {
	prefix := "  "
	if q.Bar {
		prefix = "> "
	}
	lines := strings.Split(strings.TrimRight(textOf(q.Segments), "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n") + "\n"
}

// Visual returns the bar (or a gap) and a rich text of the content.
func (q *QuoteSegment) Visual() fyne.CanvasObject {
	bar := canvas.NewRectangle(theme.Color(theme.ColorNamePrimary))
	bar.Hidden = !q.Bar
	rt := widget.NewRichText(q.Segments...)
	rt.Wrapping = fyne.TextWrapWord
	return box(&quoteLayout{}, bar, rt)
}

// Update shows this quote's content in an existing visual.
func (q *QuoteSegment) Update(o fyne.CanvasObject) {
	c := o.(*fyne.Container)
	bar := c.Objects[0].(*canvas.Rectangle)
	bar.Hidden = !q.Bar
	rt := c.Objects[1].(*widget.RichText)
	rt.Segments = q.Segments
	rt.Refresh()
}

// Select does nothing: selection is not offered in rich text yet.
func (q *QuoteSegment) Select(_, _ fyne.Position) {}

// SelectedText returns "".
func (q *QuoteSegment) SelectedText() string { return "" }

// Unselect does nothing.
func (q *QuoteSegment) Unselect() {}

// quoteLayout puts a thin bar at the left and the content after an
// indent.
type quoteLayout struct{}

func quoteIndent() (bar, indent float32) {
	return 3, 3 * theme.Padding()
}

func (quoteLayout) Layout(objs []fyne.CanvasObject, s fyne.Size) {
	bar, indent := quoteIndent()
	objs[0].Move(fyne.NewPos(theme.Padding(), 0))
	objs[0].Resize(fyne.NewSize(bar, s.Height))
	objs[1].Move(fyne.NewPos(indent, 0))
	objs[1].Resize(fyne.NewSize(max(0, s.Width-indent), s.Height))
}

func (quoteLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	_, indent := quoteIndent()
	m := objs[1].MinSize()
	return fyne.NewSize(m.Width+indent, m.Height)
}

// quote renders <blockquote> as a QuoteSegment; past maxNest nested
// widgets its content joins the enclosing block.
func (w *walker) quote(n *html.Node, depth int) {
	if w.nest >= maxNest {
		w.flush()
		w.walk(n, depth)
		w.flush()
		return
	}
	w.nest++
	segs := w.collect(func() { w.walk(n, depth) })
	w.nest--
	if len(segs) > 0 && w.spend(1) {
		w.emit(&QuoteSegment{Segments: segs, Bar: true})
	}
}

// list renders ul, ol (numbered from its start attribute), menu and dir
// as a widget.ListSegment; a list inside a list item is indented in a
// QuoteSegment without bar, since Fyne draws nested lists flush left.
func (w *walker) list(n *html.Node, depth int) {
	w.flush()
	l := &widget.ListSegment{Ordered: n.DataAtom == atom.Ol}
	if s, err := strconv.Atoi(strings.TrimSpace(attr(n, "start"))); err == nil && l.Ordered && s > -1e6 && s < 1e6 {
		l.SetStartNumber(s)
	}
	nested := w.lists > 0 && w.nest < maxNest
	if nested {
		w.nest++
	}
	w.lists++
	var loose []*html.Node // content between items, shown as an item
	item := func(nodes ...*html.Node) {
		segs := w.collect(func() {
			for _, c := range nodes {
				if c.Type == html.ElementNode && c.DataAtom == atom.Li {
					w.walk(c, depth+1)
				} else {
					w.node(c, depth+1)
				}
			}
		})
		if len(segs) == 0 || !w.spend(1) {
			return
		}
		if len(segs) == 1 {
			l.Items = append(l.Items, segs[0])
		} else {
			l.Items = append(l.Items, &widget.ParagraphSegment{Texts: segs})
		}
	}
	for c := n.FirstChild; c != nil && !w.stop; c = c.NextSibling {
		if c.Type == html.ElementNode && c.DataAtom == atom.Li {
			if len(loose) > 0 {
				item(loose...)
				loose = nil
			}
			item(c)
			continue
		}
		loose = append(loose, c)
	}
	if len(loose) > 0 {
		item(loose...)
	}
	w.lists--
	if nested {
		w.nest--
	}
	if len(l.Items) == 0 || !w.spend(1) {
		return
	}
	if nested {
		w.emit(&QuoteSegment{Segments: []widget.RichTextSegment{l}})
		return
	}
	w.emit(l)
}

// textOf is the plain text of segments, one line per block, for
// Textual and tests.
func textOf(segs []widget.RichTextSegment) string {
	var b strings.Builder
	for _, s := range segs {
		switch s := s.(type) {
		case *widget.ParagraphSegment:
			b.WriteString(strings.TrimRight(textOf(s.Texts), "\n"))
			b.WriteByte('\n')
		case *widget.ListSegment:
			for _, p := range s.Segments() {
				b.WriteString(strings.TrimRight(textOf([]widget.RichTextSegment{p}), "\n"))
				b.WriteByte('\n')
			}
		case *widget.TextSegment:
			b.WriteString(s.Text)
			if !s.Inline() {
				b.WriteByte('\n')
			}
		case *widget.HyperlinkSegment:
			b.WriteString(s.Text)
		case *widget.SeparatorSegment:
			b.WriteString("---\n")
		default:
			b.WriteString(s.Textual())
		}
	}
	return b.String()
}
