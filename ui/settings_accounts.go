package ui

import (
	"context"
	"errors"
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
	"siegel/mail/account/oauth"
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
		p.row,
		func(id widget.ListItemID, obj fyne.CanvasObject) {
			a := p.accounts[id]
			box := obj.(*fyne.Container)
			box.Objects[0].(*widget.Label).SetText(person(a.Name, a.Address))
			box.Objects[1].(*widget.Label).SetText(trf("accounts.servers", map[string]any{
				"IMAP": serverText(a.IMAP), "SMTP": serverText(a.SMTP)}))
			state := box.Objects[2].(*fyne.Container)
			p.showSignIn(a, state, state.Objects[0].(*widget.Label), state.Objects[1].(*widget.Button))
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

// row is the list's row: the account, its servers and, for an OAuth2
// account, the state of its sign-in with Sign in (hidden for a password
// account, whose row keeps the height of the others).
func (p *accountsPage) row() fyne.CanvasObject {
	title := boldLabel("")
	detail := widget.NewLabel("")
	detail.SizeName = theme.SizeNameCaptionText
	state := widget.NewLabel("")
	signIn := widget.NewButtonWithIcon(tr("accounts.signin"), theme.LoginIcon(), nil)
	line := container.NewHBox(state, signIn)
	line.Hide()
	return container.NewVBox(title, detail, line)
}

// showSignIn shows the sign-in state of an OAuth2 account in its row,
// with Sign in: an agent whose provider refused the stored sign-in signs
// in here, or from the main window's banner, without the administrator.
func (p *accountsPage) showSignIn(a account.Account, line *fyne.Container, state *widget.Label, btn *widget.Button) {
	if !a.UsesOAuth2() {
		line.Hide()
		return
	}
	line.Show()
	if a.NeedsSignIn {
		state.SetText(tr("accounts.oauth.state.again"))
		state.Importance = widget.WarningImportance
		btn.Importance = widget.HighImportance
	} else {
		state.SetText(tr("accounts.oauth.state.ok"))
		state.Importance = widget.SuccessImportance
		btn.Importance = widget.MediumImportance
	}
	state.Refresh()
	btn.OnTapped = func() { p.s.u.signInAgain(p.s.win, a, p.reload) }
	btn.Refresh()
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
			// The rows of OAuth2 accounts have the line of their sign-in;
			// every row is set, as a deleted account's height would stay
			// with its place.
			short := p.row().MinSize().Height
			tall := p.row().(*fyne.Container)
			tall.Objects[2].Show()
			for i, a := range accts {
				h := short
				if a.UsesOAuth2() {
					h = tall.MinSize().Height
				}
				p.list.SetItemHeight(i, h)
			}
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

// items are the server's form rows; an OAuth2 account has no password.
func (f *serverForm) items(title string, password bool) []*widget.FormItem {
	items := []*widget.FormItem{
		{Text: title, Widget: sectionRule()},
		widget.NewFormItem(tr("accounts.host"), f.host),
		widget.NewFormItem(tr("accounts.port"), f.port),
		widget.NewFormItem(tr("accounts.security"), f.security),
		widget.NewFormItem(tr("accounts.user"), f.user),
	}
	if password {
		items = append(items, widget.NewFormItem(tr("accounts.password"), f.password))
	}
	return items
}

// server is the server the fields hold; without password (OAuth2) a
// password typed before the choice changed is left out.
func (f *serverForm) server(password bool) account.Server {
	port, _ := strconv.Atoi(strings.TrimSpace(f.port.Text))
	s := account.Server{Host: strings.TrimSpace(f.host.Text), Port: port, Security: f.chosen(),
		User: strings.TrimSpace(f.user.Text)}
	if password {
		s.Password = f.password.Text
	}
	return s
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
// account. The address finds the servers (Find settings, or Enter in the
// address); a provider that refuses passwords gets its Sign in with …
// button in place of the password fields, and for a new account that
// button stores it. A failed save keeps the dialog and what was typed,
// and says why.
func (u *UI) showAccountDialog(win fyne.Window, a *account.Account, target accountTarget) {
	editing := a != nil
	if a == nil {
		a = &account.Account{}
	}
	address, name := newEntry(nil), newEntry(nil)
	address.SetText(a.Address)
	address.SetPlaceHolder("help@example.org")
	name.SetText(a.Name)
	signature := widget.NewMultiLineEntry()
	signature.SetText(a.Signature)
	signature.SetPlaceHolder(tr("accounts.signature.placeholder"))
	signature.SetMinRowsVisible(3)
	imapForm := newServerForm(account.IMAP, a.IMAP, editing)
	smtpForm := newServerForm(account.SMTP, a.SMTP, editing)
	roots := widget.NewMultiLineEntry()
	roots.SetText(string(a.Trust.RootsPEM))
	roots.SetPlaceHolder(tr("accounts.roots.placeholder"))
	roots.SetMinRowsVisible(3)
	pins := newEntry(nil)
	pins.SetText(strings.Join(a.Trust.Pins, ", "))
	pins.SetPlaceHolder(tr("accounts.pins.placeholder"))

	// The sign-in: a password, or OAuth2 with a provider's preset, or
	// with the endpoints an OAuth2 account was stored with when they are
	// no preset's.
	choices := []string{authPassword}
	for _, p := range presets() {
		choices = append(choices, p.Name)
	}
	initial := authPassword
	if a.UsesOAuth2() {
		initial = authCustom
		if p, ok := presetNamed(a.OAuth2.Provider); ok && p.AuthURL == a.OAuth2.AuthURL && p.TokenURL == a.OAuth2.TokenURL {
			initial = p.Name
		}
		if initial == authCustom {
			choices = append(choices, authCustom)
		}
	}
	label := func(choice string) string {
		switch choice {
		case authPassword:
			return tr("accounts.auth.password")
		case authCustom:
			return tr("accounts.auth.custom")
		}
		p, _ := presetNamed(choice)
		return trf("accounts.auth.oauth", map[string]any{"Provider": p.Title})
	}
	labels := make([]string, len(choices))
	for i, c := range choices {
		labels[i] = label(c)
	}
	authOf := func(l string) string {
		for _, c := range choices {
			if label(c) == l {
				return c
			}
		}
		return authPassword
	}
	authSel := widget.NewSelect(labels, nil)
	authSel.SetSelected(label(initial))
	usesOAuth2 := func() bool { return authOf(authSel.Selected) != authPassword }
	preset := func() *oauth.Preset {
		if p, ok := presetNamed(authOf(authSel.Selected)); ok {
			return &p
		}
		return nil
	}
	signIn := newAuthSection(a)

	find := newFinder(u, imapForm, smtpForm, authSel)
	find.authOf, find.label = authOf, label
	if editing {
		find.looked = a.Address
	}
	address.OnSubmitted = find.findIfNew
	// Looked up as the agent moves on from the address, as mail programs
	// do, not only on Enter.
	address.onFocusLost = func() { find.findIfNew(address.Text) }
	findRow := find.row(address)

	result := widget.NewLabel("")
	result.Wrapping = fyne.TextWrapWord
	progress := widget.NewProgressBarInfinite()
	progress.Hide()

	collect := func() account.Account {
		// From the account as it was: what the form does not show (the
		// history settings) stays.
		out := *a
		out.Token, out.NeedsSignIn = nil, false
		out.Address, out.Name = strings.TrimSpace(address.Text), strings.TrimSpace(name.Text)
		out.Signature = signature.Text
		oauth2 := usesOAuth2()
		out.IMAP, out.SMTP = imapForm.server(!oauth2), smtpForm.server(!oauth2)
		out.Trust.RootsPEM, out.Trust.Pins = nil, nil
		if r := strings.TrimSpace(roots.Text); r != "" {
			out.Trust.RootsPEM = []byte(r + "\n")
		}
		for _, pin := range strings.FieldsFunc(pins.Text, func(r rune) bool { return r == ',' || r == '\n' }) {
			if pin = strings.TrimSpace(pin); pin != "" {
				out.Trust.Pins = append(out.Trust.Pins, pin)
			}
		}
		if !oauth2 {
			if out.UsesOAuth2() {
				out.Auth = account.AuthPassword
			}
			out.OAuth2 = account.OAuth2{}
			return out
		}
		out.Auth = account.AuthOAuth2
		out.OAuth2 = signIn.settings(preset(), a.OAuth2)
		out.OAuth2.RefreshToken = ""
		// The bearer logins name the user beside the token: the address,
		// unless another name was typed.
		if out.IMAP.User == "" {
			out.IMAP.User = out.Address
		}
		if out.SMTP.User == "" {
			out.SMTP.User = out.Address
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
		for _, btn := range []*widget.Button{test, save, signIn.button, find.button} {
			if b {
				btn.Disable()
			} else {
				btn.Enable()
			}
		}
		if b {
			progress.Show()
			progress.Start()
		} else {
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
		// A stored OAuth2 account tests with its stored sign-in; one not
		// signed in yet has no token to test with.
		if acct.UsesOAuth2() && (!editing || !a.UsesOAuth2()) {
			showResult(tr("accounts.oauth.signin-first"), true)
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
	store := func(acct account.Account) {
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
	}
	save = widget.NewButtonWithIcon(tr("accounts.save"), theme.DocumentSaveIcon(), func() {
		acct := collect()
		if err := acct.Validate(); err != nil {
			showResult(errorText(err), true)
			return
		}
		switch {
		case !acct.UsesOAuth2() && !editing && (acct.IMAP.Password == "" || acct.SMTP.Password == ""):
			showResult(tr("accounts.password.required"), true)
			return
		case acct.UsesOAuth2() && !a.UsesOAuth2():
			// Stored without a sign-in, the account could only fail.
			showResult(tr("accounts.oauth.signin-first"), true)
			return
		case target.allowed != nil && !target.allowed():
			showResult(tr("error.admin.required"), true)
			return
		}
		store(acct)
	})
	save.Importance = widget.HighImportance
	signIn.button = widget.NewButtonWithIcon("", theme.LoginIcon(), func() {
		acct := collect()
		if err := acct.Validate(); err != nil {
			showResult(errorText(err), true)
			return
		}
		if target.allowed != nil && !target.allowed() {
			showResult(tr("error.admin.required"), true)
			return
		}
		busy(true)
		showResult("", false)
		u.signIn(win, func(ctx context.Context, browser func(string) error) error {
			// Signed in before anything is stored, as on the command
			// line: a refused sign-in leaves no account behind.
			tok, err := oauth.SignIn(ctx, acct.OAuth2, &oauth.SignInOptions{Browser: browser, LoginHint: acct.Address})
			if err != nil {
				return err
			}
			src := oauth.NewSource(acct.OAuth2, tok, nil)
			acct.Token = src.Token
			acct.OAuth2.RefreshToken = src.RefreshToken()
			return target.save(ctx, acct, editing)
		}, func(err error) {
			busy(false)
			switch {
			case errors.Is(err, context.Canceled):
				showResult("", false)
			case err != nil:
				showResult(signInErrorText(err), true)
			default:
				d.Hide()
				target.saved()
			}
		})
	})
	signIn.button.Importance = widget.HighImportance

	formBox := container.NewStack()
	layoutForm := func() {
		oauth2 := usesOAuth2()
		items := []*widget.FormItem{
			widget.NewFormItem(tr("accounts.address"), address),
			widget.NewFormItem("", findRow),
			widget.NewFormItem(tr("accounts.name"), name),
			widget.NewFormItem(tr("accounts.signature"), signature),
			widget.NewFormItem(tr("accounts.auth"), authSel),
		}
		items = append(items, imapForm.items(tr("accounts.imap"), !oauth2)...)
		items = append(items, smtpForm.items(tr("accounts.smtp"), !oauth2)...)
		if oauth2 {
			items = append(items, signIn.items(preset())...)
		}
		items = append(items,
			&widget.FormItem{Text: tr("accounts.trust"), Widget: sectionRule()},
			widget.NewFormItem(tr("accounts.roots"), roots),
			widget.NewFormItem(tr("accounts.pins"), pins),
		)
		formBox.Objects = []fyne.CanvasObject{widget.NewForm(items...)}
		formBox.Refresh()
		// A new OAuth2 account is tested and stored by its sign-in.
		if !editing && oauth2 {
			test.Hide()
			save.Hide()
		} else {
			test.Show()
			save.Show()
		}
	}
	layoutForm()
	authSel.OnChanged = func(string) { layoutForm() }

	cancel := widget.NewButton(tr("dialog.cancel"), func() { d.Hide() })
	title := tr("accounts.add.title")
	if editing {
		title = tr("accounts.edit.title")
	}
	d = dialog.NewCustomWithoutButtons(title,
		container.NewBorder(nil, container.NewVBox(progress, result), nil, nil, container.NewVScroll(formBox)), win)
	d.SetButtons([]fyne.CanvasObject{cancel, test, save})
	d.Resize(dialogSize(win, 620, 680))
	showModal(win, d, find.stop)
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
