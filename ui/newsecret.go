package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// secretDialog asks for a new passphrase or password twice (a typo in a
// secret nobody sees would lock its owner out), says in the dialog what is
// wrong, and hands the secret over only when both entries agree and it is
// not empty. Exporting a key, changing the profile passphrase and setting
// the administrator password all ask this way.
type secretDialog struct {
	d       *dialog.CustomDialog
	ok      *widget.Button
	first   *entry
	again   *entry
	problem *widget.Label
}

// secretSpec is what differs between the dialogs.
type secretSpec struct {
	title, intro, ok string
	// label names the new secret's entry (the repeat is always
	// "Repeat"); empty is what is said when it is left empty. All are
	// texts, already translated.
	label, empty string
	// before are form items above the new secret's (the current
	// passphrase); after are objects below the problem (a progress bar).
	before []*widget.FormItem
	after  []fyne.CanvasObject
	// done gets the secret; it owns it (and clears it) and hides the
	// dialog when it is done with it.
	done func(s *secretDialog, secret []byte)
}

func showSecretDialog(win fyne.Window, spec secretSpec) *secretDialog {
	s := &secretDialog{first: newPasswordEntry(), again: newPasswordEntry(), problem: wrapLabel("")}
	s.problem.Importance = widget.DangerImportance
	s.problem.Hide()
	submit := func() {
		switch {
		case s.first.Text == "":
			s.fail(spec.empty)
		case s.first.Text != s.again.Text:
			s.fail(tr("passphrase.differ"))
		default:
			s.problem.Hide()
			spec.done(s, []byte(s.first.Text))
		}
	}
	s.again.OnSubmitted = func(string) { submit() }
	s.ok = widget.NewButton(spec.ok, submit)
	s.ok.Importance = widget.HighImportance
	cancel := widget.NewButton(tr("dialog.cancel"), func() { s.d.Hide() })
	items := append(append([]*widget.FormItem{}, spec.before...), widget.NewFormItem(spec.label, s.first), widget.NewFormItem(tr("passphrase.repeat"), s.again))
	content := container.NewVBox(append([]fyne.CanvasObject{wrapLabel(spec.intro), widget.NewForm(items...), s.problem}, spec.after...)...)
	s.d = dialog.NewCustomWithoutButtons(spec.title, content, win)
	s.d.SetButtons([]fyne.CanvasObject{cancel, s.ok})
	s.d.Resize(fyne.NewSize(480, s.d.MinSize().Height))
	showModal(win, s.d, nil)
	if len(spec.before) > 0 {
		if e, ok := spec.before[0].Widget.(fyne.Focusable); ok {
			win.Canvas().Focus(e)
			return s
		}
	}
	win.Canvas().Focus(s.first)
	return s
}

// fail shows what is wrong and keeps the dialog open.
func (s *secretDialog) fail(text string) {
	s.problem.SetText(text)
	s.problem.Show()
}
