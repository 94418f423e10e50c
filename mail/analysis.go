package mail

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"siegel/crypto/smime"
	"siegel/message"
)

// maxSearchText bounds the text of one article kept in the search index.
const maxSearchText = 256 << 10

// analysis is the security analysis of one message, ready to store.
type analysis struct {
	// res is the verdict, with the Envelope it judged: the header data
	// the desk stores and shows come from it, never from another reading.
	res *smime.Result
	// encrypted reports that the message is encrypted (whether or not it
	// could be decrypted): its text is never indexed.
	encrypted bool
	// text is the searchable text of an unencrypted message.
	text string
}

// analyse runs the engine over raw, which arrived at the time at (when
// the server received it: certificates must have been valid then). The
// decrypted content the engine
// returns apart from the result is used for nothing and dropped here;
// only an unencrypted message's text is kept, for the search index
// (DESIGN.md §3 "At rest").
func (d *Desk) analyse(ctx context.Context, raw []byte, at time.Time) analysis {
	res, content := d.engine.OpenAt(ctx, raw, at)
	if res == nil {
		res = &smime.Result{Encryption: smime.EncNone, Signature: smime.SigMalformed}
	}
	a := analysis{res: res, encrypted: isEncrypted(res)}
	if !a.encrypted {
		if content == nil {
			content = raw
		}
		text := message.Extract(content).Text
		if len(text) > maxSearchText {
			text = strings.ToValidUTF8(text[:maxSearchText], "")
		}
		a.text = text
	}
	return a
}

// isEncrypted reports whether a message is encrypted: the engine found an
// enveloped layer, or the message is an application/pkcs7-mime the engine
// could not read as merely signed. Erring towards "encrypted" only costs
// the search index a text.
func isEncrypted(res *smime.Result) bool {
	if res.Encryption != smime.EncNone {
		return true
	}
	onlySigned := len(res.Layers) > 0
	for _, l := range res.Layers {
		switch l.Kind {
		case smime.LayerEnveloped, smime.LayerAuthEnveloped:
			return true
		case smime.LayerSigned, smime.LayerOpaqueSigned:
		default:
			onlySigned = false
		}
	}
	ct := res.Envelope.ContentType
	if ct == "application/pkcs7-mime" || ct == "application/x-pkcs7-mime" {
		return !onlySigned
	}
	return false
}

// collectSigners offers the certificates of valid signers that chain to a
// CA to the certificate store (DESIGN.md §4 "collected automatically").
// The store decides; its refusals are logged, not the sync's business.
func (d *Desk) collectSigners(ctx context.Context, res *smime.Result) {
	if d.certs == nil || res == nil || res.Signature != smime.SigValid {
		return
	}
	for _, l := range res.Layers {
		for _, s := range l.Signers {
			// A chain of one is a pinned certificate: stored already.
			if s.State != smime.SigValid || len(s.CertDER) == 0 || len(s.Chain) < 2 {
				continue
			}
			// Each signer once until the store changes: customers sign
			// every message with the same certificate.
			key := sha256.Sum256(s.CertDER)
			d.offeredMu.Lock()
			seen := d.offered[key]
			d.offered[key] = true
			d.offeredMu.Unlock()
			if seen {
				continue
			}
			c, err := x509.ParseCertificate(s.CertDER)
			if err != nil {
				d.log.Warn("collect: signer certificate unreadable", "err", err)
				continue
			}
			added, err := d.certs.Collect(ctx, c)
			switch {
			case err != nil:
				d.log.Warn("collect: the store refused a signer certificate", "subject", c.Subject.String(), "err", err)
			case added:
				d.log.Info("collect: signer certificate stored", "subject", c.Subject.String(), "emails", c.EmailAddresses)
			}
		}
	}
}

// Retry runs the security analysis of one article again (after the
// administrator added a certificate or key) and stores the new result.
// It returns the result; events report a change.
func (d *Desk) Retry(ctx context.Context, articleID int64) (*smime.Result, error) {
	res, _, err := d.reanalyse(ctx, articleID, true)
	return res, err
}

