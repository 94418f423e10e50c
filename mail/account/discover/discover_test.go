package discover_test

import (
	"context"
	"crypto/x509"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"siegel/mail/account"
	"siegel/mail/account/discover"
	"siegel/mail/account/discover/discovertest"
)

const (
	addr      = "help@example.org"
	firstURL  = "/mail/config-v1.1.xml"
	secondURL = "/.well-known/autoconfig/mail/config-v1.1.xml"
)

// world is example.org's DNS and web servers on loopback.
type world struct {
	dns  *discovertest.DNS
	web  *discovertest.HTTPS
	opts *discover.Options
}

func newWorld(t *testing.T) *world {
	w := &world{dns: discovertest.NewDNS(t), web: discovertest.NewHTTPS(t, "autoconfig.example.org", "example.org")}
	w.opts = &discover.Options{HTTPClient: w.web.Client(), DNSServer: w.dns.Addr, Timeout: 2 * time.Second}
	return w
}

// config is an autoconfig document with the given server entries.
func config(servers ...string) string {
	return `<?xml version="1.0"?>
<clientConfig version="1.1"><emailProvider id="example.org">
<domain>example.org</domain><displayName>Example Mail</displayName>
` + strings.Join(servers, "\n") + `
</emailProvider></clientConfig>`
}

func in(typ, host, port, socket, user string) string {
	return `<incomingServer type="` + typ + `"><hostname>` + host + `</hostname><port>` + port +
		`</port><socketType>` + socket + `</socketType><username>` + user +
		`</username><authentication>password-cleartext</authentication></incomingServer>`
}

func out(host, port, socket string) string {
	return `<outgoingServer type="smtp"><hostname>` + host + `</hostname><port>` + port +
		`</port><socketType>` + socket + `</socketType><username>%EMAILADDRESS%</username></outgoingServer>`
}

var srvRecords = []string{
	"_imaps._tcp.example.org. 300 IN SRV 0 1 993 mail.example.org.",
	"_imap._tcp.example.org. 300 IN SRV 0 1 143 mail.example.org.",
	"_submission._tcp.example.org. 300 IN SRV 0 1 587 mail.example.org.",
}

