// Package discovertest runs the peers that discovery talks to on loopback:
// a DNS server (miekg/dns) serving the records a test adds, and an HTTPS
// server with a certificate from a test CA for the names a test chooses.
package discovertest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// DNS is an authoritative-looking DNS server on 127.0.0.1 (UDP).
type DNS struct {
	Addr string // host:port, for discover.Options.DNSServer

	mu      sync.Mutex
	records map[string][]dns.RR // by lower-case FQDN and type
	hang    bool
}

// NewDNS starts a DNS server that answers NXDOMAIN until records are added;
// it stops when the test ends.
func NewDNS(t testing.TB) *DNS {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d := &DNS{Addr: pc.LocalAddr().String(), records: map[string][]dns.RR{}}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(d.serve), NotifyStartedFunc: func() { close(started) }}
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return d
}

// Add adds records written as in a zone file ("_imaps._tcp.example.org.
// 300 IN SRV 0 1 993 imap.example.org.").
func (d *DNS) Add(t testing.TB, zoneLines ...string) {
	t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, line := range zoneLines {
		rr, err := dns.NewRR(line)
		if err != nil {
			t.Fatalf("record %q: %v", line, err)
		}
		k := key(rr.Header().Name, rr.Header().Rrtype)
		d.records[k] = append(d.records[k], rr)
	}
}

// Hang makes the server read queries and never answer them.
func (d *DNS) Hang(on bool) {
	d.mu.Lock()
	d.hang = on
	d.mu.Unlock()
}

func key(name string, t uint16) string {
	return strings.ToLower(dns.Fqdn(name)) + "/" + dns.TypeToString[t]
}

func (d *DNS) serve(w dns.ResponseWriter, q *dns.Msg) {
	d.mu.Lock()
	hang := d.hang
	var answer []dns.RR
	known := false
	if len(q.Question) == 1 {
		qq := q.Question[0]
		answer = d.records[key(qq.Name, qq.Qtype)]
		prefix := strings.ToLower(dns.Fqdn(qq.Name)) + "/"
		for k := range d.records {
			known = known || strings.HasPrefix(k, prefix)
		}
	}
	d.mu.Unlock()
	if hang {
		return
	}
	m := new(dns.Msg)
	m.SetReply(q)
	m.Authoritative = true
	m.Answer = answer
	if !known {
		m.Rcode = dns.RcodeNameError
	}
	w.WriteMsg(m)
}

// HTTPS is a TLS web server on loopback whose certificate, from its own
// test CA, names the hosts given to NewHTTPS. Its clients reach it for
// those names and for no other.
type HTTPS struct {
	Server *httptest.Server
	// Roots holds the test CA.
	Roots *x509.CertPool

	hosts map[string]bool
	mu    sync.Mutex
	pages map[string]http.HandlerFunc // by host + path
}

// NewHTTPS starts the server; it stops when the test ends.
func NewHTTPS(t testing.TB, hosts ...string) *HTTPS {
	t.Helper()
	h := &HTTPS{hosts: map[string]bool{}, pages: map[string]http.HandlerFunc{}, Roots: x509.NewCertPool()}
	for _, n := range hosts {
		h.hosts[strings.ToLower(n)] = true
	}
	ca, caKey := newCert(t, nil, nil, nil)
	h.Roots.AddCert(ca)
	leaf, leafKey := newCert(t, ca, caKey, hosts)
	h.Server = httptest.NewUnstartedServer(http.HandlerFunc(h.serve))
	h.Server.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{leaf.Raw}, PrivateKey: leafKey}}}
	h.Server.StartTLS()
	t.Cleanup(h.Server.Close)
	return h
}

// Handle serves f at https://host/path.
func (h *HTTPS) Handle(host, path string, f http.HandlerFunc) {
	h.mu.Lock()
	h.pages[strings.ToLower(host)+path] = f
	h.mu.Unlock()
}

// Serve serves body (as XML) at https://host/path.
func (h *HTTPS) Serve(host, path, body string) {
	h.Handle(host, path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, body)
	})
}

func (h *HTTPS) serve(w http.ResponseWriter, r *http.Request) {
	host, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		host = r.Host
	}
	h.mu.Lock()
	f := h.pages[strings.ToLower(host)+r.URL.Path]
	h.mu.Unlock()
	if f == nil {
		http.NotFound(w, r)
		return
	}
	f(w, r)
}

// Client trusts the test CA and connects to the server for its hosts.
func (h *HTTPS) Client() *http.Client {
	return h.ClientTrusting(h.Roots)
}

// ClientTrusting is Client with other roots: with a pool lacking the test
// CA, the server's certificate is not trusted.
func (h *HTTPS) ClientTrusting(roots *x509.CertPool) *http.Client {
	addr := h.Server.Listener.Addr().String()
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots},
		DialContext: func(ctx context.Context, network, hostport string) (net.Conn, error) {
			host, _, err := net.SplitHostPort(hostport)
			if err != nil || !h.hosts[strings.ToLower(host)] {
				return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
			}
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}
	return &http.Client{Transport: tr}
}

// newCert makes a CA (parent nil) or a server certificate for hosts.
func newCert(t testing.TB, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, hosts []string) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "discovertest CA"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
	}
	if parent == nil {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		parent, parentKey = tmpl, key
	} else {
		tmpl.Subject.CommonName = hosts[0]
		tmpl.DNSNames = hosts
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}
