package discover

import (
	"testing"

	"siegel/mail/account"
)

func TestProfileForMX(t *testing.T) {
	tests := []struct {
		mx   string
		want string // "" for none
	}{
		{"example-org.mail.protection.outlook.com.", "Microsoft 365"},
		{"aspmx.l.google.com.", "Google"},
		{"alt1.aspmx.l.googlemail.com", "Google"},
		{"mx00.ionos.de.", "IONOS"},
		{"mx01.kundenserver.de.", "IONOS"},
		{"smtpin.rzone.de.", "Strato"},
		{"mx00.t-online.de.", "T-Online"},
		{"mx00.emig.gmx.net.", "GMX"},
		{"mx-ha03.web.de.", "WEB.DE"},
		{"mx01.posteo.de.", "Posteo"},
		{"mxext1.mailbox.org.", "mailbox.org"},
		{"MX01.POSTEO.DE.", "Posteo"},
		{"mail.protection.evil-outlook.com.", ""},
		{"notgoogle.com.", ""},
		{"mx.example.org.", ""},
	}
	for _, tt := range tests {
		got := ""
		if p := profileForMX(tt.mx); p != nil {
			got = p.name
		}
		if got != tt.want {
			t.Errorf("profileForMX(%q): got %q, want %q", tt.mx, got, tt.want)
		}
	}
}

// TestProfilesValid: every built-in server uses TLS and a sane port.
func TestProfilesValid(t *testing.T) {
	for _, p := range profiles {
		for _, s := range []struct {
			host string
			port int
		}{{p.imap.Host, p.imap.Port}, {p.smtp.Host, p.smtp.Port}} {
			if s.host == "" || s.port <= 0 || s.port > 65535 {
				t.Errorf("%s: got server %s:%d, want a host and port", p.name, s.host, s.port)
			}
		}
		if p.imap.Security == account.Plain || p.smtp.Security == account.Plain || p.imap.Security == "" || p.smtp.Security == "" {
			t.Errorf("%s: got security %q/%q, want TLS or STARTTLS", p.name, p.imap.Security, p.smtp.Security)
		}
	}
}

func TestOAuth2Only(t *testing.T) {
	tests := []struct {
		methods []string
		want    bool
	}{
		{[]string{"OAuth2"}, true},
		{[]string{"OAuth2", "password-cleartext"}, false},
		{[]string{"password-cleartext"}, false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := oauth2Only(tt.methods); got != tt.want {
			t.Errorf("oauth2Only(%q): got %v, want %v", tt.methods, got, tt.want)
		}
	}
}

func TestExpand(t *testing.T) {
	got := expand("%EMAILLOCALPART%+x@%EMAILDOMAIN% (%EMAILADDRESS%)", "help@example.org", "example.org")
	if want := "help+x@example.org (help@example.org)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
