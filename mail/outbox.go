package mail

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"siegel/crypto/smime"
	"siegel/mail/account"
	"siegel/mail/account/oauth"
	"siegel/mail/imapsync"
	"siegel/mail/submit"
	"siegel/message"
)

// OutboxState is where an outgoing message stands.
type OutboxState string

// The outbox states.
const (
	OutboxQueued  OutboxState = "queued"  // waiting for (another) attempt
	OutboxSending OutboxState = "sending" // an attempt is running
	// OutboxCommitting: the data went out and the server is confirming.
	// A message found in this state after a crash may have been delivered.
	OutboxCommitting OutboxState = "committing"
	OutboxSent       OutboxState = "sent"
	// OutboxFailed: the server refused the message (5xx), or temporary
	// failures went on too long. LastError has the server's words; Resend
	// tries again.
	OutboxFailed OutboxState = "failed"
	// OutboxUndone: the agent took the message back (Undo) before it was
	// delivered; only events carry it, the item is gone.
	OutboxUndone OutboxState = "undone"
	// OutboxUncertain: the connection broke while the server confirmed the
	// message, and its Sent folder does not tell. It may have been
	// delivered; Resend sends it again if the agent decides so.
	OutboxUncertain OutboxState = "uncertain"
)

// Settings (profile.Setting) that shape encryption; the UI's Security
// page sets them.
const (
	// SettingCipher is "aes256-cbc" (the default, understood everywhere)
	// or "aes256-gcm", as `siegel seal --cipher` says (the window writes
	// "aes-256-cbc" and "aes-256-gcm", which mean the same).
	SettingCipher = "smime.cipher"
	// SettingKeyTransport is "pkcs1v15" (the default) or "oaep" (the
	// window writes "rsa-oaep").
	SettingKeyTransport = "smime.key_transport"
	// SettingHideSubject is "on" (the default: the Subject of encrypted
	// mail travels inside, outside it reads "[...]", RFC 9788) or "off",
	// for partners whose mail programs show only the outer Subject.
	SettingHideSubject = "smime.hide_subject"
)

// maxAttempts bounds the delivery attempts after temporary failures
// (with the default backoff, about four hours).
const maxAttempts = 20

// inFlight is how long an attempt may take, beyond the bound of its SMTP
// transaction (inFlightFor), before its message counts as interrupted (the
// program stopped during it): time for connecting, logging in and the
// database.
const inFlight = 10 * time.Minute

// inFlightFor is how long the attempt to send item stays "sending" or
// "committing" before another process may settle it: longer than the
// attempt can last, however big the message, so that an attempt still
// running is never taken for an interrupted one.
func inFlightFor(item *outboxRow) time.Duration {
	return inFlight + submit.MaxDuration(len(item.raw), len(item.Recipients))
}

// appendGiveUp is how long a failing APPEND to the Sent folder is retried.
const appendGiveUp = 24 * time.Hour

// Errors of the outbox methods.
var (
	ErrNoOutboxItem = errors.New("mail: no such outbox message")
	// ErrOutboxBusy is returned for a change to a message that is being
	// sent or was sent.
	ErrOutboxBusy = errors.New("mail: the message is being sent or was sent")
)

// OutboxItem is one outgoing message.
type OutboxItem struct {
	ID        int64
	AccountID int64
	DraftID   int64
	// TicketID is the ticket the message answers, or (for a new ticket)
	// the ticket opened when it was sent; TicketNumber is always set.
	TicketID     int64
	TicketNumber int64
	MessageID    string
	Subject      string
	Recipients   []string
	State        OutboxState
	Attempts     int
	NextAttempt  time.Time
	// LastError is the last failure (the server's reply for a refusal);
	// ErrorCode its SMTP code, 0 when there was no reply.
	LastError string
	ErrorCode int
	Created   time.Time
	Sent      time.Time // zero until sent
	ArticleID int64     // the article it became, once sent
}

