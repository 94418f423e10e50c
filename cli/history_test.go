package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"siegel/mail/mailtest"
)

func TestAccountAddHistory(t *testing.T) {
	tests := []struct {
		flag string
		want int // history_days in account list --json
		code int
	}{
		{"", 365, 0},
		{"30", 30, 0},
		{"all", 0, 0},
		{"ALL", 0, 0},
		{"0", 0, 2},
		{"-3", 0, 2},
		{"year", 0, 2},
	}
	for _, tt := range tests {
		t.Run(tt.flag, func(t *testing.T) {
			f := newMailFixture(t)
			imapURL, smtpURL := f.urls()
			args := []string{"account", "add", "--email", mailtest.DeskAddress, "--imap", imapURL, "--smtp", smtpURL,
				"--password-file", f.imapPassword, "--smtp-password-file", f.smtpPassword, "--no-test"}
			if tt.flag != "" {
				args = append(args, "--history", tt.flag)
			}
			out, errOut, code := f.run(t, args...)
			if code != tt.code {
				t.Fatalf("got exit %d, want %d\n%s%s", code, tt.code, out, errOut)
			}
			if code != 0 {
				if !strings.Contains(errOut, "--history") {
					t.Errorf("got %q, want the error to name --history", errOut)
				}
				return
			}
			out, _, _ = f.run(t, "account", "list", "--json")
			var got accountJSON
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("account list --json: %v\n%s", err, out)
			}
			if got.HistoryDays != tt.want {
				t.Errorf("got history_days %d, want %d", got.HistoryDays, tt.want)
			}
		})
	}
}
