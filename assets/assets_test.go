package assets

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
)

func TestText(t *testing.T) {
	tests := []struct{ lang, key, want string }{
		{"en", "signature.valid", "The signature of this message was verified successfully."},
		{"de-DE", "signature.valid", "Die Signatur dieser Nachricht wurde erfolgreich verifiziert."},
		{"de_AT.UTF-8", "encryption.no-key", "Verschlüsselung: Kann keinen privaten Schlüssel zum Entschlüsseln finden."},
		{"fr", "signature.none", "This message is not signed."},
		{"en", "no.such.key", "no.such.key"},
	}
	for _, tt := range tests {
		if got := Text(tt.lang, tt.key); got != tt.want {
			t.Errorf("Text(%q, %q) = %q, want %q", tt.lang, tt.key, got, tt.want)
		}
	}
}

// Every language must translate every key English has, so no German user
// meets an English sentence.
func TestTranslationsComplete(t *testing.T) {
	if err := func() error { textsOnce.Do(loadTexts); return textsErr }(); err != nil {
		t.Fatal(err)
	}
	langs := Languages()
	slices.Sort(langs)
	if !slices.Equal(langs, []string{"de", "en"}) {
		t.Fatalf("languages = %v, want [de en]", langs)
	}
	for key := range texts["en"] {
		for _, l := range langs {
			if texts[l][key] == "" {
				t.Errorf("%s.json lacks %q", l, key)
			}
		}
	}
	for _, l := range langs {
		raw, _ := Translations.ReadFile("translations/" + l + ".json")
		if !json.Valid(raw) {
			t.Errorf("%s.json is not valid JSON", l)
		}
	}
}

func TestIcons(t *testing.T) {
	for _, name := range []string{"lock", "lock-open", "lock-error", "signed", "not-signed", "sign-warning", "sign-error", "key", "siegel"} {
		b, err := Icon(name)
		if err != nil || !bytes.HasPrefix(b, []byte("<svg")) {
			t.Errorf("Icon(%q) = %.20q, %v; want an SVG", name, b, err)
		}
	}
	if _, err := Icon("nonexistent"); err == nil {
		t.Error(`Icon("nonexistent") gave no error`)
	}
	if png := AppIcon(); !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Errorf("AppIcon() starts %q, want a PNG", png[:8])
	}
}
