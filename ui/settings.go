package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	ttwidget "github.com/dweymouth/fyne-tooltip/widget"
)

// settingsWindow is the Settings window (DESIGN.md §6): Accounts,
// Certificates, Security and Appearance, in tabs, under the bar of the
// administrator lock.
type settingsWindow struct {
	u     *UI
	win   fyne.Window
	admin *adminLock

	lockBox    *fyne.Container
	tabs       *container.AppTabs
	accounts   *accountsPage
	certs      *certsPage
	security   *securityPage
	appearance *appearancePage
}

// showSettings opens the settings window, or brings it to the front.
func (u *UI) showSettings() {
	if u.settings != nil {
		u.settings.win.RequestFocus()
		return
	}
	s := &settingsWindow{u: u, win: u.app.NewWindow(tr("settings.title"))}
	s.win.SetIcon(AppIcon())
	s.admin = &adminLock{u: u, win: s.win, changed: s.lockChanged}
	s.accounts = newAccountsPage(s)
	s.certs = newCertsPage(s)
	s.security = newSecurityPage(s)
	s.appearance = newAppearancePage(s)
	s.build(0)
	s.win.Resize(u.fitRoom(fyne.NewSize(1200, 680)))
	c := s.win.Canvas()
	c.SetOnTypedKey(typedKeys(c, nil))
	onEscape(s.win, s.win.Close)
	s.win.SetOnClosed(func() {
		s.admin.forget()
		forgetWindow(c)
		if u.settings == s {
			u.settings = nil
		}
	})
	u.settings = s
	s.win.Show()
	s.admin.load()
	s.accounts.reload()
	s.certs.reload()
	s.security.reload()
}

// build makes the window's content, on tab number tab.
func (s *settingsWindow) build(tab int) {
	s.lockBox = container.NewStack()
	s.tabs = container.NewAppTabs(
		container.NewTabItemWithIcon(tr("settings.accounts"), theme.MailComposeIcon(), s.accounts.build()),
		container.NewTabItemWithIcon(tr("settings.certificates"), iconKey, s.certs.build()),
		container.NewTabItemWithIcon(tr("settings.security"), iconLock, s.security.build()),
		container.NewTabItemWithIcon(tr("settings.appearance"), theme.ColorPaletteIcon(), s.appearance.build()),
	)
	s.tabs.SelectIndex(tab)
	s.lockChanged()
	// Close, for who does not look for the window manager's button or
	// Escape (a window of its own is easily lost behind the main one).
	closeBtn := ttwidget.NewButtonWithIcon(tr("settings.close"), theme.CancelIcon(), s.win.Close)
	closeBtn.SetToolTip(tr("settings.close.tip"))
	bottom := container.NewPadded(container.NewBorder(nil, nil, nil, closeBtn))
	content := container.NewBorder(s.lockBox, bottom, nil, nil, s.tabs)
	s.win.SetContent(withToolTipLayer(content, s.win.Canvas()))
	s.win.SetTitle(tr("settings.title"))
}

// rebuild makes the window again in the current language.
func (s *settingsWindow) rebuild() {
	s.build(s.tabs.SelectedIndex())
}

// lockChanged shows the lock's state and enables the pages' buttons.
func (s *settingsWindow) lockChanged() {
	a := s.admin
	switch {
	case !a.known || !a.locked:
		s.lockBox.Objects = nil
	case a.pw == nil:
		unlock := widget.NewButtonWithIcon(tr("admin.unlock"), iconLockOpen, func() { a.require(func() {}) })
		unlock.Importance = widget.HighImportance
		s.lockBox.Objects = []fyne.CanvasObject{container.NewPadded(banner(iconLock, tinted(theme.ColorNameWarning, 60),
			wrapLabel(tr("admin.locked")), container.NewHBox(unlock)))}
	default:
		lock := widget.NewButtonWithIcon(tr("admin.lock"), iconLock, func() {
			a.forget()
			s.lockChanged()
		})
		s.lockBox.Objects = []fyne.CanvasObject{container.NewPadded(banner(iconLockOpen, tinted(theme.ColorNameSuccess, 50),
			wrapLabel(tr("admin.unlocked")), container.NewHBox(lock)))}
	}
	s.lockBox.Refresh()
	s.accounts.lockChanged()
	s.certs.lockChanged()
	s.security.lockChanged()
}

// lockable sets a button's state and tooltip by the lock: closed buttons
// explain why.
func lockable(b interface {
	Enable()
	Disable()
	SetToolTip(string)
}, open bool, tip string) {
	if open {
		b.Enable()
		b.SetToolTip(tip)
	} else {
		b.Disable()
		b.SetToolTip(lockedTip(tip))
	}
}
