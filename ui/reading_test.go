package ui

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"siegel/mail/mailtest"
)

// laptop is the most common laptop screen, 1366×768 at scale 1.
var laptop = Screen{Width: 1366, Height: 768}

// atScreen sizes the window as FitScreen would on s at scale 1.
func atScreen(u *UI, s Screen) {
	u.win.Resize(windowSize(s, 1))
	relayout(u.win.Canvas())
}

// inside reports whether o lies wholly within the area of in, as the
// window shows them.
func inside(o, in fyne.CanvasObject) bool {
	d := fyne.CurrentApp().Driver()
	p, q := d.AbsolutePositionForObject(o), d.AbsolutePositionForObject(in)
	return p.X >= q.X-0.5 && p.Y >= q.Y-0.5 &&
		p.X+o.Size().Width <= q.X+in.Size().Width+0.5 && p.Y+o.Size().Height <= q.Y+in.Size().Height+0.5
}

// The reply is a Reply bar until the agent asks for it: a click on it
// or Ctrl+R opens the composer, and a draft in progress opens it at
// once.
func TestReplyCollapsed(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	u := newTestUI(t, c)
	v := openTicket(t, u, 10003)
	if v.replying || !v.replyBar.Visible() || v.composerBox.Visible() {
		t.Fatalf("a ticket opens with the composer shown (replying %v)", v.replying)
	}
	wantText(t, u.win, "Reply")
	notText(t, u.win, "Send", "Your message…")

	tap(t, u.win, "Reply")
	if !v.replying || v.replyBar.Visible() || !v.composerBox.Visible() {
		t.Fatal("clicking Reply did not open the composer")
	}
	buttonOn(t, u.win, "Send")

	v = openTicket(t, u, 10000)
	u.keys.shortcut(ctrl(fyne.KeyR))
	if !v.replying || u.win.Canvas().Focused() != v.composer.body {
		t.Fatalf("Ctrl+R: replying %v, focus on %T", v.replying, u.win.Canvas().Focused())
	}
	test.Type(v.composer.body, "Half an answer")
	v.composer.save()

	v = openTicket(t, u, 10003)
	if v.replying {
		t.Error("a ticket without a draft opens with the composer")
	}
	v = openTicket(t, u, 10000)
	if !v.replying || v.composer.body.Text != "Half an answer" {
		t.Errorf("the ticket with a draft: replying %v, text %q; want the composer open with the draft", v.replying, v.composer.body.Text)
	}
}

// The divider above the composer moves both ways, and its place is the
// profile's: the next ticket and the next window start there.
func TestReplySplitRemembered(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	u := newTestUI(t, c)
	atScreen(u, laptop)
	v := openReply(t, u, 10003)
	height := func(offset float64) float32 {
		v.split.SetOffset(offset)
		relayout(u.win.Canvas())
		return v.composerBox.Size().Height
	}
	start := height(v.split.Offset)
	if up, down := height(0.3), height(0.8); !(up > start && down < start) {
		t.Errorf("the composer is %v high at the start, %v with the divider up, %v with it down: want it to move both ways", start, up, down)
	}
	height(0.35)
	v = openReply(t, u, 10000)
	if v.split.Offset != 0.35 {
		t.Errorf("the next ticket's divider is at %v, want 0.35", v.split.Offset)
	}
	u.Close()

	u2 := newTestUI(t, c)
	v = openReply(t, u2, 10003)
	if v.split.Offset != 0.35 {
		t.Errorf("after a restart the divider is at %v, want 0.35", v.split.Offset)
	}
}

// A failure banner is one line with Details and Retry; Details adds the
// advice, and Retry stays in view, at 1366×768.
func TestBannerOneLineWithDetails(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	u := newTestUI(t, c)
	u.SetBanner("demo.banner")
	atScreen(u, laptop)
	v := openTicket(t, u, 10005) // no key: the encryption's and the advice's texts are long
	card := cardOf(t, v)
	relayout(u.win.Canvas())
	line := buttonOn(t, u.win, tr("article.retry")).MinSize().Height + 2*theme.Padding()
	if h := card.failures.Size().Height; h > line {
		t.Errorf("the banner is %v high, want one line (%v)", h, line)
	}
	notText(t, u.win, tr("advice.no-key"))
	retry := buttonOn(t, u.win, tr("article.retry"))
	if !inside(retry, v.scroll) {
		t.Error("Retry is not in view")
	}
	tap(t, u.win, tr("article.details"))
	relayout(u.win.Canvas())
	wantText(t, u.win, tr("advice.no-key"), tr("article.details.hide"))
	if retry := buttonOn(t, u.win, tr("article.retry")); !inside(retry, v.scroll) {
		t.Error("with the details shown, Retry is not in view")
	}
	tap(t, u.win, tr("article.details.hide"))
	notText(t, u.win, tr("advice.no-key"))
}

