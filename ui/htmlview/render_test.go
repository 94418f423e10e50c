package htmlview

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// dump writes segments in a compact form the expectations below are
// written in: P(...) paragraph, text runs quoted with their style
// (b bold, i italic, m monospace, h1/h2 heading size,
// ! error colour, ~ link colour, . a run ending the paragraph row is
// not marked), A"…" a tappable target, UL/OLn lists, Q[…] quote,
// IN[…] indent, T[…] table (H marks a header row), HR, IMG.
func dump(segs []widget.RichTextSegment) string {
	var parts []string
	for _, s := range segs {
		parts = append(parts, dumpSeg(s))
	}
	return strings.Join(parts, " ")
}

func dumpSeg(s widget.RichTextSegment) string {
	switch s := s.(type) {
	case *widget.ParagraphSegment:
		return "P(" + dump(s.Texts) + ")"
	case *widget.TextSegment:
		var tag string
		st := s.Style
		if st.TextStyle.Bold && st.SizeName == theme.SizeNameText {
			tag += "b"
		}
		if st.TextStyle.Italic {
			tag += "i"
		}
		if st.TextStyle.Monospace {
			tag += "m"
		}
		if st.TextStyle.Underline {
			tag += "u"
		}
		switch st.SizeName {
		case theme.SizeNameHeadingText:
			tag += "h1"
		case theme.SizeNameSubHeadingText:
			tag += "h2"
		}
		switch st.ColorName {
		case theme.ColorNameError:
			tag += "!"
		case theme.ColorNameHyperlink:
			tag += "~"
		}
		if s.Text == "" && !st.Inline {
			return "¶"
		}
		return tag + fmt.Sprintf("%q", s.Text)
	case *widget.HyperlinkSegment:
		return fmt.Sprintf("A%q", s.Text)
	case *widget.ListSegment:
		kind := "UL"
		if s.Ordered {
			kind = fmt.Sprintf("OL%d", s.StartNumber())
		}
		var items []string
		for _, it := range s.Items {
			items = append(items, dumpSeg(it))
		}
		return kind + "[" + strings.Join(items, "; ") + "]"
	case *QuoteSegment:
		if s.Bar {
			return "Q[" + dump(s.Segments) + "]"
		}
		return "IN[" + dump(s.Segments) + "]"
	case *TableSegment:
		var rows []string
		for _, r := range s.Rows {
			var cells []string
			for _, c := range r.Cells {
				cells = append(cells, strings.TrimSpace(textOf(c)))
			}
			h := ""
			if r.Header {
				h = "H"
			}
			rows = append(rows, h+"|"+strings.Join(cells, "|"))
		}
		return fmt.Sprintf("T%d[%s]", s.Columns, strings.Join(rows, "; "))
	case *widget.SeparatorSegment:
		return "HR"
	case *InlineImage:
		return fmt.Sprintf("IMG(%s %gx%g)", s.Alt, s.Size.Width, s.Size.Height)
	}
	return fmt.Sprintf("?%T", s)
}

