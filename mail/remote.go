package mail

import (
	"context"
	"errors"
	"fmt"

	"github.com/emersion/go-imap/v2"

	"siegel/mail/imapsync"
	"siegel/message"
)

// ErrNotOnServer is returned when the raw bytes of a remote article
// (Article.Remote) are asked for and no folder holds the message any
// more under the UIDs the desk saw.
var ErrNotOnServer = errors.New("mail: the message is no longer on the server")

// fetchRemote fetches the raw bytes of a remote article from the server,
// on a connection of its own (the watcher's may be in IDLE), from the
// first of its locations that still holds it: same UIDVALIDITY, and the
// bytes found there are the same message (its key). Nothing is stored
// and nothing analysed: the verdict stays the one made at the sync.
func (d *Desk) fetchRemote(ctx context.Context, articleID int64) ([]byte, error) {
	var key string
	if err := d.db.QueryRowContext(ctx, `SELECT message_id FROM articles WHERE id = ?`, articleID).Scan(&key); err != nil {
		return nil, fmt.Errorf("mail: article %d: %w", articleID, err)
	}
	rows, err := d.db.QueryContext(ctx, `SELECT m.account_id, m.name, l.uidvalidity, l.uid FROM locations l
		JOIN mailboxes m ON m.id = l.mailbox_id
		WHERE l.article_id = ? AND l.uidvalidity = m.uidvalidity ORDER BY m.role, l.uid`, articleID)
	if err != nil {
		return nil, fmt.Errorf("mail: article %d: %w", articleID, err)
	}
	type loc struct {
		account     int64
		mailbox     string
		uidValidity uint32
		uid         imap.UID
	}
	var locs []loc
	for rows.Next() {
		var l loc
		var uid int64
		if err := rows.Scan(&l.account, &l.mailbox, &l.uidValidity, &uid); err != nil {
			rows.Close()
			return nil, fmt.Errorf("mail: article %d: %w", articleID, err)
		}
		l.uid = imap.UID(uid)
		locs = append(locs, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("mail: article %d: %w", articleID, err)
	}
	conns := map[int64]*imapsync.Conn{}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	var errs []error
	for _, l := range locs {
		conn := conns[l.account]
		if conn == nil {
			acct, err := d.accountWithPasswords(ctx, l.account)
			if err != nil {
				return nil, err
			}
			if conn, err = imapsync.Dial(ctx, acct); err != nil {
				return nil, err
			}
			conns[l.account] = conn
		}
		raw, err := conn.FetchRaw(ctx, l.mailbox, l.uidValidity, l.uid, "")
		if env := message.ReadEnvelope(raw); err == nil && messageKey(&env, raw) != key {
			err = fmt.Errorf("%w: UID %d of %s holds another message now", imapsync.ErrGone, l.uid, l.mailbox)
		}
		if err == nil {
			d.log.Info("article fetched from the server", "article", articleID, "folder", l.mailbox, "uid", uint32(l.uid), "bytes", len(raw))
			return raw, nil
		}
		if !errors.Is(err, imapsync.ErrGone) {
			return nil, fmt.Errorf("mail: article %d: %w", articleID, err)
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("%w (article %d): %w", ErrNotOnServer, articleID, errors.Join(errs...))
}
