package htmlview

import (
	"bytes"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Defaults for the zero fields of Options.
const (
	// DefaultMaxBytes bounds the input: twice message.MaxText, since
	// markup is wordier than the text it carries.
	DefaultMaxBytes = 2 << 20
	// DefaultMaxDepth bounds the element nesting walked with structure;
	// deeper content is kept as plain text.
	DefaultMaxDepth = 64
	// DefaultMaxSegments bounds the segments (and widgets) produced.
	DefaultMaxSegments = 20000
	// DefaultMaxText bounds the text produced, as message.MaxText does
	// for the flattened text.
	DefaultMaxText = 1 << 20
)

// maxNest bounds the nested widgets (quotes, indented lists, table
// cells) one inside the other: each is a RichText of its own, and
// deeper nesting only makes the text narrower.
const maxNest = 8

// Options tunes Render. The zero value renders with the defaults and
// shows link targets as text that cannot be tapped.
type Options struct {
	// Images returns the message's inline image with this Content-ID
	// (without the angle brackets, as written after "cid:"), if any.
	Images func(cid string) (fyne.Resource, bool)
	// OnLink is called when the user taps a link's target. Render never
	// opens anything itself; with OnLink nil targets are plain text.
	OnLink func(Link)
	// MaxBytes, MaxDepth, MaxSegments and MaxText bound the work and
	// the result; zero means the Default of that name.
	MaxBytes    int
	MaxDepth    int
	MaxSegments int
	MaxText     int
	// MaxImageWidth and MaxImageHeight bound an image's size on screen
	// (default 640×480); it is scaled down to fit, keeping its aspect.
	MaxImageWidth, MaxImageHeight float32
}

// Result is the rendered body.
type Result struct {
	// Segments go into a widget.RichText (Wrapping fyne.TextWrapWord).
	Segments []widget.RichTextSegment
	// Links lists every link in document order: its shown text and its
	// real target, whether or not it can be tapped.
	Links []Link
	// Blocked counts what was not loaded: remote and local-file images,
	// style sheets, CSS url(...) references (fonts, backgrounds), frames,
	// objects, embeds, media and inline SVG.
	Blocked int
	// Truncated reports that a bound cut the input or the output.
	Truncated bool
	// Flat reports that the markup could not be laid out (the parser
	// refuses nesting deeper than 512 elements) and the text is shown
	// as plain paragraphs, as message.HTMLText does.
	Flat bool
}

// Render converts an HTML document (UTF-8, as message decodes it) into
// rich text segments. It never fails: broken markup is repaired as a
// browser would, and what cannot be shown is left out.
func Render(src []byte, o Options) Result {
	o = o.withDefaults()
	w := &walker{o: o}
	if len(src) > o.MaxBytes {
		src, w.res.Truncated = src[:o.MaxBytes], true
	}
	// Scripting off: nothing runs, so <noscript> content is what a
	// reader without scripts sees, parsed as markup.
	doc, err := html.ParseWithOptions(bytes.NewReader(src), html.ParseOptionEnableScripting(false))
	w.out = &w.res.Segments
	if err != nil {
		w.flat(src)
		return w.res
	}
	w.walk(doc, 0)
	w.flush()
	return w.res
}

func (o Options) withDefaults() Options {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	if o.MaxSegments <= 0 {
		o.MaxSegments = DefaultMaxSegments
	}
	if o.MaxText <= 0 {
		o.MaxText = DefaultMaxText
	}
	if o.MaxImageWidth <= 0 {
		o.MaxImageWidth = 640
	}
	if o.MaxImageHeight <= 0 {
		o.MaxImageHeight = 480
	}
	return o
}

// walker holds the state of one Render: where finished blocks go, the
// paragraph being built, the inline style in force and the bounds.
type walker struct {
	o   Options
	res Result
	// out receives finished blocks: the result, or the inside of a
	// quote, list item or table cell being collected.
	out  *[]widget.RichTextSegment
	para inlineBuf
	st   inlineStyle
	// pre counts enclosing <pre>: white space is kept inside.
	pre int
	// link is the open <a>, nil outside one.
	link *openLink
	// nest counts enclosing nested widgets (quotes, lists, cells).
	nest, lists int
	segs, text  int
	stop        bool // a bound was reached: nothing more is added
}

// spend counts n segments against MaxSegments; false means the bound is
// reached and the caller adds nothing.
//
// It does not look at stop: what was collected before a bound stopped
// the walk is still emitted, within the bound.
func (w *walker) spend(n int) bool {
	if w.segs+n > w.o.MaxSegments {
		w.stop, w.res.Truncated = true, true
		return false
	}
	w.segs += n
	return true
}

// emit appends a finished block.
func (w *walker) emit(s widget.RichTextSegment) {
	*w.out = append(*w.out, s)
}

// collect runs fn with a fresh block list and returns what it produced,
// for containers that are segments of their own (quotes, list items,
// table cells). The paragraph open before is closed first.
func (w *walker) collect(fn func()) []widget.RichTextSegment {
	w.flush()
	saved := w.out
	var segs []widget.RichTextSegment
	w.out = &segs
	fn()
	w.flush()
	w.out = saved
	return segs
}

func (w *walker) walk(n *html.Node, depth int) {
	for c := n.FirstChild; c != nil && !w.stop; c = c.NextSibling {
		w.node(c, depth+1)
	}
}

func (w *walker) node(n *html.Node, depth int) {
	if depth > w.o.MaxDepth {
		w.flatText(n)
		return
	}
	switch n.Type {
	case html.TextNode:
		w.addText(n.Data)
	case html.ElementNode:
		w.element(n, depth)
	case html.DocumentNode:
		w.walk(n, depth)
	}
	// Comments and doctypes show nothing.
}

// flatText adds the text under n without structure and without
// recursion: it is how content nested deeper than MaxDepth is kept, so
// a hostile nesting costs neither the stack nor the text.
func (w *walker) flatText(root *html.Node) {
	n := root
	for n != nil && !w.stop {
		descend := true
		switch n.Type {
		case html.TextNode:
			w.addText(n.Data)
		case html.ElementNode:
			if dropped(n) {
				descend = false
			} else if n.DataAtom == atom.Br || isBlock(n.DataAtom) {
				w.para.newline(w.st.rich())
			}
		case html.CommentNode, html.DoctypeNode:
			descend = false
		}
		if descend && n.FirstChild != nil {
			n = n.FirstChild
			continue
		}
		for n != root && n.NextSibling == nil {
			n = n.Parent
		}
		if n == root {
			return
		}
		n = n.NextSibling
	}
}

// element renders one element by what it means; unknown elements are
// transparent, as browsers treat them.
func (w *walker) element(n *html.Node, depth int) {
	w.countStyle(n)
	if n.Namespace == "svg" {
		w.res.Blocked++ // inline SVG can reference and animate; not drawn
		return
	}
	if dropped(n) {
		w.droppedElement(n)
		return
	}
	a := n.DataAtom
	switch {
	case a == atom.Br:
		w.para.newline(w.st.rich())
	case a == atom.Hr:
		w.flush()
		if w.spend(1) {
			w.emit(&widget.SeparatorSegment{})
		}
	case a == atom.Img:
		w.image(n)
	case a == atom.A:
		w.anchor(n, depth)
	case a == atom.Ul || a == atom.Ol || a == atom.Menu || a == atom.Dir:
		w.list(n, depth)
	case a == atom.Blockquote:
		w.quote(n, depth)
	case a == atom.Table:
		w.table(n, depth)
	case a == atom.Pre || a == atom.Listing || a == atom.Xmp || a == atom.Plaintext:
		w.preformatted(n, depth)
	case headingLevel(a) > 0:
		w.heading(n, headingLevel(a), depth)
	case isBlock(a):
		w.flush()
		w.walk(n, depth)
		w.flush()
	default:
		w.inline(n, depth)
	}
}

// dropped reports elements whose content is never shown: what runs,
// what styles, what loads, form controls and the document head.
func dropped(n *html.Node) bool {
	switch n.DataAtom {
	case atom.Script, atom.Style, atom.Head, atom.Title, atom.Meta, atom.Base, atom.Link,
		atom.Template, atom.Noembed, atom.Noframes,
		atom.Input, atom.Select, atom.Textarea, atom.Option, atom.Optgroup, atom.Datalist,
		atom.Output, atom.Keygen, atom.Param, atom.Source, atom.Track, atom.Map, atom.Area, atom.Canvas,
		atom.Iframe, atom.Frame, atom.Frameset, atom.Object, atom.Embed, atom.Applet,
		atom.Audio, atom.Video:
		return true
	}
	return n.Namespace == "svg"
}

// droppedElement counts what a dropped element would have loaded.
func (w *walker) droppedElement(n *html.Node) {
	switch n.DataAtom {
	case atom.Head:
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode {
				w.countStyle(c)
				w.droppedElement(c)
			}
		}
	case atom.Style:
		if n.FirstChild != nil {
			w.res.Blocked += cssRefs(n.FirstChild.Data)
		}
	case atom.Link:
		if attr(n, "href") != "" {
			w.res.Blocked++ // style sheet, font or icon
		}
	case atom.Input:
		if strings.EqualFold(attr(n, "type"), "image") && attr(n, "src") != "" {
			w.res.Blocked++
		}
	case atom.Iframe, atom.Frame, atom.Frameset, atom.Object, atom.Embed, atom.Applet, atom.Audio, atom.Video:
		w.res.Blocked++
	}
}

