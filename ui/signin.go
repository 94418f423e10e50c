package ui

import (
	"context"
	"errors"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	ttwidget "github.com/dweymouth/fyne-tooltip/widget"

	"siegel/mail"
	"siegel/mail/account"
	"siegel/mail/account/oauth"
)

// signInTimeout bounds the wait for the browser to come back, as on the
// command line: a sign-in page left open does not hold the job forever.
const signInTimeout = 5 * time.Minute

// signInFunc signs in with browser opening the provider's page.
type signInFunc func(ctx context.Context, browser func(url string) error) error

// signIn runs an OAuth2 sign-in off the UI goroutine while win shows
// "Waiting for the browser…" with Cancel. The page opens in the system
// browser; when none can be started, the dialog shows the address to open
// by hand, with Copy, and goes on waiting. done runs on the UI goroutine
// with the outcome; an error that is context.Canceled means the agent
// cancelled (or the window closed), which needs no message.
func (u *UI) signIn(win fyne.Window, run signInFunc, done func(err error)) {
	ctx, cancel := context.WithTimeout(u.userCtx(), signInTimeout)
	msg := widget.NewLabel(tr("signin.waiting"))
	msg.Wrapping = fyne.TextWrapWord
	spinner := widget.NewActivity()
	spinner.Start()
	manual := container.NewVBox()
	manual.Hide()
	d := dialog.NewCustomWithoutButtons(tr("signin.title"),
		container.NewVBox(container.NewBorder(nil, nil, spinner, nil, msg), manual), win)
	d.SetButtons([]fyne.CanvasObject{widget.NewButton(tr("dialog.cancel"), func() { d.Hide() })})
	d.Resize(dialogSize(win, 520, 220))
	// However the dialog closes, the wait ends: the redirect listener
	// goes and the provider's answer, should it still come, is refused.
	showModal(win, d, cancel)

	browser := func(url string) error {
		err := oauth.OpenBrowser(url)
		if err == nil {
			return nil
		}
		u.jobs.do(func() {
			why := widget.NewLabel(trf("signin.no-browser", map[string]any{"Error": err.Error()}))
			why.Wrapping = fyne.TextWrapWord
			why.Importance = widget.WarningImportance
			link := newEntry(nil)
			link.SetText(url)
			copyBtn := widget.NewButtonWithIcon(tr("signin.copy"), theme.ContentCopyIcon(), func() {
				u.app.Clipboard().SetContent(url)
			})
			manual.Objects = []fyne.CanvasObject{why, container.NewBorder(nil, nil, nil, copyBtn, link)}
			manual.Show()
			manual.Refresh()
		})
		// SignIn waits for the browser the agent opens by hand.
		return nil
	}
	u.jobs.run(func() {
		err := run(ctx, browser)
		cancel()
		u.jobs.do(func() {
			spinner.Stop()
			d.Hide()
			done(err)
		})
	})
}

// signInAgain runs Desk.SignIn for a stored account whose provider refused
// its sign-in: sync and the outbox resume, and the desk announces it
// (AccountSignedIn), which takes the banner away.
func (u *UI) signInAgain(win fyne.Window, a account.Account, after func()) {
	desk := u.c.Desk
	u.signIn(win, func(ctx context.Context, browser func(string) error) error {
		return desk.SignIn(ctx, a.ID, browser)
	}, func(err error) {
		if err != nil && !errors.Is(err, context.Canceled) {
			showModal(win, dialog.NewInformation(tr("dialog.error"), signInErrorText(err), win), nil)
		}
		if after != nil {
			after()
		}
	})
}

// signInBar is the main window's line under the toolbar for each account
// whose provider refused its sign-in: "The sign-in of … has expired" with
// Sign in again. It follows the desk's AccountNeedsSignIn and
// AccountSignedIn events and, on opening, the accounts' stored mark.
type signInBar struct {
	u    *UI
	box  *fyne.Container
	need []account.Account
}

func newSignInBar(u *UI) *signInBar { return &signInBar{u: u} }

// object is the bar for the window's content; it is made anew with the
// window's content (a change of language) and reads the accounts again.
func (b *signInBar) object() fyne.CanvasObject {
	b.box = container.NewVBox()
	b.show()
	b.load()
	return b.box
}

// event follows the desk's sign-in events; the others pass.
func (b *signInBar) event(ev mail.Event) {
	switch ev.(type) {
	case mail.AccountNeedsSignIn, mail.AccountSignedIn:
		b.load()
		if s := b.u.settings; s != nil {
			s.accounts.reload()
		}
	}
}

// load reads which accounts wait for a sign-in: the event names only the
// account, and the stored mark is what the desk goes by.
func (b *signInBar) load() {
	desk, ctx := b.u.c.Desk, b.u.ctx
	b.u.jobs.run(func() {
		accts, err := desk.Accounts(ctx)
		if err != nil {
			// The window goes on; the desk logged the failure, and the next
			// event reads again.
			return
		}
		var need []account.Account
		for _, a := range accts {
			if a.UsesOAuth2() && a.NeedsSignIn {
				need = append(need, a)
			}
		}
		b.u.jobs.do(func() {
			b.need = need
			b.show()
		})
	})
}

func (b *signInBar) show() {
	if b.box == nil {
		return
	}
	b.box.Objects = nil
	for _, a := range b.need {
		b.box.Add(b.line(a))
	}
	if len(b.need) == 0 {
		// Hidden, or the toolbar's VBox pads an empty row.
		b.box.Hide()
	} else {
		b.box.Show()
	}
	b.box.Refresh()
}

// line is one account's warning: one line, so it never takes the
// articles' room; the provider's answer is its tooltip.
func (b *signInBar) line(a account.Account) fyne.CanvasObject {
	text := ttwidget.NewLabelWithStyle(trf("signin.banner", map[string]any{"Address": a.Address}), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	text.Truncation = fyne.TextTruncateEllipsis
	text.SetToolTip(tr("signin.banner.tip"))
	btn := ttwidget.NewButtonWithIcon(tr("signin.again"), theme.LoginIcon(), func() { b.u.signInAgain(b.u.win, a, nil) })
	btn.SetToolTip(trf("signin.again.tip", map[string]any{"Address": a.Address}))
	icon := widget.NewIcon(theme.WarningIcon())
	bg := canvas.NewRectangle(tinted(theme.ColorNameWarning, 90))
	return container.NewStack(bg, container.NewBorder(nil, nil, icon, btn, text))
}
