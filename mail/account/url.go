package account

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// Protocol is IMAP or SMTP.
type Protocol string

// The protocols.
const (
	IMAP Protocol = "IMAP"
	SMTP Protocol = "SMTP"
)

type scheme struct {
	proto    Protocol
	security Security
	port     int
}

var schemes = map[string]scheme{
	"imaps":         {IMAP, TLS, 993},
	"imap+starttls": {IMAP, StartTLS, 143},
	"imap":          {IMAP, Plain, 143},
	"smtps":         {SMTP, TLS, 465},
	"smtp+starttls": {SMTP, StartTLS, 587},
	"smtp":          {SMTP, Plain, 25},
}

// ParseURL reads a server URL of protocol p (see the package comment). The
// user name may contain "@" ("imaps://help@example.org@imap.example.org").
// A password in the URL is refused: it would end up in shell histories.
func ParseURL(p Protocol, s string) (Server, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return Server{}, fmt.Errorf("%w %q: %v", ErrURL, s, err)
	}
	sc, ok := schemes[strings.ToLower(u.Scheme)]
	if !ok || sc.proto != p {
		return Server{}, fmt.Errorf("%w %q: want %s", ErrURL, s, schemeList(p))
	}
	if u.Opaque != "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return Server{}, fmt.Errorf("%w %q: only user, host and port are allowed", ErrURL, s)
	}
	if _, has := u.User.Password(); has {
		return Server{}, fmt.Errorf("%w %q: put the password in a file (--password-file), not in the URL", ErrURL, s)
	}
	srv := Server{Host: u.Hostname(), Port: sc.port, Security: sc.security, User: u.User.Username()}
	if srv.Host == "" {
		return Server{}, fmt.Errorf("%w %q: no host", ErrURL, s)
	}
	if ps := u.Port(); ps != "" {
		n, err := strconv.Atoi(ps)
		if err != nil || n <= 0 || n > 65535 {
			return Server{}, fmt.Errorf("%w %q: port %q", ErrURL, s, ps)
		}
		srv.Port = n
	}
	if err := srv.validate(p); err != nil {
		return Server{}, err
	}
	return srv, nil
}

func schemeList(p Protocol) string {
	if p == IMAP {
		return "imaps://, imap+starttls:// or (on this computer) imap://"
	}
	return "smtps://, smtp+starttls:// or (on this computer) smtp://"
}

// URL formats the server as ParseURL reads it, without the password.
func (s Server) URL(p Protocol) string {
	name := strings.ToLower(string(p))
	switch s.Security {
	case TLS:
		name += "s"
	case StartTLS:
		name += "+starttls"
	}
	u := url.URL{Scheme: name, Host: s.Addr()}
	if s.User != "" {
		u.User = url.User(s.User)
	}
	return u.String()
}

// Addr is host:port for dialling.
func (s Server) Addr() string {
	return net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
}

// IsLoopback reports whether host is "localhost" or a loopback IP address.
// Other names are not resolved: a name could resolve elsewhere tomorrow.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && ip.IsLoopback()
}