// countStyle counts the references in a style attribute and in the old
// background attribute: neither is applied, and what they name is not
// loaded.
func (w *walker) countStyle(n *html.Node) {
	for _, at := range n.Attr {
		switch at.Key {
		case "style":
			w.res.Blocked += cssRefs(at.Val)
		case "background":
			if strings.TrimSpace(at.Val) != "" {
				w.res.Blocked++
			}
		}
	}
}

// cssRefs counts what CSS text would load: url(...) references and
// @import rules naming a string. CSS is never parsed further: it is
// never applied.
func cssRefs(css string) int {
	l := strings.ToLower(css)
	n := strings.Count(l, "url(")
	for i := strings.Index(l, "@import"); i >= 0; {
		rest := strings.TrimLeft(l[i+len("@import"):], " \t\r\n\f")
		if strings.HasPrefix(rest, `"`) || strings.HasPrefix(rest, `'`) {
			n++
		}
		j := strings.Index(l[i+1:], "@import")
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return n
}

// isBlock reports elements that start and end a paragraph.
func isBlock(a atom.Atom) bool {
	switch a {
	case atom.Html, atom.Body, atom.P, atom.Div, atom.Section, atom.Article, atom.Header,
		atom.Footer, atom.Main, atom.Nav, atom.Aside, atom.Address, atom.Center, atom.Figure,
		atom.Figcaption, atom.Details, atom.Summary, atom.Dl, atom.Dt, atom.Dd, atom.Form,
		atom.Fieldset, atom.Legend, atom.Hgroup, atom.Caption, atom.Noscript, atom.Search,
		atom.Li, atom.Tr, atom.Thead, atom.Tbody, atom.Tfoot, atom.Dialog:
		return true
	}
	return false
}

func headingLevel(a atom.Atom) int {
	switch a {
	case atom.H1:
		return 1
	case atom.H2:
		return 2
	case atom.H3:
		return 3
	case atom.H4:
		return 4
	case atom.H5:
		return 5
	case atom.H6:
		return 6
	}
	return 0
}

// attr returns the value of the attribute key (lower case, as the
// parser stores them), or "".
func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key && a.Namespace == "" {
			return a.Val
		}
	}
	return ""
}

