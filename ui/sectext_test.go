package ui

import (
	"strings"
	"testing"
	"time"

	"siegel/crypto/smime"
)

// The seal's tooltip gives the signing time as the sender's claim, the
// arrival the certificates were checked at, and for old mail the note
// that the certificate expired since — in both languages.
func TestSignatureTooltipTimes(t *testing.T) {
	defer SetLanguage(langEnglish)
	signed := time.Date(2020, 6, 1, 12, 0, 0, 0, time.UTC)
	r := &smime.Result{Signature: smime.SigValid, SigningTime: signed, Arrived: signed.Add(time.Minute),
		ExpiredSince: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)}
	for _, tt := range []struct {
		lang string
		want []string
	}{
		{langEnglish, []string{"the sender's claim", "Checked as of its arrival", "Valid when it arrived; the certificate has expired since"}},
		{langGerman, []string{"Angabe des Absenders", "Geprüft zum Eingang", "Gültig beim Eingang; das Zertifikat ist seit"}},
	} {
		SetLanguage(tt.lang)
		got := signatureTooltip(r, time.Now())
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: tooltip lacks %q:\n%s", tt.lang, w, got)
			}
		}
	}
	SetLanguage(langEnglish)
	r.Signature = smime.SigArrivalMismatch
	if got := signatureTooltip(r, time.Now()); strings.Contains(got, "Valid when it arrived") || !strings.Contains(got, "does not fit when the message arrived") {
		t.Errorf("arrival-mismatch tooltip:\n%s", got)
	}
}
