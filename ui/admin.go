package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// adminLock is the administrator lock as the settings window sees it
// (issue 5, "Administrator lock"): when an administrator password is set,
// importing, deleting, exporting private keys, the Security settings and
// account edits stay closed until it is entered; an agent sees everything
// read-only. Once entered, the settings window stays unlocked until it is
// closed or locked again. A wrong password is refused by the profile after
// a delay (profile.AdminDelay).
type adminLock struct {
	u   *UI
	win fyne.Window

	known  bool
	locked bool   // an administrator password is set
	pw     []byte // entered in this window: unlocked
	// changed is called after the state changed, to enable or disable
	// the pages' buttons.
	changed func()
}

// open reports whether changes are allowed now.
func (a *adminLock) open() bool { return a.known && (!a.locked || a.pw != nil) }

// load reads whether a password is set.
func (a *adminLock) load() {
	prof, ctx := a.u.c.Profile, a.u.ctx
	a.u.jobs.run(func() {
		locked, err := prof.AdminLocked(ctx)
		a.u.jobs.do(func() {
			if err != nil {
				showError(a.win, err)
				return
			}
			a.known, a.locked = true, locked
			if !locked {
				a.forget()
			}
			a.changed()
		})
	})
}

// forget locks the window again.
func (a *adminLock) forget() {
	clear(a.pw)
	a.pw = nil
}

// require runs then once changes are allowed, asking for the
// administrator password first when it is needed.
func (a *adminLock) require(then func()) {
	if a.open() {
		then()
		return
	}
	if !a.known {
		return
	}
	a.ask(then)
}

// ask shows the password dialog and checks the password.
func (a *adminLock) ask(then func()) {
	pw := newPasswordEntry()
	problem := widget.NewLabel("")
	problem.Wrapping = fyne.TextWrapWord
	problem.Importance = widget.DangerImportance
	problem.Hide()
	checking := widget.NewProgressBarInfinite()
	checking.Hide()
	content := container.NewVBox(wrapLabel(tr("admin.ask.intro")),
		widget.NewForm(widget.NewFormItem(tr("admin.password"), pw)), problem, checking)
	var d *dialog.CustomDialog
	var ok, cancel *widget.Button
	submit := func() {
		if pw.Text == "" {
			return
		}
		given := []byte(pw.Text)
		ok.Disable()
		checking.Show()
		checking.Start()
		prof, ctx := a.u.c.Profile, a.u.userCtx()
		a.u.jobs.run(func() {
			err := prof.CheckAdmin(ctx, given)
			a.u.jobs.do(func() {
				checking.Stop()
				checking.Hide()
				ok.Enable()
				if err != nil {
					clear(given)
					problem.SetText(errorText(err))
					problem.Show()
					pw.SetText("")
					a.win.Canvas().Focus(pw)
					return
				}
				a.pw = given
				d.Hide()
				a.changed()
				then()
			})
		})
	}
	pw.OnSubmitted = func(string) { submit() }
	ok = widget.NewButton(tr("admin.unlock"), submit)
	ok.Importance = widget.HighImportance
	cancel = widget.NewButton(tr("dialog.cancel"), func() { d.Hide() })
	d = dialog.NewCustomWithoutButtons(tr("admin.ask.title"), content, a.win)
	d.SetButtons([]fyne.CanvasObject{cancel, ok})
	d.Resize(fyne.NewSize(440, d.MinSize().Height))
	showModal(a.win, d, nil)
	a.win.Canvas().Focus(pw)
}

// lockedTip is the tooltip of a button the lock keeps closed.
func lockedTip(tip string) string {
	return joinLines(tip, "", tr("admin.locked.tip"))
}
