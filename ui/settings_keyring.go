package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
	ttwidget "github.com/dweymouth/fyne-tooltip/widget"
)

// keyringBox is the Security page's line about the passphrase remembered
// in the desktop's secret service, with Forget. Without a keyring (no
// secret service, the demo) it is an empty, hidden label, so the page
// looks as it did before keyrings.
func (p *securityPage) keyringBox() fyne.CanvasObject {
	kr := p.s.u.prompter.Keyring()
	if kr == nil {
		none := widget.NewLabel("")
		none.Hide()
		return none
	}
	note := wrapLabel("")
	p.forgetBtn = ttwidget.NewButton(tr("security.keyring.forget"), nil)
	p.forgetBtn.SetToolTip(tr("security.keyring.forget.tip"))
	refresh := func() {
		p.s.u.jobs.run(func() {
			stored, err := kr.Stored()
			p.s.u.jobs.do(func() {
				if err != nil {
					showError(p.s.win, err)
				}
				if stored {
					note.SetText(tr("security.keyring.stored"))
					p.forgetBtn.Enable()
				} else {
					note.SetText(tr("security.keyring.none"))
					p.forgetBtn.Disable()
				}
			})
		})
	}
	// Forgetting weakens nothing, so it needs no administrator password.
	p.forgetBtn.OnTapped = func() {
		p.s.u.jobs.run(func() {
			err := kr.Forget()
			p.s.u.jobs.do(func() {
				if err != nil {
					showError(p.s.win, err)
				}
				refresh()
			})
		})
	}
	refresh()
	return container.NewVBox(note, container.NewHBox(p.forgetBtn))
}

// keyringPassphraseChanged puts a changed passphrase into the keyring in
// place of the old one (in a job, like the change itself); nothing is
// stored when none was remembered.
func (p *securityPage) keyringPassphraseChanged(newPW []byte) {
	kr := p.s.u.prompter.Keyring()
	if kr == nil {
		return
	}
	if err := kr.Update(newPW); err != nil {
		p.s.u.jobs.do(func() { showError(p.s.win, err) })
	}
}
