package ui

import (
	"os"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"siegel/assets"
)

// tr returns the text for key in the current language. The English text
// is the fallback, so a key missing in one language still reads well (the
// assets tests make sure none is missing).
func tr(key string) string {
	return lang.X(key, assets.Text("en", key))
}

// trf is tr for texts with template fields, such as "{{.Count}} new".
func trf(key string, data map[string]any) string {
	return lang.X(key, assets.Text("en", key), data)
}

// trn is trf for a count: key+".one" when it is one.
func trn(key string, n int, data map[string]any) string {
	if n == 1 {
		key += ".one"
	}
	return trf(key, data)
}

// person writes a name and address for reading: "Alice Example
// <alice@example.org>", without the quotes of a header.
func person(name, addr string) string {
	switch {
	case name == "":
		return addr
	case addr == "":
		return name
	}
	return name + " <" + addr + ">"
}

// The language choices of the Appearance page, stored in the app's
// preferences under prefLanguage.
const (
	langSystem  = ""
	langEnglish = "en"
	langGerman  = "de"

	prefLanguage = "language"
)

// localeVars are the variables github.com/jeandeaual/go-locale reads, which
// fyne's lang package uses: the first set of LC_ALL, LC_MESSAGES and LANG,
// then LANGUAGE unless that first one is C or POSIX.
var localeVars = []string{"LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"}

var (
	systemLocaleOnce sync.Once
	systemLocale     map[string]*string // as the process started; nil: unset
	languageMu       sync.Mutex
	currentLanguage  string
)

// SetLanguage makes the texts follow the system locale (langSystem) or
// one language ("en", "de"). Fyne's lang package reads the locale from the
// environment whenever translations are added, so this sets the process
// environment and adds the translations again; windows built afterwards
// use the new language (the UI rebuilds its windows).
func SetLanguage(l string) error {
	systemLocaleOnce.Do(captureSystemLocale)
	languageMu.Lock()
	defer languageMu.Unlock()
	for _, v := range localeVars {
		if s := systemLocale[v]; s != nil {
			os.Setenv(v, *s)
		} else {
			os.Unsetenv(v)
		}
	}
	if l != langSystem {
		os.Setenv("LANGUAGE", l)
		// LANGUAGE counts only when the locale is not C or POSIX: replace
		// such a locale in the variable that sets it.
		for _, v := range localeVars[:3] {
			s := os.Getenv(v)
			if s == "" {
				continue
			}
			if s == "C" || s == "POSIX" {
				os.Setenv(v, localeFor(l))
			}
			break
		}
	}
	currentLanguage = l
	return lang.AddTranslationsFS(assets.Translations, "translations")
}

// captureSystemLocale remembers the locale variables as the process got
// them, to go back to for "follow the system".
func captureSystemLocale() {
	languageMu.Lock()
	defer languageMu.Unlock()
	systemLocale = map[string]*string{}
	for _, v := range localeVars {
		if s, ok := os.LookupEnv(v); ok {
			systemLocale[v] = &s
		}
	}
}

// localeFor is a full locale name for a language choice.
func localeFor(l string) string {
	if l == langGerman {
		return "de_DE.UTF-8"
	}
	return "en_US.UTF-8"
}

// language returns the choice last given to SetLanguage.
func language() string {
	languageMu.Lock()
	defer languageMu.Unlock()
	return currentLanguage
}

// formatDate and formatTime write dates in the current language's way.
func formatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format(tr("format.date"))
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format(tr("format.datetime"))
}

// formatSize writes a byte count for people.
func formatSize(n int) string {
	switch {
	case n >= 10<<20:
		return trf("size.mb", map[string]any{"N": n >> 20})
	case n >= 10<<10:
		return trf("size.kb", map[string]any{"N": n >> 10})
	default:
		return trf("size.bytes", map[string]any{"N": n})
	}
}

// joinLines joins the non-empty lines.
func joinLines(lines ...string) string {
	var out []string
	for _, l := range lines {
		if l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// initLanguage applies the language stored in the app's preferences.
func initLanguage(a fyne.App) {
	if err := SetLanguage(a.Preferences().StringWithFallback(prefLanguage, langSystem)); err != nil {
		fyne.LogError("loading the translations", err)
	}
}
