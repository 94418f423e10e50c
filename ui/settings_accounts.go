package ui

import (
	"context"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	ttwidget "github.com/dweymouth/fyne-tooltip/widget"

	"siegel/mail"
	"siegel/mail/account"
)

// accountsPage is the Accounts tab: the helpdesk's mailboxes with their
// IMAP and SMTP servers, to add, edit (with Test connection) and delete.
type accountsPage struct {
	s        *settingsWindow
	accounts []account.Account
	sel      int
	list     *widget.List
	empty    *widget.Label

	addBtn, editBtn, deleteBtn *ttwidget.Button
}

func newAccountsPage(s *settingsWindow) *accountsPage { return &accountsPage{s: s, sel: -1} }

func (p *accountsPage) build() fyne.CanvasObject {
	p.list = widget.NewList(
		func() int { return len(p.accounts) },
		func() fyne.CanvasObject {
			title := boldLabel("")
			detail := widget.NewLabel("")
			detail.SizeName = theme.SizeNameCaptionText
			return container.NewVBox(title, detail)
		},
		func(id widget.ListItemID, obj fyne.CanvasObject) {
			a := p.accounts[id]
			box := obj.(*fyne.Container)
			box.Objects[0].(*widget.Label).SetText(person(a.Name, a.Address))
			box.Objects[1].(*widget.Label).SetText(trf("accounts.servers", map[string]any{
				"IMAP": serverText(a.IMAP), "SMTP": serverText(a.SMTP)}))
		})
	p.list.OnSelected = func(id widget.ListItemID) { p.sel = id; p.lockChanged() }
	p.list.OnUnselected = func(widget.ListItemID) { p.sel = -1; p.lockChanged() }
	p.addBtn = ttwidget.NewButtonWithIcon(tr("accounts.add"), theme.ContentAddIcon(), func() { p.edit(nil) })
	p.editBtn = ttwidget.NewButtonWithIcon(tr("accounts.edit"), theme.DocumentCreateIcon(), func() {
		if p.sel >= 0 && p.sel < len(p.accounts) {
			a := p.accounts[p.sel]
			p.edit(&a)
		}
	})
	p.deleteBtn = ttwidget.NewButtonWithIcon(tr("accounts.delete"), theme.DeleteIcon(), p.delete)
	p.deleteBtn.Importance = widget.DangerImportance
	p.empty = widget.NewLabelWithStyle(tr("accounts.empty"), fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	p.empty.Wrapping = fyne.TextWrapWord
	p.lockChanged()
	buttons := container.NewHBox(p.addBtn, p.editBtn, layout.NewSpacer(), p.deleteBtn)
	return container.NewBorder(container.NewPadded(buttons), nil, nil, nil,
		container.NewStack(p.list, centred(p.empty)))
}

// serverText is "host:port, TLS".
func serverText(s account.Server) string {
	return s.Host + ":" + strconv.Itoa(s.Port) + ", " + securityName(s.Security)
}

func (p *accountsPage) reload() {
	desk, ctx := p.s.u.c.Desk, p.s.u.ctx
	p.s.u.jobs.run(func() {
		accts, err := desk.Accounts(ctx)
		p.s.u.jobs.do(func() {
			if err != nil {
				showError(p.s.win, err)
				return
			}
			p.accounts = accts
			p.sel = -1
			p.list.UnselectAll()
			p.list.Refresh()
			p.lockChanged()
		})
	})
}

// lockChanged enables what the lock and the selection allow.
func (p *accountsPage) lockChanged() {
	if p.addBtn == nil {
		return
	}
	open := p.s.admin.open()
	lockable(p.addBtn, open, tr("accounts.add.tip"))
	selected := p.sel >= 0
	lockable(p.editBtn, open && selected, tr("accounts.edit.tip"))
	lockable(p.deleteBtn, open && selected, tr("accounts.delete.tip"))
	if open && !selected {
		p.editBtn.SetToolTip(tr("accounts.edit.tip"))
		p.deleteBtn.SetToolTip(tr("accounts.delete.tip"))
	}
	if len(p.accounts) == 0 {
		p.empty.Show()
	} else {
		p.empty.Hide()
	}
}

func (p *accountsPage) delete() {
	if p.sel < 0 || p.sel >= len(p.accounts) {
		return
	}
	a := p.accounts[p.sel]
	p.s.admin.require(func() {
		showModal(p.s.win, dialog.NewConfirm(tr("accounts.delete.title"), trf("accounts.delete.confirm", map[string]any{"Address": a.Address}), func(yes bool) {
			if !yes {
				return
			}
			desk, ctx, win := p.s.u.c.Desk, p.s.u.userCtx(), p.s.win
			p.s.u.jobs.run(func() {
				err := desk.DeleteAccount(ctx, a.ID)
				p.s.u.jobs.do(func() {
					showError(win, err)
					p.reload()
				})
			})
		}, p.s.win), nil)
	})
}

// The connection securities in the order of the choice.
var securities = []account.Security{account.TLS, account.StartTLS, account.Plain}

func securityName(s account.Security) string { return tr("accounts.security." + string(s)) }

// serverForm edits one server of an account.
type serverForm struct {
	host, port, user *entry
	password         *entry
	security         *widget.Select
	proto            account.Protocol
}

func newServerForm(proto account.Protocol, s account.Server, editing bool) *serverForm {
	f := &serverForm{proto: proto, host: newEntry(nil), port: newEntry(nil), user: newEntry(nil), password: newPasswordEntry()}
	names := make([]string, len(securities))
	for i, sec := range securities {
		names[i] = securityName(sec)
	}
	f.security = widget.NewSelect(names, func(name string) {
		// Follow the usual port of the chosen security, unless a port of
		// one's own was typed.
		port, _ := strconv.Atoi(f.port.Text)
		if port == 0 || port == defaultPort(proto, account.TLS) || port == defaultPort(proto, account.StartTLS) || port == defaultPort(proto, account.Plain) {
			f.port.SetText(strconv.Itoa(defaultPort(proto, f.chosen())))
		}
	})
	f.host.SetText(s.Host)
	f.user.SetText(s.User)
	sec := s.Security
	if sec == "" {
		sec = account.TLS
	}
	f.security.SetSelected(securityName(sec))
	if s.Port != 0 {
		f.port.SetText(strconv.Itoa(s.Port))
	}
	if editing {
		f.password.SetPlaceHolder(tr("accounts.password.keep"))
	}
	return f
}

func defaultPort(p account.Protocol, s account.Security) int {
	switch {
	case p == account.IMAP && s == account.TLS:
		return 993
	case p == account.IMAP:
		return 143
	case s == account.TLS:
		return 465
	case s == account.StartTLS:
		return 587
	default:
		return 25
	}
}

func (f *serverForm) chosen() account.Security {
	for _, s := range securities {
		if securityName(s) == f.security.Selected {
			return s
		}
	}
	return account.TLS
}

// sectionRule is the thin line beside a section's heading in a form. A bare
// separator would be stretched to the height of the heading's row and
// drawn as a solid bar.
func sectionRule() fyne.CanvasObject {
	return container.NewVBox(layout.NewSpacer(), widget.NewSeparator(), layout.NewSpacer())
}

func (f *serverForm) items(title string) []*widget.FormItem {
	return []*widget.FormItem{
		{Text: title, Widget: sectionRule()},
		widget.NewFormItem(tr("accounts.host"), f.host),
		widget.NewFormItem(tr("accounts.port"), f.port),
		widget.NewFormItem(tr("accounts.security"), f.security),
		widget.NewFormItem(tr("accounts.user"), f.user),
		widget.NewFormItem(tr("accounts.password"), f.password),
	}
}

func (f *serverForm) server() account.Server {
	port, _ := strconv.Atoi(strings.TrimSpace(f.port.Text))
	return account.Server{Host: strings.TrimSpace(f.host.Text), Port: port, Security: f.chosen(),
		User: strings.TrimSpace(f.user.Text), Password: f.password.Text}
}

// edit opens the account dialog; a is nil for a new account. Saving needs
// the administrator password when one is set; Test connection does not.
func (p *accountsPage) edit(a *account.Account) {
	p.s.admin.require(func() {
		desk := p.s.u.c.Desk
		p.s.u.showAccountDialog(p.s.win, a, accountTarget{
			test: desk.TestConnection,
			save: func(ctx context.Context, acct account.Account, editing bool) error {
				if editing {
					return desk.UpdateAccount(ctx, acct)
				}
				_, err := desk.AddAccount(ctx, acct)
				return err
			},
			allowed: p.s.admin.open,
			saved:   p.reload,
		})
	})
}

// accountTarget is where the account dialog tests and keeps what it
// holds: the open profile's desk in Settings, the real profile from the
// demo banner (realprofile.go).
type accountTarget struct {
	test func(ctx context.Context, a account.Account) (mail.ConnectionReport, error)
	// save runs in a job; editing is false for a new account.
	save func(ctx context.Context, a account.Account, editing bool) error
	// allowed, when set, says whether saving is allowed now (the
	// administrator lock).
	allowed func() bool
	// saved runs on the UI goroutine after the dialog closed on a save.
	saved func()
}

// showAccountDialog opens the account dialog on win; a is nil for a new
// account. A failed save keeps the dialog and what was typed, and says
// why.
func (u *UI) showAccountDialog(win fyne.Window, a *account.Account, target accountTarget) {
	editing := a != nil
	if a == nil {
		a = &account.Account{}
	}
	address, name := newEntry(nil), newEntry(nil)
	address.SetText(a.Address)
	address.SetPlaceHolder("help@example.org")
	name.SetText(a.Name)
	imapForm := newServerForm(account.IMAP, a.IMAP, editing)
	smtpForm := newServerForm(account.SMTP, a.SMTP, editing)
	roots := widget.NewMultiLineEntry()
	roots.SetText(string(a.Trust.RootsPEM))
	roots.SetPlaceHolder(tr("accounts.roots.placeholder"))
	roots.SetMinRowsVisible(3)
	pins := newEntry(nil)
	pins.SetText(strings.Join(a.Trust.Pins, ", "))
	pins.SetPlaceHolder(tr("accounts.pins.placeholder"))

	items := []*widget.FormItem{
		widget.NewFormItem(tr("accounts.address"), address),
		widget.NewFormItem(tr("accounts.name"), name),
	}
	items = append(items, imapForm.items(tr("accounts.imap"))...)
	items = append(items, smtpForm.items(tr("accounts.smtp"))...)
	items = append(items,
		&widget.FormItem{Text: tr("accounts.trust"), Widget: sectionRule()},
		widget.NewFormItem(tr("accounts.roots"), roots),
		widget.NewFormItem(tr("accounts.pins"), pins),
	)
	result := widget.NewLabel("")
	result.Wrapping = fyne.TextWrapWord
	progress := widget.NewProgressBarInfinite()
	progress.Hide()

	collect := func() account.Account {
		out := account.Account{ID: a.ID, Address: strings.TrimSpace(address.Text), Name: strings.TrimSpace(name.Text),
			IMAP: imapForm.server(), SMTP: smtpForm.server()}
		if r := strings.TrimSpace(roots.Text); r != "" {
			out.Trust.RootsPEM = []byte(r + "\n")
		}
		for _, pin := range strings.FieldsFunc(pins.Text, func(r rune) bool { return r == ',' || r == '\n' }) {
			if pin = strings.TrimSpace(pin); pin != "" {
				out.Trust.Pins = append(out.Trust.Pins, pin)
			}
		}
		return out
	}
	showResult := func(text string, problem bool) {
		result.SetText(text)
		if problem {
			result.Importance = widget.DangerImportance
		} else {
			result.Importance = widget.SuccessImportance
		}
		result.Refresh()
	}
	var d *dialog.CustomDialog
	var test, save *widget.Button
	busy := func(b bool) {
		if b {
			test.Disable()
			save.Disable()
			progress.Show()
			progress.Start()
		} else {
			test.Enable()
			save.Enable()
			progress.Stop()
			progress.Hide()
		}
	}
	test = widget.NewButtonWithIcon(tr("accounts.test"), theme.SearchIcon(), func() {
		acct := collect()
		if err := acct.Validate(); err != nil {
			showResult(errorText(err), true)
			return
		}
		busy(true)
		showResult(tr("accounts.testing"), false)
		ctx := u.userCtx()
		u.jobs.run(func() {
			rep, err := target.test(ctx, acct)
			u.jobs.do(func() {
				busy(false)
				if err != nil {
					showResult(errorText(err), true)
					return
				}
				showResult(connectionText(rep), false)
			})
		})
	})
	save = widget.NewButtonWithIcon(tr("accounts.save"), theme.DocumentSaveIcon(), func() {
		acct := collect()
		if err := acct.Validate(); err != nil {
			showResult(errorText(err), true)
			return
		}
		if !editing && (acct.IMAP.Password == "" || acct.SMTP.Password == "") {
			showResult(tr("accounts.password.required"), true)
			return
		}
		if target.allowed != nil && !target.allowed() {
			showResult(tr("error.admin.required"), true)
			return
		}
		busy(true)
		ctx := u.userCtx()
		u.jobs.run(func() {
			err := target.save(ctx, acct, editing)
			u.jobs.do(func() {
				busy(false)
				if err != nil {
					showResult(errorText(err), true)
					return
				}
				d.Hide()
				target.saved()
			})
		})
	})
	save.Importance = widget.HighImportance
	cancel := widget.NewButton(tr("dialog.cancel"), func() { d.Hide() })
	title := tr("accounts.add.title")
	if editing {
		title = tr("accounts.edit.title")
	}
	form := widget.NewForm(items...)
	d = dialog.NewCustomWithoutButtons(title,
		container.NewBorder(nil, container.NewVBox(progress, result), nil, nil, container.NewVScroll(form)), win)
	d.SetButtons([]fyne.CanvasObject{cancel, test, save})
	d.Resize(dialogSize(win, 620, 640))
	showModal(win, d, nil)
}

// connectionText is what a working Test connection found.
func connectionText(rep mail.ConnectionReport) string {
	idle := tr("accounts.test.no-idle")
	if rep.Idle {
		idle = tr("accounts.test.idle")
	}
	sent := trf("accounts.test.sent", map[string]any{"Folder": rep.Sent})
	if rep.Sent == "" {
		sent = tr("accounts.test.no-sent")
	}
	return joinLines(tr("accounts.test.ok"), idle, sent)
}
