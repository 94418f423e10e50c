package cli

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOAuthFlagSettings(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(secret, []byte("s3cret\n"), 0o600)
	tests := []struct {
		args     []string
		found    string // provider found by discovery
		authHost string // in the auth URL
		scopes   string
		secret   string
		err      string
	}{
		{args: []string{"--provider", "microsoft", "--oauth2-client-id", "id"}, authHost: "login.microsoftonline.com",
			scopes: "https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send offline_access"},
		{args: []string{"--provider", "Google", "--oauth2-client-id", "id", "--oauth2-client-secret-file", secret},
			authHost: "accounts.google.com", scopes: "https://mail.google.com/", secret: "s3cret"},
		{args: []string{"--oauth2-client-id", "id"}, found: "Microsoft 365", authHost: "login.microsoftonline.com",
			scopes: "https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send offline_access"},
		{args: []string{"--provider", "google", "--oauth2-client-id", "id", "--oauth2-scope", "a", "--oauth2-scope", "b"},
			authHost: "accounts.google.com", scopes: "a b"},
		{args: []string{"--oauth2-auth-url", "https://idp.example.org/auth", "--oauth2-token-url", "https://idp.example.org/token",
			"--oauth2-scope", "mail", "--oauth2-client-id", "id"}, authHost: "idp.example.org", scopes: "mail"},
		{args: []string{"--provider", "yahoo", "--oauth2-client-id", "id"}, err: "want microsoft or google"},
		{args: []string{"--provider", "microsoft"}, err: "--oauth2-client-id"},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		of := addOAuthFlags(fs)
		if err := fs.Parse(tt.args); err != nil {
			t.Fatal(err)
		}
		s, err := of.settings(tt.found)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%v: got %v, want an error with %q", tt.args, err, tt.err)
			}
			continue
		}
		if err != nil || !strings.Contains(s.AuthURL, tt.authHost) || strings.Join(s.Scopes, " ") != tt.scopes || s.ClientSecret != tt.secret || s.ClientID != "id" {
			t.Errorf("%v: got %+v, %v; want auth at %s, scopes %q, secret %q", tt.args, s, err, tt.authHost, tt.scopes, tt.secret)
		}
	}
}
