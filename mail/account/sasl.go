package account

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/emersion/go-sasl"
	"github.com/wneessen/go-mail/smtp"
)

// XOAuth2 is the name of Google's and Microsoft's bearer-token mechanism,
// older than OAUTHBEARER (RFC 7628) and still the only one some servers
// offer.
const XOAuth2 = "XOAUTH2"

// chooseMechanism picks OAUTHBEARER, the standard, over XOAUTH2 from the
// mechanisms a server offers.
func chooseMechanism(offered []string) (string, error) {
	has := func(m string) bool {
		return slices.ContainsFunc(offered, func(o string) bool { return strings.EqualFold(o, m) })
	}
	switch {
	case has(sasl.OAuthBearer):
		return sasl.OAuthBearer, nil
	case has(XOAuth2):
		return XOAuth2, nil
	}
	return "", ErrMechanism
}

// newBearerClient is the SASL client of mechanism mech for user with
// token. ack, when not nil, replaces XOAUTH2's empty answer to an error
// challenge.
func newBearerClient(mech, user, token, host string, port int, ack []byte) sasl.Client {
	if mech == XOAuth2 {
		return &xoauth2Client{user: user, token: token, ack: ack}
	}
	return &oauthBearerClient{sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{
		Username: user, Token: token, Host: host, Port: port})}
}

// xoauth2Client is the client side of XOAUTH2.
type xoauth2Client struct {
	user, token string
	ack         []byte // the answer to the error challenge
}

func (c *xoauth2Client) Start() (string, []byte, error) {
	return XOAuth2, []byte("user=" + c.user + "\x01auth=Bearer " + c.token + "\x01\x01"), nil
}

// Next answers the server's error challenge (a JSON status) with the empty
// response XOAUTH2 asks for, so the server ends the exchange with its
// failure reply and the connection stays usable for a second try.
func (c *xoauth2Client) Next([]byte) ([]byte, error) {
	if c.ack == nil {
		return []byte{}, nil
	}
	return c.ack, nil
}

// oauthBearerClient is go-sasl's OAUTHBEARER client, except that an error
// challenge is answered with the %x01 of RFC 7628 §3.2.3 rather than by
// cancelling: the server then fails the command in the usual way (NO,
// 535), which tells a refused token from a broken exchange.
type oauthBearerClient struct{ sasl.Client }

func (c *oauthBearerClient) Next([]byte) ([]byte, error) { return []byte{0x01}, nil }

// smtpBearer is an SMTP authentication with an OAuth2 token that chooses
// its mechanism from those the server announces in EHLO.
type smtpBearer struct {
	user, token, host string
	port              int
	c                 sasl.Client
}

func (a *smtpBearer) Start(info *smtp.ServerInfo) (string, []byte, error) {
	mech, err := chooseMechanism(info.Auth)
	if err != nil {
		return "", nil, err
	}
	a.c = newBearerClient(mech, a.user, a.token, a.host, a.port, nil)
	return a.c.Start()
}

func (a *smtpBearer) Next(fromServer []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	return a.c.Next(fromServer)
}

// withToken runs login with an access token of a, and once more with a
// renewed one when the server refuses the first (it may have been revoked
// or have expired early). refused tells a refusal from other failures.
func withToken(ctx context.Context, a *Account, login func(token string) error, refused func(error) bool) error {
	if a.Token == nil {
		return ErrNoToken
	}
	tok, err := a.Token(ctx, false)
	if err != nil {
		return &tokenError{err}
	}
	err = login(tok)
	if err == nil || !refused(err) || ctx.Err() != nil {
		return err
	}
	if tok, err = a.Token(ctx, true); err != nil {
		return &tokenError{err}
	}
	return login(tok)
}

// tokenError marks a failure to get a token, so that it is not taken for
// a refused login by Classify.
type tokenError struct{ err error }

func (e *tokenError) Error() string { return "OAuth2 sign-in: " + e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }

// classifyLogin is Classify for the login step, with the failures to get
// a token (ErrToken, or ErrNoToken) told apart from a refused login.
func classifyLogin(p Protocol, srv Server, err error) error {
	var te *tokenError
	if errors.As(err, &te) {
		return &Error{Protocol: p, Addr: srv.Addr(), Kind: ErrToken, Err: te.err}
	}
	if errors.Is(err, ErrNoToken) || errors.Is(err, ErrMechanism) {
		return &Error{Protocol: p, Addr: srv.Addr(), Kind: ErrAuth, Err: err}
	}
	return Classify(p, srv, err, true)
}
