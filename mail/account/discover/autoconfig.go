package discover

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"siegel/mail/account"
)

// clientConfig is the part of Thunderbird's autoconfig format (the one
// its ISPDB uses) that Siegel reads.
type clientConfig struct {
	XMLName  xml.Name `xml:"clientConfig"`
	Provider struct {
		DisplayName string         `xml:"displayName"`
		Incoming    []configServer `xml:"incomingServer"`
		Outgoing    []configServer `xml:"outgoingServer"`
	} `xml:"emailProvider"`
}

type configServer struct {
	Type           string   `xml:"type,attr"`
	Hostname       string   `xml:"hostname"`
	Port           string   `xml:"port"`
	SocketType     string   `xml:"socketType"`
	Username       string   `xml:"username"`
	Authentication []string `xml:"authentication"`
}

// autoconfigURLs are the places a domain publishes its document, in the
// order Thunderbird asks them.
func autoconfigURLs(email, domain string) []string {
	return []string{
		"https://autoconfig." + domain + "/mail/config-v1.1.xml?emailaddress=" + url.QueryEscape(email),
		"https://" + domain + "/.well-known/autoconfig/mail/config-v1.1.xml",
	}
}

func fromAutoconfig(ctx context.Context, email, domain string, o *Options) (*Result, error) {
	client := httpClient(o)
	var errs []string
	for _, u := range autoconfigURLs(email, domain) {
		r, err := fetchAutoconfig(ctx, client, u, email, domain, o)
		if err == nil {
			return r, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		errs = append(errs, err.Error())
	}
	return nil, errors.New(strings.Join(errs, "; "))
}

// httpClient is o's client (or the default one), copied so that its
// redirects can be limited to https: a document that arrived over plain
// HTTP could have been written by anyone on the way.
func httpClient(o *Options) *http.Client {
	c := &http.Client{}
	if o.HTTPClient != nil {
		*c = *o.HTTPClient
	}
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Scheme != "https" {
			return fmt.Errorf("redirect to %s refused: not https", req.URL.Redacted())
		}
		if len(via) >= 5 {
			return errors.New("too many redirects")
		}
		return nil
	}
	return c
}

func fetchAutoconfig(ctx context.Context, client *http.Client, u, email, domain string, o *Options) (*Result, error) {
	ctx, cancel := context.WithTimeout(ctx, o.timeout())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err // *url.Error names the URL
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", u, resp.Status)
	}
	limit := o.MaxDocument
	if limit <= 0 {
		limit = DefaultMaxDocument
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", u, err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("%s: document larger than %d bytes", u, limit)
	}
	var cfg clientConfig
	if err := xml.Unmarshal(body, &cfg); err != nil {
		return nil, fmt.Errorf("%s: malformed document: %w", u, err)
	}
	imap, ok := pickServer(cfg.Provider.Incoming, "imap", email, domain)
	if !ok {
		return nil, fmt.Errorf("%s: no IMAP server with TLS", u)
	}
	smtp, ok := pickServer(cfg.Provider.Outgoing, "smtp", email, domain)
	if !ok {
		return nil, fmt.Errorf("%s: no SMTP server with TLS", u)
	}
	r := &Result{IMAP: imap.server, SMTP: smtp.server, Source: Autoconfig,
		Provider: strings.TrimSpace(cfg.Provider.DisplayName), Detail: u,
		OAuth2: imap.oauth2Only || smtp.oauth2Only}
	if p := profileForServer(r.IMAP.Host); p != nil {
		r.Provider = p.name
		r.OAuth2 = r.OAuth2 || p.oauth2
	}
	return r, nil
}

type picked struct {
	server account.Server
	// oauth2Only: the entry offers OAuth2 and no password method.
	oauth2Only bool
}

// pickServer chooses among the entries of one type: the first with
// implicit TLS, else the first with STARTTLS. Entries without TLS, or
// with a host or port that does not parse, are skipped.
func pickServer(list []configServer, typ, email, domain string) (picked, bool) {
	var best picked
	found := false
	for _, s := range list {
		if !strings.EqualFold(s.Type, typ) {
			continue
		}
		var sec account.Security
		switch strings.ToUpper(strings.TrimSpace(s.SocketType)) {
		case "SSL", "TLS":
			sec = account.TLS
		case "STARTTLS":
			sec = account.StartTLS
		default:
			continue
		}
		port, err := strconv.Atoi(strings.TrimSpace(s.Port))
		if err != nil {
			continue
		}
		srv := account.Server{Host: expand(strings.TrimSpace(s.Hostname), email, domain), Port: port, Security: sec,
			User: expand(strings.TrimSpace(s.Username), email, domain)}
		if srv.User == "" {
			srv.User = email
		}
		if (&account.Account{Address: email, IMAP: srv, SMTP: srv}).Validate() != nil {
			continue
		}
		if found && !(sec == account.TLS && best.server.Security != account.TLS) {
			continue
		}
		best, found = picked{server: srv, oauth2Only: oauth2Only(s.Authentication)}, true
	}
	return best, found
}

func oauth2Only(methods []string) bool {
	oauth := false
	for _, m := range methods {
		switch strings.ToLower(strings.TrimSpace(m)) {
		case "oauth2":
			oauth = true
		case "password-cleartext", "password-encrypted", "plain", "secure":
			return false
		}
	}
	return oauth
}

// expand replaces the placeholders of the autoconfig format.
func expand(s, email, domain string) string {
	local := email[:strings.LastIndexByte(email, '@')]
	return strings.NewReplacer("%EMAILADDRESS%", email, "%EMAILLOCALPART%", local, "%EMAILDOMAIN%", domain).Replace(s)
}
