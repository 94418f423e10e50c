package ui

import (
	"context"
	"errors"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"siegel/crypto/vault"
	"siegel/profile"
)

// Prompter asks for the profile passphrase in a dialog. Its Passphrase
// method is the profile's PassphraseFunc: the profile calls it from the
// goroutine that first needs a secret (a job, the desk's sync or outbox),
// never from the UI goroutine, and it waits there for the dialog.
//
// A new passphrase is asked twice. An existing one is checked with verify
// before it is handed over, and asked again with the error shown until it
// is right or the agent cancels. After a cancel, background work goes on
// without secrets (ErrNoPassphrase) rather than asking again and again;
// the agent's next own action asks again.
//
// With a Keyring (SetKeyring), the dialog offers to remember the
// passphrase, and the first time an existing one is needed the
// remembered one is tried before any dialog shows.
type Prompter struct {
	verify  func(ctx context.Context, pw []byte) error
	keyring Keyring
	// recalled: the keyring was tried once; after that only the dialog
	// answers (a remembered passphrase is right or forgotten).
	recalled bool

	mu       sync.Mutex
	win      fyne.Window
	ready    chan struct{} // closed when the window is known
	declined bool
	asking   sync.Mutex // one dialog at a time

	// shown, if set, is told when a dialog is on screen (tests).
	shown func(*passDialog)
}

// NewPrompter returns a Prompter; verify checks an existing passphrase
// (profile.Profile.VerifyPassphrase) and may be nil.
func NewPrompter(verify func(ctx context.Context, pw []byte) error) *Prompter {
	return &Prompter{verify: verify, ready: make(chan struct{})}
}

// SetVerify sets the check of an existing passphrase, for a Prompter made
// before the profile it serves was opened.
func (p *Prompter) SetVerify(verify func(ctx context.Context, pw []byte) error) {
	p.mu.Lock()
	p.verify = verify
	p.mu.Unlock()
}

func (p *Prompter) setWindow(w fyne.Window) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.win == nil {
		close(p.ready)
	}
	p.win = w
}

// Passphrase asks for the profile passphrase (a profile.PassphraseFunc).
func (p *Prompter) Passphrase(ctx context.Context, create bool) ([]byte, error) {
	p.mu.Lock()
	declined, verify, kr := p.declined, p.verify, p.keyring
	recall := kr != nil && verify != nil && !create && !p.recalled
	if recall {
		p.recalled = true
	}
	p.mu.Unlock()
	if recall {
		if pw, ok := kr.Recalled(ctx, verify); ok {
			return pw, nil
		}
	}
	if declined && !isUserCtx(ctx) {
		return nil, profile.ErrNoPassphrase
	}
	select {
	case <-p.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	p.asking.Lock()
	defer p.asking.Unlock()
	problem := ""
	for {
		pw, remember, ok := p.ask(ctx, create, problem, kr != nil)
		if !ok {
			p.mu.Lock()
			p.declined = true
			p.mu.Unlock()
			return nil, profile.ErrNoPassphrase
		}
		if create || verify == nil {
			p.setDeclined(false)
			p.remember(kr, remember, pw)
			return pw, nil
		}
		err := verify(ctx, pw)
		switch {
		case err == nil:
			p.setDeclined(false)
			p.remember(kr, remember, pw)
			return pw, nil
		case errors.Is(err, vault.ErrWrongPassphrase):
			problem = errorText(err)
		default:
			return nil, err
		}
	}
}

func (p *Prompter) setDeclined(d bool) {
	p.mu.Lock()
	p.declined = d
	p.mu.Unlock()
}

// passDialog is one passphrase dialog on screen.
type passDialog struct {
	dlg          dialog.Dialog
	first, again *entry
	create       bool // a new passphrase, asked twice
	problem      *widget.Label
	remember     *widget.Check // nil without a keyring
	answer       chan []byte   // nil: cancelled
	result       []byte        // what closing the dialog answers
	once         sync.Once
}

// reply gives the answer once; closing the dialog any other way cancels.
func (d *passDialog) reply(pw []byte) {
	d.once.Do(func() { d.answer <- pw })
}

// ask shows the dialog, with the "remember" checkbox when offerRemember,
// and waits for the answer; ok is false when the agent cancelled, and
// remember says whether the box was ticked.
func (p *Prompter) ask(ctx context.Context, create bool, problem string, offerRemember bool) (pw []byte, remember, ok bool) {
	p.mu.Lock()
	win := p.win
	p.mu.Unlock()
	d := &passDialog{answer: make(chan []byte, 1)}
	fyne.Do(func() {
		d.show(win, create, problem, offerRemember)
		if p.shown != nil {
			p.shown(d)
		}
	})
	select {
	case pw := <-d.answer:
		// The dialog is closed: its checkbox no longer changes.
		return pw, d.remember != nil && d.remember.Checked, pw != nil
	case <-ctx.Done():
		fyne.Do(func() {
			if d.dlg != nil {
				d.dlg.Hide()
			}
		})
		return nil, false, false
	}
}

func (d *passDialog) show(win fyne.Window, create bool, problem string, offerRemember bool) {
	d.first = newPasswordEntry()
	d.again = newPasswordEntry()
	d.create = create
	d.problem = widget.NewLabel(problem)
	d.problem.Wrapping = fyne.TextWrapWord
	d.problem.Importance = widget.DangerImportance
	if problem == "" {
		d.problem.Hide()
	}
	title, intro := tr("passphrase.title"), tr("passphrase.intro")
	items := []*widget.FormItem{widget.NewFormItem(tr("passphrase.label"), d.first)}
	if create {
		title, intro = tr("passphrase.create.title"), tr("passphrase.create.intro")
		items = append(items, widget.NewFormItem(tr("passphrase.repeat"), d.again))
	}
	form := widget.NewForm(items...)
	content := container.NewVBox(wrapLabel(intro), form)
	if offerRemember {
		d.remember = widget.NewCheck(tr("passphrase.remember"), nil)
		content.Add(d.remember)
	}
	content.Add(d.problem)
	submit := func() {
		pw := d.first.Text
		switch {
		case pw == "":
			d.setProblem(tr("error.profile.empty-passphrase"))
			return
		case create && pw != d.again.Text:
			d.setProblem(tr("passphrase.differ"))
			return
		}
		// Hide first, answer last: the waiting goroutine may show the
		// next dialog at once.
		d.result = []byte(pw)
		d.dlg.Hide()
	}
	d.first.OnSubmitted = func(string) {
		if create {
			win.Canvas().Focus(d.again)
			return
		}
		submit()
	}
	d.again.OnSubmitted = func(string) { submit() }
	ok := widget.NewButton(tr("dialog.ok"), submit)
	ok.Importance = widget.HighImportance
	cancel := widget.NewButton(tr("dialog.cancel"), func() { d.dlg.Hide() })
	cd := dialog.NewCustomWithoutButtons(title, content, win)
	cd.SetButtons([]fyne.CanvasObject{cancel, ok})
	d.dlg = cd
	d.dlg.Resize(fyne.NewSize(440, d.dlg.MinSize().Height))
	showModal(win, cd, func() { d.reply(d.result) })
	win.Canvas().Focus(d.first)
}

func (d *passDialog) setProblem(text string) {
	d.problem.SetText(text)
	d.problem.Show()
}
