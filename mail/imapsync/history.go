package imapsync

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"

	"siegel/message"
)

// Selected is what EXAMINE tells about a mailbox.
type Selected struct {
	UIDValidity uint32
	// Top is the highest UID the mailbox can hold now (UIDNEXT - 1, or
	// the highest UID found when the server does not say UIDNEXT).
	Top         imap.UID
	NumMessages uint32
}

// Examine selects mailbox read-only and says where it stands. The mail
// core calls it before the first sync of a folder, to split the folder
// into new mail (above Top) and history (up to Top, fetched newest first).
func (c *Conn) Examine(ctx context.Context, mailbox string) (Selected, error) {
	sel, err := c.client.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return Selected{}, fmt.Errorf("imap: examine %s: %w", mailbox, ctxErr(ctx, err))
	}
	s := Selected{UIDValidity: sel.UIDValidity, NumMessages: sel.NumMessages}
	switch {
	case sel.UIDNext > 0:
		s.Top = sel.UIDNext - 1
	case sel.NumMessages > 0:
		uids, err := c.SearchUIDs(ctx, mailbox, 0, time.Time{})
		if err != nil {
			return Selected{}, err
		}
		if len(uids) > 0 {
			s.Top = uids[len(uids)-1]
		}
	}
	return s, nil
}

// SearchUIDs returns, in ascending order, the UIDs of mailbox (which it
// selects) below below (all when 0) of messages the server received on or
// after since (all when zero): IMAP SEARCH SINCE compares the internal
// date by day, as the history limit means it.
func (c *Conn) SearchUIDs(ctx context.Context, mailbox string, below imap.UID, since time.Time) ([]imap.UID, error) {
	if _, err := c.client.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		return nil, fmt.Errorf("imap: examine %s: %w", mailbox, ctxErr(ctx, err))
	}
	crit := &imap.SearchCriteria{}
	if below > 0 {
		if below == 1 {
			return nil, nil
		}
		crit.UID = []imap.UIDSet{{{Start: 1, Stop: below - 1}}}
	}
	if !since.IsZero() {
		crit.Since = since
	}
	data, err := c.client.UIDSearch(crit, nil).Wait()
	if err != nil {
		return nil, fmt.Errorf("imap: search %s: %w", mailbox, ctxErr(ctx, err))
	}
	uids := data.AllUIDs()
	slices.Sort(uids)
	if below > 0 {
		// A server may answer "1:n" with a UID above n when none is in
		// range ("*" semantics); keep only what was asked for.
		i, _ := slices.BinarySearch(uids, below)
		uids = uids[:i]
	}
	return slices.Compact(uids), nil
}

// Fetch hands the messages of mailbox (which it selects) with the given
// UIDs to the Sink, in batches of BatchSize; within a batch in the order
// the server sends them (ascending). With resync, messages whose
// Message-ID the Sink knows come without their bodies. Unlike Sync it
// asks the Sink nothing before: the caller chose the UIDs (the history
// of a folder, newest batch first, or the parent of a reply).
func (c *Conn) Fetch(ctx context.Context, mailbox string, uids []imap.UID, resync bool, sink Sink) error {
	if _, err := c.client.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		return fmt.Errorf("imap: examine %s: %w", mailbox, ctxErr(ctx, err))
	}
	uids = slices.Clone(uids)
	slices.Sort(uids)
	for len(uids) > 0 {
		n := min(BatchSize, len(uids))
		batch := uids[:n]
		uids = uids[n:]
		var known map[imap.UID]string
		var err error
		if resync {
			if known, err = c.knownInBatch(ctx, mailbox, batch, sink); err != nil {
				return err
			}
		}
		if err := c.fetchBatch(ctx, mailbox, batch, known, sink); err != nil {
			return err
		}
	}
	return nil
}

// SearchMessageID returns the UIDs of the messages in mailbox (which it
// selects) whose Message-ID header is messageID (without angle brackets).
func (c *Conn) SearchMessageID(ctx context.Context, mailbox, messageID string) ([]imap.UID, error) {
	if _, err := c.client.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		return nil, fmt.Errorf("imap: examine %s: %w", mailbox, ctxErr(ctx, err))
	}
	data, err := c.client.UIDSearch(&imap.SearchCriteria{
		Header: []imap.SearchCriteriaHeaderField{{Key: "Message-ID", Value: "<" + messageID + ">"}},
	}, nil).Wait()
	if err != nil {
		return nil, fmt.Errorf("imap: search %s: %w", mailbox, ctxErr(ctx, err))
	}
	uids := data.AllUIDs()
	slices.Sort(uids)
	return uids, nil
}

// ErrGone is the error of FetchRaw when the message is no longer where
// the desk saw it: deleted, or the folder's UIDs were reassigned.
var ErrGone = errors.New("imap: the message is no longer on the server")

// FetchRaw fetches one message whole, for an article whose raw bytes the
// desk left on the server. uidValidity must still be the folder's, and
// the message's Message-ID must be messageID (when not empty), else the
// UID may name another message now and ErrGone is returned.
func (c *Conn) FetchRaw(ctx context.Context, mailbox string, uidValidity uint32, uid imap.UID, messageID string) ([]byte, error) {
	sel, err := c.client.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return nil, fmt.Errorf("imap: examine %s: %w", mailbox, ctxErr(ctx, err))
	}
	if sel.UIDValidity != uidValidity {
		return nil, fmt.Errorf("%w: %s has UIDVALIDITY %d, not %d", ErrGone, mailbox, sel.UIDValidity, uidValidity)
	}
	cmd := c.client.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{
		UID:         true,
		BodySection: []*imap.FetchItemBodySection{{Peek: true}},
	})
	var raw []byte
	for {
		data := cmd.Next()
		if data == nil {
			break
		}
		m, err := readMessage(data)
		if err != nil {
			return nil, c.broken(ctx, mailbox, err)
		}
		if m.Err != nil {
			cmd.Close()
			return nil, m.Err
		}
		if m.UID == uid && m.Raw != nil {
			raw = m.Raw
		}
	}
	if err := cmd.Close(); err != nil {
		return nil, fmt.Errorf("imap: fetch from %s: %w", mailbox, ctxErr(ctx, err))
	}
	if raw == nil {
		return nil, fmt.Errorf("%w: UID %d of %s", ErrGone, uid, mailbox)
	}
	if messageID != "" {
		if got := message.ReadEnvelope(raw).MessageID; got != messageID {
			return nil, fmt.Errorf("%w: UID %d of %s is %q now", ErrGone, uid, mailbox, got)
		}
	}
	return raw, nil
}

// Pending reports whether the server announced new messages in the
// selected mailbox since the last Sync or Wait: the history of a folder
// yields to new mail then.
func (c *Conn) Pending() bool { return len(c.updates) > 0 }

// Wake makes a Wait in progress (or the next one) return at once, as if
// mail had come; it is safe to call from any goroutine. The desk wakes
// a watcher so when the agent resumes the history.
func (c *Conn) Wake() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}
