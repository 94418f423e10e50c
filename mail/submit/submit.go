// Package submit hands a finished message to an SMTP server, byte for
// byte as sealed: the signature and encryption made before must arrive
// intact, so nothing here re-encodes the message.
//
// Send runs one SMTP transaction (MAIL FROM, RCPT TO for every recipient,
// DATA) on a connection opened by account.DialSMTP, which is go-mail's
// client with the account's TLS policy and authentication. Its errors say
// what the outbox must do next:
//
//   - *Error with Temporary set (4xx replies, a dropped connection before
//     the end of the data): try again later;
//   - *Error without Temporary (5xx replies): the server refused the
//     message; keep it with the server's text for the user;
//   - ErrUncertain: the connection broke after the final "." of the data
//     had gone out and before the server's reply came back. The server may
//     have accepted the message, so sending again might deliver it twice.
//
// A server that announces a size limit (the SIZE extension, RFC 1870) is
// taken at its word before anything is sent: a larger message fails with
// an *Error wrapping ErrTooLarge, not temporary, before MAIL FROM, instead
// of being uploaded only to be refused after the data. go-mail's
// Client.Mail takes no parameters, so the SIZE= declaration of MAIL FROM is
// not sent; the check here is what RFC 1870 §5 asks the client to do.
package submit

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/wneessen/go-mail/smtp"

	"siegel/mail/account"
)

// Timeout bounds each SMTP exchange; writing the data and waiting for its
// confirmation are each given Timeout plus a second per 10 KB
// (DataTimeout), so a large message on a slow line is not cut off.
const Timeout = 60 * time.Second

// timeout is Timeout, shortened by tests.
var timeout = Timeout

// DataTimeout bounds the upload of a message of size bytes, and the wait for
// the server's confirmation of it.
func DataTimeout(size int) time.Duration {
	return timeout + time.Duration(size/10240)*time.Second
}

// MaxDuration is the longest Send can take for a message of size bytes to
// rcpts recipients, the sum of the bounds of its exchanges: a caller that
// records an attempt (as the outbox does) knows it is over after this.
func MaxDuration(size, rcpts int) time.Duration {
	// MAIL FROM, RCPT TO each, the flush, the probe for an early reply;
	// DATA with the upload of the message, and the confirmation.
	return time.Duration(2+rcpts)*timeout + probe + 2*DataTimeout(size)
}

// ErrUncertain reports that the connection broke while the server was
// answering the end of the data (see the package comment).
var ErrUncertain = errors.New("the connection broke while the server was confirming the message; it may have been delivered")

// ErrTooLarge reports a message larger than the server's announced size
// limit; it is wrapped in an *Error (stage "MAIL FROM", not temporary).
var ErrTooLarge = errors.New("message larger than the server accepts")

// Error is a failed submission.
type Error struct {
	// Stage is the step that failed: "connect", "MAIL FROM", "RCPT TO",
	// "DATA" or "end of data".
	Stage string
	// Code is the server's SMTP reply code, or 0 when there was no reply
	// (the connection failed).
	Code int
	// Message is the server's reply text, or the connection error.
	Message   string
	Temporary bool
	Err       error
}

