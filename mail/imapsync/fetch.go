package imapsync

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"siegel/message"
)

// BatchSize is how many messages one UID FETCH asks for.
const BatchSize = 200

// MaxMessageSize is the largest message, in bytes as the server holds it,
// the desk accepts from IMAP. The server announces each message's size
// before sending it, and that number is the server's word, not ours: a
// broken or hostile server could announce gigabytes. 64 MiB holds the
// largest attachments mail systems commonly pass (25 MiB before base64)
// several times over, and is what the S/MIME engine's bound
// (smime.DefaultMaxSize) comfortably covers.
const MaxMessageSize = 64 << 20

// maxMessageSize is MaxMessageSize, lowered by tests so that they need not
// hold 64 MiB.
var maxMessageSize int64 = MaxMessageSize

// ErrTooLarge is the error of a message larger than MaxMessageSize; it is
// wrapped in a *TooLargeError.
var ErrTooLarge = errors.New("message larger than the desk accepts")

// TooLargeError is a message the desk refused to read because of its size.
type TooLargeError struct {
	UID  imap.UID
	Size int64 // as the server announced it
	Max  int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("UID %d: %v (%d bytes, at most %d)", e.UID, ErrTooLarge, e.Size, e.Max)
}

func (e *TooLargeError) Unwrap() error { return ErrTooLarge }

// Message is one message of a mailbox.
type Message struct {
	UID          imap.UID
	InternalDate time.Time // when the server received it; zero if unknown
	// Raw is the message exactly as the server holds it. It is nil for a
	// message the Sink already knew (resync): then MessageID names it and
	// only its new location is news; and nil when Err is set.
	Raw       []byte
	MessageID string
	// Err, when not nil, is why the message was not read (a
	// *TooLargeError). The message is handed over all the same, in its
	// place in UID order, so that the Sink can record the refusal and
	// move past it instead of fetching it again at every sync.
	Err error
}

// Sink receives the messages of one mailbox (the mail core implements it).
type Sink interface {
	// Begin is called after the mailbox was selected. It returns the last
	// UID stored under uidValidity (0 when the UIDVALIDITY changed or
	// nothing was stored yet), and whether messages it already stored may
	// come again under new UIDs, so that Sync asks Known first.
	Begin(ctx context.Context, uidValidity uint32) (after imap.UID, resync bool, err error)
	// Found reports how many new UIDs the mailbox has, before the first
	// Message.
	Found(ctx context.Context, total int)
	// Known reports which of the Message-IDs are already stored (resync).
	Known(ctx context.Context, messageIDs []string) (map[string]bool, error)
	// Message receives each new message, in ascending UID order. An error
	// ends the sync.
	Message(ctx context.Context, m Message) error
}

// Sync fetches the messages of mailbox the Sink does not have (see the
// package comment). It returns an error when the connection fails or the
// Sink returns one; the Sink keeps what it received before.
func (c *Conn) Sync(ctx context.Context, mailbox string, sink Sink) error {
	// What the server announced before is fetched now (Pending; Wait
	// compares UIDNEXT, so nothing is missed for it either).
	select {
	case <-c.updates:
	default:
	}
	sel, err := c.client.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return fmt.Errorf("imap: examine %s: %w", mailbox, ctxErr(ctx, err))
	}
	c.synced[mailbox] = mailboxState{sel.UIDValidity, sel.UIDNext}
	after, resync, err := sink.Begin(ctx, sel.UIDValidity)
	if err != nil {
		return err
	}
	if sel.NumMessages == 0 || (sel.UIDNext != 0 && sel.UIDNext <= after+1) {
		sink.Found(ctx, 0)
		return nil
	}
	search, err := c.client.UIDSearch(&imap.SearchCriteria{
		UID: []imap.UIDSet{{{Start: after + 1, Stop: 0}}},
	}, nil).Wait()
	if err != nil {
		return fmt.Errorf("imap: search %s: %w", mailbox, ctxErr(ctx, err))
	}
	var uids []imap.UID
	// "n:*" always includes the highest UID, even when it is below n.
	for _, u := range search.AllUIDs() {
		if u > after {
			uids = append(uids, u)
		}
	}
	sink.Found(ctx, len(uids))
	for len(uids) > 0 {
		n := min(BatchSize, len(uids))
		batch := uids[:n]
		uids = uids[n:]
		var known map[imap.UID]string
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

var messageIDSection = &imap.FetchItemBodySection{
	Specifier:    imap.PartSpecifierHeader,
	HeaderFields: []string{"Message-ID"},
	Peek:         true,
}

// knownInBatch fetches the Message-IDs of batch and returns the UIDs whose
// message the Sink already has.
func (c *Conn) knownInBatch(ctx context.Context, mailbox string, batch []imap.UID, sink Sink) (map[imap.UID]string, error) {
	cmd := c.client.Fetch(imap.UIDSetNum(batch...), &imap.FetchOptions{
		UID:         true,
		BodySection: []*imap.FetchItemBodySection{messageIDSection},
	})
	ids := make(map[imap.UID]string, len(batch))
	var list []string
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
			continue // fetched in full below, where the Sink learns of it
		}
		if h := message.ReadEnvelope(m.Raw); m.UID != 0 && h.MessageID != "" {
			ids[m.UID] = h.MessageID
			list = append(list, h.MessageID)
		}
	}
	if err := cmd.Close(); err != nil {
		return nil, fmt.Errorf("imap: fetch headers in %s: %w", mailbox, ctxErr(ctx, err))
	}
	have, err := sink.Known(ctx, list)
	if err != nil {
		return nil, err
	}
	known := map[imap.UID]string{}
	for uid, id := range ids {
		if have[id] {
			known[uid] = id
		}
	}
	return known, nil
}

