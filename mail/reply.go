package mail

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"siegel/message"
)

// SettingEncryptedReplies is what happens when the agent answers a
// customer who wrote encrypted with Encrypt off: "ask" (the default: the
// window asks first) or "require" (Send refuses, ErrMustEncrypt).
const SettingEncryptedReplies = "mail.encrypted_replies"

// ErrMustEncrypt is Send's refusal to send unencrypted what answers, or
// quotes, an encrypted message when the setting requires encryption.
var ErrMustEncrypt = errors.New("mail: the customer wrote encrypted: the answer must be encrypted too")

// Attribution writes the line above a quote, in the agent's language:
// "On 3 December 2026 at 14:05, Anna Schmidt wrote:".
type Attribution func(date time.Time, name string) string

// QuotedReplyDraft is ReplyDraft with the article answered quoted below
// the agent's text and signature: the attribution line, then every line of its text
// prefixed with "> " (message.Quote). A draft quoting an encrypted
// article is Confidential, so it is sealed at rest.
func (d *Desk) QuotedReplyDraft(ctx context.Context, ticketID int64, attribution Attribution) (Draft, error) {
	dr, a, err := d.replyDraft(ctx, ticketID)
	if err != nil || a == 0 {
		return dr, err
	}
	v, err := d.OpenArticle(ctx, a)
	if err != nil {
		return dr, err
	}
	if strings.TrimSpace(v.Text) == "" {
		return dr, nil
	}
	name := v.From.Name
	if name == "" {
		name = v.From.Address
	}
	dr.Text += "\n\n" + attribution(v.Date, name) + "\n" + message.Quote(v.Text)
	dr.Confidential = v.Encrypted
	dr.Encrypt = dr.Encrypt || v.Encrypted
	return dr, nil
}

// ForwardDraft is a draft forwarding an article within its ticket: the
// subject "Fwd: " with the ticket tag, the article's attachments, and
// text as the caller wrote it (the window puts the forwarded header and
// text in the agent's language) with the account's signature put under
// the empty lines it starts with. A forward of an encrypted article is
// Confidential and starts with Encrypt on; the same Encrypt and Sign
// rules as for any message apply when it is sent.
func (d *Desk) ForwardDraft(ctx context.Context, articleID int64, text string) (Draft, error) {
	v, err := d.OpenArticle(ctx, articleID)
	if err != nil {
		return Draft{}, err
	}
	t, err := d.Ticket(ctx, v.TicketID)
	if err != nil {
		return Draft{}, err
	}
	dr := Draft{AccountID: t.AccountID, TicketID: t.ID, Text: text, Attachments: v.Attachments, State: DraftOpen,
		Subject: strings.TrimSpace("Fwd: " + FormatTag(t.Number) + " " + t.Subject), Confidential: v.Encrypted, Encrypt: v.Encrypted}
	if dr.AccountID, err = d.accountOr(ctx, dr.AccountID); err != nil {
		return Draft{}, err
	}
	sig, err := d.signatureOf(ctx, dr.AccountID)
	if err != nil {
		return Draft{}, err
	}
	if sig != "" {
		// The signature goes under the room for the agent's text, above
		// what is forwarded.
		room := len(text) - len(strings.TrimLeft(text, "\n"))
		dr.Text = text[:room] + strings.TrimPrefix(sig, "\n\n") + "\n\n" + text[room:]
	}
	return dr, nil
}

// accountOr is id, or the first account when the ticket has none (its
// account was deleted): answers go out from there.
func (d *Desk) accountOr(ctx context.Context, id int64) (int64, error) {
	if id != 0 {
		return id, nil
	}
	ids, err := d.accountIDs(ctx)
	if err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, ErrNoAccount
	}
	return ids[0], nil
}

// CustomerWroteEncrypted reports whether the newest article from the
// customer in a ticket was encrypted: an answer should be too.
func (d *Desk) CustomerWroteEncrypted(ctx context.Context, ticketID int64) (bool, error) {
	var enc bool
	err := d.db.QueryRowContext(ctx, `SELECT encrypted FROM articles WHERE ticket_id = ? AND outgoing = 0 ORDER BY id DESC LIMIT 1`,
		ticketID).Scan(&enc)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("mail: ticket %d: %w", ticketID, err)
	}
	return enc, nil
}

// mustEncrypt reports whether Send must refuse dr unencrypted.
func (d *Desk) mustEncrypt(ctx context.Context, dr *Draft) (bool, error) {
	if dr.Encrypt {
		return false, nil
	}
	rule, err := d.p.Setting(ctx, SettingEncryptedReplies, "ask")
	if err != nil || rule != "require" {
		return false, err
	}
	if dr.Confidential {
		return true, nil
	}
	if dr.TicketID == 0 {
		return false, nil
	}
	return d.CustomerWroteEncrypted(ctx, dr.TicketID)
}