// Send builds the draft's message (message.Build), seals it with the
// engine as the draft's Encrypt and Sign say, and in one transaction puts
// the sealed bytes into the outbox and marks the draft sent. The outbox
// worker delivers it (Start), or DeliverOutbox.
//
// If building or sealing fails — *smime.MissingCertError,
// smime.ErrNoSignerKey, a compose error — nothing is queued, the draft
// stays as it is, and the error says why. Plaintext is never the fallback.
func (d *Desk) Send(ctx context.Context, draftID int64) (OutboxItem, error) {
	dr, err := d.Draft(ctx, draftID)
	if err != nil {
		return OutboxItem{}, err
	}
	if dr.State != DraftOpen {
		return OutboxItem{}, ErrDraftSent
	}
	acct, err := d.Account(ctx, dr.AccountID)
	if err != nil {
		return OutboxItem{}, err
	}
	if must, err := d.mustEncrypt(ctx, &dr); err != nil {
		return OutboxItem{}, err
	} else if must {
		return OutboxItem{}, ErrMustEncrypt
	}
	number, ticketID, err := d.draftTicket(ctx, &dr)
	if err != nil {
		return OutboxItem{}, err
	}
	subject := dr.Subject
	if TicketTag(subject) != number {
		subject = strings.TrimSpace(FormatTag(number) + " " + BaseSubject(subject))
	}
	msgID := message.NewMessageID(acct.Address)
	now := d.now()
	raw, err := message.Build(message.Draft{
		From: acct.From(), To: dr.To, Cc: dr.Cc, Subject: subject, Text: dr.Text, Attachments: dr.Attachments,
		InReplyTo: dr.InReplyTo, References: dr.References, MessageID: msgID, Date: now,
	})
	if err != nil {
		return OutboxItem{}, fmt.Errorf("mail: send: %w", err)
	}
	rcpts, err := recipients(dr.To, dr.Cc)
	if err != nil {
		return OutboxItem{}, fmt.Errorf("mail: send: %w", err)
	}
	opts, err := d.sealOptions(ctx)
	if err != nil {
		return OutboxItem{}, err
	}
	opts.Sign, opts.Encrypt = dr.Sign, dr.Encrypt
	sealed, err := d.engine.Seal(ctx, raw, opts)
	if err != nil {
		return OutboxItem{}, fmt.Errorf("mail: send: %w", err)
	}
	rcptJSON, _ := json.Marshal(rcpts)

	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return OutboxItem{}, fmt.Errorf("mail: send: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE drafts SET state = 'sent', updated = ? WHERE id = ? AND state = 'draft'`, millis(now), draftID)
	if err != nil {
		return OutboxItem{}, fmt.Errorf("mail: send: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return OutboxItem{}, ErrDraftSent
	}
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO outbox (account_id, draft_id, ticket_id, ticket_number, message_id, mail_from,
		rcpts, subject, raw, state, next_attempt, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?) RETURNING id`,
		acct.ID, draftID, nullID(ticketID), number, msgID, acct.Address, string(rcptJSON), subject, sealed,
		millis(now.Add(d.opts.UndoDelay)), millis(now)).Scan(&id)
	if err != nil {
		return OutboxItem{}, fmt.Errorf("mail: send: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return OutboxItem{}, fmt.Errorf("mail: send: %w", err)
	}
	item, err := d.OutboxItem(ctx, id)
	if err != nil {
		return item, err
	}
	d.emit(OutboxChanged{Item: item})
	kick(d.outboxKick)
	return item, nil
}

// draftTicket returns the ticket number the draft's message carries: its
// ticket's, or for a new ticket one reserved now and kept with the draft,
// so a retried Send uses the same.
func (d *Desk) draftTicket(ctx context.Context, dr *Draft) (number, ticketID int64, err error) {
	if dr.TicketID != 0 {
		t, err := d.Ticket(ctx, dr.TicketID)
		if err != nil {
			return 0, 0, err
		}
		return t.Number, t.ID, nil
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("mail: send: %w", err)
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, `SELECT ticket_number FROM drafts WHERE id = ?`, dr.ID).Scan(&number); err != nil {
		return 0, 0, fmt.Errorf("mail: send: %w", err)
	}
	if number != 0 {
		return number, 0, nil
	}
	if number, err = nextTicketNumber(ctx, newTxn(tx)); err != nil {
		return 0, 0, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE drafts SET ticket_number = ? WHERE id = ?`, number, dr.ID); err != nil {
		return 0, 0, fmt.Errorf("mail: send: %w", err)
	}
	return number, 0, tx.Commit()
}

// sealOptions reads the cipher settings.
func (d *Desk) sealOptions(ctx context.Context) (smime.SealOptions, error) {
	var o smime.SealOptions
	c, err := d.p.Setting(ctx, SettingCipher, "aes256-cbc")
	if err != nil {
		return o, err
	}
	// The window stores "aes-256-gcm", the command line's flag reads
	// "aes256-gcm": both mean GCM.
	if c == "aes256-gcm" || c == "aes-256-gcm" {
		o.Cipher = smime.AES256GCM
	}
	kt, err := d.p.Setting(ctx, SettingKeyTransport, "pkcs1v15")
	if err != nil {
		return o, err
	}
	if kt == "oaep" || kt == "rsa-oaep" {
		o.KeyTransport = smime.RSAOAEP
	}
	hide, err := d.p.Setting(ctx, SettingHideSubject, "on")
	if err != nil {
		return o, err
	}
	o.KeepSubject = hide == "off"
	return o, nil
}

const outboxColumns = `id, account_id, coalesce(draft_id, 0), coalesce(ticket_id, 0), ticket_number, message_id, subject,
	rcpts, state, attempts, next_attempt, last_error, error_code, created, coalesce(sent, 0), coalesce(article_id, 0)`

func scanOutbox(sc interface{ Scan(...any) error }) (OutboxItem, error) {
	var o OutboxItem
	var rcpts string
	var next, created, sent int64
	err := sc.Scan(&o.ID, &o.AccountID, &o.DraftID, &o.TicketID, &o.TicketNumber, &o.MessageID, &o.Subject,
		&rcpts, &o.State, &o.Attempts, &next, &o.LastError, &o.ErrorCode, &created, &sent, &o.ArticleID)
	if err != nil {
		return o, err
	}
	json.Unmarshal([]byte(rcpts), &o.Recipients)
	o.NextAttempt, o.Created = fromMillis(next), fromMillis(created)
	if sent != 0 {
		o.Sent = fromMillis(sent)
	}
	return o, nil
}

// OutboxItem returns one outgoing message.
func (d *Desk) OutboxItem(ctx context.Context, id int64) (OutboxItem, error) {
	o, err := scanOutbox(d.db.QueryRowContext(ctx, `SELECT `+outboxColumns+` FROM outbox WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return o, ErrNoOutboxItem
	}
	if err != nil {
		return o, fmt.Errorf("mail: outbox: %w", err)
	}
	return o, nil
}

// OutboxQuery selects outgoing messages.
type OutboxQuery struct {
	// TicketID limits the list to one ticket's messages (0: all).
	TicketID int64
	// Unsent leaves out the sent messages.
	Unsent bool
}

// Outbox lists outgoing messages, oldest first.
func (d *Desk) Outbox(ctx context.Context, q OutboxQuery) ([]OutboxItem, error) {
	query := `SELECT ` + outboxColumns + ` FROM outbox WHERE 1`
	var args []any
	if q.TicketID != 0 {
		query += ` AND ticket_id = ?`
		args = append(args, q.TicketID)
	}
	if q.Unsent {
		query += ` AND state != 'sent'`
	}
	rows, err := d.db.QueryContext(ctx, query+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("mail: outbox: %w", err)
	}
	defer rows.Close()
	var out []OutboxItem
	for rows.Next() {
		o, err := scanOutbox(rows)
		if err != nil {
			return nil, fmt.Errorf("mail: outbox: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// Resend queues a failed or uncertain message for another attempt now.
func (d *Desk) Resend(ctx context.Context, id int64) error {
	res, err := d.db.ExecContext(ctx, `UPDATE outbox SET state = 'queued', attempts = 0, next_attempt = ?, last_error = '', error_code = 0
		WHERE id = ? AND state IN ('failed', 'uncertain')`, millis(d.now()), id)
	if err != nil {
		return fmt.Errorf("mail: resend: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := d.OutboxItem(ctx, id); err != nil {
			return err
		}
		return ErrOutboxBusy
	}
	d.emitOutbox(ctx, id)
	kick(d.outboxKick)
	return nil
}

// Discard removes a message that is not sent from the outbox and turns
// its draft back into an open draft, so nothing written is lost.
func (d *Desk) Discard(ctx context.Context, id int64) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("mail: discard: %w", err)
	}
	defer tx.Rollback()
	var draftID sql.NullInt64
	err = tx.QueryRowContext(ctx, `DELETE FROM outbox WHERE id = ? AND state IN ('queued', 'failed', 'uncertain') RETURNING draft_id`, id).Scan(&draftID)
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := d.OutboxItem(ctx, id); err != nil {
			return err
		}
		return ErrOutboxBusy
	}
	if err != nil {
		return fmt.Errorf("mail: discard: %w", err)
	}
	if draftID.Valid {
		if _, err := tx.ExecContext(ctx, `UPDATE drafts SET state = 'draft' WHERE id = ?`, draftID.Int64); err != nil {
			return fmt.Errorf("mail: discard: %w", err)
		}
	}
	return tx.Commit()
}

func (d *Desk) emitOutbox(ctx context.Context, id int64) {
	if item, err := d.OutboxItem(context.WithoutCancel(ctx), id); err == nil {
		d.emit(OutboxChanged{Item: item})
	}
}

// runOutbox is the outbox worker: it delivers due messages whenever one
// is queued or a retry is due.
func (d *Desk) runOutbox(ctx context.Context) {
	for {
		next, _ := d.deliverDue(ctx)
		wait := time.Hour
		if !next.IsZero() {
			wait = max(next.Sub(d.now()), 10*time.Millisecond)
		}
		if d.waitingForSignIn(ctx) {
			// SignIn here kicks the outbox; one by another process
			// (the command line) shows only in the stored mark.
			wait = min(wait, d.opts.RetryMax)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-d.outboxKick:
		case <-t.C:
		}
		t.Stop()
	}
}

// waitingForSignIn reports whether messages wait for an account to sign
// in again.
func (d *Desk) waitingForSignIn(ctx context.Context) bool {
	var n int
	d.db.QueryRowContext(ctx, `SELECT count(*) FROM outbox
		WHERE (state IN ('queued', 'sending', 'committing') OR (state = 'sent' AND appended = 0))
		AND account_id IN (SELECT id FROM accounts WHERE needs_signin = 1)`).Scan(&n)
	return n > 0
}

// DeliverOutbox delivers every message that is due now, one after the
// other, and returns when none is left (the command line uses it; a
// started desk does this by itself).
func (d *Desk) DeliverOutbox(ctx context.Context) error {
	_, err := d.deliverDue(ctx)
	return err
}

// outboxRow is an outbox message with what delivering it needs.
type outboxRow struct {
	OutboxItem
	from string
	raw  []byte
}

func (d *Desk) outboxRow(ctx context.Context, id int64) (*outboxRow, error) {
	var r outboxRow
	var err error
	if r.OutboxItem, err = d.OutboxItem(ctx, id); err != nil {
		return nil, err
	}
	if err := d.db.QueryRowContext(ctx, `SELECT mail_from, raw FROM outbox WHERE id = ?`, id).Scan(&r.from, &r.raw); err != nil {
		return nil, fmt.Errorf("mail: outbox: %w", err)
	}
	return &r, nil
}

// signedInOnly leaves out the messages of accounts that must sign in
// again: they stay as they are until SignIn.
const signedInOnly = `account_id NOT IN (SELECT id FROM accounts WHERE needs_signin = 1)`

// deliverDue works through the due messages: queued ones are sent, sent
// ones not yet in the Sent folder are appended, and interrupted ones are
// settled — an attempt stays "sending" or "committing" for at most
// inFlightFor (so another process's attempt in flight is never taken for an
// interrupted one): one still "sending" never reached the end of its
// data, so no server has it, and it is queued again; one "committing" may
// have been delivered, and resolveUncertain decides. It returns when the
// next one is due (zero: none waiting).
func (d *Desk) deliverDue(ctx context.Context) (time.Time, error) {
	done := map[int64]bool{} // each message once per call, whatever happens to it
	for ctx.Err() == nil {
		rows, err := d.db.QueryContext(ctx, `SELECT id, state FROM outbox
			WHERE (state IN ('queued', 'sending', 'committing') OR (state = 'sent' AND appended = 0)) AND next_attempt <= ?
			AND `+signedInOnly+`
			ORDER BY next_attempt, id LIMIT 100`, millis(d.now()))
		if err != nil {
			return time.Time{}, fmt.Errorf("mail: outbox: %w", err)
		}
		type due struct {
			id    int64
			state OutboxState
		}
		var list []due
		for rows.Next() {
			var x due
			if err := rows.Scan(&x.id, &x.state); err != nil {
				d.log.Error("outbox: unreadable row", "err", err)
			} else if !done[x.id] {
				list = append(list, x)
			}
		}
		if err := rows.Err(); err != nil {
			d.log.Error("outbox: scan", "err", err)
		}
		rows.Close()
		if len(list) == 0 {
			break
		}
		for _, x := range list {
			done[x.id] = true
			item, err := d.outboxRow(ctx, x.id)
			if err != nil {
				d.log.Error("outbox: cannot read a due message", "outbox", x.id, "err", err)
				continue
			}
			switch x.state {
			case OutboxSending:
				// Interrupted before the end of the data: no server has it.
				d.execLogged(ctx, `UPDATE outbox SET state = 'queued' WHERE id = ? AND state = 'sending' AND next_attempt <= ?`,
					item.ID, millis(d.now()))
				if item, err = d.outboxRow(ctx, x.id); err == nil {
					d.deliver(ctx, item)
				}
			case OutboxQueued:
				d.deliver(ctx, item)
			case OutboxCommitting:
				d.resolveUncertain(ctx, item)
			case OutboxSent:
				d.appendSent(ctx, item)
			}
		}
	}
	var next sql.NullInt64
	err := d.db.QueryRowContext(ctx, `SELECT min(next_attempt) FROM outbox
		WHERE (state IN ('queued', 'sending', 'committing') OR (state = 'sent' AND appended = 0))
		AND `+signedInOnly).Scan(&next)
	if err != nil || !next.Valid {
		return time.Time{}, ctx.Err()
	}
	return fromMillis(next.Int64), ctx.Err()
}

// deliver makes one attempt to send a queued message.
func (d *Desk) deliver(ctx context.Context, item *outboxRow) {
	res, err := d.db.ExecContext(ctx, `UPDATE outbox SET state = 'sending', attempts = attempts + 1, next_attempt = ?
		WHERE id = ? AND state = 'queued'`, millis(d.now().Add(inFlightFor(item))), item.ID)
	if err != nil {
		d.log.Error("outbox: cannot take a message", "outbox", item.ID, "err", err)
		return
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return // taken by another worker
	}
	item.Attempts++
	d.emitOutbox(ctx, item.ID)

	err = d.submit(ctx, item)
	switch {
	case err == nil:
		d.log.Info("outbox: delivered", "outbox", item.ID, "attempt", item.Attempts)
		d.markSent(ctx, item, false)
	case errors.Is(err, oauth.ErrSignInAgain):
		// Not the message's failure: it waits, queued, for SignIn
		// (which kicks the outbox), and the attempt does not count.
		d.log.Warn("outbox: waiting for a new sign-in", "outbox", item.ID, "account", item.AccountID)
		d.execLogged(context.WithoutCancel(ctx), `UPDATE outbox SET state = 'queued', attempts = max(attempts - 1, 0), next_attempt = ?
			WHERE id = ? AND state = 'sending'`, millis(d.now()), item.ID)
		d.emitOutbox(ctx, item.ID)
	case errors.Is(err, submit.ErrUncertain):
		d.log.Warn("outbox: delivery uncertain", "outbox", item.ID, "err", err)
		d.resolveUncertain(ctx, item)
	case ctx.Err() != nil:
		// Stopped by Close: nothing was delivered (a stop after the end
		// of the data is ErrUncertain); try again next run.
		d.execLogged(context.WithoutCancel(ctx), `UPDATE outbox SET state = 'queued', next_attempt = ? WHERE id = ? AND state = 'sending'`,
			millis(d.now()), item.ID)
	default:
		d.log.Warn("outbox: delivery failed", "outbox", item.ID, "attempt", item.Attempts, "err", err)
		d.failed(ctx, item, err)
	}
}

// submit runs the SMTP transaction of one message.
func (d *Desk) submit(ctx context.Context, item *outboxRow) error {
	acct, err := d.accountWithPasswords(ctx, item.AccountID)
	if err != nil {
		return &submit.Error{Stage: "connect", Message: err.Error(), Err: err}
	}
	c, err := account.DialSMTP(ctx, acct)
	if err != nil {
		return submit.Classify(err)
	}
	defer c.Close()
	err = submit.Send(ctx, c, item.from, item.Recipients, item.raw, func() error {
		_, err := d.db.ExecContext(ctx, `UPDATE outbox SET state = 'committing', next_attempt = ? WHERE id = ?`,
			millis(d.now().Add(inFlightFor(item))), item.ID)
		return err
	})
	if err == nil {
		c.Quit()
	}
	return err
}

// failed records a failed attempt: a temporary failure is retried with
// backoff (until maxAttempts), anything else stays failed with the
// server's words until the agent resends.
func (d *Desk) failed(ctx context.Context, item *outboxRow, err error) {
	var se *submit.Error
	msg, code := err.Error(), 0
	if errors.As(err, &se) {
		msg, code = se.Message, se.Code
		if se.Stage != "connect" && code != 0 {
			msg = fmt.Sprintf("%d %s", code, se.Message)
		}
	}
	state := OutboxFailed
	next := d.now()
	if submit.IsTemporary(err) && item.Attempts < maxAttempts {
		state = OutboxQueued
		b := backoff{min: d.opts.RetryMin, max: d.opts.RetryMax}
		var delay time.Duration
		for range item.Attempts {
			delay = b.next()
		}
		next = next.Add(delay)
	}
	d.execLogged(context.WithoutCancel(ctx), `UPDATE outbox SET state = ?, next_attempt = ?, last_error = ?, error_code = ? WHERE id = ?`,
		string(state), millis(next), msg, code, item.ID)
	d.emitOutbox(ctx, item.ID)
}

// markSent records a delivered message and files it as an article of its
// ticket (with the security result of the sealed bytes, as its recipients
// will see them), in one transaction; then it appends the message to the
// Sent folder. inSent says the Sent folder has it already.
func (d *Desk) markSent(ctx context.Context, item *outboxRow, inSent bool) {
	ctx = context.WithoutCancel(ctx) // delivered: record it whatever happens
	now := d.now()
	an := d.analyse(ctx, item.raw, now)
	f, err := d.fileSent(ctx, item, an, now, inSent)
	if err != nil {
		// Delivered all the same: never send it again. The article is
		// missing until the Sent folder is synced.
		d.execLogged(ctx, `UPDATE outbox SET state = 'sent', sent = ?, next_attempt = ?, appended = ?, last_error = ? WHERE id = ?`,
			millis(now), millis(now), inSent, "delivered, but not filed in its ticket: "+err.Error(), item.ID)
	} else {
		if !f.duplicate {
			d.emit(ArticleAdded{TicketID: f.ticketID, ArticleID: f.articleID, NewTicket: f.newTicket})
		}
		d.emit(TicketChanged{TicketID: f.ticketID})
	}
	d.emitOutbox(ctx, item.ID)
	if !inSent {
		item.Sent = now
		d.appendSent(ctx, item)
	}
}

// fileSent marks a message sent and files it in its ticket, in one
// transaction.
func (d *Desk) fileSent(ctx context.Context, item *outboxRow, an analysis, now time.Time, inSent bool) (filed, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return filed{}, err
	}
	defer tx.Rollback()
	ftx := newTxn(tx)
	f, err := fileArticle(ctx, ftx, d.blobs, &newArticle{
		accountID: item.AccountID, raw: item.raw, arrived: now, outgoing: true, an: an,
		ticketNumber: item.TicketNumber,
	})
	if err != nil {
		return f, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'sent', sent = ?, next_attempt = ?, last_error = '', error_code = 0,
		article_id = ?, ticket_id = ?, appended = ? WHERE id = ?`,
		millis(now), millis(now), f.articleID, f.ticketID, inSent, item.ID); err != nil {
		return f, err
	}
	return f, ftx.commit(ctx)
}

// appendSent puts a sent message into the account's Sent folder (creating
// the folder if the server has none), unless the server filed it there
// itself — which it then remembers, to settle uncertain deliveries.
func (d *Desk) appendSent(ctx context.Context, item *outboxRow) {
	err := d.withSent(ctx, item.AccountID, func(c *imapsync.Conn, sent string) error {
		has, err := c.HasMessageID(ctx, sent, item.MessageID)
		if err != nil {
			return err
		}
		if has {
			_, err := d.db.ExecContext(ctx, `UPDATE accounts SET smtp_saves_sent = 1 WHERE id = ?`, item.AccountID)
			return err
		}
		return c.Append(ctx, sent, item.raw, item.Sent)
	})
	if err == nil {
		d.execLogged(ctx, `UPDATE outbox SET appended = 1 WHERE id = ?`, item.ID)
		return
	}
	if ctx.Err() != nil {
		return
	}
	d.log.Warn("outbox: append to Sent failed", "outbox", item.ID, "err", err)
	// Try again later; give up after a day (the message was delivered,
	// and is an article of its ticket).
	appended := 0
	if d.now().Sub(item.Sent) > appendGiveUp {
		appended = -1
	}
	d.execLogged(ctx, `UPDATE outbox SET appended = ?, next_attempt = ? WHERE id = ?`,
		appended, millis(d.now().Add(d.opts.RetryMax)), item.ID)
}

// withSent runs f on a connection to the account's IMAP server with the
// name of its Sent folder.
func (d *Desk) withSent(ctx context.Context, accountID int64, f func(c *imapsync.Conn, sent string) error) error {
	acct, err := d.accountWithPasswords(ctx, accountID)
	if err != nil {
		return err
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c, err := imapsync.Dial(cctx, acct)
	if err != nil {
		return err
	}
	defer c.Close()
	boxes, err := c.FindMailboxes(cctx)
	if err != nil {
		return err
	}
	if boxes.Sent == "" {
		if boxes.Sent, err = c.CreateSent(cctx); err != nil {
			return err
		}
	}
	return f(c, boxes.Sent)
}

// resolveUncertain settles a message whose delivery is unknown (the
// connection broke, or the program stopped, after the end of its data):
// found in the Sent folder it was delivered; not found on a server known
// to file sent mail itself it was not, and is queued again; otherwise it
// waits as "uncertain" for the agent's decision, so nothing is ever sent
// twice without being asked.
func (d *Desk) resolveUncertain(ctx context.Context, item *outboxRow) {
	var saves bool
	if err := d.db.QueryRowContext(ctx, `SELECT smtp_saves_sent FROM accounts WHERE id = ?`, item.AccountID).Scan(&saves); err != nil {
		// Unknown: treated as a server that does not file sent mail, so
		// the agent decides rather than a second delivery.
		d.log.Warn("outbox: cannot tell whether the server files sent mail", "account", item.AccountID, "err", err)
	}
	var found bool
	err := d.withSent(ctx, item.AccountID, func(c *imapsync.Conn, sent string) error {
		// A server that files sent mail may take a moment to do so.
		for i := range 3 {
			has, err := c.HasMessageID(ctx, sent, item.MessageID)
			if err != nil || has || !saves {
				found = has
				return err
			}
			if !sleep(ctx, time.Duration(i+1)*time.Second) {
				return ctx.Err()
			}
		}
		return nil
	})
	switch {
	case err != nil:
		if ctx.Err() != nil {
			return // settled at the next start
		}
		// Ask again later; until then it stays "committing".
		d.execLogged(ctx, `UPDATE outbox SET state = 'committing', next_attempt = ?, last_error = ? WHERE id = ?`,
			millis(d.now().Add(d.opts.RetryMin)), err.Error(), item.ID)
		d.emitOutbox(ctx, item.ID)
	case found:
		d.log.Info("outbox: uncertain delivery found in Sent", "outbox", item.ID)
		d.markSent(ctx, item, true)
	case saves:
		d.log.Info("outbox: uncertain delivery not in Sent: queued again", "outbox", item.ID)
		d.execLogged(ctx, `UPDATE outbox SET state = 'queued', next_attempt = ? WHERE id = ?`, millis(d.now()), item.ID)
		d.emitOutbox(ctx, item.ID)
	default:
		d.log.Warn("outbox: delivery uncertain: the agent decides", "outbox", item.ID)
		d.execLogged(ctx, `UPDATE outbox SET state = 'uncertain', last_error = ? WHERE id = ?`, submit.ErrUncertain.Error(), item.ID)
		d.emitOutbox(ctx, item.ID)
	}
}

// execLogged runs a statement whose failure the caller cannot act on (the
// state it records is retried or settled later) and logs that failure, so
// that it is never silent.
func (d *Desk) execLogged(ctx context.Context, query string, args ...any) {
	if _, err := d.db.ExecContext(ctx, query, args...); err != nil && ctx.Err() == nil {
		d.log.Error("outbox: update failed", "query", firstLine(query), "err", err)
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
