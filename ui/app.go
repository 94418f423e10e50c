package ui

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"

	"siegel/mail"
)

// The settings of the Security page that only the UI reads. The cipher
// and key transport are the mail core's (mail.SettingCipher,
// mail.SettingKeyTransport).
const (
	settingSMIME          = "smime.enabled"
	settingSignDefault    = "smime.sign_default"
	settingEncryptDefault = "smime.encrypt_default"
)

// settingReplySplit is where the agent left the divider between the
// articles and an open reply: the articles' share of the pane. It is the
// profile's, as the agent's habit, not the screen's.
const settingReplySplit = "ui.reply_split"

// defaultReplySplit leaves the articles a little more than half.
const defaultReplySplit = 0.55

// secSettings are the Security page's switches as the views need them.
type secSettings struct {
	enabled        bool // S/MIME on: security bars and Encrypt/Sign shown
	signDefault    bool
	encryptDefault bool // when possible
}

var defaultSecSettings = secSettings{enabled: true, signDefault: true, encryptDefault: true}

// Options adjust New.
type Options struct {
	// Prompter is the profile's passphrase dialog; New gives it the main
	// window. Nil when the profile was opened without one.
	Prompter *Prompter
	// Real, when set, lets the banner offer to add the agent's own account
	// to the real profile and switch the window to it (the demo, see
	// realprofile.go).
	Real *RealProfile
	// Placement, when set, lets FitScreen size and place the window on
	// the desktop's screens.
	Placement Placement
	// DemoFolder, in the demo, is its folder of sample files (the
	// certificates and keys to import): the file dialogs start there
	// until the agent chooses a file elsewhere (filedialogs.go).
	DemoFolder string
}

// UI is Siegel's window over the cores: the main window and, when open,
// the settings window.
type UI struct {
	app      fyne.App
	c        Cores
	win      fyne.Window
	keys     *keymap
	jobs     *jobs
	ctx      context.Context
	cancel   context.CancelFunc
	prompter *Prompter

	sec       secSettings
	bannerKey string
	real      *RealProfile
	place     Placement
	// room is what a window may take of the screen, in Fyne's units
	// (zero: not known, see FitScreen).
	room fyne.Size
	// replySplit is the share of the ticket pane the articles get above
	// an open reply (the profile's settingReplySplit).
	replySplit float64
	// demoFolder is Options.DemoFolder as a file URI ("" outside the
	// demo); lastFolder is the folder the agent last chose a file in
	// during this run of the demo (filedialogs.go).
	demoFolder, lastFolder string

	detached bool // the window no longer shows this UI's views
	// switching is the work of a switch to the real profile that runs off
	// the UI goroutine (closing the demo); next is the UI the window
	// switched to, with its cores, both this UI's to close.
	switching sync.WaitGroup
	nextMu    sync.Mutex
	next      *UI
	nextParts Opened

	main     *mainView
	settings *settingsWindow

	refresh    *debouncer   // coalesces the list refreshes of a burst of events
	opened     *openedFiles // copies of attachments handed to other applications
	stopEvents func()
	stopStore  func()
}

// New builds the main window over the cores; show it with
// Window().ShowAndRun(). The cores stay the caller's: Close the UI before
// closing them.
func New(a fyne.App, c Cores, o Options) *UI {
	return newUI(a, c, o, &jobs{})
}

// newUI is New with the jobs runner the tests choose (see jobs.go).
func newUI(a fyne.App, c Cores, o Options, j *jobs) *UI {
	initLanguage(a)
	win := a.NewWindow("Siegel")
	win.SetIcon(AppIcon())
	win.SetMaster()
	win.Resize(fyne.NewSize(
		float32(a.Preferences().FloatWithFallback(prefWidth, float64(comfortable.Width))),
		float32(a.Preferences().FloatWithFallback(prefHeight, float64(comfortable.Height)))))
	return newUIOn(a, win, c, o, j)
}