// The newest article is expanded, older ones are one line with the
// sender, the date, the lock and seal and the first words; a click on
// the header switches.
func TestArticleCollapse(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	u := newTestUI(t, c)
	v := openReply(t, u, 10003)
	test.Type(v.composer.body, "We reset it, please log in again.")
	tap(t, u.win, "Send")
	if err := c.desk.DeliverOutbox(c.ctx); err != nil {
		t.Fatal(err)
	}
	u.jobs.drain()
	cards := v.ordered()
	if len(cards) != 2 {
		t.Fatalf("%d articles shown, want 2", len(cards))
	}
	older, newest := cards[0], cards[1]
	if older.expanded || !newest.expanded {
		t.Fatalf("older expanded %v, newest expanded %v; want only the newest", older.expanded, newest.expanded)
	}
	relayout(u.win.Canvas())
	if older.expandedPart.Visible() || !older.snippet.Visible() || !older.icons.Visible() {
		t.Error("the collapsed article shows its body, or not its summary")
	}
	if got := older.snippet.Text; got != "Please reset my password." {
		t.Errorf("the summary's words are %q", got)
	}
	if h, line := older.card.Size().Height, older.header.MinSize().Height*2; h > line {
		t.Errorf("the collapsed article is %v high, want one line (< %v)", h, line)
	}
	wantText(t, u.win, "We reset it, please log in again.")
	if older.header.ToolTip() != tr("article.expand.tip") {
		t.Errorf("the collapsed header's tooltip is %q", older.header.ToolTip())
	}

	test.Tap(older.header)
	relayout(u.win.Canvas())
	if !older.expanded || !older.expandedPart.Visible() || older.snippet.Visible() {
		t.Error("a click on the header did not expand the article")
	}
	test.Tap(older.header)
	if older.expanded || older.expandedPart.Visible() {
		t.Error("a second click did not collapse it")
	}
}

// At 1366×768 a 20-line article is read whole, without scrolling: the
// text lies within the articles' pane, with the demo banner shown.
func TestTwentyLinesAtLaptopSize(t *testing.T) {
	c := newCores(t, nil)
	var lines []string
	for i := 1; i <= 20; i++ {
		lines = append(lines, fmt.Sprintf("Line %d of the customer's report.", i))
	}
	c.deliver(mailtest.Message(t, "Carol <carol@example.com>", mailtest.DeskAddress, "Long report", strings.Join(lines, "\n"), mailtest.At(epoch)))
	u := newTestUI(t, c)
	u.SetBanner("demo.banner")
	atScreen(u, laptop)
	v := openTicket(t, u, 10000)
	relayout(u.win.Canvas())
	v.scrollToNewest()
	relayout(u.win.Canvas())
	card := cardOf(t, v)
	if !strings.Contains(card.body.Text, "Line 20 of") {
		t.Fatalf("the body reads %q", card.body.Text)
	}
	if v.scroll.Offset.Y != 0 {
		t.Errorf("the pane is scrolled by %v", v.scroll.Offset.Y)
	}
	if !inside(card.body, v.scroll) {
		d := fyne.CurrentApp().Driver()
		t.Errorf("the body (at %v, %v high) does not fit the pane (at %v, %v high)",
			d.AbsolutePositionForObject(card.body), card.body.Size().Height,
			d.AbsolutePositionForObject(v.scroll), v.scroll.Size().Height)
	}
	if !inside(v.replyBar, u.win.Canvas().Content()) {
		t.Error("the Reply bar is not in the window")
	}
}

