package ui

import (
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
	ttwidget "github.com/dweymouth/fyne-tooltip/widget"

	"siegel/mail"
)

// The cipher and key transport choices (mail.SettingCipher,
// mail.SettingKeyTransport values).
var (
	cipherValues       = []string{"aes-256-cbc", "aes-256-gcm"}
	keyTransportValues = []string{"rsa-pkcs1v15", "rsa-oaep"}
)

// securityPage is the Security tab: S/MIME on or off, the defaults of
// Encrypt and Sign, revocation checking (online or only imported CRLs,
// and whether an unknown status fails a signature), the cipher and key
// transport of outgoing mail and whether it hides the Subject of
// encrypted mail (RFC 9788), the profile passphrase and the
// administrator password.
type securityPage struct {
	s *settingsWindow

	sec          secSettings
	cipher       string
	keyTransport string
	// revOnline and revStrict are the revocation settings as the core
	// last reported them (online and lenient until it has).
	revOnline, revStrict bool
	// hideSubject is mail.SettingHideSubject ("on" unless stored "off").
	hideSubject bool
	// requireEnc is mail.SettingEncryptedReplies == "require".
	requireEnc bool
	loaded     bool
	filling    bool

	smime, signDef, encDef *ttwidget.Check
	hide, require          *ttwidget.Check
	online, strict         *ttwidget.Check // nil without Cores.Revocations
	cipherSel, ktSel       *widget.Select
	passBtn, adminBtn      *ttwidget.Button
	removeAdminBtn         *ttwidget.Button
	forgetBtn              *ttwidget.Button // nil without a keyring
}

func newSecurityPage(s *settingsWindow) *securityPage {
	return &securityPage{s: s, sec: s.u.sec, cipher: cipherValues[0], keyTransport: keyTransportValues[0], revOnline: true, hideSubject: true}
}

func (p *securityPage) build() fyne.CanvasObject {
	p.smime = ttwidget.NewCheck(tr("security.smime"), func(on bool) { p.changed(settingSMIME, on) })
	p.signDef = ttwidget.NewCheck(tr("security.sign-default"), func(on bool) { p.changed(settingSignDefault, on) })
	p.encDef = ttwidget.NewCheck(tr("security.encrypt-default"), func(on bool) { p.changed(settingEncryptDefault, on) })
	cipherNames := []string{tr("security.cipher.cbc"), tr("security.cipher.gcm")}
	p.cipherSel = widget.NewSelect(cipherNames, func(name string) {
		p.choose(mail.SettingCipher, cipherValues, cipherNames, name, &p.cipher)
	})
	ktNames := []string{tr("security.kt.pkcs1"), tr("security.kt.oaep")}
	p.ktSel = widget.NewSelect(ktNames, func(name string) {
		p.choose(mail.SettingKeyTransport, keyTransportValues, ktNames, name, &p.keyTransport)
	})
	p.hide = ttwidget.NewCheck(tr("security.hide-subject"), p.hideChanged)
	p.require = ttwidget.NewCheck(tr("security.require-encrypted-replies"), p.requireChanged)
	p.passBtn = ttwidget.NewButton(tr("security.change-passphrase"), p.changePassphrase)
	p.adminBtn = ttwidget.NewButton("", p.setAdmin)
	p.removeAdminBtn = ttwidget.NewButton(tr("security.admin.remove"), p.removeAdmin)
	var revItems []fyne.CanvasObject
	p.online, p.strict = nil, nil
	if p.s.u.c.Revocations != nil {
		p.online = ttwidget.NewCheck(tr("security.revocation.online"), func(on bool) { p.revocationChanged(&p.revOnline, on) })
		p.strict = ttwidget.NewCheck(tr("security.revocation.strict"), func(on bool) { p.revocationChanged(&p.revStrict, on) })
		revItems = []fyne.CanvasObject{
			widget.NewSeparator(),
			heading(tr("security.revocation.heading")),
			p.online, wrapLabel(tr("security.revocation.online.note")),
			p.strict, wrapLabel(tr("security.revocation.strict.note")),
		}
	}
	p.show()
	form := widget.NewForm(
		widget.NewFormItem(tr("security.cipher"), p.cipherSel),
		widget.NewFormItem(tr("security.key-transport"), p.ktSel),
	)
	objs := []fyne.CanvasObject{
		heading(tr("security.smime.heading")),
		p.smime, wrapLabel(tr("security.smime.note")),
		p.signDef, p.encDef,
		p.require, wrapLabel(tr("security.require-encrypted-replies.note")),
	}
	objs = append(objs, revItems...)
	return container.NewVScroll(container.NewPadded(container.NewVBox(append(objs,
		widget.NewSeparator(),
		heading(tr("security.algorithms")),
		form, wrapLabel(tr("security.algorithms.note")),
		p.hide, wrapLabel(tr("security.hide-subject.note")),
		widget.NewSeparator(),
		heading(tr("security.secrets")),
		wrapLabel(tr("security.passphrase.note")),
		container.NewHBox(p.passBtn),
		p.keyringBox(),
		wrapLabel(tr("security.admin.note")),
		container.NewHBox(p.adminBtn, p.removeAdminBtn),
	)...)))
}

