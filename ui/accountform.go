package ui

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"siegel/mail/account"
	"siegel/mail/account/discover"
	"siegel/mail/account/oauth"
)

// discoverOptions adjust the account form's look-up of the servers; nil
// (the application) asks the system's resolver and the public web. Tests
// point it at a DNS server and an HTTPS server on loopback.
var discoverOptions *discover.Options

// presets are the OAuth2 providers the account form offers. Tests put an
// authorization server on loopback in a provider's place, so a sign-in
// runs end to end without Microsoft's or Google's servers.
var presets = oauth.Presets

// presetNamed returns the form's preset of the provider named name
// ("microsoft", "google").
func presetNamed(name string) (oauth.Preset, bool) {
	for _, p := range presets() {
		if strings.EqualFold(p.Name, name) {
			return p, true
		}
	}
	return oauth.Preset{}, false
}

// The sign-in choices of the account form besides the presets' names.
const (
	authPassword = "password"
	// authCustom is an account whose OAuth2 endpoints were given by hand
	// (siegel account add --oauth2-auth-url …): the form keeps them.
	authCustom = "custom"
)

// finder fills the account form from the e-mail address (discover). It
// remembers what it (or the dialog, on opening) last put into each field:
// a field that holds something else was typed by hand and is left alone.
type finder struct {
	u      *UI
	imap   *serverForm
	smtp   *serverForm
	auth   *widget.Select
	authOf func(label string) string // the choice of an auth label
	label  func(choice string) string

	status  *widget.Label
	spinner *widget.Activity
	button  *widget.Button

	auto   map[fyne.CanvasObject]string
	cancel context.CancelFunc
	gen    int
	looked string // the address of the last look-up
}

func newFinder(u *UI, imap, smtp *serverForm, auth *widget.Select) *finder {
	f := &finder{u: u, imap: imap, smtp: smtp, auth: auth, auto: map[fyne.CanvasObject]string{}}
	f.status = widget.NewLabel("")
	f.status.Wrapping = fyne.TextWrapWord
	f.spinner = widget.NewActivity()
	f.spinner.Hide()
	for _, s := range []*serverForm{imap, smtp} {
		f.auto[s.host], f.auto[s.port], f.auto[s.user] = s.host.Text, s.port.Text, s.user.Text
		f.auto[s.security] = s.security.Selected
	}
	f.auto[auth] = auth.Selected
	return f
}

// row is the form's line under the address: Find settings, the spinner
// and where the settings came from.
func (f *finder) row(address *entry) fyne.CanvasObject {
	f.button = widget.NewButtonWithIcon(tr("accounts.find"), theme.SearchIcon(), func() { f.find(address.Text) })
	return container.NewBorder(nil, nil, container.NewHBox(f.button, f.spinner), nil, f.status)
}

// find looks up the settings of addr off the UI goroutine; a look-up still
// running is cancelled, and its answer, should it come, is dropped.
func (f *finder) find(addr string) {
	addr = strings.TrimSpace(addr)
	if f.cancel != nil {
		f.cancel()
	}
	f.gen++
	gen := f.gen
	f.looked = addr
	if addr == "" {
		f.show(tr("accounts.find.address"), widget.WarningImportance)
		return
	}
	ctx, cancel := context.WithCancel(f.u.userCtx())
	f.cancel = cancel
	f.spinner.Show()
	f.spinner.Start()
	_, domain, _ := strings.Cut(addr, "@")
	f.show(trf("accounts.finding", map[string]any{"Domain": domain}), widget.MediumImportance)
	opts := discoverOptions
	f.u.jobs.run(func() {
		r, err := discover.Discover(ctx, addr, opts)
		f.u.jobs.do(func() {
			if gen != f.gen {
				return
			}
			cancel()
			f.cancel = nil
			f.spinner.Stop()
			f.spinner.Hide()
			f.found(r, err)
		})
	})
}

// findIfNew looks the address up unless it was the last one looked up
// (the agent pressed Enter again, or came back to the field).
func (f *finder) findIfNew(addr string) {
	if strings.TrimSpace(addr) != f.looked {
		f.find(addr)
	}
}

// stop cancels a look-up still running (the dialog closed).
func (f *finder) stop() {
	if f.cancel != nil {
		f.cancel()
		f.cancel = nil
	}
	f.gen++
}

func (f *finder) show(text string, imp widget.Importance) {
	f.status.SetText(text)
	f.status.Importance = imp
	f.status.Refresh()
}

