package mailtest

import (
	"crypto/tls"
	"net"
	"strconv"
	"testing"

	"siegel/mail/account"
)

// Endpoint is what the IMAP and the SMTP server share: where they listen
// on 127.0.0.1, how the connection is secured, and the one login they
// accept.
type Endpoint struct {
	Addr     string // host:port
	Host     string
	Port     int
	Username string
	Password string
	Security account.Security
	Cert     *ServerCert // nil without TLS
}

// Server is the account's server setting for this endpoint.
func (e *Endpoint) Server() account.Server {
	return account.Server{Host: e.Host, Port: e.Port, Security: e.Security, User: e.Username, Password: e.Password}
}

// listen opens the endpoint's listener on a free loopback port and fills
// in its address. With TLS or STARTTLS it takes cert (a new self-signed
// one when nil) as e.Cert; with implicit TLS the listener speaks TLS, and
// for STARTTLS the returned config is what the server must offer (nil
// otherwise).
func (e *Endpoint) listen(t testing.TB, cert *ServerCert) (net.Listener, *tls.Config) {
	t.Helper()
	if e.Security == "" {
		e.Security = account.Plain
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.Addr = ln.Addr().String()
	host, port, _ := net.SplitHostPort(e.Addr)
	e.Host = host
	e.Port, _ = strconv.Atoi(port)
	if e.Security == account.Plain {
		return ln, nil
	}
	e.Cert = cert
	if e.Cert == nil {
		e.Cert = NewServerCert(t, "")
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{e.Cert.TLS}}
	if e.Security == account.TLS {
		return tls.NewListener(ln, cfg), nil
	}
	return ln, cfg
}
