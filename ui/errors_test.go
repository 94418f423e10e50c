package ui

import (
	"fmt"
	"strings"
	"testing"

	"siegel/certs"
)

// A refused import names its reason in the user's words, in both
// languages.
func TestImportErrorsInWords(t *testing.T) {
	defer SetLanguage(langEnglish)
	for _, tt := range []struct {
		lang, want string
	}{
		{langEnglish, "larger than 16 MB"},
		{langGerman, "größer als 16 MB"},
	} {
		SetLanguage(tt.lang)
		err := fmt.Errorf("partner.p7b: %w", certs.ErrTooLarge)
		if got := errorText(err); !strings.Contains(got, tt.want) {
			t.Errorf("%s: errorText = %q, want it to say %q", tt.lang, got, tt.want)
		}
	}
}
