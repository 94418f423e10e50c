package mail

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"siegel/mail/account"
	"siegel/message"
)

// DraftState is "draft" until Send queues the message, then "sent".
type DraftState string

// The draft states.
const (
	DraftOpen DraftState = "draft"
	DraftSent DraftState = "sent"
)

// Errors of the draft methods.
var (
	ErrNoDraft = errors.New("mail: no such draft")
	// ErrDraftSent is returned when a draft that was sent is changed or
	// sent again.
	ErrDraftSent = errors.New("mail: the draft was sent already")
)

// Draft is a message being written: an answer in a ticket, or the first
// message of a new one (TicketID 0). Drafts are stored as the agent
// writes; with Encrypt on, their content is sealed at rest.
type Draft struct {
	ID        int64
	AccountID int64
	TicketID  int64
	// To and Cc hold one address (or a comma-separated list) per entry.
	To, Cc      []string
	Subject     string
	Text        string
	Attachments []message.Attachment
	// Threading headers, Message-IDs without angle brackets.
	InReplyTo  string
	References []string
	Encrypt    bool
	Sign       bool
	// Confidential marks a draft that holds what an encrypted message
	// said (a quote, a forwarded attachment): it is sealed at rest like an
	// encrypted one, whatever Encrypt says, and stays so once set.
	Confidential bool
	State        DraftState
	Created      time.Time
	Updated      time.Time
}

// draftContent is what a draft stores as JSON (sealed when Encrypt is
// on): everything the agent wrote.
type draftContent struct {
	To          []string             `json:"to,omitempty"`
	Cc          []string             `json:"cc,omitempty"`
	Subject     string               `json:"subject,omitempty"`
	Text        string               `json:"text,omitempty"`
	Attachments []message.Attachment `json:"attachments,omitempty"`
	InReplyTo   string               `json:"in_reply_to,omitempty"`
	References  []string             `json:"references,omitempty"`
}

// SaveDraft stores a draft: a new one when dr.ID is 0 (the new ID is
// returned), else it replaces the stored one. With Encrypt on, the content
// is sealed with the profile's key (this may ask for the passphrase).
func (d *Desk) SaveDraft(ctx context.Context, dr Draft) (int64, error) {
	content, err := json.Marshal(draftContent{
		To: dr.To, Cc: dr.Cc, Subject: dr.Subject, Text: dr.Text, Attachments: dr.Attachments,
		InReplyTo: dr.InReplyTo, References: dr.References,
	})
	if err != nil {
		return 0, fmt.Errorf("mail: save draft: %w", err)
	}
	var plain, sealed []byte
	if dr.Encrypt || dr.Confidential {
		if sealed, err = d.p.Seal(ctx, "drafts", "content_sealed", content); err != nil {
			return 0, err
		}
		clear(content)
	} else {
		plain = content
	}
	now := millis(d.now())
	if dr.ID == 0 {
		res, err := d.db.ExecContext(ctx, `INSERT INTO drafts (account_id, ticket_id, encrypt, sign, confidential, content, content_sealed, created, updated)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, dr.AccountID, nullID(dr.TicketID), dr.Encrypt, dr.Sign, dr.Confidential, plain, sealed, now, now)
		if err != nil {
			return 0, fmt.Errorf("mail: save draft: %w", err)
		}
		return res.LastInsertId()
	}
	if !dr.Encrypt && !dr.Confidential {
		// Confidential stays: the stored draft may hold what the caller
		// forgot it holds.
		var was bool
		if err := d.db.QueryRowContext(ctx, `SELECT confidential FROM drafts WHERE id = ?`, dr.ID).Scan(&was); err == nil && was {
			dr.Confidential = true
			return d.SaveDraft(ctx, dr)
		}
	}
	res, err := d.db.ExecContext(ctx, `UPDATE drafts SET account_id = ?, ticket_id = ?, encrypt = ?, sign = ?, confidential = ?,
		content = ?, content_sealed = ?, updated = ? WHERE id = ? AND state = 'draft'`,
		dr.AccountID, nullID(dr.TicketID), dr.Encrypt, dr.Sign, dr.Confidential, plain, sealed, now, dr.ID)
	if err != nil {
		return 0, fmt.Errorf("mail: save draft: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := d.Draft(ctx, dr.ID); err != nil {
			return 0, err
		}
		return 0, ErrDraftSent
	}
	return dr.ID, nil
}

const draftColumns = `id, account_id, coalesce(ticket_id, 0), encrypt, sign, confidential, content, content_sealed, state, created, updated`

func (d *Desk) scanDraft(ctx context.Context, sc interface{ Scan(...any) error }) (Draft, error) {
	var dr Draft
	var plain, sealed []byte
	var created, updated int64
	if err := sc.Scan(&dr.ID, &dr.AccountID, &dr.TicketID, &dr.Encrypt, &dr.Sign, &dr.Confidential, &plain, &sealed, &dr.State, &created, &updated); err != nil {
		return dr, err
	}
	dr.Created, dr.Updated = fromMillis(created), fromMillis(updated)
	content := plain
	if sealed != nil {
		var err error
		if content, err = d.p.Open(ctx, "drafts", "content_sealed", sealed); err != nil {
			return dr, err
		}
		defer clear(content)
	}
	var c draftContent
	if err := json.Unmarshal(content, &c); err != nil {
		return dr, fmt.Errorf("mail: draft %d: %w", dr.ID, err)
	}
	dr.To, dr.Cc, dr.Subject, dr.Text, dr.Attachments = c.To, c.Cc, c.Subject, c.Text, c.Attachments
	dr.InReplyTo, dr.References = c.InReplyTo, c.References
	return dr, nil
}

// Draft returns one draft (opening its sealed content).
func (d *Desk) Draft(ctx context.Context, id int64) (Draft, error) {
	dr, err := d.scanDraft(ctx, d.db.QueryRowContext(ctx, `SELECT `+draftColumns+` FROM drafts WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return dr, ErrNoDraft
	}
	return dr, err
}

// Drafts returns the unsent drafts of a ticket (ticketID 0: the drafts of
// new tickets), oldest first.
func (d *Desk) Drafts(ctx context.Context, ticketID int64) ([]Draft, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+draftColumns+` FROM drafts
		WHERE coalesce(ticket_id, 0) = ? AND state = 'draft' ORDER BY id`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("mail: drafts: %w", err)
	}
	defer rows.Close()
	var out []Draft
	for rows.Next() {
		dr, err := d.scanDraft(ctx, rows)
		if err != nil {
			return nil, err
		}
		out = append(out, dr)
	}
	return out, rows.Err()
}