// found fills in what the look-up found and says where it came from.
func (f *finder) found(r *discover.Result, err error) {
	switch {
	case errors.Is(err, context.Canceled):
		f.show("", widget.MediumImportance)
		return
	case errors.Is(err, discover.ErrNotFound):
		f.show(tr("accounts.found.none"), widget.WarningImportance)
		return
	case errors.Is(err, account.ErrAddress):
		f.show(tr("accounts.find.address"), widget.WarningImportance)
		return
	case err != nil:
		f.show(trf("accounts.found.error", map[string]any{"Error": err.Error()}), widget.WarningImportance)
		return
	}
	f.fill(f.imap, r.IMAP)
	f.fill(f.smtp, r.SMTP)
	choice := authPassword
	if r.OAuth2 {
		if p, ok := oauth.ForProvider(r.Provider); ok {
			choice = p.Name
		}
	}
	if f.auth.Selected == f.auto[f.auth] && choice != f.authOf(f.auth.Selected) {
		// The select's OnChanged lays the form out for the choice.
		f.auth.SetSelected(f.label(choice))
		f.auto[f.auth] = f.auth.Selected
	}
	f.show(foundText(r), widget.SuccessImportance)
}

// fill puts a server found into a server's fields that were not typed by
// hand.
func (f *finder) fill(sf *serverForm, s account.Server) {
	set := func(e *entry, v string) {
		if e.Text == f.auto[e] {
			e.SetText(v)
			f.auto[e] = v
		}
	}
	set(sf.host, s.Host)
	// The security's choice moves the port along: decide on the port
	// before.
	portAuto := sf.port.Text == f.auto[sf.port]
	if name := securityName(s.Security); sf.security.Selected == f.auto[sf.security] {
		sf.security.SetSelected(name)
		f.auto[sf.security] = name
	}
	if portAuto && s.Port != 0 {
		sf.port.SetText(strconv.Itoa(s.Port))
		f.auto[sf.port] = sf.port.Text
	}
	set(sf.user, s.User)
}

// foundText says where the settings came from.
func foundText(r *discover.Result) string {
	data := map[string]any{"Detail": r.Detail, "Provider": r.Provider}
	switch r.Source {
	case discover.Autoconfig:
		return trf("accounts.found.autoconfig", data)
	case discover.SRV:
		return trf("accounts.found.srv", data)
	case discover.MXProfile:
		return trf("accounts.found.mx", data)
	}
	return r.Origin()
}

// authSection is the OAuth2 part of the account form: the client ID of
// the organisation's registration (and the secret, for Google), the
// Sign in with … button and the state of the sign-in.
type authSection struct {
	clientID, secret *entry
	button           *widget.Button
	state            *widget.Label
}

func newAuthSection(a *account.Account) *authSection {
	s := &authSection{clientID: newEntry(nil), secret: newEntry(nil), state: widget.NewLabel("")}
	s.state.Wrapping = fyne.TextWrapWord
	s.clientID.SetPlaceHolder(tr("accounts.oauth.client-id.placeholder"))
	s.secret.SetPlaceHolder(tr("accounts.oauth.client-secret.placeholder"))
	if a.UsesOAuth2() {
		s.clientID.SetText(a.OAuth2.ClientID)
		s.secret.SetText(a.OAuth2.ClientSecret)
		if a.ID != 0 {
			if a.NeedsSignIn {
				s.state.SetText(tr("accounts.oauth.state.again"))
				s.state.Importance = widget.WarningImportance
			} else {
				s.state.SetText(tr("accounts.oauth.state.ok"))
				s.state.Importance = widget.SuccessImportance
			}
		}
	}
	return s
}

// items are the form rows of the sign-in with preset p (nil: the
// account's own endpoints).
func (s *authSection) items(p *oauth.Preset) []*widget.FormItem {
	title := tr("accounts.oauth.other")
	if p != nil {
		title = p.Title
	}
	s.button.SetText(trf("accounts.oauth.signin", map[string]any{"Provider": title}))
	items := []*widget.FormItem{
		{Text: tr("accounts.oauth"), Widget: sectionRule()},
		{Text: tr("accounts.oauth.client-id"), Widget: s.clientID, HintText: tr("accounts.oauth.client-id.hint")},
	}
	if p == nil || p.Name == oauth.Google.Name || s.secret.Text != "" {
		items = append(items, widget.NewFormItem(tr("accounts.oauth.client-secret"), s.secret))
	}
	items = append(items, widget.NewFormItem("", container.NewBorder(nil, nil, s.button, nil, s.state)))
	return items
}

// settings are the OAuth2 settings the form holds: the preset's endpoints
// (or the account's own, for p nil) with the client typed in.
func (s *authSection) settings(p *oauth.Preset, own account.OAuth2) account.OAuth2 {
	id, secret := strings.TrimSpace(s.clientID.Text), strings.TrimSpace(s.secret.Text)
	if p == nil {
		own.ClientID, own.ClientSecret = id, secret
		return own
	}
	return p.Settings(id, secret)
}

// signInErrorText says why a sign-in failed, in words that say what to do.
func signInErrorText(err error) string {
	switch {
	case errors.Is(err, oauth.ErrDenied):
		return tr("signin.error.denied")
	case errors.Is(err, oauth.ErrState):
		return tr("signin.error.state")
	case errors.Is(err, oauth.ErrNoRefreshToken):
		return tr("signin.error.no-refresh")
	case errors.Is(err, oauth.ErrSignInAgain):
		return tr("signin.error.refused")
	case errors.Is(err, context.DeadlineExceeded):
		return tr("signin.error.timeout")
	}
	return errorText(err)
}
