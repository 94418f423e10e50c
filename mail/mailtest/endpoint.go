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

// tlsConfig fills in the endpoint's certificate: with TLS or STARTTLS it
// takes cert (a new self-signed one when nil) as e.Cert and returns the
// config the server offers; without TLS it returns nil.
func (e *Endpoint) tlsConfig(t testing.TB, cert *ServerCert) *tls.Config {
	t.Helper()
	if e.Security == "" {
		e.Security = account.Plain
	}
	if e.Security == account.Plain {
		return nil
	}
	e.Cert = cert
	if e.Cert == nil {
		e.Cert = NewServerCert(t, "")
	}
	return &tls.Config{Certificates: []tls.Certificate{e.Cert.TLS}}
}

// setAddr fills in where the server listens.
func (e *Endpoint) setAddr(addr string) {
	e.Addr = addr
	host, port, _ := net.SplitHostPort(addr)
	e.Host = host
	e.Port, _ = strconv.Atoi(port)
}