func TestDiscover(t *testing.T) {
	tls := func(h string, p int, u string) account.Server {
		return account.Server{Host: h, Port: p, Security: account.TLS, User: u}
	}
	starttls := func(h string, p int, u string) account.Server {
		return account.Server{Host: h, Port: p, Security: account.StartTLS, User: u}
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, w *world)
		want  discover.Result
	}{
		{"autoconfig, SSL preferred, username placeholder", func(t *testing.T, w *world) {
			w.web.Serve("autoconfig.example.org", firstURL, config(
				in("pop3", "pop.example.org", "995", "SSL", "%EMAILADDRESS%"),
				in("imap", "imap.example.org", "143", "STARTTLS", "%EMAILADDRESS%"),
				in("imap", "imap.example.org", "993", "SSL", "%EMAILLOCALPART%"),
				out("smtp.example.org", "587", "STARTTLS"),
				out("smtp.example.org", "465", "SSL")))
			w.dns.Add(t, srvRecords...) // not asked: autoconfig comes first
		}, discover.Result{IMAP: tls("imap.example.org", 993, "help"), SMTP: tls("smtp.example.org", 465, addr),
			Source: discover.Autoconfig, Provider: "Example Mail",
			Detail: "https://autoconfig.example.org/mail/config-v1.1.xml?emailaddress=help%40example.org"}},
		{"autoconfig at the well-known URL", func(t *testing.T, w *world) {
			w.web.Serve("example.org", secondURL, config(
				in("imap", "imap.example.org", "143", "STARTTLS", ""), out("smtp.example.org", "587", "STARTTLS")))
		}, discover.Result{IMAP: starttls("imap.example.org", 143, addr), SMTP: starttls("smtp.example.org", 587, addr),
			Source: discover.Autoconfig, Provider: "Example Mail", Detail: "https://example.org" + secondURL}},
		{"autoconfig naming Microsoft's servers flags OAuth2", func(t *testing.T, w *world) {
			w.web.Serve("autoconfig.example.org", firstURL, config(
				in("imap", "outlook.office365.com", "993", "SSL", "%EMAILADDRESS%"), out("smtp.office365.com", "587", "STARTTLS")))
		}, discover.Result{IMAP: tls("outlook.office365.com", 993, addr), SMTP: starttls("smtp.office365.com", 587, addr),
			Source: discover.Autoconfig, Provider: "Microsoft 365", OAuth2: true,
			Detail: "https://autoconfig.example.org/mail/config-v1.1.xml?emailaddress=help%40example.org"}},
		{"autoconfig offering OAuth2 only flags it", func(t *testing.T, w *world) {
			w.web.Serve("autoconfig.example.org", firstURL, config(
				`<incomingServer type="imap"><hostname>imap.example.org</hostname><port>993</port><socketType>SSL</socketType>
<username>%EMAILADDRESS%</username><authentication>OAuth2</authentication></incomingServer>`,
				out("smtp.example.org", "465", "SSL")))
		}, discover.Result{IMAP: tls("imap.example.org", 993, addr), SMTP: tls("smtp.example.org", 465, addr),
			Source: discover.Autoconfig, Provider: "Example Mail", OAuth2: true,
			Detail: "https://autoconfig.example.org/mail/config-v1.1.xml?emailaddress=help%40example.org"}},
		{"no autoconfig: SRV, implicit TLS preferred", func(t *testing.T, w *world) {
			w.dns.Add(t, srvRecords...)
			w.dns.Add(t, "_submissions._tcp.example.org. 300 IN SRV 10 1 465 backup.example.org.",
				"_submissions._tcp.example.org. 300 IN SRV 0 1 465 smtp.example.org.",
				"_submissions._tcp.example.org. 300 IN SRV 0 5 465 smtp2.example.org.")
		}, discover.Result{IMAP: tls("mail.example.org", 993, addr), SMTP: tls("smtp2.example.org", 465, addr),
			Source: discover.SRV, Detail: "_imaps._tcp.example.org, _submissions._tcp.example.org"}},
		{`SRV with "." target is not offered`, func(t *testing.T, w *world) {
			w.dns.Add(t, srvRecords...)
			w.dns.Add(t, "_submissions._tcp.example.org. 300 IN SRV 0 0 0 .",
				"_imaps._tcp.mail.example.org. 300 IN SRV 0 0 0 .")
		}, discover.Result{IMAP: tls("mail.example.org", 993, addr), SMTP: starttls("mail.example.org", 587, addr),
			Source: discover.SRV, Detail: "_imaps._tcp.example.org, _submission._tcp.example.org"}},
		{"plain-only autoconfig ignored: SRV", func(t *testing.T, w *world) {
			w.web.Serve("autoconfig.example.org", firstURL, config(
				in("imap", "imap.example.org", "143", "plain", ""), out("smtp.example.org", "25", "plain")))
			w.dns.Add(t, srvRecords...)
		}, discover.Result{IMAP: tls("mail.example.org", 993, addr), SMTP: starttls("mail.example.org", 587, addr),
			Source: discover.SRV, Detail: "_imaps._tcp.example.org, _submission._tcp.example.org"}},
		{"malformed autoconfig: SRV", func(t *testing.T, w *world) {
			w.web.Serve("autoconfig.example.org", firstURL, "<clientConfig><emailProvider>")
			w.dns.Add(t, srvRecords...)
		}, discover.Result{IMAP: tls("mail.example.org", 993, addr), SMTP: starttls("mail.example.org", 587, addr),
			Source: discover.SRV, Detail: "_imaps._tcp.example.org, _submission._tcp.example.org"}},
		{"autoconfig redirecting to plain HTTP is not followed", func(t *testing.T, w *world) {
			w.web.Handle("autoconfig.example.org", firstURL, func(rw http.ResponseWriter, r *http.Request) {
				http.Redirect(rw, r, "http://example.org/config.xml", http.StatusFound)
			})
			w.dns.Add(t, srvRecords...)
		}, discover.Result{IMAP: tls("mail.example.org", 993, addr), SMTP: starttls("mail.example.org", 587, addr),
			Source: discover.SRV, Detail: "_imaps._tcp.example.org, _submission._tcp.example.org"}},
		{"untrusted certificate: autoconfig not used", func(t *testing.T, w *world) {
			w.opts.HTTPClient = w.web.ClientTrusting(x509.NewCertPool())
			w.web.Serve("autoconfig.example.org", firstURL, config(
				in("imap", "evil.example.net", "993", "SSL", ""), out("evil.example.net", "465", "SSL")))
			w.dns.Add(t, srvRecords...)
		}, discover.Result{IMAP: tls("mail.example.org", 993, addr), SMTP: starttls("mail.example.org", 587, addr),
			Source: discover.SRV, Detail: "_imaps._tcp.example.org, _submission._tcp.example.org"}},
		{"oversized autoconfig refused", func(t *testing.T, w *world) {
			w.opts.MaxDocument = 1000
			doc := config(in("imap", "evil.example.net", "993", "SSL", ""), out("evil.example.net", "465", "SSL"),
				"<!--"+strings.Repeat("x", 1000)+"-->")
			w.web.Serve("autoconfig.example.org", firstURL, doc)
			w.dns.Add(t, "example.org. 300 IN MX 10 example-org.mail.protection.outlook.com.")
		}, discover.Result{IMAP: tls("outlook.office365.com", 993, addr), SMTP: starttls("smtp.office365.com", 587, addr),
			Source: discover.MXProfile, Provider: "Microsoft 365", Detail: "example-org.mail.protection.outlook.com", OAuth2: true}},
		{"no SRV: MX of Microsoft 365", func(t *testing.T, w *world) {
			w.dns.Add(t, "example.org. 300 IN MX 10 example-org.mail.protection.outlook.com.")
		}, discover.Result{IMAP: tls("outlook.office365.com", 993, addr), SMTP: starttls("smtp.office365.com", 587, addr),
			Source: discover.MXProfile, Provider: "Microsoft 365", Detail: "example-org.mail.protection.outlook.com", OAuth2: true}},
		{"MX of Google, most preferred first", func(t *testing.T, w *world) {
			w.dns.Add(t, "example.org. 300 IN MX 20 mx.unknown.example.", "example.org. 300 IN MX 1 aspmx.l.google.com.",
				"_imaps._tcp.example.org. 300 IN SRV 0 1 993 imap.example.org.") // IMAP alone is not enough
		}, discover.Result{IMAP: tls("imap.gmail.com", 993, addr), SMTP: tls("smtp.gmail.com", 465, addr),
			Source: discover.MXProfile, Provider: "Google", Detail: "aspmx.l.google.com", OAuth2: true}},
		{"MX of Posteo", func(t *testing.T, w *world) {
			w.dns.Add(t, "example.org. 300 IN MX 10 mx01.posteo.de.")
		}, discover.Result{IMAP: tls("posteo.de", 993, addr), SMTP: tls("posteo.de", 465, addr),
			Source: discover.MXProfile, Provider: "Posteo", Detail: "mx01.posteo.de"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			tt.setup(t, w)
			got, err := discover.Discover(context.Background(), addr, w.opts)
			if err != nil {
				t.Fatalf("Discover: %v", err)
			}
			if *got != tt.want {
				t.Errorf("got %+v,\nwant %+v", *got, tt.want)
			}
		})
	}
}

