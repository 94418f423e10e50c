package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"siegel/mail/account/discover"
	"siegel/mail/account/discover/discovertest"
	"siegel/mail/mailtest"
)

// TestAccountAddDiscover runs `account add` without --imap and --smtp
// against the helpdesk domain's DNS and autoconfig servers on loopback.
func TestAccountAddDiscover(t *testing.T) {
	const domain = "siegel.example"
	doc := `<clientConfig version="1.1"><emailProvider id="siegel.example"><displayName>Siegel Mail</displayName>
<incomingServer type="imap"><hostname>imap.siegel.example</hostname><port>143</port><socketType>STARTTLS</socketType><username>%EMAILADDRESS%</username></incomingServer>
<incomingServer type="imap"><hostname>imap.siegel.example</hostname><port>993</port><socketType>SSL</socketType><username>%EMAILADDRESS%</username></incomingServer>
<outgoingServer type="smtp"><hostname>smtp.siegel.example</hostname><port>465</port><socketType>SSL</socketType><username>%EMAILADDRESS%</username></outgoingServer>
</emailProvider></clientConfig>`
	tests := []struct {
		name     string
		setup    func(t *testing.T, dns *discovertest.DNS, web *discovertest.HTTPS)
		code     int
		out      string // in stdout
		errOut   string // in stderr
		imapURL  string // stored; "" for none
		smtpURL  string
		extraArg []string
	}{
		{name: "autoconfig", setup: func(t *testing.T, dns *discovertest.DNS, web *discovertest.HTTPS) {
			web.Serve("autoconfig."+domain, "/mail/config-v1.1.xml", doc)
		}, code: 0,
			out:     "Found by autoconfig.siegel.example: IMAP imap.siegel.example:993 (TLS), SMTP smtp.siegel.example:465 (TLS)\n",
			imapURL: "imaps://help%40siegel.example@imap.siegel.example:993", smtpURL: "smtps://help%40siegel.example@smtp.siegel.example:465"},
		{name: "SRV", setup: func(t *testing.T, dns *discovertest.DNS, web *discovertest.HTTPS) {
			dns.Add(t, "_imaps._tcp.siegel.example. 300 IN SRV 0 1 993 mail.siegel.example.",
				"_submission._tcp.siegel.example. 300 IN SRV 0 1 587 mail.siegel.example.")
		}, code: 0,
			out:     "Found by DNS SRV records (_imaps._tcp.siegel.example, _submission._tcp.siegel.example): IMAP mail.siegel.example:993 (TLS), SMTP mail.siegel.example:587 (STARTTLS)\n",
			imapURL: "imaps://help%40siegel.example@mail.siegel.example:993", smtpURL: "smtp+starttls://help%40siegel.example@mail.siegel.example:587"},
		{name: "Microsoft 365 needs OAuth2", setup: func(t *testing.T, dns *discovertest.DNS, web *discovertest.HTTPS) {
			dns.Add(t, "siegel.example. 300 IN MX 0 siegel-example.mail.protection.outlook.com.")
		}, code: 1,
			out:    "Found by the MX record siegel-example.mail.protection.outlook.com (Microsoft 365): IMAP outlook.office365.com:993 (TLS), SMTP smtp.office365.com:587 (STARTTLS)\n",
			errOut: "Microsoft 365 needs an OAuth2 sign-in: register Siegel with it and give --oauth2-client-id"},
		{name: "nothing found", setup: func(t *testing.T, dns *discovertest.DNS, web *discovertest.HTTPS) {}, code: 2,
			errOut: "no settings found — enter them by hand"},
		{name: "only --imap", setup: func(t *testing.T, dns *discovertest.DNS, web *discovertest.HTTPS) {
			web.Serve("autoconfig."+domain, "/mail/config-v1.1.xml", doc)
		}, code: 2, errOut: "usage: siegel account add", extraArg: []string{"--imap", "imaps://help@imap.siegel.example"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newMailFixture(t)
			dns := discovertest.NewDNS(t)
			web := discovertest.NewHTTPS(t, "autoconfig."+domain, domain)
			tt.setup(t, dns, web)
			opts := &discover.Options{HTTPClient: web.Client(), DNSServer: dns.Addr, Timeout: 2 * time.Second}

			args := append([]string{"account", "add", "--email", mailtest.DeskAddress, "--password-file", f.imapPassword, "--no-test"}, tt.extraArg...)
			env, out, errOut := newEnv("", mailtest.Passphrase, f.dir)
			env.Discover = opts
			code := Run(context.Background(), env, args)
			if code != tt.code || !strings.Contains(out.String(), tt.out) || !strings.Contains(errOut.String(), tt.errOut) {
				t.Errorf("got exit %d, stdout %q, stderr %q; want %d, %q, %q", code, out, errOut, tt.code, tt.out, tt.errOut)
			}

			list, _, _ := f.run(t, "account", "list", "--json")
			if tt.imapURL == "" {
				if list != "" {
					t.Errorf("got accounts %q, want none stored", list)
				}
				return
			}
			var a accountJSON
			if err := json.Unmarshal([]byte(list), &a); err != nil || a.IMAP != tt.imapURL || a.SMTP != tt.smtpURL {
				t.Errorf("got account %q (%v), want IMAP %s, SMTP %s", list, err, tt.imapURL, tt.smtpURL)
			}
		})
	}
}
