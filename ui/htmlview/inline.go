package htmlview

import (
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// inlineStyle is the inline formatting in force at a point of the walk.
type inlineStyle struct {
	bold, italic, mono bool
	heading            int // 1–6 inside a heading
	color              fyne.ThemeColorName
}

// rich is the Fyne style of text in this inline style: always Inline,
// the paragraph's last segment is made a block when it is closed.
func (s inlineStyle) rich() widget.RichTextStyle {
	r := widget.RichTextStyle{
		ColorName: theme.ColorNameForeground,
		Inline:    true,
		SizeName:  theme.SizeNameText,
		TextStyle: fyne.TextStyle{Bold: s.bold, Italic: s.italic, Monospace: s.mono},
	}
	switch s.heading {
	case 0:
	case 1:
		r.SizeName, r.TextStyle.Bold = theme.SizeNameHeadingText, true
	case 2:
		r.SizeName, r.TextStyle.Bold = theme.SizeNameSubHeadingText, true
	default:
		r.TextStyle.Bold = true
	}
	if s.color != "" {
		r.ColorName = s.color
	}
	return r
}

// inlineBuf is the paragraph being built: runs of text in one style,
// and inline segments (link targets) between them.
type inlineBuf struct {
	segs []widget.RichTextSegment
	// space: white space was seen and is written as one space before
	// the next visible character, as a browser collapses it.
	space bool
	// content: something visible has been added; lineStart: nothing
	// visible since the last line break (leading spaces are dropped).
	content    bool
	lineStart  bool
	spaceStyle widget.RichTextStyle
	// trailing: the last thing written is a collapsed space, so white
	// space right after it adds nothing.
	trailing bool
	// split: the next text starts a new segment even in the same style,
	// so a link's text can be found again (see anchor).
	split bool
	// gen changes every time the paragraph is closed: a link that spans
	// a block boundary knows its text is no longer in this buffer.
	gen int
}

// last returns the last segment if it is text, for appending.
func (b *inlineBuf) last() *widget.TextSegment {
	if len(b.segs) == 0 || b.split {
		return nil
	}
	t, _ := b.segs[len(b.segs)-1].(*widget.TextSegment)
	return t
}

// write appends s in style st, merging with the last run of the same
// style.
func (b *inlineBuf) write(s string, st widget.RichTextStyle) {
	if t := b.last(); t != nil && t.Style == st {
		t.Text += s
		return
	}
	b.segs = append(b.segs, &widget.TextSegment{Style: st, Text: s})
	b.split = false
}

// pendingSpace writes the collapsed space seen before visible content,
// in the style it was seen in, as a browser keeps the space of "a <b>b</b>"
// plain. It is written even across a split: it belongs before a link.
func (b *inlineBuf) pendingSpace() {
	if !b.space {
		return
	}
	b.space = false
	if !b.content || b.lineStart || b.trailing {
		return
	}
	b.trailing = true
	if n := len(b.segs); n > 0 {
		if t, ok := b.segs[n-1].(*widget.TextSegment); ok && t.Style == b.spaceStyle {
			t.Text += " "
			return
		}
	}
	b.segs = append(b.segs, &widget.TextSegment{Style: b.spaceStyle, Text: " "})
}

// sawSpace notes collapsible white space in style st.
func (b *inlineBuf) sawSpace(st widget.RichTextStyle) {
	if !b.space {
		b.space, b.spaceStyle = true, st
	}
}

// newline is a <br>: a line break inside the paragraph. At most one
// empty line is kept, and none at the paragraph's start.
func (b *inlineBuf) newline(st widget.RichTextStyle) {
	b.space = false
	if !b.content {
		return
	}
	if t := b.last(); t != nil && strings.HasSuffix(t.Text, "\n\n") {
		return
	}
	b.write("\n", st)
	b.lineStart, b.trailing = true, false
}

// add appends an inline segment that is not text (a link target).
func (b *inlineBuf) add(s widget.RichTextSegment) {
	b.pendingSpace()
	b.segs = append(b.segs, s)
	b.content, b.lineStart, b.split, b.trailing = true, false, false, false
}

// addText adds character data in the current style: white space
// collapsed as a browser does outside <pre>, kept inside it.
func (w *walker) addText(s string) {
	if w.stop || s == "" {
		return
	}
	if room := w.o.MaxText - w.text; len(s) > room {
		cut := room
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s, w.stop, w.res.Truncated = s[:cut], true, true
	}
	w.text += len(s)
	s = strings.ToValidUTF8(s, "\uFFFD")
	st := w.st.rich()
	if w.pre > 0 {
		w.preText(s, st)
		return
	}
	b := &w.para
	var run strings.Builder
	flush := func() {
		if run.Len() > 0 {
			b.write(run.String(), st)
			run.Reset()
		}
	}
	for _, r := range s {
		if isSpace(r) {
			flush()
			b.sawSpace(st)
			continue
		}
		if b.space {
			flush()
			b.pendingSpace()
			if w.link != nil {
				w.link.text.WriteByte(' ') // collapsed again when the link closes
			}
		}
		run.WriteRune(r)
		b.content, b.lineStart, b.trailing = true, false, false
		if w.link != nil {
			w.link.text.WriteRune(r)
		}
	}
	flush()
}

// preText keeps white space: line breaks stay, tabs become spaces to the
// next multiple of eight (canvas.Text draws no tabs).
func (w *walker) preText(s string, st widget.RichTextStyle) {
	b := &w.para
	b.pendingSpace()
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	var out strings.Builder
	col := 0
	if t := b.last(); t != nil {
		if i := strings.LastIndexByte(t.Text, '\n'); i >= 0 {
			col = utf8.RuneCountInString(t.Text[i+1:])
		} else {
			col = utf8.RuneCountInString(t.Text)
		}
	}
	for _, r := range s {
		switch {
		case r == '\t':
			n := 8 - col%8
			out.WriteString(strings.Repeat(" ", n))
			col += n
		case r == '\n':
			out.WriteByte('\n')
			col = 0
		case r < ' ' || r == 0x7f:
			// control characters draw as boxes; dropped
		default:
			out.WriteRune(r)
			col++
		}
	}
	if out.Len() == 0 {
		return
	}
	b.write(out.String(), st)
	b.content, b.trailing = true, false
	b.lineStart = strings.HasSuffix(out.String(), "\n")
	if w.link != nil {
		w.link.text.WriteString(out.String())
	}
}

// isSpace is HTML's ASCII white space; other spaces (NBSP) are content.
func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\f':
		return true
	}
	return false
}

