package imapsync

import (
	"context"
	"fmt"
	"time"

	"github.com/emersion/go-imap/v2"
)

// Append stores raw in mailbox, marked \Seen, exactly as given.
func (c *Conn) Append(ctx context.Context, mailbox string, raw []byte, date time.Time) error {
	cmd := c.client.Append(mailbox, int64(len(raw)), &imap.AppendOptions{
		Flags: []imap.Flag{imap.FlagSeen},
		Time:  date,
	})
	if _, err := cmd.Write(raw); err != nil {
		cmd.Close()
		return fmt.Errorf("imap: append to %s: %w", mailbox, ctxErr(ctx, err))
	}
	if err := cmd.Close(); err != nil {
		return fmt.Errorf("imap: append to %s: %w", mailbox, ctxErr(ctx, err))
	}
	if _, err := cmd.Wait(); err != nil {
		return fmt.Errorf("imap: append to %s: %w", mailbox, ctxErr(ctx, err))
	}
	return nil
}

// HasMessageID reports whether mailbox holds a message with the given
// Message-ID (without angle brackets). It tells whether a message handed
// to SMTP reached the Sent folder, for servers that file sent mail
// themselves.
func (c *Conn) HasMessageID(ctx context.Context, mailbox, messageID string) (bool, error) {
	if _, err := c.client.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		return false, fmt.Errorf("imap: examine %s: %w", mailbox, ctxErr(ctx, err))
	}
	data, err := c.client.UIDSearch(&imap.SearchCriteria{
		Header: []imap.SearchCriteriaHeaderField{{Key: "Message-ID", Value: "<" + messageID + ">"}},
	}, nil).Wait()
	if err != nil {
		return false, fmt.Errorf("imap: search %s: %w", mailbox, ctxErr(ctx, err))
	}
	return len(data.AllUIDs()) > 0, nil
}
