package htmlview

import (
	"net"
	"net/mail"
	"net/url"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"golang.org/x/net/html"
	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// Link is one link of the mail.
type Link struct {
	// Text is what the mail shows (white space collapsed, at most
	// maxLinkText runes); Target is where the link really goes: an
	// http, https or mailto URL, its host in ASCII (punycode), exactly
	// what the caller should open after asking.
	Text, Target string
	// Deceptive reports that Text looks like a web address, domain or
	// e-mail address other than Target's, or that Target hides its host
	// behind a user name (https://bank.example@evil.example/).
	Deceptive bool
}

const (
	maxHref     = 8 << 10 // longer targets are not links: no mail needs them
	maxLinkText = 200
	maxShown    = 80 // runes of a target shown; the host is always whole
)

// openLink is the <a> being walked.
type openLink struct {
	link Link
	url  *url.URL
	// start is where the link's text begins in the paragraph, gen the
	// paragraph it began in.
	start, gen int
	text       strings.Builder
}

// anchor renders <a>: its content, then its real target. A target equal
// to the text replaces it; a different one follows it in parentheses,
// with a warning sign when the text pretends to be another address.
// Only the target is ever tappable, and a tap only calls OnLink, so a
// click on text that claims one address can never open another.
func (w *walker) anchor(n *html.Node, depth int) {
	u, ok := linkTarget(attr(n, "href"))
	if !ok || w.link != nil {
		// javascript:, data:, file:, relative and broken targets (and
		// a link inside a link) show their text only.
		w.inline(n, depth)
		return
	}
	// A space before the link is the paragraph's, not the link's text.
	w.para.pendingSpace()
	l := &openLink{url: u, start: len(w.para.segs), gen: w.para.gen}
	w.para.split = true
	w.link = l
	w.inline(n, depth)
	w.link = nil

	text := strings.Join(strings.Fields(l.text.String()), " ")
	if utf8.RuneCountInString(text) > maxLinkText {
		text = string([]rune(text)[:maxLinkText]) + "…"
	}
	l.link = Link{Text: text, Target: u.String(), Deceptive: deceptive(text, u)}
	if !w.spend(2) {
		return
	}
	w.res.Links = append(w.res.Links, l.link)

	st := w.st.rich()
	b := &w.para
	sameBuf := b.gen == l.gen && l.start <= len(b.segs)
	if sameBuf && !l.link.Deceptive && sameAddress(text, u) {
		// The text is the target: show the target alone, once.
		b.segs = b.segs[:l.start]
		if len(b.segs) == 0 {
			b.content = false
		}
		b.space = false
		b.add(w.targetSegment(l.link, u, st))
		return
	}
	if text == "" {
		// An image or an empty link: the target is all there is to see.
		b.add(w.targetSegment(l.link, u, st))
		return
	}
	if l.link.Deceptive && sameBuf {
		for _, s := range b.segs[l.start:] {
			if t, ok := s.(*widget.TextSegment); ok {
				t.Style.ColorName = theme.ColorNameError
			}
		}
	}
	b.space = false
	open := " ("
	if !b.content || b.lineStart {
		open = "("
	}
	b.write(open, st)
	b.content, b.lineStart, b.trailing = true, false, false
	if l.link.Deceptive {
		warn := st
		warn.ColorName = theme.ColorNameError
		warn.TextStyle.Bold = true
		b.segs = append(b.segs, &widget.TextSegment{Style: warn, Text: "⚠ "})
	}
	b.add(w.targetSegment(l.link, u, st))
	b.write(")", st)
}

// targetSegment shows a link's target: a hyperlink that calls OnLink,
// or, without OnLink, text that cannot be tapped (a HyperlinkSegment
// without OnTapped would open the URL itself).
func (w *walker) targetSegment(l Link, u *url.URL, st widget.RichTextStyle) widget.RichTextSegment {
	shown := shownTarget(u)
	if w.o.OnLink == nil {
		st.ColorName = theme.ColorNameHyperlink
		return &widget.TextSegment{Style: st, Text: shown}
	}
	on := w.o.OnLink
	return &widget.HyperlinkSegment{Text: shown, URL: u, OnTapped: func() { on(l) }}
}

// linkTarget parses an href into a link target: http and https with a
// host, or mailto with an address. It cleans the href as browsers do
// (surrounding spaces and controls dropped, tabs and line breaks
// removed), so what is checked is what would be opened.
func linkTarget(href string) (*url.URL, bool) {
	if len(href) > maxHref {
		return nil, false
	}
	href = strings.TrimFunc(href, func(r rune) bool { return r <= ' ' })
	href = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, href)
	u, err := url.Parse(href)
	if err != nil {
		return nil, false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		host, err := asciiHost(u.Hostname())
		if err != nil || host == "" {
			return nil, false
		}
		if p := u.Port(); p != "" {
			host = net.JoinHostPort(host, p)
		} else if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
		u.Scheme, u.Host = strings.ToLower(u.Scheme), host
	case "mailto":
		if u.Opaque == "" {
			return nil, false
		}
		u.Scheme = "mailto"
	default:
		return nil, false
	}
	return u, true
}

