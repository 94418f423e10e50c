package mail

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"siegel/crypto/smime"
	"siegel/message"
)

// Article is one message of a ticket as stored: header data and the
// security result, never the text of an encrypted message.
type Article struct {
	ID        int64
	TicketID  int64
	AccountID int64
	// Outgoing marks our own messages (sent by the desk, found in the Sent
	// folder, or from one of the accounts' addresses).
	Outgoing   bool
	MessageID  string
	From       message.Address
	To, Cc     []message.Address
	ReplyTo    []message.Address
	InReplyTo  []string
	References []string
	Subject    string
	Date       time.Time // the Date header; zero when missing
	Arrived    time.Time // when the server received it (or we sent it)
	Size       int
	// Encrypted reports that the message is encrypted, whether or not it
	// could be decrypted.
	Encrypted bool
	Unread    bool
	// Remote: the message was larger than the account keeps (its
	// LargeMessage setting), so its raw bytes stayed on the server; they
	// are fetched when it is opened or saved ("fetched when opened").
	// The verdict was made once, when it was synced.
	Remote bool
	// Security is the stored verdict, the one every view shows. From, To,
	// Cc, ReplyTo and Date are those of its Envelope.
	Security *smime.Result
}

const articleColumns = `id, ticket_id, coalesce(account_id, 0), outgoing, message_id, subject, header,
	date, arrived, size, encrypted, unread, security, remote`

func scanArticle(sc interface{ Scan(...any) error }) (Article, error) {
	var a Article
	var hdr, sec string
	var date sql.NullInt64
	var arrived int64
	err := sc.Scan(&a.ID, &a.TicketID, &a.AccountID, &a.Outgoing, &a.MessageID, &a.Subject, &hdr,
		&date, &arrived, &a.Size, &a.Encrypted, &a.Unread, &sec, &a.Remote)
	if err != nil {
		return a, err
	}
	var h storedHeader
	if err := json.Unmarshal([]byte(hdr), &h); err != nil {
		return a, fmt.Errorf("article %d header: %w", a.ID, err)
	}
	a.Arrived = fromMillis(arrived)
	a.Security = &smime.Result{}
	if err := json.Unmarshal([]byte(sec), a.Security); err != nil {
		return a, fmt.Errorf("article %d security: %w", a.ID, err)
	}
	if env := a.Security.Header(); env.Author.Address != "" || env.FromProblem != "" {
		// The header the verdict was made against: what is shown beside
		// the badge is what was judged.
		a.From, a.To, a.Cc, a.ReplyTo, a.InReplyTo, a.References = env.Shown(), env.To, env.Cc, env.ReplyTo, env.InReplyTo, env.References
		a.Date = env.Date
		return a, nil
	}
	// A verdict from before the result carried its envelope (the next
	// re-check replaces it).
	if len(h.From) > 0 {
		a.From = h.From[0]
	}
	a.To, a.Cc, a.ReplyTo, a.InReplyTo, a.References = h.To, h.Cc, h.ReplyTo, h.InReplyTo, h.References
	if date.Valid {
		a.Date = fromMillis(date.Int64)
	}
	return a, nil
}

// Articles returns the articles of a ticket, oldest first.
func (d *Desk) Articles(ctx context.Context, ticketID int64) ([]Article, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+articleColumns+` FROM articles WHERE ticket_id = ? ORDER BY arrived, id`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("mail: articles: %w", err)
	}
	defer rows.Close()
	var out []Article
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, fmt.Errorf("mail: articles: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Article returns one article.
func (d *Desk) Article(ctx context.Context, id int64) (Article, error) {
	a, err := scanArticle(d.db.QueryRowContext(ctx, `SELECT `+articleColumns+` FROM articles WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, ErrNoArticle
	}
	if err != nil {
		return a, fmt.Errorf("mail: article %d: %w", id, err)
	}
	return a, nil
}

// RawArticle returns the article's message exactly as received (or as
// sent), e.g. to save it as .eml. The raw bytes of a remote article
// (Article.Remote) are fetched from the server now, and not kept.
func (d *Desk) RawArticle(ctx context.Context, id int64) ([]byte, error) {
	raw, remote, err := storedRaw(ctx, d.db, d.blobs, id)
	if err != nil {
		return nil, err
	}
	if remote {
		return d.fetchRemote(ctx, id)
	}
	return raw, nil
}

// rowQuerier is what storedRaw reads with: a database or a transaction.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// storedRaw is the one reader of an article's stored bytes, for every
// caller: its row's raw column, or the blob file the row names (checked
// against its SHA-256: ErrStoredDamaged when missing or changed). remote
// says the bytes stayed on the server (raw is nil then).
func storedRaw(ctx context.Context, q rowQuerier, blobs blobStore, id int64) (raw []byte, remote bool, err error) {
	var blob sql.NullString
	err = q.QueryRowContext(ctx, `SELECT raw, blob, remote FROM articles WHERE id = ?`, id).Scan(&raw, &blob, &remote)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, ErrNoArticle
	}
	if err != nil {
		return nil, false, fmt.Errorf("mail: article %d: %w", id, err)
	}
	if remote {
		return nil, true, nil
	}
	if blob.Valid {
		if raw, err = blobs.read(blob.String); err != nil {
			return nil, false, fmt.Errorf("mail: article %d: %w", id, err)
		}
	}
	return raw, false, nil
}

// ArticleView is an article opened for display. It lives in memory only:
// Text and Attachments of an encrypted article come from decrypting it now
// and are never stored. Its verdict is the stored one (Article.Security).
type ArticleView struct {
	Article
	Text     string
	FromHTML bool
	// HTML is the article's HTML rendering, for the window to show
	// formatted (message.Body.HTML); its inline images are among the
	// Attachments, marked Inline.
	HTML        string
	Attachments []message.Attachment
}

// OpenArticle opens an article for display: the engine unwraps the stored
// message in memory (Reveal: no second verdict) and its innermost content
// gives the text and the attachments. A message that could not be
// decrypted has neither.
func (d *Desk) OpenArticle(ctx context.Context, id int64) (*ArticleView, error) {
	a, err := d.Article(ctx, id)
	if err != nil {
		return nil, err
	}
	raw, err := d.RawArticle(ctx, id)
	if err != nil {
		return nil, err
	}
	v := &ArticleView{Article: a}
	if a.Security.Encryption.Failed() {
		return v, nil
	}
	content := d.engine.Reveal(ctx, raw)
	if content == nil && !a.Encrypted {
		content = raw
	}
	if content != nil {
		b := message.Extract(content)
		v.Text, v.FromHTML, v.HTML, v.Attachments = b.Text, b.FromHTML, b.HTML, b.Attachments
	}
	return v, nil
}
