package oauth

import (
	"slices"
	"strings"

	"siegel/mail/account"
)

// Preset is a provider's endpoints and the scopes that IMAP and SMTP need.
type Preset struct {
	Name     string // "microsoft", "google"
	Title    string // for "Sign in with …"
	AuthURL  string
	TokenURL string
	Scopes   []string
	// params are added to the authorization request.
	params map[string]string
}

// The presets. Microsoft's "common" tenant lets users of any tenant sign
// in; the app registration decides which ones may.
var (
	Microsoft = Preset{
		Name: "microsoft", Title: "Microsoft",
		AuthURL:  "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
		TokenURL: "https://login.microsoftonline.com/common/oauth2/v2.0/token",
		Scopes: []string{"https://outlook.office.com/IMAP.AccessAsUser.All",
			"https://outlook.office.com/SMTP.Send", "offline_access"},
	}
	Google = Preset{
		Name: "google", Title: "Google",
		AuthURL:  "https://accounts.google.com/o/oauth2/v2/auth",
		TokenURL: "https://oauth2.googleapis.com/token",
		Scopes:   []string{"https://mail.google.com/"},
		// Google gives a refresh token only for offline access, and again
		// on a later sign-in only after the consent screen.
		params: map[string]string{"access_type": "offline", "prompt": "consent"},
	}
)

// Presets lists the known providers.
func Presets() []Preset { return []Preset{Microsoft, Google} }

// Lookup returns the preset named name ("microsoft", "google"; any case).
func Lookup(name string) (Preset, bool) {
	for _, p := range Presets() {
		if strings.EqualFold(p.Name, name) {
			return p, true
		}
	}
	return Preset{}, false
}

// Settings are the account settings of the preset with the organisation's
// client ID (and secret, if it has one).
func (p Preset) Settings(clientID, clientSecret string) account.OAuth2 {
	return account.OAuth2{Provider: p.Name, AuthURL: p.AuthURL, TokenURL: p.TokenURL,
		ClientID: clientID, ClientSecret: clientSecret, Scopes: slices.Clone(p.Scopes)}
}

// ForProvider returns the preset whose discovered provider name ("Microsoft
// 365", "Google") it is, for the account form.
func ForProvider(provider string) (Preset, bool) {
	switch {
	case strings.HasPrefix(strings.ToLower(provider), "microsoft"):
		return Microsoft, true
	case strings.EqualFold(provider, "google"):
		return Google, true
	}
	return Preset{}, false
}
