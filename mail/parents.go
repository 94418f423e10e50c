package mail

import (
	"context"

	"siegel/mail/account"
	"siegel/mail/imapsync"
	"siegel/message"
)

// A customer may answer a message older than the history window: the
// answer references a Message-ID the desk never fetched, and would open
// a ticket of its own. So after the new mail of a folder, the parents of
// the answers that opened a ticket are looked for on the server by
// Message-ID (INBOX, then the Sent folder) and stored; threading puts
// each into the answer's ticket (a stored article that references it),
// and its own parent is looked for in turn. Bounded: at most
// maxParentLookups searches per answer and maxParentDepth generations,
// for at most maxOrphans answers per pass.
const (
	maxOrphans       = 50
	maxParentLookups = 3
	maxParentDepth   = 3
)

// orphan is a stored article that answers messages not stored.
type orphan struct {
	articleID int64
	refs      []string
}

// parentRefs are the Message-IDs a message answers, nearest first: its
// In-Reply-To, then its References from the newest.
func parentRefs(h *message.Envelope) []string {
	var refs []string
	seen := map[string]bool{h.MessageID: true}
	add := func(r string) {
		if r != "" && !seen[r] && len(refs) < maxParentLookups {
			seen[r] = true
			refs = append(refs, r)
		}
	}
	for _, r := range h.InReplyTo {
		add(r)
	}
	for i := len(h.References) - 1; i >= 0; i-- {
		add(h.References[i])
	}
	return refs
}

// fetchParents looks for the parents of orphans on the server and stores
// them (see above). A parent not found is logged and forgotten: it was
// deleted, or lives in a folder the desk does not read.
func (d *Desk) fetchParents(ctx context.Context, acct *account.Account, conn *imapsync.Conn, boxes imapsync.Mailboxes, ours map[string]bool, as *AccountSync, orphans []orphan) error {
	if len(orphans) == 0 {
		return nil
	}
	var folders []mailboxRow
	for _, mb := range []struct{ role, name string }{{"inbox", boxes.Inbox}, {"sent", boxes.Sent}} {
		if mb.name == "" {
			continue
		}
		row, err := d.mailboxRow(ctx, acct.ID, mb.role, mb.name)
		if err != nil {
			return err
		}
		folders = append(folders, row)
	}
	for depth := 0; depth < maxParentDepth && len(orphans) > 0; depth++ {
		var next []orphan
		for _, o := range orphans {
			known, err := d.knownMessageIDs(ctx, o.refs)
			if err != nil {
				return err
			}
			for _, ref := range o.refs {
				if known[ref] {
					continue
				}
				found, err := d.fetchParent(ctx, acct, conn, folders, ours, as, ref, &next)
				if err != nil {
					return err
				}
				d.log.Info("sync: parent of an answer looked up", "account", acct.Address, "article", o.articleID,
					"message_id", ref, "found", found)
			}
		}
		orphans = next
	}
	return nil
}

// fetchParent stores the first message with the Message-ID ref found in
// folders; the parents it answers in turn are added to next.
func (d *Desk) fetchParent(ctx context.Context, acct *account.Account, conn *imapsync.Conn, folders []mailboxRow, ours map[string]bool, as *AccountSync, ref string, next *[]orphan) (bool, error) {
	for _, row := range folders {
		uids, err := conn.SearchMessageID(ctx, row.name, ref)
		if err != nil {
			return false, err
		}
		if len(uids) == 0 {
			continue
		}
		s := d.newSink(acct, row, ours, as)
		// The parent is below the folder's cursors (or in its history,
		// which then finds it stored): they must not move.
		s.keepCursor = true
		s.start(ctx)
		err = conn.Fetch(ctx, row.name, uids[:1], row.resync, s)
		if ferr := s.finish(false); err == nil {
			err = ferr
		}
		if err != nil {
			return false, err
		}
		*next = append(*next, s.orphans...)
		return true, nil
	}
	return false, nil
}
