package discover

import (
	"strings"

	"siegel/mail/account"
)

// profile is a provider whose servers are known, recognised by the names of
// its MX hosts. Hosts, ports and security are the ones each provider
// documents for mail clients.
type profile struct {
	name string
	// mx are suffixes of the provider's MX host names, with a leading dot
	// so that "evil-outlook.com" does not match "outlook.com".
	mx     []string
	imap   account.Server
	smtp   account.Server
	oauth2 bool // the provider refuses plain passwords for most tenants
}

func implicitTLS(host string, port int) account.Server {
	return account.Server{Host: host, Port: port, Security: account.TLS}
}

func startTLS(host string, port int) account.Server {
	return account.Server{Host: host, Port: port, Security: account.StartTLS}
}

// profiles is the built-in table, in the order they are matched.
var profiles = []profile{
	{name: "Microsoft 365", mx: []string{".mail.protection.outlook.com"},
		imap: implicitTLS("outlook.office365.com", 993), smtp: startTLS("smtp.office365.com", 587), oauth2: true},
	{name: "Google", mx: []string{".google.com", ".googlemail.com"},
		imap: implicitTLS("imap.gmail.com", 993), smtp: implicitTLS("smtp.gmail.com", 465), oauth2: true},
	{name: "IONOS", mx: []string{".ionos.de", ".kundenserver.de"},
		imap: implicitTLS("imap.ionos.de", 993), smtp: implicitTLS("smtp.ionos.de", 465)},
	{name: "Strato", mx: []string{".rzone.de"},
		imap: implicitTLS("imap.strato.de", 993), smtp: implicitTLS("smtp.strato.de", 465)},
	{name: "T-Online", mx: []string{".t-online.de"},
		imap: implicitTLS("secureimap.t-online.de", 993), smtp: implicitTLS("securesmtp.t-online.de", 465)},
	{name: "GMX", mx: []string{".gmx.net"},
		imap: implicitTLS("imap.gmx.net", 993), smtp: implicitTLS("mail.gmx.net", 465)},
	{name: "WEB.DE", mx: []string{".web.de"},
		imap: implicitTLS("imap.web.de", 993), smtp: startTLS("smtp.web.de", 587)},
	{name: "Posteo", mx: []string{".posteo.de"},
		imap: implicitTLS("posteo.de", 993), smtp: implicitTLS("posteo.de", 465)},
	{name: "mailbox.org", mx: []string{".mailbox.org"},
		imap: implicitTLS("imap.mailbox.org", 993), smtp: implicitTLS("smtp.mailbox.org", 465)},
}

// profileForMX returns the profile whose MX suffixes match host.
func profileForMX(host string) *profile {
	h := "." + strings.ToLower(strings.TrimSuffix(host, "."))
	for i := range profiles {
		for _, s := range profiles[i].mx {
			if strings.HasSuffix(h, s) {
				return &profiles[i]
			}
		}
	}
	return nil
}

// profileForServer returns the profile whose IMAP or SMTP host is host, so
// that settings found another way (an autoconfig document naming
// outlook.office365.com) still learn that the provider wants OAuth2.
func profileForServer(host string) *profile {
	for i := range profiles {
		p := &profiles[i]
		if strings.EqualFold(host, p.imap.Host) || strings.EqualFold(host, p.smtp.Host) {
			return p
		}
	}
	return nil
}
