package mail

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// tagPattern finds the ticket tag "[Ticket#10042]" in a subject.
var tagPattern = regexp.MustCompile(`(?i)\[\s*ticket\s*#\s*(\d{1,18})\s*\]`)

// TicketTag returns the ticket number tagged in subject, or 0.
func TicketTag(subject string) int64 {
	m := tagPattern.FindStringSubmatch(subject)
	if m == nil {
		return 0
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// FormatTag is the subject tag of ticket number n: "[Ticket#10042]", at
// least five digits.
func FormatTag(n int64) string { return fmt.Sprintf("[Ticket#%05d]", n) }

var replyPrefix = regexp.MustCompile(`(?i)^\s*((re|aw|fwd?|wg|antw)\s*(\[\d+\])?\s*:\s*)+`)

// BaseSubject strips reply and forward prefixes and the ticket tag:
// "Re: AW: [Ticket#10042] Printer" becomes "Printer".
func BaseSubject(s string) string {
	for {
		t := replyPrefix.ReplaceAllString(s, "")
		t = strings.TrimSpace(tagPattern.ReplaceAllString(t, ""))
		if t == s {
			return t
		}
		s = t
	}
}

// ReplySubject is the subject of an answer in ticket n:
// "Re: [Ticket#10042] Printer".
func ReplySubject(n int64, subject string) string {
	return "Re: " + FormatTag(n) + " " + BaseSubject(subject)
}

// threadTicket finds the ticket an article belongs to (DESIGN.md §5):
// first by its references to stored articles (In-Reply-To before the
// References, newest reference first), then by stored articles that
// reference it (a reply that arrived before it), then by the ticket tag in
// its subject. It returns 0 when none matches.
func threadTicket(ctx context.Context, tx *txn, messageID string, inReplyTo, references []string, subject string) (int64, error) {
	var refs []string
	seen := map[string]bool{}
	for _, r := range inReplyTo {
		if !seen[r] {
			seen[r] = true
			refs = append(refs, r)
		}
	}
	for i := len(references) - 1; i >= 0; i-- {
		if r := references[i]; !seen[r] {
			seen[r] = true
			refs = append(refs, r)
		}
	}
	// Messages referenced far back are rare; a bound keeps a hostile
	// header from costing much.
	if len(refs) > 50 {
		refs = refs[:50]
	}
	for _, r := range refs {
		var ticket int64
		err := tx.QueryRowContext(ctx, `SELECT ticket_id FROM articles WHERE message_id = ?`, r).Scan(&ticket)
		if err == nil {
			return ticket, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return 0, err
		}
	}
	var ticket int64
	err := tx.QueryRowContext(ctx, `SELECT a.ticket_id FROM article_refs r JOIN articles a ON a.id = r.article_id
		WHERE r.ref = ? ORDER BY a.id LIMIT 1`, messageID).Scan(&ticket)
	if err == nil {
		return ticket, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	if n := TicketTag(subject); n != 0 {
		err := tx.QueryRowContext(ctx, `SELECT id FROM tickets WHERE number = ?`, n).Scan(&ticket)
		if err == nil {
			return ticket, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return 0, err
		}
	}
	return 0, nil
}

// nextTicketNumber takes the next ticket number.
func nextTicketNumber(ctx context.Context, tx *txn) (int64, error) {
	var n int64
	err := tx.QueryRowContext(ctx, `UPDATE ticket_numbers SET next = next + 1 WHERE id = 1 RETURNING next - 1`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("mail: ticket number: %w", err)
	}
	return n, nil
}
