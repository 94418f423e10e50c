package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"siegel/mail/account"
	"siegel/mail/mailtest"
)

func TestAccountAddSignature(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name, file string
		want       string
		code       int
	}{
		{"text", write("sig.txt", "Anna Schmidt\nHelpdesk\n"), "Anna Schmidt\nHelpdesk\n", 0},
		{"too long", write("long.txt", strings.Repeat("x", account.MaxSignature+1)), "", 1},
		{"not text", write("bin", "\xff\xfe\x00"), "", 1},
		{"missing", filepath.Join(dir, "none"), "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newMailFixture(t)
			imapURL, smtpURL := f.urls()
			out, errOut, code := f.run(t, "account", "add", "--email", mailtest.DeskAddress, "--imap", imapURL, "--smtp", smtpURL,
				"--password-file", f.imapPassword, "--smtp-password-file", f.smtpPassword, "--no-test", "--signature-file", tt.file)
			if code != tt.code {
				t.Fatalf("got exit %d, want %d\n%s%s", code, tt.code, out, errOut)
			}
			if code != 0 {
				if !strings.Contains(errOut, "--signature-file") {
					t.Errorf("got %q, want the error to name --signature-file", errOut)
				}
				if out, _, _ := f.run(t, "account", "list"); out != "" {
					t.Errorf("an account was stored: %q", out)
				}
				return
			}
			out, _, _ = f.run(t, "account", "list", "--json")
			var got accountJSON
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("account list --json: %v\n%s", err, out)
			}
			if got.Signature != tt.want {
				t.Errorf("got signature %q, want %q", got.Signature, tt.want)
			}
		})
	}
}
