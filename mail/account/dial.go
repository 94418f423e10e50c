package account

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// Timeout bounds connecting, the TLS handshake and each SMTP exchange.
const Timeout = 30 * time.Second

// DialIMAP connects to the account's IMAP server, secures the connection
// as its URL says and logs in. opts may be nil; its TLSConfig is replaced
// by the account's. A cancelled ctx aborts the set-up; afterwards the
// caller closes the client. Failures are *Error values.
func DialIMAP(ctx context.Context, a *Account, opts *imapclient.Options) (*imapclient.Client, error) {
	srv := a.IMAP
	o := imapclient.Options{}
	if opts != nil {
		o = *opts
	}
	cfg, err := a.Trust.Config(srv.Host)
	if err != nil {
		return nil, &Error{Protocol: IMAP, Addr: srv.Addr(), Err: err}
	}
	cfg.NextProtos = []string{"imap"}
	o.TLSConfig = cfg

	d := net.Dialer{Timeout: Timeout}
	conn, err := d.DialContext(ctx, "tcp", srv.Addr())
	if err != nil {
		return nil, Classify(IMAP, srv, err, false)
	}
	// Until the login is done, a cancelled context closes the connection,
	// which ends any blocked read below.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	var c *imapclient.Client
	switch srv.Security {
	case TLS:
		tc := tls.Client(conn, cfg)
		hctx, cancel := context.WithTimeout(ctx, Timeout)
		err = tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			conn.Close()
			return nil, Classify(IMAP, srv, err, false)
		}
		c = imapclient.New(tc, &o)
	case StartTLS:
		conn.SetDeadline(time.Now().Add(Timeout))
		c, err = imapclient.NewStartTLS(conn, &o)
		if err != nil {
			conn.Close()
			return nil, Classify(IMAP, srv, err, false)
		}
		conn.SetDeadline(time.Time{})
	default:
		c = imapclient.New(conn, &o)
	}
	if err := c.WaitGreeting(); err != nil {
		c.Close()
		return nil, Classify(IMAP, srv, err, false)
	}
	if err := loginIMAP(ctx, c, a); err != nil {
		c.Close()
		return nil, classifyLogin(IMAP, srv, ctxErr(ctx, err))
	}
	return c, nil
}

// loginIMAP logs in with the password, or with an OAuth2 token over the
// mechanism the server prefers; a refused token is renewed and tried once
// more on the same connection (IMAP allows another AUTHENTICATE after NO).
func loginIMAP(ctx context.Context, c *imapclient.Client, a *Account) error {
	srv := a.IMAP
	if !a.UsesOAuth2() {
		return c.Login(srv.User, srv.Password).Wait()
	}
	var offered []string
	for cp := range c.Caps() {
		if m, ok := strings.CutPrefix(string(cp), "AUTH="); ok {
			offered = append(offered, m)
		}
	}
	mech, err := chooseMechanism(offered)
	if err != nil {
		return err
	}
	return withToken(ctx, a, func(tok string) error {
		// go-imap sends an empty continuation as "=", which is only
		// right for an initial response (RFC 4959) and which Dovecot
		// refuses as bad base64 — leaving a BAD, not the NO that
		// tells a refused token. Any answer ends the failed exchange,
		// so XOAUTH2 gets a single %x01, as OAUTHBEARER does.
		return c.Authenticate(newBearerClient(mech, srv.User, tok, srv.Host, srv.Port, []byte{0x01}))
	}, func(err error) bool {
		var e *imap.Error
		return errors.As(err, &e) && e.Type == imap.StatusResponseTypeNo
	})
}

// DialSMTP connects to the account's SMTP server with go-mail's client
// (TLS policy, authentication) and returns the logged-in connection, ready
// for MAIL FROM. Failures are *Error values.
func DialSMTP(ctx context.Context, a *Account) (*smtp.Client, error) {
	if !a.UsesOAuth2() {
		return dialSMTP(ctx, a, nil)
	}
	// go-mail logs in as part of dialling and returns no connection when
	// the login fails, so a renewed token needs a new connection.
	var c *smtp.Client
	err := withToken(ctx, a, func(tok string) error {
		var err error
		c, err = dialSMTP(ctx, a, &smtpBearer{user: a.SMTP.User, token: tok, host: a.SMTP.Host, port: a.SMTP.Port})
		return err
	}, func(err error) bool { return errors.Is(err, ErrAuth) })
	if err != nil {
		return nil, classifyLogin(SMTP, a.SMTP, err)
	}
	return c, nil
}

// dialSMTP is DialSMTP with token as the authentication of an OAuth2
// account.
func dialSMTP(ctx context.Context, a *Account, token *smtpBearer) (*smtp.Client, error) {
	srv := a.SMTP
	cfg, err := a.Trust.Config(srv.Host)
	if err != nil {
		return nil, &Error{Protocol: SMTP, Addr: srv.Addr(), Err: err}
	}
	// The connection is made here rather than by go-mail so that it can be
	// closed when a later step (EHLO, STARTTLS, AUTH) fails: go-mail
	// returns no client then. Implicit TLS is therefore done here too.
	var conn net.Conn
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		d := net.Dialer{Timeout: Timeout}
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		if srv.Security == TLS {
			tc := tls.Client(c, cfg)
			if err := tc.HandshakeContext(ctx); err != nil {
				c.Close()
				return nil, err
			}
			c = tc
		}
		conn = c
		return c, nil
	}
	opts := []gomail.Option{
		gomail.WithPort(srv.Port),
		gomail.WithTimeout(Timeout),
		gomail.WithTLSConfig(cfg),
		gomail.WithDialContextFunc(dial),
	}
	if srv.Security == StartTLS {
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	} else {
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if a.UsesOAuth2() {
		// A new one for each try: it carries that try's token.
		opts = append(opts, gomail.WithSMTPAuthCustom(token))
	} else if srv.User == "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthNoAuth))
	} else {
		// Strongest first. go-mail's PLAIN and LOGIN refuse to run without
		// TLS except to a loopback host, which is the only place a Plain
		// server may be (Server.validate).
		opts = append(opts, gomail.WithOpportunisticSMTPAuth(
			gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthSCRAMSHA1, gomail.SMTPAuthPlain, gomail.SMTPAuthLogin),
			gomail.WithUsername(srv.User), gomail.WithPassword(srv.Password))
	}
	gc, err := gomail.NewClient(srv.Host, opts...)
	if err != nil {
		return nil, &Error{Protocol: SMTP, Addr: srv.Addr(), Err: err}
	}
	c, err := gc.DialToSMTPClientWithContext(ctx)
	if err != nil {
		if conn != nil {
			conn.Close()
		}
		return nil, Classify(SMTP, srv, ctxErr(ctx, err), true)
	}
	return c, nil
}

// ctxErr prefers the context's error when it ended the operation, so a
// cancelled dial is not reported as a broken connection.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}