// reanalyse is Retry, and whether the stored verdict changed. Only the
// agent's Retry collects signer certificates: the re-check after a store
// change must not put back a certificate the administrator just deleted.
func (d *Desk) reanalyse(ctx context.Context, articleID int64, collect bool) (*smime.Result, bool, error) {
	var oldSecurity string
	var ticketID int64
	var outgoing bool
	var arrived int64
	err := d.db.QueryRowContext(ctx, `SELECT security, ticket_id, outgoing, arrived FROM articles WHERE id = ?`, articleID).
		Scan(&oldSecurity, &ticketID, &outgoing, &arrived)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, ErrNoArticle
	}
	if err != nil {
		return nil, false, fmt.Errorf("mail: retry article %d: %w", articleID, err)
	}
	raw, remote, err := storedRaw(ctx, d.db, d.blobs, articleID)
	if err != nil {
		return nil, false, err
	}
	if remote {
		// Only the agent's Retry fetches a large message again; the
		// automatic re-checks leave its verdict as it was made.
		if !collect {
			var old smime.Result
			if err := json.Unmarshal([]byte(oldSecurity), &old); err != nil {
				return nil, false, fmt.Errorf("mail: retry article %d: %w", articleID, err)
			}
			return &old, false, nil
		}
		if raw, err = d.fetchRemote(ctx, articleID); err != nil {
			return nil, false, err
		}
	}
	// The same arrival as the first analysis: old mail keeps the verdict
	// of the time it arrived, whatever has expired since.
	at := fromMillis(arrived)
	var old smime.Result
	if json.Unmarshal([]byte(oldSecurity), &old) == nil && !old.Arrived.IsZero() {
		at = old.Arrived
	}
	a := d.analyse(ctx, raw, at)
	changed, err := d.storeVerdict(ctx, articleID, ticketID, oldSecurity, a.res, collect)
	if err != nil {
		return nil, false, err
	}
	if collect && !outgoing {
		d.collectSigners(ctx, a.res)
	}
	if changed {
		d.log.Info("verdict changed", "article", articleID, "ticket", ticketID,
			"signature", a.res.Signature, "encryption", a.res.Encryption)
		d.emit(ArticleChanged{TicketID: ticketID, ArticleID: articleID})
		d.emit(TicketChanged{TicketID: ticketID})
	}
	return a.res, changed, nil
}

// storeVerdict replaces the stored result of an article when it differs
// from old in anything but the time it was made — or always, for the
// agent's Retry, which records when it checked — and reports whether the
// verdict changed.
func (d *Desk) storeVerdict(ctx context.Context, articleID, ticketID int64, old string, res *smime.Result, always bool) (bool, error) {
	var prev smime.Result
	same := false
	if json.Unmarshal([]byte(old), &prev) == nil {
		prev.Analysed = res.Analysed
		if was, err := json.Marshal(&prev); err == nil {
			if now, err := json.Marshal(res); err == nil && string(now) == string(was) {
				same = true
			}
		}
	}
	if same && !always {
		if _, err := d.db.ExecContext(ctx, `UPDATE articles SET rules = ? WHERE id = ? AND rules <> ?`,
			verdictRules, articleID, verdictRules); err != nil {
			return false, fmt.Errorf("mail: retry article %d: %w", articleID, err)
		}
		return false, nil
	}
	sec, err := json.Marshal(res)
	if err != nil {
		return false, fmt.Errorf("mail: retry article %d: %w", articleID, err)
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("mail: retry article %d: %w", articleID, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE articles SET security = ?, encryption = ?, signature = ?, rules = ?, revocation = ? WHERE id = ?`,
		string(sec), string(res.Encryption), string(res.Signature), verdictRules, revocationColumn(res), articleID); err != nil {
		return false, fmt.Errorf("mail: retry article %d: %w", articleID, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE tickets SET newest_encryption = ?, newest_signature = ?
		WHERE id = ? AND newest_article = ?`, string(res.Encryption), string(res.Signature), ticketID, articleID); err != nil {
		return false, fmt.Errorf("mail: retry article %d: %w", articleID, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("mail: retry article %d: %w", articleID, err)
	}
	return !same, nil
}

// verdictRules is the version of the rules a stored verdict was made
// under (the rules column). An article stored under older rules is
// analysed again by the next re-check: the verdict shown is always one
// today's engine gives.
//
//	1: the From policy of message.Envelope; the result carries the Envelope.
//	2: revocation answers (and the revocation column).
const verdictRules = 2

// RecheckRevocations asks the running desk to analyse again, in the
// background, every article whose verdict rests on a revocation answer:
// after a change of how answers count (the "treat unknown as untrusted"
// setting). It does not wait.
func (d *Desk) RecheckRevocations() { kick(d.revocationKick) }

// revocationColumn is the revocation status a verdict rests on, for the
// articles' revocation column: empty when no revocation answer was asked
// for (no chain, no checker).
func revocationColumn(res *smime.Result) string {
	status := ""
	for _, l := range res.Layers {
		for _, s := range l.Signers {
			if s.Revocation != nil && (status == "" || s.Revocation.Status == smime.RevChecking ||
				s.Revocation.Status == smime.RevUnknown && status != string(smime.RevChecking)) {
				status = string(s.Revocation.Status)
			}
		}
	}
	return status
}

// runRecheck re-runs the analysis of every article whose verdict the
// certificate store can change, each time the store changes, and of
// every article with a revocation answer, each time the revocation
// checker learns something.
func (d *Desk) runRecheck(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.recheckKick:
			if _, err := d.RecheckIfStale(ctx); err != nil && ctx.Err() == nil {
				d.log.Error("recheck", "err", err)
			}
		case <-d.revocationKick:
			if err := d.recheck(ctx, "revocation <> ''", "revocation"); err != nil && ctx.Err() == nil {
				d.log.Error("recheck after a revocation answer", "err", err)
			}
		}
	}
}