// flat renders markup the parser refused (nesting deeper than it
// builds) from its tokens: text in paragraphs, block tags as breaks,
// head, scripts and styles dropped, images by their alt text — the
// bounds of message.HTMLText, with remote references still counted.
func (w *walker) flat(src []byte) {
	w.res.Flat = true
	z := html.NewTokenizer(bytes.NewReader(src))
	skip := 0 // depth inside elements whose text is not shown
	for !w.stop {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			w.flush()
			return
		case html.TextToken:
			if skip == 0 {
				w.addText(string(z.Text()))
			}
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			t := z.Token()
			n := &html.Node{Type: html.ElementNode, DataAtom: t.DataAtom, Data: t.Data, Attr: t.Attr}
			switch t.DataAtom {
			case atom.Script, atom.Style, atom.Head, atom.Title, atom.Textarea, atom.Select, atom.Template, atom.Noembed, atom.Noframes:
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
				continue
			}
			if skip > 0 || tt == html.EndTagToken && !isBlock(t.DataAtom) {
				continue
			}
			w.countStyle(n)
			switch {
			case t.DataAtom == atom.Img:
				w.image(n)
			case t.DataAtom == atom.Br:
				w.para.newline(w.st.rich())
			case dropped(n):
				w.droppedElement(n)
			case isBlock(t.DataAtom) || headingLevel(t.DataAtom) > 0 || t.DataAtom == atom.Table || t.DataAtom == atom.Blockquote:
				w.flush()
			}
		}
	}
	w.flush()
}