// FitScreen sizes and places the main window on the screen (see
// placeWindow): where and as large as it last was when that still fits,
// else at a share of the screen, centred. Call it once the window is
// shown: only then does it know its scale.
func (u *UI) FitScreen() {
	if u.place == nil {
		return
	}
	prefs := u.app.Preferences()
	last := geometry{size: fyne.NewSize(float32(prefs.Float(prefWidth)), float32(prefs.Float(prefHeight)))}
	if prefs.Bool(prefPlaced) {
		last.x, last.y, last.placed = prefs.Int(prefX), prefs.Int(prefY), true
	}
	screens, scale := u.place.Screens(), u.win.Canvas().Scale()
	size, x, y, ok := placeWindow(screens, scale, last)
	if !ok {
		return
	}
	u.room = available(screens[0], scale)
	u.win.Resize(size)
	u.place.Move(u.win, x, y)
}

// fitRoom is a window size made to fit the screen, when its size is
// known (see FitScreen).
func (u *UI) fitRoom(size fyne.Size) fyne.Size {
	if u.room.IsZero() {
		return size
	}
	return size.Min(u.room)
}

// keepPlace remembers where the window stands, while it still does.
func (u *UI) keepPlace() {
	if u.place == nil {
		return
	}
	if x, y, ok := u.place.Position(u.win); ok {
		prefs := u.app.Preferences()
		prefs.SetInt(prefX, x)
		prefs.SetInt(prefY, y)
		prefs.SetBool(prefPlaced, true)
	}
}

// Quit ends the application as closing the window would, remembering
// the window's place first (a quit closes the window without asking it).
func (u *UI) Quit() {
	u.keepPlace()
	u.app.Quit()
}

// newUIOn builds the UI in a window that already exists: the main
// window of another UI, when the window switches to other cores. The
// master window stays the same, so the application does not quit.
func newUIOn(a fyne.App, win fyne.Window, c Cores, o Options, j *jobs) *UI {
	u := &UI{app: a, c: c, win: win, keys: newKeymap(), jobs: j, prompter: o.Prompter, real: o.Real, sec: defaultSecSettings,
		place: o.Placement, replySplit: defaultReplySplit}
	if o.DemoFolder != "" {
		u.demoFolder = storage.NewFileURI(o.DemoFolder).String()
	}
	u.ctx, u.cancel = context.WithCancel(context.Background())
	u.refresh = newDebouncer(u.jobs, refreshDelay)
	u.opened = &openedFiles{}
	u.main = newMainView(u)
	u.main.build()
	u.bindKeys()
	win.SetCloseIntercept(func() {
		u.keepPlace()
		win.Close()
	})
	if u.prompter != nil {
		u.prompter.setWindow(u.win)
	}
	u.stopEvents = c.Desk.Subscribe(u.onEvent)
	u.stopStore = c.Store.OnChange(func() { u.jobs.post(u.storeChanged) })
	u.jobs.run(u.loadSettings)
	u.main.list.reload()
	return u
}

// Window is the main window.
func (u *UI) Window() fyne.Window { return u.win }

// SetBanner shows the text of a translation key in a banner under the
// toolbar (the demo mode's "demo.banner" says there that nothing leaves the
// computer), with the text of key+".detail", when there is one, as its
// tooltip; "" hides it. The texts follow a change of language.
func (u *UI) SetBanner(key string) {
	u.bannerKey = key
	u.main.showBanner()
}

// closeWait is how long Close lets the running jobs finish (keeping a
// draft, say) before it cancels them.
const closeWait = 5 * time.Second