// Recheck analyses again every article whose verdict a change of the
// certificate store (an import, a deletion, a pin, a collected
// certificate, a key added or removed) can change, in either direction —
// every signed article but the tampered and malformed, every encrypted
// one — and every article stored under older rules, newest first. Each
// changed verdict is stored and reported with ArticleChanged and
// TicketChanged. The desk runs it by itself when the store changes; the
// command line runs it after changing the store. It returns the first
// error that stopped it; an article that fails is logged and skipped.
func (d *Desk) Recheck(ctx context.Context) error {
	return d.recheck(ctx, fmt.Sprintf("signature NOT IN ('none', 'tampered', 'malformed') OR encryption <> 'none' OR rules < %d", verdictRules), "store")
}

// recheck re-analyses the articles that match the SQL condition where,
// newest first; why names the cause in the log.
func (d *Desk) recheck(ctx context.Context, where, why string) error {
	d.recheckMu.Lock()
	defer d.recheckMu.Unlock()
	before := int64(1) << 62
	var seen, changed, failed int
	defer func() {
		if seen > 0 {
			d.log.Info("recheck done", "cause", why, "articles", seen, "changed", changed, "failed", failed)
		}
	}()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		// Remote articles keep the verdict made at their one fetch.
		rows, err := d.db.QueryContext(ctx, `SELECT id FROM articles
			WHERE id < ? AND NOT remote AND (`+where+`) ORDER BY id DESC LIMIT 200`, before)
		if err != nil {
			return fmt.Errorf("mail: recheck: %w", err)
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("mail: recheck: %w", err)
			}
			ids = append(ids, id)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("mail: recheck: %w", err)
		}
		if len(ids) == 0 {
			return nil
		}
		for _, id := range ids {
			if err := ctx.Err(); err != nil {
				return err
			}
			seen++
			_, ch, err := d.reanalyse(ctx, id, false)
			switch {
			case errors.Is(err, ErrNoArticle): // deleted meanwhile
			case err != nil:
				failed++
				d.log.Warn("recheck: article skipped", "article", id, "err", err)
			case ch:
				changed++
			}
		}
		before = ids[len(ids)-1]
	}
}

// recheckStampKey is the profile setting that holds the certificate
// store's Stamp the last complete Recheck ran against.
const recheckStampKey = "mail.recheck.stamp"

// RecheckIfStale runs Recheck when the certificate store changed since the
// last complete one (in this process or another: the command line) or
// some verdict was made under older rules, and reports whether it ran.
// The desk calls it at Start and on every store change; the command line
// calls it before it shows verdicts.
func (d *Desk) RecheckIfStale(ctx context.Context) (bool, error) {
	stamp := ""
	if d.certs != nil {
		var err error
		if stamp, err = d.certs.Stamp(ctx); err != nil {
			return false, fmt.Errorf("mail: recheck: %w", err)
		}
	}
	last, err := d.p.Setting(ctx, recheckStampKey, "")
	if err != nil {
		return false, fmt.Errorf("mail: recheck: %w", err)
	}
	var old int
	if err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM articles WHERE rules < ? AND NOT remote`, verdictRules).Scan(&old); err != nil {
		return false, fmt.Errorf("mail: recheck: %w", err)
	}
	if last == stamp && old == 0 {
		return false, nil
	}
	d.log.Info("recheck: the certificate store changed", "older_rules", old)
	if err := d.Recheck(ctx); err != nil {
		return true, err
	}
	if err := d.p.SetSetting(ctx, recheckStampKey, stamp); err != nil {
		return true, fmt.Errorf("mail: recheck: %w", err)
	}
	return true, nil
}

// logOrDiscard is the desk's logger: Options.Logger, else one that
// discards.
func logOrDiscard(l *slog.Logger) *slog.Logger {
	if l != nil {
		return l
	}
	return slog.New(slog.DiscardHandler)
}