// flush closes the open paragraph into a ParagraphSegment. Its last
// segment must be a block for RichText to end the row there, so the last
// text run becomes one (or an empty paragraph-style run is added after a
// link).
func (w *walker) flush() {
	b := &w.para
	gen := b.gen + 1
	segs, content := b.segs, b.content
	w.para = inlineBuf{gen: gen}
	if !content || len(segs) == 0 {
		return
	}
	if t, ok := segs[len(segs)-1].(*widget.TextSegment); ok {
		t.Text = strings.TrimRight(t.Text, " \n")
		if t.Text == "" && len(segs) > 1 {
			segs = segs[:len(segs)-1]
		}
	}
	if t, ok := segs[len(segs)-1].(*widget.TextSegment); ok {
		t.Style.Inline = false
	} else {
		segs = append(segs, &widget.TextSegment{Style: widget.RichTextStyleParagraph})
	}
	if !w.spend(len(segs)) {
		return
	}
	w.emit(&widget.ParagraphSegment{Texts: segs})
}

// inline renders an inline element: its style for its content.
func (w *walker) inline(n *html.Node, depth int) {
	saved := w.st
	switch n.DataAtom {
	case atom.B, atom.Strong:
		w.st.bold = true
	case atom.I, atom.Em, atom.Cite, atom.Var, atom.Dfn:
		w.st.italic = true
	// <u> and <ins> stay plain: TextStyle.Underline has no font in
	// themes that map styles strictly (Fyne's test theme panics on it),
	// and underlined text in a mail reads like a link it is not.
	case atom.Code, atom.Kbd, atom.Samp, atom.Tt:
		w.st.mono = true
	case atom.Q:
		w.addText("“")
		w.walk(n, depth)
		w.addText("”")
		return
	}
	w.walk(n, depth)
	w.st = saved
}

// heading renders h1–h6 as a paragraph in heading style: h1 and h2 in
// Fyne's heading sizes, the others bold.
func (w *walker) heading(n *html.Node, level, depth int) {
	w.flush()
	saved := w.st
	w.st.heading = level
	w.walk(n, depth)
	w.flush()
	w.st = saved
}

// preformatted renders <pre> as monospace text with its white space.
func (w *walker) preformatted(n *html.Node, depth int) {
	w.flush()
	saved := w.st
	w.st.mono = true
	w.pre++
	w.walk(n, depth)
	w.pre--
	w.flush()
	w.st = saved
}
