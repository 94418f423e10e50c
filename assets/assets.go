// Package assets holds what Siegel shows besides code: icons (SVG), the app
// icon and the translations, embedded into the binary.
package assets

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"
	"sync"
)

// Translations holds one JSON file per language (en.json, de.json) in the
// directory "translations", in the format fyne.io/fyne/v2/lang reads.
//
//go:embed translations/*.json
var Translations embed.FS

var (
	textsOnce sync.Once
	texts     map[string]map[string]string
	textsErr  error
)

func loadTexts() {
	texts = map[string]map[string]string{}
	entries, err := fs.ReadDir(Translations, "translations")
	if err != nil {
		textsErr = err
		return
	}
	for _, e := range entries {
		raw, err := Translations.ReadFile("translations/" + e.Name())
		if err != nil {
			textsErr = err
			return
		}
		m := map[string]string{}
		if err := json.Unmarshal(raw, &m); err != nil {
			textsErr = fmt.Errorf("assets: %s: %w", e.Name(), err)
			return
		}
		texts[strings.TrimSuffix(e.Name(), ".json")] = m
	}
}

// Text returns the translation of key for a language ("en", "de", or a
// locale such as "de-DE"), falling back to English and then to the key. The
// GUI uses fyne's lang package over the same files; Text serves the command
// line, which has no Fyne app.
func Text(language, key string) string {
	textsOnce.Do(loadTexts)
	language, _, _ = strings.Cut(strings.ToLower(language), "-")
	language, _, _ = strings.Cut(language, "_")
	if s, ok := texts[language][key]; ok {
		return s
	}
	if s, ok := texts["en"][key]; ok {
		return s
	}
	return key
}

// Languages returns the languages with a translation file.
func Languages() []string {
	textsOnce.Do(loadTexts)
	var out []string
	for l := range texts {
		out = append(out, l)
	}
	return out
}
