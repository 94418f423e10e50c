// Package discover finds the IMAP and SMTP settings of an account from its
// e-mail address alone, as Thunderbird does (issue 11):
//
//  1. the domain's autoconfig document over HTTPS with a verified
//     certificate (https://autoconfig.DOMAIN/mail/config-v1.1.xml, then
//     https://DOMAIN/.well-known/autoconfig/mail/config-v1.1.xml);
//  2. DNS SRV records _imaps._tcp, _imap._tcp, _submissions._tcp and
//     _submission._tcp (RFC 6186, RFC 8314);
//  3. the domain's MX records matched against built-in provider profiles
//     (Microsoft 365, Google and the large German providers);
//  4. else ErrNotFound.
//
// Implicit TLS is preferred over STARTTLS, and a server without TLS is
// never chosen. Discovery only reads public documents and DNS records: it
// never sends a password.
package discover

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"siegel/mail/account"
)

// ErrNotFound is returned when no source gave usable settings.
var ErrNotFound = errors.New("no settings found — enter them by hand")

// Source says where settings were found.
type Source string

// The sources, in the order they are tried.
const (
	Autoconfig Source = "autoconfig"
	SRV        Source = "srv"
	MXProfile  Source = "mx-profile"
)

// Result is the settings found for an address. The servers' User is the
// address (or the user name the autoconfig document gives); Password is
// never set.
type Result struct {
	IMAP, SMTP account.Server
	Source     Source
	// Provider names the mail provider when it is known ("Microsoft 365",
	// or the autoconfig document's display name).
	Provider string
	// Detail is what was read: the autoconfig URL, the SRV record names or
	// the MX host.
	Detail string
	// OAuth2 is set when the provider refuses passwords and needs an
	// OAuth2 sign-in (Microsoft 365, Google).
	OAuth2 bool
}

// Origin tells in a few words where the settings came from, for "Found
// by …".
func (r *Result) Origin() string {
	switch r.Source {
	case Autoconfig:
		if u, err := url.Parse(r.Detail); err == nil && u.Host != "" {
			return u.Host
		}
		return r.Detail
	case SRV:
		return "DNS SRV records (" + r.Detail + ")"
	case MXProfile:
		return "the MX record " + r.Detail + " (" + r.Provider + ")"
	}
	return string(r.Source)
}

// Options adjust discovery; the zero value (or nil) is right outside tests.
type Options struct {
	// HTTPClient fetches autoconfig documents; nil means one with the
	// system's roots. Certificates are verified either way, and redirects
	// are followed only to https URLs.
	HTTPClient *http.Client
	// DNSServer is the resolver ("127.0.0.1:53") asked for SRV and MX
	// records; empty means the first of /etc/resolv.conf, or the system's
	// resolver where there is no such file.
	DNSServer string
	// Timeout bounds each HTTP request and DNS query; zero means
	// DefaultTimeout.
	Timeout time.Duration
	// MaxDocument is the largest autoconfig document read; zero means
	// DefaultMaxDocument.
	MaxDocument int64
}

// Defaults of Options.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultMaxDocument = 1 << 20
)

func (o *Options) timeout() time.Duration {
	if o == nil || o.Timeout <= 0 {
		return DefaultTimeout
	}
	return o.Timeout
}

// Discover looks up the settings for email, trying the sources in the order
// of the package comment. A source that fails (no document, a malformed
// one, a DNS timeout) is noted and the next one tried; when none gives
// settings, the error wraps ErrNotFound and says what each source answered.
func Discover(ctx context.Context, email string, o *Options) (*Result, error) {
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != strings.TrimSpace(email) {
		return nil, fmt.Errorf("%w: %q", account.ErrAddress, email)
	}
	email = addr.Address
	at := strings.LastIndexByte(email, '@')
	domain := strings.ToLower(email[at+1:])
	if o == nil {
		o = &Options{}
	}

	var notes []string
	r, err := fromAutoconfig(ctx, email, domain, o)
	if err == nil {
		return r, nil
	}
	notes = append(notes, "autoconfig: "+err.Error())
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	res := newResolver(o)
	r, err = fromSRV(ctx, res, email, domain)
	if err == nil {
		return r, nil
	}
	notes = append(notes, "SRV: "+err.Error())
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	r, err = fromMX(ctx, res, email, domain)
	if err == nil {
		return r, nil
	}
	notes = append(notes, "MX: "+err.Error())
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return nil, fmt.Errorf("%w (%s)", ErrNotFound, strings.Join(notes, "; "))
}

// fromMX matches the domain's MX hosts, most preferred first, against the
// provider profiles.
func fromMX(ctx context.Context, res *resolver, email, domain string) (*Result, error) {
	mxs, err := res.mx(ctx, domain)
	if err != nil {
		return nil, err
	}
	if len(mxs) == 0 {
		return nil, errors.New("no MX records")
	}
	for _, mx := range mxs {
		if p := profileForMX(mx.Host); p != nil {
			r := &Result{IMAP: p.imap, SMTP: p.smtp, Source: MXProfile, Provider: p.name,
				Detail: strings.TrimSuffix(mx.Host, "."), OAuth2: p.oauth2}
			r.IMAP.User, r.SMTP.User = email, email
			return r, nil
		}
	}
	return nil, fmt.Errorf("MX %s is no known provider", strings.TrimSuffix(mxs[0].Host, "."))
}
