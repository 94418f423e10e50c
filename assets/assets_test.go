package assets

import (
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