func pngOf(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := 0; x < w; x++ {
		img.Set(x, 0, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// images is the message's inline parts by Content-ID.
func images(parts map[string][]byte) func(string) (fyne.Resource, bool) {
	return func(cid string) (fyne.Resource, bool) {
		b, ok := parts[cid]
		if !ok {
			return nil, false
		}
		return fyne.NewStaticResource(cid, b), true
	}
}

func TestRender(t *testing.T) {
	logo := pngOf(200, 100)
	huge := pngOf(2000, 100)
	opts := Options{
		Images: images(map[string][]byte{"logo@x": logo, "wide@x": huge, "bad@x": []byte("<svg/>")}),
		OnLink: func(Link) {},
	}
	tests := []struct {
		name, html string
		noLink     bool // render without OnLink
		want       string
		blocked    int
		links      []Link
	}{
		{name: "paragraphs",
			html: "<p>One\n  two</p><div>three</div>four<br>five",
			want: `P("One two") P("three") P("four\nfive")`},
		{name: "whitespace across inline elements",
			html: "<p>  a  <b> bold </b>  c&nbsp;d &amp; &lt;e&gt;  </p>",
			want: `P("a " b"bold " "c\u00a0d & <e>")`},
		{name: "headings",
			html: "<h1>Title</h1><h2>Sub</h2><h3>Third</h3><p>x</p>",
			want: `P(h1"Title") P(h2"Sub") P(b"Third") P("x")`},
		{name: "emphasis",
			html: "<p>a <strong>b</strong> <i>c</i> <em>d</em> <u>e</u> <code>f</code> <b><i>g</i></b></p>",
			want: `P("a " b"b" " " i"c" " " i"d" " e " m"f" " " bi"g")`},
		{name: "pre keeps white space",
			html: "<pre>  a\tb\n    c  </pre><p>after</p>",
			want: `P(m"  a     b\n    c") P("after")`},
		{name: "list",
			html: "<ul><li>one</li><li>two <b>bold</b></li></ul>",
			want: `UL[P("one"); P("two " b"bold")]`},
		{name: "ordered list with start",
			html: `<ol start="3"><li>c</li><li>d</li></ol>`,
			want: `OL3[P("c"); P("d")]`},
		{name: "nested lists",
			html: "<ul><li>a<ol><li>a1</li><li>a2<ul><li>deep</li></ul></li></ol></li><li>b</li></ul>",
			want: `UL[P(P("a") IN[OL1[P("a1"); P(P("a2") IN[UL[P("deep")]])]]); P("b")]`},
		{name: "blockquote",
			html: "<p>Hi</p><blockquote><p>quoted</p><blockquote>deeper</blockquote></blockquote><p>me</p>",
			want: `P("Hi") Q[P("quoted") Q[P("deeper")]] P("me")`},
		{name: "hr",
			html: "<p>a</p><hr><p>b</p>",
			want: `P("a") HR P("b")`},
		{name: "3x3 table with header",
			html: "<table><tr><th>Name</th><th>Qty</th><th>Price</th></tr><tr><td>Apple</td><td>3</td><td>1.20</td></tr><tr><td>Pear</td><td></td><td>0.90</td></tr></table>",
			want: `T3[H|Name|Qty|Price; |Apple|3|1.20; |Pear||0.90]`},
		{name: "thead, colspan and caption",
			html: "<table><caption>Totals</caption><thead><tr><td>a</td><td>b</td></tr></thead><tbody><tr><td colspan=2>both</td></tr></tbody></table>",
			want: `P(b"Totals") T2[H|a|b; |both|]`},
		{name: "layout table is blocks",
			html: "<table role=presentation><tr><td>left</td><td>right</td></tr></table><table><tr><td>only</td></tr><tr><td>column</td></tr></table>",
			want: `P("left") P("right") P("only") P("column")`},
		{name: "table of tables is layout",
			html: "<table><tr><td><table><tr><td>k</td><td>v</td></tr></table></td><td>side</td></tr></table>",
			want: `T2[|k|v] P("side")`},
		{name: "link equal to its text",
			html:  `<p>See <a href="https://example.com/a">https://example.com/a</a> now</p>`,
			want:  `P("See " A"https://example.com/a" " now")`,
			links: []Link{{Text: "https://example.com/a", Target: "https://example.com/a"}}},
		{name: "link with other text shows its target",
			html:  `<p><a href="https://shop.example/x?id=1">Our shop</a>.</p>`,
			want:  `P("Our shop (" A"https://shop.example/x?id=1" ").")`,
			links: []Link{{Text: "Our shop", Target: "https://shop.example/x?id=1"}}},
		{name: "deceptive link",
			html:  `<a href="http://evil.example/login">https://www.paypal.com/login</a>`,
			want:  `P(!"https://www.paypal.com/login" " (" b!"⚠ " A"http://evil.example/login" ")")`,
			links: []Link{{Text: "https://www.paypal.com/login", Target: "http://evil.example/login", Deceptive: true}}},
		{name: "domain text of another site is deceptive, same site is not",
			html:  `<a href="https://news.mybank.de/">mybank.de</a> <a href="https://mybank.de.evil.net/">www.mybank.de/login</a> <a href="https://x.example/">report.pdf</a>`,
			want:  `P("mybank.de (" A"https://news.mybank.de/" ") " !"www.mybank.de/login" " (" b!"⚠ " A"https://mybank.de.evil.net/" ") " "report.pdf (" A"https://x.example/" ")")`,
			links: []Link{{Text: "mybank.de", Target: "https://news.mybank.de/"}, {Text: "www.mybank.de/login", Target: "https://mybank.de.evil.net/", Deceptive: true}, {Text: "report.pdf", Target: "https://x.example/"}}},
		{name: "user name before the host is deceptive",
			html:  `<a href="https://bank.example@evil.example/">Log in</a>`,
			want:  `P(!"Log in" " (" b!"⚠ " A"https://bank.example@evil.example/" ")")`,
			links: []Link{{Text: "Log in", Target: "https://bank.example@evil.example/", Deceptive: true}}},
		{name: "unicode host shown in punycode",
			html:  `<a href="https://pаypal.com/">pay</a>`,
			want:  `P("pay (" A"https://xn--pypal-4ve.com/" ")")`,
			links: []Link{{Text: "pay", Target: "https://xn--pypal-4ve.com/"}}},
		{name: "mailto",
			html:  `<a href="mailto:help@desk.example">help@desk.example</a> <a href="mailto:x@evil.example">help@desk.example</a>`,
			want:  `P(A"help@desk.example" " " !"help@desk.example" " (" b!"⚠ " A"x@evil.example" ")")`,
			links: []Link{{Text: "help@desk.example", Target: "mailto:help@desk.example"}, {Text: "help@desk.example", Target: "mailto:x@evil.example", Deceptive: true}}},
		{name: "javascript, data, file and relative links are text",
			html: `<a href="javascript:alert(1)">run</a> <a href=" JaVa&#09;script:x">tab</a> <a href="data:text/html,x">d</a> <a href="file:///etc/passwd">f</a> <a href="/rel">r</a>`,
			want: `P("run tab d f r")`},
		{name: "without OnLink targets are plain text",
			html:   `<a href="https://a.example/">site</a>`,
			noLink: true,
			want:   `P("site (" ~"https://a.example/" ")")`,
			links:  []Link{{Text: "site", Target: "https://a.example/"}}},
		{name: "cid image resolved and bounded",
			html: `<p>Logo:</p><img src="cid:logo@x" alt="Logo"><img src="CID:%3Cwide@x%3E" alt="wide">`,
			want: `P("Logo:") IMG(Logo 200x100) IMG(wide 640x32)`},
		{name: "unknown cid and non-image cid show alt",
			html: `<img src="cid:none@x" alt="missing"> <img src="cid:bad@x" alt="svg">`,
			want: `P("[missing] [svg]")`},
		{name: "remote images blocked",
			html:    `<p>a <img src="https://t.example/pixel.gif" width=1> b <img src="//cdn.example/x.png" alt="Banner"> <img src="file:///c:/x.png" alt="local"></p>`,
			want:    `P("a b [Banner] [local]")`,
			blocked: 3},
		{name: "small data image shown",
			html: `<img alt="dot" src="data:image/png;base64,` + b64(pngOf(2, 2)) + `">`,
			want: `IMG(dot 2x2)`},
		{name: "image inside link",
			html:  `<a href="https://shop.example/"><img src="cid:logo@x" alt="Shop"></a>`,
			want:  `IMG(Shop 200x100) P(A"https://shop.example/" ¶)`,
			links: []Link{{Text: "", Target: "https://shop.example/"}}},
		{name: "remote image link",
			html:    `<a href="https://shop.example/"><img src="https://cdn.example/b.png" alt="Shop"></a>`,
			want:    `P("[Shop] (" A"https://shop.example/" ")")`,
			blocked: 1,
			links:   []Link{{Text: "[Shop]", Target: "https://shop.example/"}}},
		{name: "script, style, form dropped",
			html: `<head><title>T</title><style>body{background:url(https://x.example/bg.png)} @import "https://x.example/a.css"; @font-face{src:url(f.woff)}</style><link rel=stylesheet href="https://x.example/s.css"><base href="https://evil.example/"><meta http-equiv=refresh content="0;url=https://x"></head>` +
				`<body><script>alert(1)</script><noscript>no scripts</noscript><form action="https://x.example/"><label>Name</label><input name=a value="secret"><select><option>opt</option></select><textarea>typed</textarea><button>Send</button></form><!-- comment --><p>end</p></body>`,
			want:    `P("no scripts") P("NameSend") P("end")`,
			blocked: 4},
		{name: "frames, objects, media, svg blocked",
			html:    `<iframe src="https://x.example/"></iframe><object data="x.swf">fallback</object><embed src="x"><video src="v.mp4"></video><svg><image href="https://x.example/i.png"/><text>svg text</text></svg><p>ok</p>`,
			want:    `P("ok")`,
			blocked: 5},
		{name: "style attributes ignored, their urls counted",
			html:    `<p style="color:red;background-image:url('https://x.example/t.gif')">text</p><table><tr><td background="https://x.example/bg.jpg">cell</td></tr></table>`,
			want:    `P("text") P("cell")`,
			blocked: 2},
		{name: "broken markup is repaired",
			html: "<p>a <b>bold <i>both</b> italic</i><p>next<li>stray",
			want: `P("a " b"bold " bi"both" i" italic") P("next") P("stray")`},
		{name: "empty",
			html: "  <p> </p><div></div>",
			want: ``},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := opts
			if tc.noLink {
				o.OnLink = nil
			}
			r := Render([]byte(tc.html), o)
			if got := dump(r.Segments); got != tc.want {
				t.Errorf("segments\n got %s\nwant %s", got, tc.want)
			}
			if r.Blocked != tc.blocked {
				t.Errorf("Blocked = %d, want %d", r.Blocked, tc.blocked)
			}
			if fmt.Sprint(r.Links) != fmt.Sprint(tc.links) {
				t.Errorf("Links\n got %+v\nwant %+v", r.Links, tc.links)
			}
			if r.Truncated {
				t.Error("Truncated")
			}
		})
	}
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
