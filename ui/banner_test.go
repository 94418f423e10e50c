package ui

import (
	"testing"

	ttwidget "github.com/dweymouth/fyne-tooltip/widget"
)

// bannerLabel is the banner's text on screen, or nil.
func bannerLabel(u *UI) *ttwidget.Label {
	for _, o := range objects(u.main.bannerBox) {
		if l, ok := o.(*ttwidget.Label); ok {
			return l
		}
	}
	return nil
}

// The demo banner says what it is in the chosen language, explains itself
// on hover, follows a change of language, and goes away.
func TestBanner(t *testing.T) {
	c := newCores(t, nil)
	u := newTestUI(t, c)
	if bannerLabel(u) != nil {
		t.Fatal("a banner is shown before SetBanner")
	}
	u.SetBanner("demo.banner")
	wantText(t, u.win, "Demo mailbox — nothing leaves this computer.")
	l := bannerLabel(u)
	if l == nil {
		t.Fatal("no banner after SetBanner")
	}
	if got, want := l.ToolTip(), tr("demo.banner.detail"); got != want || got == "demo.banner.detail" {
		t.Errorf("the banner's tooltip is %q, want %q", got, want)
	}
	for _, o := range onScreen(u.win) {
		if buttonText(o) == tr("demo.add-account") {
			t.Error("the banner offers to add an account without a real profile to add it to")
		}
	}

	s := openSettings(t, u, 3)
	s.appearance.choice.SetSelected("Deutsch")
	wantText(t, u.win, "Demo-Postfach – nichts verlässt diesen Computer.")
	s.appearance.choice.SetSelected("English")

	u.SetBanner("")
	if l := bannerLabel(u); l != nil {
		t.Errorf("the banner %q is still shown after SetBanner(\"\")", l.Text)
	}
}