// asciiHost lower-cases a host name and writes it in ASCII (punycode),
// so a look-alike Unicode name shows as what it is.
func asciiHost(h string) (string, error) {
	if ip := net.ParseIP(h); ip != nil {
		return ip.String(), nil
	}
	return idna.Lookup.ToASCII(strings.ToLower(h))
}

// shownTarget is the target as the mail shows it: the whole URL up to
// maxShown runes, cut after the host at the earliest, so the host is
// always seen whole.
func shownTarget(u *url.URL) string {
	s := u.String()
	if u.Scheme == "mailto" {
		s = strings.TrimPrefix(s, "mailto:")
		if a, err := url.PathUnescape(s); err == nil {
			s = a
		}
	}
	keep := maxShown
	if h := len(u.Scheme) + len("://") + len(u.User.String()) + 1 + len(u.Host); u.Scheme != "mailto" && h > keep {
		keep = h
	}
	if utf8.RuneCountInString(s) > keep {
		s = string([]rune(s)[:keep]) + "…"
	}
	return s
}

// sameAddress reports that the shown text is the target itself, as
// "https://example.com/", "example.com" or "mailto:a@b" / "a@b" write it.
func sameAddress(text string, u *url.URL) bool {
	if text == "" {
		return false
	}
	return addrKey(text) == addrKey(u.String()) || addrKey(text) == addrKey(shownTarget(u))
}

func addrKey(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, p := range []string{"https://", "http://", "mailto:"} {
		s = strings.TrimPrefix(s, p)
	}
	s = strings.TrimPrefix(s, "www.")
	return strings.TrimRight(s, "/")
}

// deceptive reports that text claims another address than u: text that
// is a URL, a domain or an e-mail address whose registrable domain
// differs from the target's, or a web target with a user name before
// its host.
func deceptive(text string, u *url.URL) bool {
	if u.User != nil && u.Scheme != "mailto" {
		return true
	}
	claimed, ok := claimedHost(text)
	if !ok {
		return false
	}
	var real string
	if u.Scheme == "mailto" {
		addr := u.Opaque
		if a, err := url.PathUnescape(addr); err == nil {
			addr = a
		}
		if i := strings.IndexByte(addr, '?'); i >= 0 {
			addr = addr[:i]
		}
		addr = strings.Split(addr, ",")[0] // the first recipient is the one shown
		at := strings.LastIndexByte(addr, '@')
		if at < 0 {
			return true
		}
		real = addr[at+1:]
		if shownAt := strings.LastIndexByte(text, '@'); shownAt >= 0 && !strings.Contains(text, "/") {
			// An address shown for an address: the whole address counts.
			return !strings.EqualFold(strings.TrimPrefix(strings.TrimSpace(text), "mailto:"), strings.TrimSpace(addr))
		}
	} else {
		real = u.Hostname()
	}
	r, err := asciiHost(real)
	if err != nil {
		return true
	}
	return siteKey(claimed) != siteKey(r)
}

// claimedHost returns the host a link text claims, when the whole text
// is a URL ("https://bank.example/login"), a host name with an ICANN
// top-level domain ("www.bank.example", "bank.example/login") or an
// e-mail address.
func claimedHost(text string) (string, bool) {
	t := strings.TrimSpace(text)
	t = strings.Trim(t, "<>()[]\"'")
	if t == "" || strings.ContainsAny(t, " \t\n") {
		return "", false
	}
	lt := strings.ToLower(t)
	if strings.HasPrefix(lt, "mailto:") {
		t, lt = t[len("mailto:"):], lt[len("mailto:"):]
	}
	if !strings.Contains(lt, "/") {
		if a, err := mail.ParseAddress(t); err == nil {
			if at := strings.LastIndexByte(a.Address, '@'); at >= 0 {
				if h, err := asciiHost(a.Address[at+1:]); err == nil {
					return h, true
				}
			}
		}
	}
	bare := !strings.HasPrefix(lt, "http://") && !strings.HasPrefix(lt, "https://")
	if bare {
		t = "http://" + t
	}
	u, err := url.Parse(t)
	if err != nil || u.Hostname() == "" {
		return "", false
	}
	h, err := asciiHost(u.Hostname())
	if err != nil {
		return "", false
	}
	if net.ParseIP(h) != nil || !bare {
		return h, true
	}
	if !strings.Contains(h, ".") {
		return "", false
	}
	// "report.pdf" or "v2.7" is not a host: only a known public suffix
	// (an ICANN top-level domain, or a listed one like github.io) makes
	// the text claim one.
	if ps, icann := publicsuffix.PublicSuffix(h); !icann && !strings.Contains(ps, ".") {
		return "", false
	}
	return h, true
}

// siteKey is the registrable domain (eTLD+1) of a host, so
// www.example.com and news.example.com are the same site and
// example.com.evil.example is not.
func siteKey(h string) string {
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	if net.ParseIP(h) != nil {
		return h
	}
	if k, err := publicsuffix.EffectiveTLDPlusOne(h); err == nil {
		return k
	}
	return h
}
