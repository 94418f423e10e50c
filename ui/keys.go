package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// keymap holds the window's shortcuts (DESIGN.md §6: Ctrl+N new ticket,
// Ctrl+R reply, Ctrl+Enter send, Ctrl+F search, F5 check mail). Fyne gives
// a shortcut to the focused widget instead of the window when the widget
// handles shortcuts itself, as entries do; the window's entries are
// entries of this file, which pass the keymap's shortcuts on.
type keymap struct {
	shortcuts map[string]func()
	keys      map[fyne.KeyName]func()
}

func newKeymap() *keymap {
	return &keymap{shortcuts: map[string]func(){}, keys: map[fyne.KeyName]func(){}}
}

// ctrl is Ctrl+key (Cmd+key on macOS).
func ctrl(k fyne.KeyName) *desktop.CustomShortcut {
	return &desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierShortcutDefault}
}

// add binds a shortcut and registers it with the canvas, for when no
// entry has the focus.
func (k *keymap) add(c fyne.Canvas, s *desktop.CustomShortcut, f func()) {
	k.shortcuts[s.ShortcutName()] = f
	c.AddShortcut(s, func(fyne.Shortcut) { f() })
}

// addKey binds a key without modifiers (F5).
func (k *keymap) addKey(name fyne.KeyName, f func()) { k.keys[name] = f }

// shortcut runs the action bound to s, reporting whether there was one.
func (k *keymap) shortcut(s fyne.Shortcut) bool {
	if k == nil {
		return false
	}
	if f := k.shortcuts[s.ShortcutName()]; f != nil {
		f()
		return true
	}
	return false
}

// key runs the action bound to a key, reporting whether there was one.
func (k *keymap) key(ev *fyne.KeyEvent) bool {
	if k == nil {
		return false
	}
	if f := k.keys[ev.Name]; f != nil {
		f()
		return true
	}
	return false
}

// typedKeys is a window's key handler, for when nothing has the focus:
// Escape closes the top dialog (see escape), other keys run what k binds
// (k may be nil).
func typedKeys(c fyne.Canvas, k *keymap) func(*fyne.KeyEvent) {
	return func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyEscape && escape(c) {
			return
		}
		k.key(ev)
	}
}

// entry is a widget.Entry that lets the window's shortcuts through.
type entry struct {
	widget.Entry
	keys *keymap
	// onFocusLost runs when the focus leaves the entry (Tab, a click
	// elsewhere).
	onFocusLost func()
}

// FocusLost runs onFocusLost after the entry's own handling.
func (e *entry) FocusLost() {
	e.Entry.FocusLost()
	if e.onFocusLost != nil {
		e.onFocusLost()
	}
}

func newEntry(keys *keymap) *entry {
	e := &entry{keys: keys}
	e.ExtendBaseWidget(e)
	return e
}

func newMultiLineEntry(keys *keymap) *entry {
	e := newEntry(keys)
	e.MultiLine = true
	e.Wrapping = fyne.TextWrapWord
	return e
}

func newPasswordEntry() *entry {
	e := newEntry(nil)
	e.Password = true
	return e
}

// TypedShortcut runs a window shortcut, or the entry's own.
func (e *entry) TypedShortcut(s fyne.Shortcut) {
	if e.keys.shortcut(s) {
		return
	}
	e.Entry.TypedShortcut(s)
}

// TypedKey runs a window key (F5, Escape), or types.
func (e *entry) TypedKey(ev *fyne.KeyEvent) {
	if ev.Name == fyne.KeyEscape && escape(fyne.CurrentApp().Driver().CanvasForObject(e)) {
		return
	}
	if e.keys.key(ev) {
		return
	}
	e.Entry.TypedKey(ev)
}