// DeleteDraft removes a draft.
func (d *Desk) DeleteDraft(ctx context.Context, id int64) error {
	res, err := d.db.ExecContext(ctx, `DELETE FROM drafts WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("mail: delete draft: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNoDraft
	}
	return nil
}

// ReplyDraft prepares (without storing) the answer to a ticket
// (DESIGN.md §5): from the ticket's account, to the Reply-To or sender of
// its newest customer message, subject "Re: [Ticket#N] …", In-Reply-To
// and References for threading, and the account's text signature under
// room for the agent's text. Encrypt and Sign are left off: the UI sets
// them from the defaults and what the engine can do.
func (d *Desk) ReplyDraft(ctx context.Context, ticketID int64) (Draft, error) {
	dr, _, err := d.replyDraft(ctx, ticketID)
	return dr, err
}

// replyDraft is ReplyDraft, and the article the answer answers: the
// newest from the customer, else the newest (0 in a ticket without one).
func (d *Desk) replyDraft(ctx context.Context, ticketID int64) (Draft, int64, error) {
	t, err := d.Ticket(ctx, ticketID)
	if err != nil {
		return Draft{}, 0, err
	}
	dr := Draft{AccountID: t.AccountID, TicketID: t.ID, Subject: ReplySubject(t.Number, t.Subject), State: DraftOpen}
	if dr.AccountID, err = d.accountOr(ctx, dr.AccountID); err != nil {
		return Draft{}, 0, err
	}
	if dr.Text, err = d.signatureOf(ctx, dr.AccountID); err != nil {
		return Draft{}, 0, err
	}
	arts, err := d.Articles(ctx, ticketID)
	if err != nil {
		return Draft{}, 0, err
	}
	var last, lastIn *Article
	for i := range arts {
		last = &arts[i]
		if !arts[i].Outgoing {
			lastIn = &arts[i]
		}
	}
	switch {
	case lastIn != nil && len(lastIn.ReplyTo) > 0:
		dr.To = []string{lastIn.ReplyTo[0].String()}
	case lastIn != nil && lastIn.From.Address != "":
		dr.To = []string{lastIn.From.String()}
	case t.Customer.Address != "":
		dr.To = []string{t.Customer.String()}
	}
	if last != nil {
		dr.InReplyTo = last.MessageID
		refs := slices.Clone(last.References)
		if len(refs) == 0 && len(last.InReplyTo) > 0 {
			refs = slices.Clone(last.InReplyTo)
		}
		refs = append(refs, last.MessageID)
		if len(refs) > 20 { // the root and the most recent ones are what threads
			refs = append(refs[:1], refs[len(refs)-19:]...)
		}
		dr.References = refs
	}
	var answered int64
	switch {
	case lastIn != nil:
		answered = lastIn.ID
	case last != nil:
		answered = last.ID
	}
	return dr, answered, nil
}

// recipients returns the envelope addresses of To and Cc, each once.
func recipients(lists ...[]string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, list := range lists {
		for _, entry := range list {
			if strings.TrimSpace(entry) == "" {
				continue
			}
			addrs, err := parseAddresses(entry)
			if err != nil {
				return nil, err
			}
			for _, a := range addrs {
				k := strings.ToLower(a)
				if !seen[k] {
					seen[k] = true
					out = append(out, a)
				}
			}
		}
	}
	return out, nil
}

func parseAddresses(entry string) ([]string, error) {
	list, err := message.ParseAddresses(entry)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.Address
	}
	return out, nil
}

// signatureOf is the text a new message from an account starts with: its
// signature block, under room for the agent's text.
func (d *Desk) signatureOf(ctx context.Context, accountID int64) (string, error) {
	a, err := d.Account(ctx, accountID)
	if err != nil {
		return "", err
	}
	return account.SignatureBlock(a.Signature), nil
}
