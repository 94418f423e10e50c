package discover

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"

	"github.com/miekg/dns"

	"siegel/mail/account"
)

// resolver asks one DNS server with miekg/dns, so that tests can point it
// at a server on loopback; with no server configured and no
// /etc/resolv.conf (Windows) it falls back to the system's resolver.
type resolver struct {
	servers []string // host:port, tried in order
	o       *Options
}

func newResolver(o *Options) *resolver {
	if o.DNSServer != "" {
		return &resolver{servers: []string{o.DNSServer}, o: o}
	}
	cfg, err := dns.ClientConfigFromFile("/etc/resolv.conf")
	if err != nil || len(cfg.Servers) == 0 {
		return &resolver{o: o}
	}
	r := &resolver{o: o}
	for _, s := range cfg.Servers {
		r.servers = append(r.servers, net.JoinHostPort(s, cfg.Port))
	}
	return r
}

// query asks the servers in turn for name's records of type t, over UDP
// and again over TCP when the answer was truncated. A name that does not
// exist gives no records and no error.
func (r *resolver) query(ctx context.Context, name string, t uint16) ([]dns.RR, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), t)
	m.SetEdns0(4096, false)
	var last error
	for _, srv := range r.servers {
		in, err := r.exchange(ctx, m, "udp", srv)
		if err == nil && in.Truncated {
			in, err = r.exchange(ctx, m, "tcp", srv)
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			last = fmt.Errorf("DNS server %s: %w", srv, err)
			continue
		}
		switch in.Rcode {
		case dns.RcodeSuccess:
			return in.Answer, nil
		case dns.RcodeNameError:
			return nil, nil
		}
		last = fmt.Errorf("DNS server %s: %s for %s", srv, dns.RcodeToString[in.Rcode], name)
	}
	return nil, last
}

func (r *resolver) exchange(ctx context.Context, m *dns.Msg, network, srv string) (*dns.Msg, error) {
	ctx, cancel := context.WithTimeout(ctx, r.o.timeout())
	defer cancel()
	c := &dns.Client{Net: network, Timeout: r.o.timeout()}
	in, _, err := c.ExchangeContext(ctx, m, srv)
	return in, err
}

// srv returns the SRV records of name, best first: lowest priority, then
// highest weight. (RFC 2782 asks for a weighted random choice among equal
// priorities; one client picking one server gains nothing from it, and a
// fixed order is what the user sees every time.)
func (r *resolver) srv(ctx context.Context, name string) ([]*net.SRV, error) {
	var list []*net.SRV
	if r.servers == nil {
		recs, err := systemLookup(ctx, r, func(ctx context.Context) ([]*net.SRV, error) {
			_, recs, err := net.DefaultResolver.LookupSRV(ctx, "", "", name)
			return recs, err
		})
		if err != nil {
			return nil, err
		}
		list = recs
	} else {
		rrs, err := r.query(ctx, name, dns.TypeSRV)
		if err != nil {
			return nil, err
		}
		for _, rr := range rrs {
			if s, ok := rr.(*dns.SRV); ok {
				list = append(list, &net.SRV{Target: s.Target, Port: s.Port, Priority: s.Priority, Weight: s.Weight})
			}
		}
	}
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].Priority != list[j].Priority {
			return list[i].Priority < list[j].Priority
		}
		return list[i].Weight > list[j].Weight
	})
	return list, nil
}

// mx returns the MX records of domain, most preferred first.
func (r *resolver) mx(ctx context.Context, domain string) ([]*net.MX, error) {
	var list []*net.MX
	if r.servers == nil {
		recs, err := systemLookup(ctx, r, func(ctx context.Context) ([]*net.MX, error) {
			return net.DefaultResolver.LookupMX(ctx, domain)
		})
		if err != nil {
			return nil, err
		}
		list = recs
	} else {
		rrs, err := r.query(ctx, domain, dns.TypeMX)
		if err != nil {
			return nil, err
		}
		for _, rr := range rrs {
			if m, ok := rr.(*dns.MX); ok {
				list = append(list, &net.MX{Host: m.Mx, Pref: m.Preference})
			}
		}
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].Pref < list[j].Pref })
	return list, nil
}

// srvNames are the SRV services of each protocol, implicit TLS first
// (RFC 8314 §5.1). _imap and _submission are taken as STARTTLS: discovery
// never chooses a server without TLS.
var srvNames = []struct {
	proto    account.Protocol
	service  string
	security account.Security
}{
	{account.IMAP, "_imaps._tcp.", account.TLS},
	{account.IMAP, "_imap._tcp.", account.StartTLS},
	{account.SMTP, "_submissions._tcp.", account.TLS},
	{account.SMTP, "_submission._tcp.", account.StartTLS},
}

func fromSRV(ctx context.Context, res *resolver, email, domain string) (*Result, error) {
	r := &Result{Source: SRV}
	var found []string
	var errs []string
	for _, n := range srvNames {
		target := &r.IMAP
		if n.proto == account.SMTP {
			target = &r.SMTP
		}
		if target.Host != "" {
			continue // a better service of this protocol was found
		}
		name := n.service + domain
		recs, err := res.srv(ctx, name)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			errs = append(errs, name+": "+err.Error())
			continue
		}
		for _, s := range recs {
			host := strings.TrimSuffix(s.Target, ".")
			if host == "" {
				break // "." says the service is not offered (RFC 2782)
			}
			if s.Port == 0 {
				continue
			}
			*target = account.Server{Host: host, Port: int(s.Port), Security: n.security, User: email}
			found = append(found, name)
			break
		}
	}
	if r.IMAP.Host == "" || r.SMTP.Host == "" {
		if len(errs) > 0 {
			return nil, errors.New(strings.Join(errs, "; "))
		}
		return nil, errors.New("no IMAP and SMTP records")
	}
	r.Detail = strings.Join(found, ", ")
	if p := profileForServer(r.IMAP.Host); p != nil {
		r.Provider, r.OAuth2 = p.name, p.oauth2
	}
	return r, nil
}

// systemLookup runs one look-up of the system resolver within the
// timeout; a name that does not exist has no records, which is no error.
func systemLookup[T any](ctx context.Context, r *resolver, look func(context.Context) ([]T, error)) ([]T, error) {
	ctx, cancel := context.WithTimeout(ctx, r.o.timeout())
	defer cancel()
	recs, err := look(ctx)
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		return nil, nil
	}
	return recs, err
}
