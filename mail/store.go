package mail

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"

	"siegel/message"
)

// newArticle is one message to store with its analysis.
type newArticle struct {
	accountID int64
	raw       []byte
	arrived   time.Time
	outgoing  bool
	an        analysis
	loc       *location // where it is on the IMAP server; nil for the outbox
	// ticketNumber is the number reserved for a new ticket by the outbox,
	// 0 otherwise.
	ticketNumber int64
	// remote: raw is not stored (a large message, fetched again when
	// opened); key and size are what raw would give.
	remote bool
	key    string
	size   int
	// blob is the name of raw's blob file when the caller wrote it
	// already (blobStore.put); fileArticle writes it otherwise.
	blob string
}

// env is the header the engine judged: the one the desk stores and shows.
func (n *newArticle) env() *message.Envelope { return n.an.res.Header() }

type location struct {
	mailboxID   int64
	uidValidity uint32
	uid         imap.UID
}

// filed says where fileArticle put a message.
type filed struct {
	articleID, ticketID, ticketNumber int64
	newTicket                         bool
	// duplicate: the message was stored before (same location or same
	// Message-ID); at most its new location was recorded.
	duplicate bool
}

// storedHeader is the header data kept with an article as JSON.
type storedHeader struct {
	From       []message.Address `json:"from,omitempty"`
	To         []message.Address `json:"to,omitempty"`
	Cc         []message.Address `json:"cc,omitempty"`
	ReplyTo    []message.Address `json:"reply_to,omitempty"`
	InReplyTo  []string          `json:"in_reply_to,omitempty"`
	References []string          `json:"references,omitempty"`
}

// messageKey is the Message-ID an article is known by; a message without
// one gets a name derived from its bytes, so it too is stored only once.
func messageKey(hdr *message.Envelope, raw []byte) string {
	if hdr.MessageID != "" {
		return hdr.MessageID
	}
	sum := sha256.Sum256(raw)
	return "sha256-" + hex.EncodeToString(sum[:]) + "@siegel.invalid"
}

// fileArticle stores one message in tx: the article (raw bytes as
// received, header data, security result), its references, its IMAP
// location, its search entry, and its ticket — found by threading or
// opened — with the ticket's counters, activity and state updated. A
// message stored before only gets its new location.
func fileArticle(ctx context.Context, tx *txn, blobs blobStore, n *newArticle) (filed, error) {
	var f filed
	if n.loc != nil {
		err := tx.QueryRowContext(ctx, `SELECT l.article_id, a.ticket_id FROM locations l JOIN articles a ON a.id = l.article_id
			WHERE l.mailbox_id = ? AND l.uidvalidity = ? AND l.uid = ?`, n.loc.mailboxID, n.loc.uidValidity, int64(n.loc.uid)).
			Scan(&f.articleID, &f.ticketID)
		if err == nil {
			f.duplicate = true
			return f, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return f, err
		}
	}
	key, size := n.key, n.size
	if key == "" {
		key = messageKey(n.env(), n.raw)
	}
	raw := n.raw
	if !n.remote {
		size = len(raw)
	}
	if raw == nil {
		raw = []byte{} // the column is NOT NULL; remote says why it is empty
	}
	err := tx.QueryRowContext(ctx, `SELECT id, ticket_id FROM articles WHERE message_id = ?`, key).Scan(&f.articleID, &f.ticketID)
	if err == nil {
		f.duplicate = true
		return f, addLocation(ctx, tx, n.loc, f.articleID)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return f, err
	}

	if f.ticketID, err = threadTicket(ctx, tx, key, n.env().InReplyTo, n.env().References, n.env().Subject); err != nil {
		return f, err
	}
	arrived := millis(n.arrived)
	if f.ticketID == 0 {
		if f.ticketID, f.ticketNumber, err = openTicket(ctx, tx, n); err != nil {
			return f, err
		}
		f.newTicket = true
	}

	// A large message's bytes go to their file, on disk before the row
	// that names it commits; the row keeps the name.
	var blob any
	if !n.remote && (n.blob != "" || blobs.big(raw)) {
		name := n.blob
		if name == "" {
			name, err = blobs.put(raw)
		} else {
			err = blobs.keep(name, raw)
		}
		if err != nil {
			return f, err
		}
		blob, raw = name, []byte{}
	}

	hdrJSON, err := json.Marshal(storedHeader{
		From: n.env().From, To: n.env().To, Cc: n.env().Cc, ReplyTo: n.env().ReplyTo,
		InReplyTo: n.env().InReplyTo, References: n.env().References,
	})
	if err != nil {
		return f, err
	}
	sec, err := json.Marshal(n.an.res)
	if err != nil {
		return f, err
	}
	var date any
	if !n.env().Date.IsZero() {
		date = millis(n.env().Date)
	}
	// The search rowid goes in with the row: setting it afterwards would
	// rewrite the whole row, raw bytes and all.
	searchRowid, err := nextSearchRowid(ctx, tx, f.ticketID)
	if err != nil {
		return f, err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO articles (ticket_id, account_id, outgoing, message_id, subject, header,
		date, arrived, size, raw, encrypted, encryption, signature, security, unread, rules, revocation, remote, search_rowid, blob)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		f.ticketID, nullID(n.accountID), n.outgoing, key, n.env().Subject, string(hdrJSON),
		date, arrived, size, raw, n.an.encrypted,
		string(n.an.res.Encryption), string(n.an.res.Signature), string(sec), !n.outgoing, verdictRules,
		revocationColumn(n.an.res), n.remote, nullID(searchRowid), blob)
	if err != nil {
		return f, err
	}
	f.articleID, _ = res.LastInsertId()

	seen := map[string]bool{key: true}
	for _, r := range append(append([]string{}, n.env().InReplyTo...), n.env().References...) {
		if seen[r] || len(seen) > 100 {
			continue
		}
		seen[r] = true
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO article_refs (ref, article_id) VALUES (?, ?)`, r, f.articleID); err != nil {
			return f, err
		}
	}
	if err := addLocation(ctx, tx, n.loc, f.articleID); err != nil {
		return f, err
	}
	indexArticle(tx, searchRowid, n)

	// The ticket: counters, activity, the newest article's security, and
	// its state — a customer's message reopens a closed or pending ticket,
	// our answer opens a new one.
	unread := 0
	if !n.outgoing {
		unread = 1
	}
	_, err = tx.ExecContext(ctx, `UPDATE tickets SET
		articles = articles + 1,
		unread = unread + ?,
		newest_article = CASE WHEN ? >= last_activity OR newest_article IS NULL THEN ? ELSE newest_article END,
		newest_encryption = CASE WHEN ? >= last_activity OR newest_article IS NULL THEN ? ELSE newest_encryption END,
		newest_signature = CASE WHEN ? >= last_activity OR newest_article IS NULL THEN ? ELSE newest_signature END,
		newest_from = CASE WHEN ? >= last_activity OR newest_article IS NULL THEN ? ELSE newest_from END,
		last_activity = max(last_activity, ?),
		state = CASE WHEN ? AND state IN ('closed', 'pending') THEN 'open' WHEN ? AND state = 'new' THEN 'open' ELSE state END
		WHERE id = ?`,
		unread,
		arrived, f.articleID,
		arrived, string(n.an.res.Encryption),
		arrived, string(n.an.res.Signature),
		arrived, strings.ToLower(n.env().Author.Address),
		arrived,
		!n.outgoing, n.outgoing && !f.newTicket,
		f.ticketID)
	if err != nil {
		return f, err
	}
	if f.ticketNumber == 0 {
		if err := tx.QueryRowContext(ctx, `SELECT number FROM tickets WHERE id = ?`, f.ticketID).Scan(&f.ticketNumber); err != nil {
			return f, err
		}
	}
	return f, nil
}

// searchShift places the ticket ID in the search rowid; a ticket can have
// 2^20 articles in the index.
const searchShift = 20

// nextSearchRowid is the search rowid of the ticket's next article, a
// rowid that names its ticket (see the schema); 0 when the ticket's share
// of the index is full, so the article is not searchable.
func nextSearchRowid(ctx context.Context, tx *txn, ticketID int64) (int64, error) {
	var next int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(search_rowid) + 1, ?) FROM articles WHERE ticket_id = ?`,
		ticketID<<searchShift, ticketID).Scan(&next); err != nil {
		return 0, err
	}
	if next>>searchShift != ticketID {
		return 0, nil
	}
	return next, nil
}

