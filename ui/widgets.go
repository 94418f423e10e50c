package ui

import (
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	ttwidget "github.com/dweymouth/fyne-tooltip/widget"
)

// badge is a status icon with a short label: one half of an article's
// security bar. Hovering shows its tooltip (the certificate summary of
// DESIGN.md §3), tapping opens the details.
type badge struct {
	ttwidget.ToolTipWidget
	icon  *widget.Icon
	label *widget.Label
	onTap func()
}

func newBadge(icon fyne.Resource, text string, onTap func()) *badge {
	b := &badge{icon: widget.NewIcon(icon), label: widget.NewLabel(text), onTap: onTap}
	b.ExtendBaseWidget(b)
	return b
}

func (b *badge) set(icon fyne.Resource, text, tooltip string) {
	b.icon.SetResource(icon)
	b.label.SetText(text)
	b.SetToolTip(tooltip)
}

// Tapped opens the details.
func (b *badge) Tapped(*fyne.PointEvent) {
	if b.onTap != nil {
		b.onTap()
	}
}

// Cursor shows that the badge can be clicked.
func (b *badge) Cursor() desktop.Cursor { return desktop.PointerCursor }

func (b *badge) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewHBox(b.icon, b.label))
}

// toggle is an on/off button (Encrypt, Sign): it shows its state by its
// icon and by being highlighted when on, and explains itself in a tooltip.
type toggle struct {
	ttwidget.Button
	on              bool
	onIcon, offIcon fyne.Resource
	onChanged       func(on bool)
	// tooltipFor words the tooltip for the state (DESIGN.md §3).
	tooltipFor func(on, enabled bool) string
	// hover is where the mouse is over the toggle, nil when it is not:
	// a click changes the tooltip's text while the mouse stays.
	hover *desktop.MouseEvent
}

func newToggle(text string, onIcon, offIcon fyne.Resource, changed func(bool)) *toggle {
	t := &toggle{onIcon: onIcon, offIcon: offIcon, onChanged: changed}
	t.Text = text
	t.ExtendBaseWidget(t)
	t.OnTapped = func() { t.setOn(!t.on, true) }
	t.show()
	return t
}

// setOn switches the toggle; user says the agent did it.
func (t *toggle) setOn(on bool, user bool) {
	t.on = on
	t.show()
	if user && t.onChanged != nil {
		t.onChanged(on)
	}
}

func (t *toggle) show() {
	if t.on {
		t.Icon, t.Importance = t.onIcon, widget.HighImportance
	} else {
		t.Icon, t.Importance = t.offIcon, widget.MediumImportance
	}
	if t.tooltipFor != nil {
		t.setToolTip(t.tooltipFor(t.on, !t.Disabled()))
	}
	t.Refresh()
}

// setToolTip changes the tooltip's text. The tooltip library takes the
// text when the mouse comes in: under the mouse, the tooltip is shown
// again, so it never describes the state before the click.
func (t *toggle) setToolTip(text string) {
	if text == t.ToolTip() {
		return
	}
	t.SetToolTip(text)
	if t.hover != nil {
		t.ToolTipWidgetExtend.MouseOut()
		t.ToolTipWidgetExtend.MouseIn(t.hover)
	}
}

func (t *toggle) MouseIn(e *desktop.MouseEvent) {
	t.hover = e
	t.Button.MouseIn(e)
}

func (t *toggle) MouseMoved(e *desktop.MouseEvent) {
	t.hover = e
	t.Button.MouseMoved(e)
}

func (t *toggle) MouseOut() {
	t.hover = nil
	t.Button.MouseOut()
}

// enable enables or disables the toggle; a disabled toggle is off.
func (t *toggle) enable(enabled bool) {
	if enabled {
		t.Enable()
	} else {
		t.on = false
		t.Disable()
	}
	t.show()
}

// banner is a coloured box with an icon and text, for failures and
// notices.
func banner(icon fyne.Resource, fill color.Color, content ...fyne.CanvasObject) fyne.CanvasObject {
	bg := canvas.NewRectangle(fill)
	bg.CornerRadius = theme.InputRadiusSize()
	body := container.NewBorder(nil, nil, container.NewVBox(widget.NewIcon(icon)), nil, container.NewVBox(content...))
	return container.NewStack(bg, container.NewPadded(body))
}

