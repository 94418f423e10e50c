package imapsync

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/emersion/go-imap/v2"

	"siegel/mail/account"
)

// Inbox is the name of the inbox on every IMAP server.
const Inbox = "INBOX"

// sentNames are the usual names of the Sent folder, in order of
// preference, for servers without SPECIAL-USE.
var sentNames = []string{"Sent", "Sent Items", "Sent Messages", "Gesendet", "Gesendete Objekte", "INBOX.Sent", "INBOX/Sent"}

// Mailboxes are the folders the mail core reads.
type Mailboxes struct {
	Inbox string
	// Sent is the Sent folder, or "" when the server has none yet.
	Sent string
}

// FindMailboxes lists the server's folders and picks INBOX and the Sent
// folder: the one marked \Sent (RFC 6154), else the first of the usual
// names. It returns an *account.Error with account.ErrNoMailbox when
// there is no INBOX.
func (c *Conn) FindMailboxes(ctx context.Context) (Mailboxes, error) {
	opts := &imap.ListOptions{}
	if c.client.Caps().Has(imap.CapSpecialUse) {
		opts.ReturnSpecialUse = true
	}
	list, err := c.client.List("", "*", opts).Collect()
	if err != nil {
		return Mailboxes{}, fmt.Errorf("imap: list folders: %w", ctxErr(ctx, err))
	}
	var m Mailboxes
	byName := map[string]string{}
	for _, l := range list {
		if slices.Contains(l.Attrs, imap.MailboxAttrNoSelect) || slices.Contains(l.Attrs, imap.MailboxAttrNonExistent) {
			continue
		}
		if strings.EqualFold(l.Mailbox, Inbox) {
			m.Inbox = l.Mailbox
		}
		if m.Sent == "" && slices.Contains(l.Attrs, imap.MailboxAttrSent) {
			m.Sent = l.Mailbox
		}
		byName[strings.ToLower(l.Mailbox)] = l.Mailbox
	}
	if m.Inbox == "" {
		return Mailboxes{}, &account.Error{Protocol: account.IMAP, Addr: c.acct.IMAP.Addr(), Kind: account.ErrNoMailbox, Err: fmt.Errorf("no %s", Inbox)}
	}
	for _, n := range sentNames {
		if m.Sent != "" {
			break
		}
		m.Sent = byName[strings.ToLower(n)]
	}
	return m, nil
}

// CreateSent creates a folder "Sent", marked \Sent where the server allows
// it, for an account whose server has none.
func (c *Conn) CreateSent(ctx context.Context) (string, error) {
	var opts *imap.CreateOptions
	if c.client.Caps().Has(imap.CapCreateSpecialUse) {
		opts = &imap.CreateOptions{SpecialUse: []imap.MailboxAttr{imap.MailboxAttrSent}}
	}
	if err := c.client.Create("Sent", opts).Wait(); err != nil {
		var ie *imap.Error
		if errors.As(err, &ie) && ie.Code == imap.ResponseCodeAlreadyExists {
			return "Sent", nil
		}
		return "", fmt.Errorf("imap: create Sent: %w", ctxErr(ctx, err))
	}
	return "Sent", nil
}