// reload reads the settings.
func (p *securityPage) reload() {
	prof, revs, ctx := p.s.u.c.Profile, p.s.u.c.Revocations, p.s.u.ctx
	p.s.u.jobs.run(func() {
		c, err1 := prof.Setting(ctx, mail.SettingCipher, cipherValues[0])
		kt, err2 := prof.Setting(ctx, mail.SettingKeyTransport, keyTransportValues[0])
		hide, err5 := prof.Setting(ctx, mail.SettingHideSubject, "on")
		rule, err6 := prof.Setting(ctx, mail.SettingEncryptedReplies, "ask")
		online, strict := true, false
		var err3, err4 error
		if revs != nil {
			online, err3 = revs.Online(ctx)
			strict, err4 = revs.Strict(ctx)
		}
		p.s.u.jobs.do(func() {
			if err := firstErr(err1, err2, err3, err4, err5, err6); err != nil {
				showError(p.s.win, err)
				return
			}
			p.cipher, p.keyTransport, p.sec, p.loaded = c, kt, p.s.u.sec, true
			// The outbox hides unless the value is "off": show it the same.
			p.hideSubject = hide != "off"
			p.requireEnc = rule == "require"
			p.revOnline, p.revStrict = online, strict
			p.show()
		})
	})
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// show puts the settings into the widgets.
func (p *securityPage) show() {
	if p.smime == nil {
		return
	}
	p.filling = true
	p.smime.SetChecked(p.sec.enabled)
	p.signDef.SetChecked(p.sec.signDefault)
	p.encDef.SetChecked(p.sec.encryptDefault)
	p.hide.SetChecked(p.hideSubject)
	p.require.SetChecked(p.requireEnc)
	if p.online != nil {
		p.online.SetChecked(p.revOnline)
		p.strict.SetChecked(p.revStrict)
	}
	for i, v := range cipherValues {
		if v == p.cipher {
			p.cipherSel.SetSelectedIndex(i)
		}
	}
	for i, v := range keyTransportValues {
		if v == p.keyTransport {
			p.ktSel.SetSelectedIndex(i)
		}
	}
	p.filling = false
	p.lockChanged()
}

// lockChanged enables the page when the administrator lock allows it.
func (p *securityPage) lockChanged() {
	if p.smime == nil {
		return
	}
	a := p.s.admin
	open := p.loaded && a.open()
	checks := []*ttwidget.Check{p.smime, p.signDef, p.encDef, p.hide, p.require}
	if p.online != nil {
		checks = append(checks, p.online, p.strict)
	}
	for _, c := range checks {
		if open {
			c.Enable()
			c.SetToolTip("")
		} else {
			c.Disable()
			c.SetToolTip(lockedTip(""))
		}
	}
	for _, s := range []*widget.Select{p.cipherSel, p.ktSel} {
		if open {
			s.Enable()
		} else {
			s.Disable()
		}
	}
	if p.sec.enabled {
		p.signDef.Enable()
		p.encDef.Enable()
	} else {
		p.signDef.Disable()
		p.encDef.Disable()
	}
	if !open {
		p.signDef.Disable()
		p.encDef.Disable()
	}
	lockable(p.passBtn, open, tr("security.change-passphrase.tip"))
	if a.locked {
		p.adminBtn.SetText(tr("security.admin.change"))
		lockable(p.adminBtn, open, tr("security.admin.change.tip"))
		lockable(p.removeAdminBtn, open, tr("security.admin.remove.tip"))
		p.removeAdminBtn.Show()
	} else {
		p.adminBtn.SetText(tr("security.admin.set"))
		lockable(p.adminBtn, a.known, tr("security.admin.set.tip"))
		p.removeAdminBtn.Hide()
	}
}

// changed stores a switch and applies it to the main window.
func (p *securityPage) changed(key string, on bool) {
	if p.filling {
		return
	}
	switch key {
	case settingSMIME:
		p.sec.enabled = on
	case settingSignDefault:
		p.sec.signDefault = on
	case settingEncryptDefault:
		p.sec.encryptDefault = on
	}
	p.lockChanged()
	p.store(key, strconv.FormatBool(on), func() { p.s.u.setSecurity(p.sec) })
}

// hideChanged stores whether the outbox replaces the Subject of encrypted
// mail with "[...]", in the values the outbox reads ("on", "off").
func (p *securityPage) hideChanged(on bool) {
	if p.filling {
		return
	}
	value := "off"
	if on {
		value = "on"
	}
	p.store(mail.SettingHideSubject, value, func() { p.hideSubject = on })
}

// requireChanged stores whether an answer to a customer who wrote
// encrypted must be encrypted ("require"; the default "ask" asks first).
func (p *securityPage) requireChanged(on bool) {
	if p.filling {
		return
	}
	value := "ask"
	if on {
		value = "require"
	}
	p.store(mail.SettingEncryptedReplies, value, func() { p.requireEnc = on })
}

// revocationChanged stores a revocation switch through the core, which
// applies it at once; into is the page's copy of the setting. On failure
// the page shows the stored state again.
func (p *securityPage) revocationChanged(into *bool, on bool) {
	if p.filling {
		return
	}
	if !p.s.admin.open() {
		p.reload()
		return
	}
	*into = on
	revs, ctx, win := p.s.u.c.Revocations, p.s.u.userCtx(), p.s.win
	online := into == &p.revOnline
	p.s.u.jobs.run(func() {
		var err error
		if online {
			err = revs.SetOnline(ctx, on)
		} else {
			err = revs.SetStrict(ctx, on)
		}
		p.s.u.jobs.do(func() {
			if err != nil {
				showError(win, err)
				p.reload()
			}
		})
	})
}

// choose stores the value of a chosen name.
func (p *securityPage) choose(key string, values, names []string, name string, into *string) {
	if p.filling {
		return
	}
	for i, n := range names {
		if n == name {
			*into = values[i]
			p.store(key, values[i], func() {})
		}
	}
}

// store writes a setting; the administrator lock is checked again, so a
// page shown before the lock was set cannot change it.
func (p *securityPage) store(key, value string, done func()) {
	if !p.s.admin.open() {
		p.reload()
		return
	}
	prof, ctx, win := p.s.u.c.Profile, p.s.u.userCtx(), p.s.win
	p.s.u.jobs.run(func() {
		err := prof.SetSetting(ctx, key, value)
		p.s.u.jobs.do(func() {
			if err != nil {
				showError(win, err)
				return
			}
			done()
		})
	})
}

// changePassphrase changes the profile passphrase, which re-seals every
// private key and account password.
func (p *securityPage) changePassphrase() {
	p.s.admin.require(func() {
		prof, ctx, win := p.s.u.c.Profile, p.s.u.userCtx(), p.s.win
		p.s.u.jobs.run(func() {
			has, err := prof.HasVault(ctx)
			p.s.u.jobs.do(func() {
				if err != nil {
					showError(win, err)
					return
				}
				p.passphraseDialog(has)
			})
		})
	})
}

func (p *securityPage) passphraseDialog(hasVault bool) {
	win := p.s.win
	old := newPasswordEntry()
	var before []*widget.FormItem
	if hasVault {
		before = append(before, widget.NewFormItem(tr("passphrase.current"), old))
	}
	progress := widget.NewProgressBarInfinite()
	progress.Hide()
	showSecretDialog(win, secretSpec{
		title: tr("security.change-passphrase"), intro: tr("security.passphrase.intro"),
		ok: tr("security.change-passphrase.do"), label: tr("passphrase.new"), empty: tr("error.profile.empty-passphrase"),
		before: before, after: []fyne.CanvasObject{progress},
		done: func(s *secretDialog, newPW []byte) {
			oldPW := []byte(old.Text)
			s.ok.Disable()
			progress.Show()
			progress.Start()
			prof, ctx := p.s.u.c.Profile, p.s.u.userCtx()
			p.s.u.jobs.run(func() {
				err := prof.ChangePassphrase(ctx, oldPW, newPW)
				if err == nil {
					p.keyringPassphraseChanged(newPW)
				}
				clear(oldPW)
				clear(newPW)
				p.s.u.jobs.do(func() {
					progress.Stop()
					progress.Hide()
					s.ok.Enable()
					if err != nil {
						s.fail(errorText(err))
						return
					}
					s.d.Hide()
					showModal(win, dialog.NewInformation(tr("security.change-passphrase"), tr("security.passphrase.changed"), win), nil)
				})
			})
		},
	})
}

// setAdmin sets or changes the administrator password (asked twice).
func (p *securityPage) setAdmin() {
	p.s.admin.require(func() {
		showSecretDialog(p.s.win, secretSpec{
			title: tr("security.admin.title"), intro: tr("security.admin.intro"),
			ok: tr("security.admin.save"), label: tr("admin.password"), empty: tr("security.admin.empty"),
			done: func(s *secretDialog, pw []byte) {
				s.d.Hide()
				p.storeAdmin(pw)
			},
		})
	})
}

// removeAdmin removes the administrator password after a confirmation.
func (p *securityPage) removeAdmin() {
	p.s.admin.require(func() {
		showModal(p.s.win, dialog.NewConfirm(tr("security.admin.remove"), tr("security.admin.remove.confirm"), func(yes bool) {
			if yes {
				p.storeAdmin(nil)
			}
		}, p.s.win), nil)
	})
}

// storeAdmin sets (or with nil removes) the administrator password.
func (p *securityPage) storeAdmin(newPW []byte) {
	a := p.s.admin
	prof, ctx, win := p.s.u.c.Profile, p.s.u.userCtx(), p.s.win
	current := a.pw
	p.s.u.jobs.run(func() {
		err := prof.SetAdmin(ctx, current, newPW)
		p.s.u.jobs.do(func() {
			if err != nil {
				showError(win, err)
				return
			}
			a.locked = newPW != nil
			a.forget()
			if a.locked {
				a.pw = newPW // who set it stays unlocked in this window
			}
			p.s.lockChanged()
		})
	})
}
