package message

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// HTMLText turns an HTML part into plain text for display and search:
// tags are dropped (block elements become line breaks), entities decoded,
// script and style removed. Nothing is fetched: links and images are not
// followed, an image is shown by its alt text.
func HTMLText(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0 // depth inside script/style/head/title
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return tidyLines(b.String())
		case html.TextToken:
			if skip == 0 {
				b.WriteString(collapseSpace(string(z.Text())))
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			switch tag {
			case "script", "style", "head", "title":
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
				continue
			}
			if skip > 0 {
				continue
			}
			switch tag {
			case "br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "hr":
				b.WriteByte('\n')
			case "td", "th":
				if tt != html.EndTagToken {
					b.WriteByte('\t')
				}
			case "img":
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					if string(k) == "alt" && len(v) > 0 {
						b.WriteString("[" + string(v) + "]")
					}
				}
			}
		}
	}
}

// collapseSpace turns runs of white space (including line breaks, which
// carry no meaning in HTML text) into one space.
func collapseSpace(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		if s != "" {
			return " "
		}
		return ""
	}
	out := strings.Join(f, " ")
	if first, _ := utf8.DecodeRuneInString(s); unicode.IsSpace(first) {
		out = " " + out
	}
	if last, _ := utf8.DecodeLastRuneInString(s); unicode.IsSpace(last) {
		out += " "
	}
	return out
}

// tidyLines trims each line and allows at most one empty line in a row.
func tidyLines(s string) string {
	lines := strings.Split(s, "\n")
	out := make([]string, 0, len(lines))
	empty := true
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" {
			if !empty {
				out = append(out, "")
			}
			empty = true
			continue
		}
		out = append(out, l)
		empty = false
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}