// The window's size: a share of the screen, comfortable where there is
// room, never larger than the screen's usable area (after the title
// bar), at the scales tested end to end.
func TestWindowSize(t *testing.T) {
	for _, tt := range []struct {
		screen Screen
		scale  float32
		want   fyne.Size
	}{
		{laptop, 1, fyne.NewSize(1200, 720)},
		{Screen{Width: 1600, Height: 1000}, 1.5, fyne.NewSize(1066, 640)},
		{Screen{Width: 2560, Height: 1440}, 2, fyne.NewSize(1200, 700)},
		{Screen{Width: 3840, Height: 2160}, 1, fyne.NewSize(3264, 1802)},
		{Screen{X: 1366, Width: 1920, Height: 1050}, 1, fyne.NewSize(1632, 858)},
	} {
		got := windowSize(tt.screen, tt.scale)
		if got != tt.want {
			t.Errorf("%v at %v: %v, want %v", tt.screen, tt.scale, got, tt.want)
		}
		if px := got.Width * tt.scale; px > float32(tt.screen.Width) {
			t.Errorf("%v at %v: %v pixels wide, wider than the screen", tt.screen, tt.scale, px)
		}
		if px := got.Height*tt.scale + frameAllowance; px > float32(tt.screen.Height) {
			t.Errorf("%v at %v: %v pixels high with the title bar, higher than the screen", tt.screen, tt.scale, px)
		}
		if got.Width < minWindow.Width || got.Height < minWindow.Height {
			t.Errorf("%v at %v: %v is smaller than the minimum %v", tt.screen, tt.scale, got, minWindow)
		}
	}
}

// The remembered place is kept while it fits a screen; off every screen
// (a monitor gone) the window is centred on the primary one.
func TestPlaceWindow(t *testing.T) {
	screens := []Screen{laptop, {X: 1366, Width: 1920, Height: 1080}}
	last := geometry{size: fyne.NewSize(1000, 600), x: 1500, y: 100, placed: true}
	if size, x, y, ok := placeWindow(screens, 1, last); !ok || size != last.size || x != 1500 || y != 100 {
		t.Errorf("on the second screen: %v at %d,%d", size, x, y)
	}
	last.x = 5000
	size, x, y, _ := placeWindow(screens, 1, last)
	if size != last.size || x != 183 || y != 104 {
		t.Errorf("off the screens: %v at %d,%d, want %v centred on the laptop's", size, x, y, last.size)
	}
	last = geometry{size: fyne.NewSize(1800, 1000)}
	if size, _, _, _ := placeWindow(screens, 1, last); size != windowSize(laptop, 1) {
		t.Errorf("a remembered size too large for the screen: %v, want %v", size, windowSize(laptop, 1))
	}
	if _, _, _, ok := placeWindow(nil, 1, last); ok {
		t.Error("a place without screens")
	}
}

// The window's minimum is minWindow in every state, true to what the
// views need, and at that size the list, the article and the Reply bar
// show.
func TestMinimumSize(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	u := newTestUI(t, c)
	u.SetBanner("demo.banner")
	check := func(state string) {
		t.Helper()
		relayout(u.win.Canvas())
		if got := u.win.Canvas().Content().MinSize(); got != minWindow {
			t.Errorf("%s: the window's minimum is %v, want %v", state, got, minWindow)
		}
		if got := u.main.content.MinSize(); got.Width > minWindow.Width || got.Height > minWindow.Height {
			t.Errorf("%s: the views need %v, more than the minimum %v", state, got, minWindow)
		}
	}
	check("the list")
	v := openTicket(t, u, 10001)
	check("a ticket")
	showDetails(t, u.win)
	check("a banner's details")
	tap(t, u.win, "Reply")
	check("the reply")
	u.keys.shortcut(ctrl(fyne.KeyN))
	check("a new ticket")

	u.win.Resize(minWindow)
	v = openTicket(t, u, 10001)
	relayout(u.win.Canvas())
	content := u.win.Canvas().Content()
	if w := u.main.list.obj.Size().Width; w < 150 || !inside(u.main.list.obj, content) {
		t.Errorf("at the minimum size the list is %v wide", w)
	}
	card := cardOf(t, v)
	if !inside(card.header, content) || card.header.Size().Width < 200 {
		t.Errorf("at the minimum size the article's header does not show (%v)", card.header.Size())
	}
	if !inside(v.replyBar, content) || !v.replyBar.Visible() {
		t.Error("at the minimum size the Reply bar does not show")
	}

	// The Settings window fits the smallest room tested: 1600×1000 at
	// 150 %.
	room := available(Screen{Width: 1600, Height: 1000}, 1.5)
	s := openSettings(t, u, 0)
	for i := range s.tabs.Items {
		s.tabs.SelectIndex(i)
		if got := s.win.Canvas().Content().MinSize(); got.Width > room.Width || got.Height > room.Height {
			t.Errorf("Settings' tab %d needs %v, more than the screen's %v", i, got, room)
		}
	}
}

