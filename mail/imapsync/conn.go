// Package imapsync is the IMAP side of the mail core: it connects to an
// account's server, finds INBOX and the Sent folder, and streams the
// messages the core has not stored yet, UID-incremental and in batches.
//
// The flow of one mailbox (Sync):
//
//  1. EXAMINE the mailbox (read-only: the server's \Seen flags are the
//     agents' mail clients' business, not ours).
//  2. Ask the Sink where it stands under the mailbox's UIDVALIDITY: the
//     last UID it stored, or 0 after a UIDVALIDITY change, in which case
//     the messages may all be ones it already has under old UIDs.
//  3. UID SEARCH for the UIDs above that, then UID FETCH them in batches of
//     BatchSize, so memory stays bounded whatever the mailbox's size. In
//     a resync each batch first fetches only the Message-ID headers, and
//     the bodies only of the messages the Sink does not know.
//  4. Hand each message to the Sink in UID order, exactly as received. A
//     message the server announces larger than MaxMessageSize is read past
//     without being kept and handed over with a *TooLargeError instead of
//     its bytes: the server's announced size never decides an allocation.
//
// The first sync of a folder is the mail core's to shape (history newest
// first): Examine says where the folder stands, SearchUIDs finds the UIDs
// of a window (SEARCH SINCE), Fetch hands over chosen UIDs,
// SearchMessageID finds the parent of an answer, and FetchRaw fetches one
// message again for an article whose bytes were left on the server.
//
// Between syncs, Wait blocks in IDLE when the server supports it and
// otherwise sleeps for the poll interval.
//
// The package knows no database: the Sink (the mail core) decides what is
// new and stores it.
package imapsync

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"siegel/mail/account"
)

// Conn is a logged-in IMAP connection of one account. Its methods must
// not be called concurrently.
//
// It holds the go-imap client rather than embedding it, so that the mail
// core sees only the operations it needs (the ones below) and every
// command goes through the bounds and error wrapping of this package.
type Conn struct {
	client  *imapclient.Client
	acct    *account.Account
	updates chan struct{}
	wake    chan struct{} // Wake
	stop    func() bool
	// synced is what the last Sync of each mailbox saw, so Wait knows
	// whether mail came in between the sync and the IDLE.
	synced map[string]mailboxState
}

type mailboxState struct {
	uidValidity uint32
	uidNext     imap.UID
}

// Dial connects and logs in to the account's IMAP server. The connection
// is closed when ctx ends. Failures are *account.Error values.
func Dial(ctx context.Context, a *account.Account) (*Conn, error) {
	c := &Conn{acct: a, updates: make(chan struct{}, 1), wake: make(chan struct{}, 1), synced: map[string]mailboxState{}}
	opts := &imapclient.Options{
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(data *imapclient.UnilateralDataMailbox) {
				if data.NumMessages != nil {
					c.notify()
				}
			},
		},
	}
	client, err := account.DialIMAP(ctx, a, opts)
	if err != nil {
		return nil, err
	}
	c.client = client
	c.stop = context.AfterFunc(ctx, func() { client.Close() })
	return c, nil
}

func (c *Conn) notify() {
	select {
	case c.updates <- struct{}{}:
	default:
	}
}

// Close logs out (briefly) and closes the connection.
func (c *Conn) Close() error {
	c.stop()
	done := make(chan struct{})
	go func() {
		c.client.Logout().Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
	}
	return c.client.Close()
}

// CanIdle reports whether the server supports IDLE.
func (c *Conn) CanIdle() bool { return c.client.Caps().Has(imap.CapIdle) }

// ErrClosed is returned by Wait when the server closed the connection.
var ErrClosed = errors.New("imap: connection closed")

// Wait blocks until mailbox (which it selects) may have new messages: at
// once when it changed since the last Sync, else in IDLE until the server
// announces a message, or without IDLE for poll. It also
// returns after poll in IDLE, so the Sent folder and a silently dropped
// connection are looked at regularly. It returns ctx.Err() when ctx ends.
func (c *Conn) Wait(ctx context.Context, mailbox string, poll time.Duration) error {
	// Drop a notification left from before: the sync that follows a
	// return from Wait sees those messages anyway.
	select {
	case <-c.updates:
	default:
	}
	timer := time.NewTimer(poll)
	defer timer.Stop()
	if !c.CanIdle() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
			return nil
		case <-c.wake:
			return nil
		case <-c.client.Closed():
			return ErrClosed
		}
	}
	sel, err := c.client.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return fmt.Errorf("imap: select %s: %w", mailbox, err)
	}
	if c.synced[mailbox] != (mailboxState{sel.UIDValidity, sel.UIDNext}) {
		return nil // changed since the last Sync
	}
	idle, err := c.client.Idle()
	if err != nil {
		return fmt.Errorf("imap: idle: %w", err)
	}
	var waitErr error
	select {
	case <-ctx.Done():
		waitErr = ctx.Err()
	case <-c.updates:
	case <-c.wake:
	case <-timer.C:
	case <-c.client.Closed():
		waitErr = ErrClosed
	}
	if err := idle.Close(); err != nil && waitErr == nil {
		waitErr = fmt.Errorf("imap: idle: %w", err)
	}
	if waitErr != nil {
		return waitErr
	}
	if err := idle.Wait(); err != nil {
		return fmt.Errorf("imap: idle: %w", err)
	}
	return nil
}
