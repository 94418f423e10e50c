package ui

import (
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
	ttwidget "github.com/dweymouth/fyne-tooltip/widget"

	"siegel/mail"
)

// prefState is the list's filter, kept for the next start (the app's
// preferences: how this agent likes to work at this computer).
const prefState = "list.state"

// filterStates are the filters in the order of the row: the states in the
// order of their work, then all of them ("").
var filterStates = slices.Concat(mail.TicketStates, []mail.TicketState{""})

// stateFilter is the row above the ticket list that limits it to the
// tickets of one state, each button with the number of its tickets that
// hold unread articles.
type stateFilter struct {
	u        *UI
	selected mail.TicketState
	counts   map[mail.TicketState]mail.StateCount
	buttons  map[mail.TicketState]*ttwidget.Button
	onChange func(mail.TicketState)
}

func newStateFilter(u *UI, onChange func(mail.TicketState)) *stateFilter {
	f := &stateFilter{u: u, onChange: onChange, counts: map[mail.TicketState]mail.StateCount{}}
	if s := mail.TicketState(u.app.Preferences().String(prefState)); slices.Contains(filterStates, s) {
		f.selected = s
	}
	return f
}

// build makes the row (again, in the current language).
func (f *stateFilter) build() fyne.CanvasObject {
	f.buttons = map[mail.TicketState]*ttwidget.Button{}
	row := container.NewHBox()
	for _, s := range filterStates {
		b := ttwidget.NewButton("", func() { f.choose(s) })
		f.buttons[s] = b
		row.Add(b)
	}
	f.show()
	// Scrolls sideways in a list narrower than the row rather than
	// widening the window's least size.
	return container.NewHScroll(row)
}

// choose shows the tickets of a state ("" all).
func (f *stateFilter) choose(s mail.TicketState) {
	if s == f.selected {
		return
	}
	f.selected = s
	f.u.app.Preferences().SetString(prefState, string(s))
	f.show()
	f.onChange(s)
}

// setCounts shows new counts.
func (f *stateFilter) setCounts(c map[mail.TicketState]mail.StateCount) {
	f.counts = c
	f.show()
}

func (f *stateFilter) show() {
	for s, b := range f.buttons {
		name := tr("filter.all")
		if s != "" {
			name = stateText(s)
		}
		c := f.counts[s]
		text := name
		if c.Unread > 0 {
			text = trf("filter.unread", map[string]any{"State": name, "Unread": c.Unread})
		}
		imp := widget.LowImportance
		if s == f.selected {
			imp = widget.HighImportance
		}
		if b.Text != text || b.Importance != imp {
			b.Text, b.Importance = text, imp
			b.Refresh()
		}
		b.SetToolTip(trn("filter.tip", c.Tickets, map[string]any{"Tickets": c.Tickets, "Unread": c.Unread}))
	}
}

// windowTitle is the main window's title: the app, and how many tickets
// wait unread.
func windowTitle(c map[mail.TicketState]mail.StateCount) string {
	if n := c[""].Unread; n > 0 {
		return trf("title.unread", map[string]any{"Count": n})
	}
	return tr("app.title")
}
