package loopback

import (
	"crypto/tls"
	"errors"
	"net"

	"siegel/mail/account"
)

// errNoTLS reports a TLS or STARTTLS server started without a certificate.
var errNoTLS = errors.New("loopback: TLS needs a certificate (TLS option)")

// listen opens a listener on a free port of 127.0.0.1. With implicit TLS
// the listener speaks TLS; for STARTTLS it returns the config the server
// must offer (nil otherwise).
func listen(sec account.Security, cfg *tls.Config) (net.Listener, *tls.Config, error) {
	if sec != "" && sec != account.Plain && cfg == nil {
		return nil, nil, errNoTLS
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	switch sec {
	case account.TLS:
		return tls.NewListener(ln, cfg), nil, nil
	case account.StartTLS:
		return ln, cfg, nil
	}
	return ln, nil, nil
}