func (e *Error) Error() string {
	if e.Code != 0 {
		return fmt.Sprintf("smtp %s: %d %s", e.Stage, e.Code, e.Message)
	}
	return fmt.Sprintf("smtp %s: %s", e.Stage, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// IsTemporary reports whether err (from Send or Classify) is worth
// retrying: a 4xx reply or a broken connection. A 5xx reply, a refused
// login, an untrusted certificate or an unknown host name are not: they
// need the agent or the administrator.
func IsTemporary(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.Temporary
	}
	return false
}

// Classify turns a failure of account.DialSMTP into an *Error (stage
// "connect").
func Classify(err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	out := &Error{Stage: "connect", Message: err.Error(), Err: err, Temporary: true}
	var tp *textproto.Error
	if errors.As(err, &tp) {
		out.Code, out.Message, out.Temporary = tp.Code, tp.Msg, tp.Code >= 400 && tp.Code < 500
	}
	if errors.Is(err, account.ErrAuth) || errors.Is(err, account.ErrCertificate) || errors.Is(err, account.ErrDNS) {
		out.Temporary = false
	}
	return out
}

// Send runs one SMTP transaction on c: MAIL FROM from, RCPT TO each of
// rcpts, then DATA with raw unchanged (only the dot-stuffing of the
// protocol, which the server undoes). beforeEnd, when not nil, runs after
// the data and before the final "." is sent: the outbox records there
// that from now on the message may have been delivered. If it fails, the
// connection is closed and nothing is delivered.
//
// If any recipient is refused, nothing is sent. Errors are *Error values or
// ErrUncertain (see the package comment); c is unusable after an error.
func Send(ctx context.Context, c *smtp.Client, from string, rcpts []string, raw []byte, beforeEnd func() error) error {
	if len(rcpts) == 0 {
		return &Error{Stage: "RCPT TO", Message: "no recipients"}
	}
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if err := checkSize(c, len(raw)); err != nil {
		return err
	}
	step := func(stage string, timeout time.Duration, f func() error) error {
		if err := c.UpdateDeadline(timeout); err != nil {
			return stepError(ctx, stage, err)
		}
		if err := f(); err != nil {
			return stepError(ctx, stage, err)
		}
		return nil
	}
	if err := step("MAIL FROM", timeout, func() error { return c.Mail(from) }); err != nil {
		return err
	}
	for _, r := range rcpts {
		if err := step("RCPT TO", timeout, func() error { return c.Rcpt(r) }); err != nil {
			var e *Error
			if errors.As(err, &e) {
				e.Message = r + ": " + e.Message
			}
			return err
		}
	}
	dataTimeout := DataTimeout(len(raw))
	var w interface {
		Write([]byte) (int, error)
		Close() error
	}
	if err := step("DATA", dataTimeout, func() error {
		var err error
		w, err = c.Data()
		if err != nil {
			return err
		}
		_, err = w.Write(raw)
		return err
	}); err != nil {
		return err
	}
	// A server that gave up during the data has closed the connection or
	// said why; the final "." must not go out then, or a broken
	// connection could not be told from a lost confirmation.
	if err := step("DATA", timeout, c.Text.W.Flush); err != nil {
		return err
	}
	if err := serverGone(ctx, c); err != nil {
		return err
	}
	if beforeEnd != nil {
		if err := beforeEnd(); err != nil {
			c.Close()
			return &Error{Stage: "DATA", Message: err.Error(), Err: err}
		}
	}
	if err := c.UpdateDeadline(dataTimeout); err != nil {
		return stepError(ctx, "DATA", err)
	}
	err := w.Close()
	if err == nil {
		return nil
	}
	var tp *textproto.Error
	if !errors.As(err, &tp) && c.Text.W.Buffered() == 0 {
		// Everything up to and including the final "." was written to the
		// connection: the server may have taken the message.
		return fmt.Errorf("%w (%v)", ErrUncertain, err)
	}
	return stepError(ctx, "end of data", err)
}

// checkSize refuses a message larger than the limit the server announced
// in its EHLO reply. SIZE without a number, or SIZE 0, announces no fixed
// limit (RFC 1870 §4); an unreadable number is ignored rather than trusted,
// and the server's own refusal after the data still applies.
func checkSize(c *smtp.Client, size int) error {
	ok, param := c.Extension("SIZE")
	if !ok {
		return nil
	}
	limit, err := strconv.ParseInt(strings.TrimSpace(param), 10, 64)
	if err != nil || limit <= 0 || int64(size) <= limit {
		return nil
	}
	return &Error{
		Stage:   "MAIL FROM",
		Message: fmt.Sprintf("%v: %d bytes, the server takes at most %d (SIZE)", ErrTooLarge, size, limit),
		Err:     ErrTooLarge,
	}
}

// probe is how long Send listens for a server that gave up during the
// data before it sends the final ".".
const probe = 50 * time.Millisecond

// serverGone returns an error when the server closed the connection or
// replied during the data (nothing else may come from it then).
func serverGone(ctx context.Context, c *smtp.Client) error {
	if err := c.UpdateDeadline(probe); err != nil {
		return stepError(ctx, "DATA", err)
	}
	_, err := c.Text.R.Peek(1)
	if err == nil {
		// An early reply: read it for its code and text.
		_, _, err = c.Text.ReadResponse(250)
		if err == nil {
			err = errors.New("unexpected reply during the data")
		}
		return stepError(ctx, "DATA", err)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return nil // silence: the server is waiting for the rest
	}
	return stepError(ctx, "DATA", err)
}

// stepError classifies a failure of one SMTP step: a 4xx reply or a broken
// connection is temporary, a 5xx reply is not.
func stepError(ctx context.Context, stage string, err error) error {
	e := &Error{Stage: stage, Message: err.Error(), Err: err, Temporary: true}
	var tp *textproto.Error
	if errors.As(err, &tp) {
		e.Code = tp.Code
		e.Message = strings.TrimSpace(tp.Msg)
		e.Temporary = tp.Code < 500
	}
	if ctx.Err() != nil {
		// Stopped by the caller, not refused: try again next time.
		e.Err, e.Message, e.Temporary = ctx.Err(), ctx.Err().Error(), true
	}
	return e
}