// tinted returns a theme colour at the given opacity (0–255), for banner
// backgrounds that work on light and dark themes.
func tinted(name fyne.ThemeColorName, alpha uint8) color.Color {
	r, g, b, _ := theme.Color(name).RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: alpha}
}

// wrapLabel is a label that wraps its text.
func wrapLabel(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// boldLabel is a label in bold.
func boldLabel(text string) *widget.Label {
	return widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

// fieldGrid lays out "name: value" pairs in two columns.
func fieldGrid(pairs ...string) *fyne.Container {
	var objs []fyne.CanvasObject
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			continue
		}
		name := widget.NewLabelWithStyle(pairs[i], fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		value := widget.NewLabel(pairs[i+1])
		value.Wrapping = fyne.TextWrapWord
		value.Selectable = true
		objs = append(objs, name, value)
	}
	return container.New(layout.NewFormLayout(), objs...)
}

// centred places a wrapping label in the middle of the space it gets. A
// wrapping label must not go into container.NewCenter: there it is laid
// out at its minimum width, one letter a line.
func centred(l *widget.Label) fyne.CanvasObject {
	return container.NewPadded(container.NewVBox(layout.NewSpacer(), l, layout.NewSpacer()))
}

// tapArea makes what it holds clickable as a whole, with a tooltip: an
// article card's header line, which collapses and expands the card.
type tapArea struct {
	ttwidget.ToolTipWidget
	content fyne.CanvasObject
	onTap   func()
}

func newTapArea(content fyne.CanvasObject, onTap func()) *tapArea {
	t := &tapArea{content: content, onTap: onTap}
	t.ExtendBaseWidget(t)
	return t
}

// Tapped runs the area's action.
func (t *tapArea) Tapped(*fyne.PointEvent) {
	if t.onTap != nil {
		t.onTap()
	}
}

// Cursor shows that the area can be clicked.
func (t *tapArea) Cursor() desktop.Cursor { return desktop.PointerCursor }

func (t *tapArea) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(t.content) }

// fittedLabel shows a text on one line, cut with "…" where it does not
// fit, with the whole text in its tooltip: a subject cut short may read
// as another ("2024-121" as "2024-12"), so the cut shows, and the whole
// is a hover away. Fyne's own ellipsis shapes the text again on every
// layout, which made scrolling the ticket list five times as costly;
// this one measures only when the text or the width changes, a few
// times for a cut (a binary search), once for a text that fits.
type fittedLabel struct {
	ttwidget.Label
	full  string
	fitTo float32 // the width the shown text was fitted to; -1: fit again
}

func newFittedLabel(style fyne.TextStyle) *fittedLabel {
	l := &fittedLabel{fitTo: -1}
	l.TextStyle = style
	l.Truncation = fyne.TextTruncateClip
	l.ExtendBaseWidget(l)
	return l
}

// setFull sets the whole text.
func (l *fittedLabel) setFull(text string) {
	if text == l.full && l.fitTo >= 0 {
		return
	}
	l.full, l.fitTo = text, -1
	l.fit(l.Size().Width)
}

// Resize fits the text to the new width.
func (l *fittedLabel) Resize(size fyne.Size) {
	l.Label.Resize(size)
	l.fit(size.Width)
}

func (l *fittedLabel) fit(width float32) {
	if width == l.fitTo {
		return
	}
	shown := l.full
	if width > 0 {
		l.fitTo = width
		th := l.Theme()
		size := th.Size(theme.SizeNameText)
		if l.SizeName != "" {
			size = th.Size(l.SizeName)
		}
		shown = cutText(l.full, width-2*th.Size(theme.SizeNameInnerPadding), size, l.TextStyle)
	}
	if shown != l.full {
		l.SetToolTip(l.full)
	} else {
		l.SetToolTip("")
	}
	if shown != l.Text {
		l.Text = shown
		l.Refresh()
	}
}

// cutText is text as far as it fits into width, ended with "…" when cut.
func cutText(text string, width, size float32, style fyne.TextStyle) string {
	if fyne.MeasureText(text, size, style).Width <= width {
		return text
	}
	r := []rune(text)
	lo, hi := 0, len(r) // r[:lo]+"…" fits; r[:hi]+"…" does not, or hi is all
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if fyne.MeasureText(strings.TrimRight(string(r[:mid]), " ")+"…", size, style).Width <= width {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return strings.TrimRight(string(r[:lo]), " ") + "…"
}