func TestDiscoverNotFound(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, w *world)
		want  string // in the message
	}{
		{"nothing at all", func(t *testing.T, w *world) {}, "no IMAP and SMTP records"},
		{"unknown MX", func(t *testing.T, w *world) {
			w.dns.Add(t, "example.org. 300 IN MX 10 mx.unknown.example.")
		}, "MX mx.unknown.example is no known provider"},
		{"an evil-outlook.com MX is no Microsoft", func(t *testing.T, w *world) {
			w.dns.Add(t, "example.org. 300 IN MX 10 mail.protection.evil-outlook.com.")
		}, "no known provider"},
		{"untrusted certificate and nothing else", func(t *testing.T, w *world) {
			w.opts.HTTPClient = w.web.ClientTrusting(x509.NewCertPool())
			w.web.Serve("autoconfig.example.org", firstURL, config(
				in("imap", "evil.example.net", "993", "SSL", ""), out("evil.example.net", "465", "SSL")))
		}, "certificate"},
		{"plain only", func(t *testing.T, w *world) {
			w.web.Serve("autoconfig.example.org", firstURL, config(
				in("imap", "imap.example.org", "143", "plain", ""), out("smtp.example.org", "25", "plain")))
		}, "no IMAP server with TLS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			tt.setup(t, w)
			got, err := discover.Discover(context.Background(), addr, w.opts)
			if !errors.Is(err, discover.ErrNotFound) {
				t.Fatalf("got %+v, %v, want ErrNotFound", got, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestDiscoverHangingServers: a web server and a DNS server that never
// answer end in ErrNotFound after the timeouts, not in a hang.
func TestDiscoverHangingServers(t *testing.T) {
	w := newWorld(t)
	w.opts.Timeout = 200 * time.Millisecond
	for _, host := range []string{"autoconfig.example.org", "example.org"} {
		w.web.Handle(host, "/", func(rw http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
		w.web.Handle(host, firstURL, func(rw http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
		w.web.Handle(host, secondURL, func(rw http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	}
	w.dns.Add(t, srvRecords...)
	w.dns.Hang(true)
	start := time.Now()
	_, err := discover.Discover(context.Background(), addr, w.opts)
	if !errors.Is(err, discover.ErrNotFound) || !strings.Contains(err.Error(), "timeout") {
		t.Errorf("got %v, want ErrNotFound after timeouts", err)
	}
	// 2 documents and 5 DNS questions of 200 ms each.
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v, want about 1.4 s", d)
	}
}

// TestDiscoverCancelled: a cancelled context ends discovery with its error.
func TestDiscoverCancelled(t *testing.T) {
	w := newWorld(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := discover.Discover(ctx, addr, w.opts); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func TestDiscoverBadAddress(t *testing.T) {
	for _, a := range []string{"", "nobody", "Help <help@example.org>"} {
		if _, err := discover.Discover(context.Background(), a, nil); !errors.Is(err, account.ErrAddress) {
			t.Errorf("Discover(%q): got %v, want ErrAddress", a, err)
		}
	}
}

func TestOrigin(t *testing.T) {
	tests := []struct {
		r    discover.Result
		want string
	}{
		{discover.Result{Source: discover.Autoconfig, Detail: "https://autoconfig.example.org/mail/config-v1.1.xml?emailaddress=a%40b"}, "autoconfig.example.org"},
		{discover.Result{Source: discover.SRV, Detail: "_imaps._tcp.example.org, _submissions._tcp.example.org"}, "DNS SRV records (_imaps._tcp.example.org, _submissions._tcp.example.org)"},
		{discover.Result{Source: discover.MXProfile, Detail: "aspmx.l.google.com", Provider: "Google"}, "the MX record aspmx.l.google.com (Google)"},
	}
	for _, tt := range tests {
		if got := tt.r.Origin(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}
