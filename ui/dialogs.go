package ui

import (
	"slices"

	"fyne.io/fyne/v2"
	fynetooltip "github.com/dweymouth/fyne-tooltip"
)

// modal is a dialog as the windows keep track of it: dialog.Dialog and
// *dialog.FileDialog both are.
type modal interface {
	Show()
	Hide()
	SetOnClosed(func())
}

// openModals are the dialogs shown on each canvas, the top one last.
// Fyne keeps none of this: its overlays do not say which dialog they
// belong to, and hiding an overlay would skip the dialog's callback (a
// waiting passphrase prompt would never get its answer).
var openModals = map[fyne.Canvas][]modal{}

// showModal shows d on win. The tooltip on screen goes first: drawn in
// the window's layer, under the dialog's overlay, it would stay there
// (the widget under it never hears the mouse leave). The focus leaves the
// window's widgets, so Escape reaches the window and closes d (see
// escape). onClosed, when not nil, runs after d closed, however it closed;
// callers give it here rather than to d.SetOnClosed, which this replaces.
func showModal(win fyne.Window, d modal, onClosed func()) {
	c := win.Canvas()
	hideToolTips(c)
	c.Unfocus()
	openModals[c] = append(openModals[c], d)
	d.SetOnClosed(func() {
		openModals[c] = slices.DeleteFunc(openModals[c], func(m modal) bool { return m == d })
		if len(openModals[c]) == 0 {
			delete(openModals, c)
		}
		if onClosed != nil {
			onClosed()
		}
	})
	d.Show()
}

// closeTopModal closes the top dialog of a canvas, as its Cancel or Close
// button would, and reports whether there was one.
func closeTopModal(c fyne.Canvas) bool {
	open := openModals[c]
	if len(open) == 0 {
		return false
	}
	if len(c.Overlays().List()) == 0 {
		// Hidden some way that did not report back: nothing to close.
		delete(openModals, c)
		return false
	}
	open[len(open)-1].Hide()
	return true
}

// escapes are what Escape does in each window: close its top dialog, and
// then whatever the window adds (the Settings window closes).
var escapes = map[fyne.Canvas]func(){}

// onEscape sets what Escape does in win when no dialog is open; nil
// does nothing more.
func onEscape(win fyne.Window, f func()) {
	escapes[win.Canvas()] = f
}

// escape handles Escape on a canvas: the top dialog closes, else the
// window's own Escape runs. It reports whether the key was used.
func escape(c fyne.Canvas) bool {
	if c == nil {
		return false
	}
	if closeTopModal(c) {
		return true
	}
	if f := escapes[c]; f != nil {
		f()
		return true
	}
	return false
}

// forgetWindow drops what the maps above hold of a closed window.
func forgetWindow(c fyne.Canvas) {
	delete(openModals, c)
	delete(escapes, c)
	delete(toolTipLayers, c)
	fynetooltip.DestroyWindowToolTipLayer(c)
}

// toolTipLayers are the windows' tooltip layers, to clear them.
var toolTipLayers = map[fyne.Canvas]*fyne.Container{}

// withToolTipLayer is fynetooltip.AddWindowToolTipLayer keeping hold of
// the layer: the library offers no way to hide the tooltip it shows.
func withToolTipLayer(content fyne.CanvasObject, c fyne.Canvas) fyne.CanvasObject {
	fynetooltip.DestroyWindowToolTipLayer(c)
	obj := fynetooltip.AddWindowToolTipLayer(content, c)
	if stack, ok := obj.(*fyne.Container); ok && len(stack.Objects) == 2 {
		if layer, ok := stack.Objects[1].(*fyne.Container); ok {
			toolTipLayers[c] = layer
		}
	}
	return obj
}

// hideToolTips takes the tooltip off a window: a dialog opens over it,
// or the widget it describes changed or went away.
func hideToolTips(c fyne.Canvas) {
	if layer := toolTipLayers[c]; layer != nil && len(layer.Objects) > 0 {
		layer.Objects = nil
		layer.Refresh()
	}
}

// hideToolTipsOf hides the tooltip of the window that shows o.
func hideToolTipsOf(o fyne.CanvasObject) {
	if c := fyne.CurrentApp().Driver().CanvasForObject(o); c != nil {
		hideToolTips(c)
	}
}
