package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// appearancePage is the Appearance tab: the language, following the
// system's locale unless English or Deutsch is chosen. The choice belongs
// to this computer (the app's preferences), not to the profile.
type appearancePage struct {
	s      *settingsWindow
	choice *widget.RadioGroup
}

func newAppearancePage(s *settingsWindow) *appearancePage { return &appearancePage{s: s} }

// languageNames are shown in their own language, so anyone finds theirs.
var languageChoices = []string{langSystem, langEnglish, langGerman}

func (p *appearancePage) names() []string {
	return []string{tr("appearance.language.system"), "English", "Deutsch"}
}

func (p *appearancePage) build() fyne.CanvasObject {
	names := p.names()
	p.choice = widget.NewRadioGroup(names, nil)
	for i, l := range languageChoices {
		if l == language() {
			p.choice.SetSelected(names[i])
		}
	}
	p.choice.OnChanged = func(name string) {
		for i, n := range names {
			if n == name && languageChoices[i] != language() {
				p.setLanguage(languageChoices[i])
			}
		}
	}
	return container.NewPadded(container.NewVBox(
		heading(tr("appearance.language")),
		wrapLabel(tr("appearance.language.note")),
		p.choice,
	))
}

// setLanguage switches the language and builds the windows again.
func (p *appearancePage) setLanguage(l string) {
	u := p.s.u
	u.app.Preferences().SetString(prefLanguage, l)
	if err := SetLanguage(l); err != nil {
		showError(p.s.win, err)
	}
	// Rebuild after this callback returns: the radio group being tapped
	// is part of what is rebuilt.
	u.jobs.run(func() { u.jobs.do(u.rebuild) })
}
