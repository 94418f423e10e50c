package mail

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"siegel/crypto/smime"
	"siegel/message"
)

// TicketState is the state of a ticket (DESIGN.md §5).
type TicketState string

// The ticket states.
const (
	TicketNew  TicketState = "new"
	TicketOpen TicketState = "open"
	// TicketPending: the agent waits for the customer; the customer's
	// next message opens the ticket again, as it does a closed one.
	TicketPending TicketState = "pending"
	TicketClosed  TicketState = "closed"
)

// TicketStates are the states in the order of their work.
var TicketStates = []TicketState{TicketNew, TicketOpen, TicketPending, TicketClosed}

// Errors of the ticket and article methods.
var (
	ErrNoTicket     = errors.New("mail: no such ticket")
	ErrNoArticle    = errors.New("mail: no such article")
	ErrTicketState  = errors.New("mail: invalid ticket state")
	ErrSearchSyntax = errors.New("mail: nothing to search for")
)

// Ticket is one row of the ticket list.
type Ticket struct {
	ID     int64
	Number int64
	// AccountID is the account the ticket's mail came in on (answers are
	// sent from it); 0 when that account was deleted.
	AccountID    int64
	Subject      string // without "Re:" and the ticket tag
	Customer     message.Address
	State        TicketState
	Created      time.Time
	LastActivity time.Time
	Articles     int
	Unread       int
	// Encryption and Signature are the security states of the newest
	// article: the lock and check icons of the row.
	Encryption smime.EncryptionState
	Signature  smime.SignatureState
	// NewestFrom is the address the newest article is from, as the engine
	// judged it: the list shows it, not a display name, beside a valid
	// signature. Empty for tickets filed before it was kept.
	NewestFrom string
	// NewestRemote: the newest article's raw bytes stayed on the server
	// (Article.Remote); the row can say "fetched when opened".
	NewestRemote bool
}

// Tag is the ticket's subject tag, "[Ticket#10042]".
func (t *Ticket) Tag() string { return FormatTag(t.Number) }

// Cursor marks a position in the ticket list (newest activity first), for
// keyset paging: the next page starts after it.
type Cursor struct {
	LastActivity int64 // Unix milliseconds
	ID           int64
}

// TicketQuery selects a page of the ticket list.
type TicketQuery struct {
	// State limits the list to one state; "" lists all.
	State TicketState
	// Search finds tickets by number ("10042", "Ticket#10042"), and by
	// words of the subject, the customer's name or address, and the text
	// of unencrypted articles (all words must match, as prefixes).
	Search string
	// After continues the list after this position (from TicketPage.Next).
	After *Cursor
	// Offset skips rows instead (for jumps in a long list; After is
	// cheaper for the next page).
	Offset int
	// Limit is the page size (default 100, at most 1000).
	Limit int
}

// TicketPage is one page of the ticket list.
type TicketPage struct {
	Tickets []Ticket
	// Next is where the next page starts; nil on the last page.
	Next *Cursor
}

const ticketColumns = `t.id, t.number, coalesce(t.account_id, 0), t.subject, t.customer, t.customer_name, t.state,
	t.created, t.last_activity, t.articles, t.unread, t.newest_encryption, t.newest_signature, t.newest_from,
	coalesce((SELECT a.remote FROM articles a WHERE a.id = t.newest_article), 0)`

func scanTicket(sc interface{ Scan(...any) error }) (Ticket, error) {
	var t Ticket
	var created, last int64
	err := sc.Scan(&t.ID, &t.Number, &t.AccountID, &t.Subject, &t.Customer.Address, &t.Customer.Name, &t.State,
		&created, &last, &t.Articles, &t.Unread, &t.Encryption, &t.Signature, &t.NewestFrom, &t.NewestRemote)
	t.Created, t.LastActivity = fromMillis(created), fromMillis(last)
	return t, err
}

