package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
)

// compactTheme is the app's theme with less room around texts, for the
// status line: a line of small print need not be as high as a button,
// and every pixel it leaves goes to the articles.
type compactTheme struct{ fyne.Theme }

func (t compactTheme) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNameInnerPadding, theme.SizeNamePadding:
		return t.Theme.Size(n) / 4
	}
	return t.Theme.Size(n)
}

// compact draws o with compactTheme.
func compact(o fyne.CanvasObject) fyne.CanvasObject {
	return container.NewThemeOverride(o, compactTheme{fyne.CurrentApp().Settings().Theme()})
}