// Close ends the UI's work: it stops listening to the cores, keeps what
// the composers hold as drafts, and waits for the running jobs (cancelling
// them after a while: a job may wait for a dialog that will not come).
// Call it after the window closed, before closing the cores.
//
// When the window switched to the real profile, Close also closes the UI
// it switched to and then that profile's cores.
func (u *UI) Close() {
	u.detach()
	u.finish()
	u.opened.remove()
	u.switching.Wait()
	u.nextMu.Lock()
	next, parts := u.next, u.nextParts
	u.next, u.nextParts = nil, nil
	u.nextMu.Unlock()
	if next != nil {
		next.Close()
		parts.Close()
	}
}

// detach stops the UI's share of the window: it no longer listens to the
// cores, keeps the composers' text as drafts, and drops the results of
// jobs still running. It runs on the UI goroutine, once.
func (u *UI) detach() {
	if u.detached {
		return
	}
	u.detached = true
	u.stopEvents()
	u.stopStore()
	u.main.flushDrafts()
	u.jobs.closed.Store(true)
	u.refresh.stop()
	u.main.searchDelay.stop()
}

// finish waits for the running jobs, cancelling them after a while; it
// may block, so not on the UI goroutine while the window runs.
func (u *UI) finish() {
	if !u.jobs.waitFor(closeWait) {
		u.cancel()
	}
	u.cancel()
	u.jobs.wait()
}

// The user's own actions carry this in their context, so the passphrase
// dialog appears for them even after the agent once cancelled it (the
// desk's background work then goes without).
type userKey struct{}

// userCtx is the context of a job the agent started.
func (u *UI) userCtx() context.Context {
	return context.WithValue(u.ctx, userKey{}, true)
}

func isUserCtx(ctx context.Context) bool {
	v, _ := ctx.Value(userKey{}).(bool)
	return v
}

// loadSettings reads the Security switches.
func (u *UI) loadSettings() {
	s := defaultSecSettings
	get := func(key string, def bool) bool {
		v, err := u.c.Profile.Setting(u.ctx, key, strconv.FormatBool(def))
		if err != nil {
			return def
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return def
		}
		return b
	}
	s.enabled = get(settingSMIME, s.enabled)
	s.signDefault = get(settingSignDefault, s.signDefault)
	s.encryptDefault = get(settingEncryptDefault, s.encryptDefault)
	split := defaultReplySplit
	if v, err := u.c.Profile.Setting(u.ctx, settingReplySplit, ""); err == nil {
		if f, err := strconv.ParseFloat(v, 64); err == nil && f > 0 && f < 1 {
			split = f
		}
	}
	u.jobs.do(func() {
		u.replySplit = split
		u.setSecurity(s)
	})
}

// keepReplySplit remembers where the agent left the divider above a
// reply, for the next ticket and the next start.
func (u *UI) keepReplySplit(offset float64) {
	if offset <= 0 || offset >= 1 || offset == u.replySplit {
		return
	}
	u.replySplit = offset
	prof, ctx := u.c.Profile, u.ctx
	value := strconv.FormatFloat(offset, 'f', 3, 64)
	u.jobs.run(func() { prof.SetSetting(ctx, settingReplySplit, value) })
}

// setSecurity applies changed Security switches to every view.
func (u *UI) setSecurity(s secSettings) {
	if s == u.sec {
		return
	}
	u.sec = s
	u.main.securityChanged()
}

// onEvent receives the desk's events on its goroutines.
func (u *UI) onEvent(ev mail.Event) {
	u.jobs.post(func() { u.main.event(ev) })
}

// storeChanged follows an import or deletion: the composer's toggles and
// the settings window's list may change.
func (u *UI) storeChanged() {
	u.main.storeChanged()
	if u.settings != nil {
		u.settings.certs.reload()
	}
}

// showError tells the agent what went wrong, in a dialog on win.
func showError(win fyne.Window, err error) {
	if err == nil || errors.Is(err, context.Canceled) {
		return
	}
	showModal(win, errorDialog(win, err), nil)
}

// rebuild builds the windows again, after the language changed.
func (u *UI) rebuild() {
	u.main.rebuild()
	if u.settings != nil {
		u.settings.rebuild()
	}
}