// Escape closes the top dialog, then the Settings window, which also
// has a Close button; in the main window it closes a dialog.
func TestEscapeClosesDialogsAndSettings(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	u := newTestUI(t, c)
	escape := func(w fyne.Window) {
		w.Canvas().(interface {
			OnTypedKey() func(*fyne.KeyEvent)
		}).OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	}

	v := openTicket(t, u, 10000)
	test.Tap(cardOf(t, v).bar.sig)
	wantText(t, u.win, tr("details.title"))
	escape(u.win)
	if n := len(u.win.Canvas().Overlays().List()); n != 0 {
		t.Errorf("after Escape the main window has %d dialogs", n)
	}
	escape(u.win) // nothing more to close: the window stays
	if u.win.Content() == nil {
		t.Fatal("Escape closed the main window")
	}

	s := openSettings(t, u, 0)
	showError(s.win, errors.New("disk full"))
	escape(s.win)
	if n := len(s.win.Canvas().Overlays().List()); n != 0 || u.settings == nil {
		t.Fatalf("the first Escape: %d dialogs left, settings open %v; want the dialog closed, the window open", n, u.settings != nil)
	}
	// Two dialogs, the focus in the top one's entry: Escape closes
	// the top one, then the other, and its callback runs.
	closed := false
	showModal(s.win, dialog.NewInformation("under", "the first", s.win), func() { closed = true })
	pw := newPasswordEntry()
	showModal(s.win, dialog.NewCustom("over", tr("dialog.cancel"), pw, s.win), nil)
	s.win.Canvas().Focus(pw)
	pw.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if n := len(s.win.Canvas().Overlays().List()); n != 1 || closed {
		t.Errorf("Escape in the top dialog's entry: %d dialogs left, the lower one closed %v", n, closed)
	}
	escape(s.win)
	if n := len(s.win.Canvas().Overlays().List()); n != 0 || !closed {
		t.Errorf("the second Escape: %d dialogs left, callback run %v", n, closed)
	}
	escape(s.win)
	if u.settings != nil {
		t.Error("Escape did not close the Settings window")
	}

	s = openSettings(t, u, 1)
	tap(t, s.win, tr("settings.close"))
	if u.settings != nil {
		t.Error("Close did not close the Settings window")
	}
}

// A long subject ends with "…" in the list and the ticket's header, and
// the tooltip holds it whole.
func TestLongSubjectTruncated(t *testing.T) {
	c := newCores(t, nil)
	subject := "Invoice for the maintenance contract of the printers in the second floor, order number 2024-121"
	c.deliver(mailtest.Message(t, "Carol <carol@example.com>", mailtest.DeskAddress, subject, "See subject.", mailtest.At(epoch)))
	u := newTestUI(t, c)
	full := "[Ticket#10000]  " + subject
	relayout(u.win.Canvas())
	var row *ticketRow
	for _, o := range onScreen(u.win) {
		if r, ok := o.(*ticketRow); ok && r.ticketID != 0 {
			row = r
		}
	}
	if row == nil {
		t.Fatal("no row on screen")
	}
	for where, l := range map[string]*fittedLabel{"list": row.title, "header": openTicket(t, u, 10000).title} {
		relayout(u.win.Canvas())
		if !strings.HasSuffix(l.Text, "…") || !strings.HasPrefix(full, strings.TrimSuffix(l.Text, "…")) {
			t.Errorf("%s: the subject reads %q, want it cut with …", where, l.Text)
		}
		if fyne.MeasureText(l.Text, l.Theme().Size("text"), l.TextStyle).Width > l.Size().Width {
			t.Errorf("%s: %q is wider than its %v", where, l.Text, l.Size().Width)
		}
		if l.ToolTip() != full {
			t.Errorf("%s: the tooltip is %q, want the whole subject", where, l.ToolTip())
		}
	}
	// Wide enough, the subject shows whole, without a tooltip.
	u.win.Resize(fyne.NewSize(2600, 900))
	relayout(u.win.Canvas())
	if l := u.main.view.title; l.Text != full || l.ToolTip() != "" {
		t.Errorf("in a wide window the header reads %q, tooltip %q", l.Text, l.ToolTip())
	}
}

// cutText keeps what fits and marks the cut.
func TestCutText(t *testing.T) {
	style := fyne.TextStyle{}
	text := "2024-121 and more"
	w := fyne.MeasureText(text, 14, style).Width
	if got := cutText(text, w, 14, style); got != text {
		t.Errorf("a fitting text was cut: %q", got)
	}
	got := cutText(text, w/2, 14, style)
	if !strings.HasSuffix(got, "…") || fyne.MeasureText(got, 14, style).Width > w/2 || strings.Contains(got, " …") {
		t.Errorf("cut to half: %q", got)
	}
	if got := cutText(text, 1, 14, style); got != "…" {
		t.Errorf("no room: %q", got)
	}
}