// fetchBatch streams the messages of batch to the Sink in UID order;
// known ones are passed on without their bodies.
func (c *Conn) fetchBatch(ctx context.Context, mailbox string, batch []imap.UID, known map[imap.UID]string, sink Sink) error {
	var want []imap.UID
	for _, u := range batch {
		if _, ok := known[u]; !ok {
			want = append(want, u)
		}
	}
	// Known messages go first when they precede the first wanted UID, and
	// otherwise in order among the fetched ones.
	nextKnown := func(below imap.UID) error {
		for len(batch) > 0 && batch[0] < below {
			u := batch[0]
			batch = batch[1:]
			if id, ok := known[u]; ok {
				if err := sink.Message(ctx, Message{UID: u, MessageID: id}); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if len(want) == 0 {
		return nextKnown(^imap.UID(0))
	}
	cmd := c.client.Fetch(imap.UIDSetNum(want...), &imap.FetchOptions{
		UID:          true,
		InternalDate: true,
		BodySection:  []*imap.FetchItemBodySection{{Peek: true}},
	})
	for {
		data := cmd.Next()
		if data == nil {
			break
		}
		m, err := readMessage(data)
		if err != nil {
			return c.broken(ctx, mailbox, err)
		}
		if m.UID == 0 || (m.Raw == nil && m.Err == nil) {
			continue // an unsolicited FETCH (flag change) mixed into ours
		}
		if err := nextKnown(m.UID); err != nil {
			cmd.Close()
			return err
		}
		if len(batch) > 0 && batch[0] == m.UID {
			batch = batch[1:]
		}
		if err := sink.Message(ctx, m); err != nil {
			cmd.Close()
			return err
		}
	}
	if err := cmd.Close(); err != nil {
		return fmt.Errorf("imap: fetch from %s: %w", mailbox, ctxErr(ctx, err))
	}
	return nextKnown(^imap.UID(0))
}

// errShortLiteral reports a message cut off by a broken connection.
var errShortLiteral = errors.New("message cut off")

// broken ends the connection after a message could not be read whole.
// The client's reader goroutine may still be parsing the same stream, so
// the fetch command is abandoned rather than drained (draining would read
// the stream from this goroutine too).
func (c *Conn) broken(ctx context.Context, mailbox string, err error) error {
	c.client.Close()
	return fmt.Errorf("imap: fetch from %s: %w", mailbox, ctxErr(ctx, err))
}

// readMessage reads one FETCH response; the items may come in any order.
// A body section shorter than announced (the connection broke: go-imap
// reports that as a normal end) is an error, never a message. A body
// section announced larger than maxMessageSize is read past without being
// kept, and the message comes back with a *TooLargeError as its Err: the
// announced size decides nothing about memory.
func readMessage(data *imapclient.FetchMessageData) (Message, error) {
	var m Message
	var tooLarge *TooLargeError
	for {
		item := data.Next()
		if item == nil {
			if tooLarge != nil {
				// The UID may come after the body.
				tooLarge.UID = m.UID
				m.Raw, m.Err = nil, tooLarge
			}
			return m, nil
		}
		switch it := item.(type) {
		case imapclient.FetchItemDataUID:
			m.UID = it.UID
		case imapclient.FetchItemDataInternalDate:
			m.InternalDate = it.Time
		case imapclient.FetchItemDataBodySection:
			if it.Literal == nil {
				m.Raw = []byte{}
				continue
			}
			size := it.Literal.Size()
			if size > maxMessageSize {
				// Drain rather than abandon: the literal is on the same
				// stream as the rest of the batch, and closing the
				// connection would fetch the same message again at the
				// next sync, for ever.
				n, err := io.Copy(io.Discard, it.Literal)
				if err != nil {
					return m, err
				}
				if n != size {
					return m, fmt.Errorf("%w: %d of %d bytes", errShortLiteral, n, size)
				}
				tooLarge = &TooLargeError{Size: size, Max: maxMessageSize}
				continue
			}
			var b bytes.Buffer
			// Room for the announced size and for the read that finds
			// the end: bytes.Buffer reads in steps of at least MinRead,
			// and with less room left it would copy the whole message
			// into a buffer twice as large.
			b.Grow(int(max(size, 0)) + bytes.MinRead)
			// Read at most one byte more than announced, so that a literal
			// reader that gives more than its Size cannot grow b past the
			// bound either.
			n, err := io.Copy(&b, io.LimitReader(it.Literal, size+1))
			if err != nil {
				return m, err
			}
			if n != size {
				return m, fmt.Errorf("%w: %d of %d bytes", errShortLiteral, n, size)
			}
			m.Raw = b.Bytes()
		}
	}
}

func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}
