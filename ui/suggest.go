package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// maxSuggestions bounds the list under an entry: more would cover the
// composer, and typing another letter narrows it.
const maxSuggestions = 8

// suggestion is one line of a suggestions list.
type suggestion struct {
	icon  fyne.Resource // nil: none
	label string
	// insert is what choosing the line puts in place of what was typed.
	insert string
}

// typingTarget is the entry a suggestions list serves.
type typingTarget interface {
	fyne.CanvasObject
	fyne.Focusable
	fyne.Shortcutable
}

// suggestions is the small list that opens under an entry while the
// agent types: the text modules after "::" in the message, the contacts
// in To and Cc. Enter or a click chooses a line, Up and Down move through
// them, Escape closes the list.
//
// Fyne gives the keyboard to the top overlay's focus, so while the list
// shows it is the list that has the focus: it passes what it does not use
// on to the entry, and the agent types on as if it were not there.
type suggestions struct {
	widget.BaseWidget
	target   typingTarget
	items    []suggestion
	selected int
	rows     *fyne.Container
	popup    *widget.PopUp
	onChoose func(suggestion)
}

func newSuggestions(target typingTarget, onChoose func(suggestion)) *suggestions {
	s := &suggestions{target: target, onChoose: onChoose, rows: container.NewVBox()}
	s.ExtendBaseWidget(s)
	return s
}

func (s *suggestions) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(s.rows)
}

// show offers items below the entry at pos (relative to the entry); none
// closes the list.
func (s *suggestions) show(items []suggestion, pos fyne.Position) {
	if len(items) > maxSuggestions {
		items = items[:maxSuggestions]
	}
	if len(items) == 0 {
		s.hide()
		return
	}
	c := fyne.CurrentApp().Driver().CanvasForObject(s.target)
	if c == nil {
		return
	}
	// The look-up answers after the keys that led to it: when the agent
	// has moved on (Tab to the next field), the list must not take the
	// keyboard back, or what they type next lands in this entry.
	if f := any(c.Focused()); f != any(s.target) && f != any(s) {
		s.hide()
		return
	}
	s.items, s.selected = items, 0
	s.showRows()
	if s.popup == nil || s.popup.Canvas != c {
		s.popup = widget.NewPopUp(s, c)
	}
	size := s.rows.MinSize()
	size.Width = max(size.Width, 320)
	s.popup.Resize(size.AddWidthHeight(2*theme.Padding(), 2*theme.Padding()))
	s.popup.ShowAtRelativePosition(pos, s.target)
	c.Focus(s)
}

// shown reports whether the list is open.
func (s *suggestions) shown() bool { return s.popup != nil && s.popup.Visible() }

// hide closes the list; the entry has the keyboard again.
func (s *suggestions) hide() {
	if !s.shown() {
		return
	}
	s.popup.Hide()
	if c := fyne.CurrentApp().Driver().CanvasForObject(s.target); c != nil {
		c.Focus(s.target)
	}
}

func (s *suggestions) showRows() {
	s.rows.Objects = nil
	for i, it := range s.items {
		bg := canvas.NewRectangle(nil)
		if i == s.selected {
			bg.FillColor = theme.Color(theme.ColorNameSelection)
		}
		line := fyne.CanvasObject(widget.NewLabel(it.label))
		if it.icon != nil {
			line = container.NewBorder(nil, nil, widget.NewIcon(it.icon), nil, line)
		}
		s.rows.Add(newTapArea(container.NewStack(bg, line), func() { s.choose(i) }))
	}
	s.rows.Refresh()
}

// choose puts item i in place of what was typed.
func (s *suggestions) choose(i int) {
	if i < 0 || i >= len(s.items) {
		return
	}
	it := s.items[i]
	s.hide()
	s.onChoose(it)
}

// FocusGained and FocusLost make the list focusable: it takes the
// keyboard while it shows.
func (s *suggestions) FocusGained() {}
func (s *suggestions) FocusLost()   {}

// TypedRune types into the entry.
func (s *suggestions) TypedRune(r rune) { s.target.TypedRune(r) }

// TypedKey moves through the list, chooses or closes it, and passes the
// other keys to the entry.
func (s *suggestions) TypedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyDown:
		s.selected = (s.selected + 1) % len(s.items)
		s.showRows()
	case fyne.KeyUp:
		s.selected = (s.selected + len(s.items) - 1) % len(s.items)
		s.showRows()
	case fyne.KeyReturn, fyne.KeyEnter:
		s.choose(s.selected)
	case fyne.KeyEscape:
		s.hide()
	case fyne.KeyTab:
		// The Tab order goes on from the entry, as if the list were not
		// there.
		s.hide()
		if c := fyne.CurrentApp().Driver().CanvasForObject(s.target); c != nil {
			c.FocusNext()
		}
	default:
		s.target.TypedKey(ev)
	}
}

// AcceptsTab keeps Tab from moving the focus inside the list.
func (s *suggestions) AcceptsTab() bool { return true }

// TypedShortcut passes shortcuts (paste, the window's) to the entry.
func (s *suggestions) TypedShortcut(sc fyne.Shortcut) { s.target.TypedShortcut(sc) }

// textClipboard hands a text to an entry's paste: the way to insert at
// the cursor that Fyne's Entry offers, with its undo and its cursor
// after the inserted text. The system clipboard is left alone.
type textClipboard string

func (t textClipboard) Content() string { return string(t) }
func (textClipboard) SetContent(string) {}

// replaceBeforeCursor replaces the n characters before the entry's cursor
// with text.
func replaceBeforeCursor(e *widget.Entry, n int, text string) {
	for range n {
		e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
	}
	e.TypedShortcut(&fyne.ShortcutPaste{Clipboard: textClipboard(text)})
}