// Tickets returns one page of tickets, most recent activity first. The
// query uses the (last_activity, id) index, so a page costs the same at
// the top and deep in a list of 100,000.
func (d *Desk) Tickets(ctx context.Context, q TicketQuery) (TicketPage, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	where, args, err := ticketFilter(q)
	if err != nil {
		return TicketPage{}, err
	}
	if q.After != nil {
		where = append(where, `(t.last_activity, t.id) < (?, ?)`)
		args = append(args, q.After.LastActivity, q.After.ID)
	}
	query := `SELECT ` + ticketColumns + ` FROM tickets t`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY t.last_activity DESC, t.id DESC LIMIT ? OFFSET ?`
	args = append(args, limit+1, max(q.Offset, 0))
	rows, err := d.db.QueryContext(ctx, query, args...)
	if err != nil {
		return TicketPage{}, fmt.Errorf("mail: tickets: %w", err)
	}
	defer rows.Close()
	var page TicketPage
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			return TicketPage{}, fmt.Errorf("mail: tickets: %w", err)
		}
		page.Tickets = append(page.Tickets, t)
	}
	if err := rows.Err(); err != nil {
		return TicketPage{}, fmt.Errorf("mail: tickets: %w", err)
	}
	if len(page.Tickets) > limit {
		page.Tickets = page.Tickets[:limit]
		last := page.Tickets[limit-1]
		page.Next = &Cursor{LastActivity: millis(last.LastActivity), ID: last.ID}
	}
	return page, nil
}

// CountTickets counts the tickets q selects (its paging fields are
// ignored), for the length of a virtualised list.
func (d *Desk) CountTickets(ctx context.Context, q TicketQuery) (int, error) {
	where, args, err := ticketFilter(q)
	if err != nil {
		return 0, err
	}
	query := `SELECT count(*) FROM tickets t`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	var n int
	if err := d.db.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("mail: count tickets: %w", err)
	}
	return n, nil
}

// searchTickets selects the tickets with an article matching an FTS query,
// from the search rowids alone (see indexArticle).
var searchTickets = `(SELECT rowid >> ` + strconv.Itoa(searchShift) + ` FROM article_search WHERE article_search MATCH ?)`

func ticketFilter(q TicketQuery) (where []string, args []any, err error) {
	switch {
	case q.State == "":
	case slices.Contains(TicketStates, q.State):
		where = append(where, `t.state = ?`)
		args = append(args, string(q.State))
	default:
		return nil, nil, fmt.Errorf("%w: %q", ErrTicketState, q.State)
	}
	if s := strings.TrimSpace(q.Search); s != "" {
		match := searchExpr(s)
		number := searchNumber(s)
		switch {
		case match != "" && number != 0:
			where = append(where, `(t.number = ? OR t.id IN `+searchTickets+`)`)
			args = append(args, number, match)
		case match != "":
			where = append(where, `t.id IN `+searchTickets)
			args = append(args, match)
		case number != 0:
			where = append(where, `t.number = ?`)
			args = append(args, number)
		default:
			return nil, nil, ErrSearchSyntax
		}
	}
	return where, args, nil
}

// searchNumber reads a ticket number from "10042", "#10042",
// "Ticket#10042" or "[Ticket#10042]".
func searchNumber(s string) int64 {
	s = strings.TrimSpace(strings.Trim(strings.TrimSpace(s), "[]"))
	if i := strings.IndexByte(s, '#'); i >= 0 {
		if p := strings.TrimSpace(s[:i]); p != "" && !strings.EqualFold(p, "ticket") {
			return 0
		}
		s = s[i+1:]
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	return n
}

// searchExpr turns what the user typed into an FTS5 query: every word
// must occur, as a prefix, in some column. Words are quoted, so no input
// is FTS syntax.
func searchExpr(s string) string {
	words := strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	var parts []string
	for _, w := range words {
		if strings.EqualFold(w, "ticket") && len(words) > 1 {
			continue // "Ticket#10042" searches the number
		}
		parts = append(parts, `"`+w+`"*`)
	}
	return strings.Join(parts, " ")
}

// Ticket returns one ticket.
func (d *Desk) Ticket(ctx context.Context, id int64) (Ticket, error) {
	t, err := scanTicket(d.db.QueryRowContext(ctx, `SELECT `+ticketColumns+` FROM tickets t WHERE t.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, ErrNoTicket
	}
	if err != nil {
		return t, fmt.Errorf("mail: ticket %d: %w", id, err)
	}
	return t, nil
}

// TicketByNumber returns the ticket with number n.
func (d *Desk) TicketByNumber(ctx context.Context, n int64) (Ticket, error) {
	t, err := scanTicket(d.db.QueryRowContext(ctx, `SELECT `+ticketColumns+` FROM tickets t WHERE t.number = ?`, n))
	if errors.Is(err, sql.ErrNoRows) {
		return t, ErrNoTicket
	}
	if err != nil {
		return t, fmt.Errorf("mail: ticket #%d: %w", n, err)
	}
	return t, nil
}

// SetTicketState sets a ticket's state (an agent opens, puts on hold or
// closes it).
func (d *Desk) SetTicketState(ctx context.Context, id int64, state TicketState) error {
	if !slices.Contains(TicketStates, state) {
		return fmt.Errorf("%w: %q", ErrTicketState, state)
	}
	res, err := d.db.ExecContext(ctx, `UPDATE tickets SET state = ? WHERE id = ?`, string(state), id)
	if err != nil {
		return fmt.Errorf("mail: ticket %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNoTicket
	}
	d.emit(TicketChanged{TicketID: id})
	return nil
}

// MarkTicketRead marks every article of a ticket read.
func (d *Desk) MarkTicketRead(ctx context.Context, id int64) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("mail: ticket %d: %w", id, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE tickets SET unread = 0 WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("mail: ticket %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNoTicket
	}
	if _, err := tx.ExecContext(ctx, `UPDATE articles SET unread = 0 WHERE ticket_id = ? AND unread`, id); err != nil {
		return fmt.Errorf("mail: ticket %d: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("mail: ticket %d: %w", id, err)
	}
	d.emit(TicketChanged{TicketID: id})
	return nil
}

// MarkArticleRead marks one article read (or unread again).
func (d *Desk) MarkArticleRead(ctx context.Context, articleID int64, read bool) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("mail: article %d: %w", articleID, err)
	}
	defer tx.Rollback()
	var ticketID int64
	var unread bool
	err = tx.QueryRowContext(ctx, `SELECT ticket_id, unread FROM articles WHERE id = ?`, articleID).Scan(&ticketID, &unread)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNoArticle
	}
	if err != nil {
		return fmt.Errorf("mail: article %d: %w", articleID, err)
	}
	if unread != read {
		return nil // already so
	}
	delta := -1
	if !read {
		delta = 1
	}
	if _, err := tx.ExecContext(ctx, `UPDATE articles SET unread = ? WHERE id = ?`, !read, articleID); err != nil {
		return fmt.Errorf("mail: article %d: %w", articleID, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE tickets SET unread = max(0, unread + ?) WHERE id = ?`, delta, ticketID); err != nil {
		return fmt.Errorf("mail: article %d: %w", articleID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("mail: article %d: %w", articleID, err)
	}
	d.emit(TicketChanged{TicketID: ticketID})
	return nil
}