// indexArticle adds the article to the search index under its search
// rowid (0: not searchable) when tx commits.
func indexArticle(tx *txn, searchRowid int64, n *newArticle) {
	if searchRowid != 0 {
		tx.search = append(tx.search, searchEntry{searchRowid, n.env().Subject, people(n.env()), n.an.text})
	}
}

// openTicket creates the ticket for a message that threads nowhere: "new"
// for a customer's message, "open" for one of ours (a new ticket the agent
// started, numbered as the outbox reserved).
func openTicket(ctx context.Context, tx *txn, n *newArticle) (id, number int64, err error) {
	number = n.ticketNumber
	if number == 0 {
		if number, err = nextTicketNumber(ctx, tx); err != nil {
			return 0, 0, err
		}
	}
	var customer message.Address
	state := "new"
	if n.outgoing {
		state = "open"
		if len(n.env().To) > 0 {
			customer = n.env().To[0]
		} else if len(n.env().Cc) > 0 {
			customer = n.env().Cc[0]
		}
	} else {
		customer = n.env().Shown()
	}
	if customer.Name == "" && customer.Address != "" {
		// A new ticket typed to a bare address: the name the customer is
		// known by from earlier tickets.
		var name string
		if err := tx.QueryRowContext(ctx, `SELECT customer_name FROM tickets WHERE customer = ? AND customer_name <> ''
			ORDER BY last_activity DESC LIMIT 1`, strings.ToLower(customer.Address)).Scan(&name); err == nil {
			customer.Name = name
		}
	}
	arrived := millis(n.arrived)
	err = tx.QueryRowContext(ctx, `INSERT INTO tickets (number, account_id, subject, customer, customer_name, state, created, last_activity)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		number, nullID(n.accountID), BaseSubject(n.env().Subject), strings.ToLower(customer.Address), customer.Name, state, arrived, arrived).Scan(&id)
	if err != nil {
		return 0, 0, fmt.Errorf("mail: open ticket %d: %w", number, err)
	}
	return id, number, nil
}

func addLocation(ctx context.Context, tx *txn, loc *location, articleID int64) error {
	if loc == nil {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO locations (mailbox_id, uidvalidity, uid, article_id) VALUES (?, ?, ?, ?)`,
		loc.mailboxID, loc.uidValidity, int64(loc.uid), articleID)
	return err
}

// people is the search entry for the addresses of a message.
func people(h *message.Envelope) string {
	var b strings.Builder
	for _, list := range [][]message.Address{h.From, h.To, h.Cc} {
		for _, a := range list {
			b.WriteString(a.Name)
			b.WriteByte(' ')
			b.WriteString(a.Address)
			b.WriteByte(' ')
		}
	}
	return b.String()
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
