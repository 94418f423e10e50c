package mail

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"siegel/crypto/smime"
	"siegel/message"
)

// maxSearchText bounds the text of one article kept in the search index.
const maxSearchText = 256 << 10

// analysis is the security analysis of one message, ready to store.
type analysis struct {
	res *smime.Result // Content cleared
	// encrypted reports that the message is encrypted (whether or not it
	// could be decrypted): its text is never indexed.
	encrypted bool
	// text is the searchable text of an unencrypted message.
	text string
}

// analyse runs the engine over raw. The decrypted content the engine
// returns is used for nothing but is dropped here; only an unencrypted
// message's text is kept, for the search index (DESIGN.md §3 "At rest").
func (d *Desk) analyse(ctx context.Context, raw []byte, hdr *message.Header) analysis {
	res := d.engine.Open(ctx, raw)
	if res == nil {
		res = &smime.Result{Encryption: smime.EncNone, Signature: smime.SigMalformed}
	}
	a := analysis{res: res, encrypted: isEncrypted(res, hdr)}
	if !a.encrypted {
		content := res.Content
		if content == nil {
			content = raw
		}
		text := message.Extract(content).Text
		if len(text) > maxSearchText {
			text = strings.ToValidUTF8(text[:maxSearchText], "")
		}
		a.text = text
	}
	res.Content = nil
	return a
}

// isEncrypted reports whether a message is encrypted: the engine found an
// enveloped layer, or the message is an application/pkcs7-mime the engine
// could not read as merely signed. Erring towards "encrypted" only costs
// the search index a text.
func isEncrypted(res *smime.Result, hdr *message.Header) bool {
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
	ct := hdr.ContentType
	if ct == "application/pkcs7-mime" || ct == "application/x-pkcs7-mime" {
		return !onlySigned
	}
	return false
}

// collectSigners offers the certificates of valid signers that chain to a
// CA to the certificate store (DESIGN.md §4 "collected automatically").
// The store decides; its refusals are not the sync's business.
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
				continue
			}
			d.certs.Collect(ctx, c)
		}
	}
}

// Retry runs the security analysis of one article again (after the
// administrator added a certificate or key) and stores the new result.
// It returns the result; events report a change.
func (d *Desk) Retry(ctx context.Context, articleID int64) (*smime.Result, error) {
	var raw []byte
	var oldSecurity string
	var ticketID int64
	var outgoing bool
	err := d.db.QueryRowContext(ctx, `SELECT raw, security, ticket_id, outgoing FROM articles WHERE id = ?`, articleID).
		Scan(&raw, &oldSecurity, &ticketID, &outgoing)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoArticle
	}
	if err != nil {
		return nil, fmt.Errorf("mail: retry article %d: %w", articleID, err)
	}
	hdr := message.ParseHeader(raw)
	a := d.analyse(ctx, raw, &hdr)
	sec, err := json.Marshal(a.res)
	if err != nil {
		return nil, fmt.Errorf("mail: retry article %d: %w", articleID, err)
	}
	var old smime.Result
	_ = json.Unmarshal([]byte(oldSecurity), &old)
	changed := old.Encryption != a.res.Encryption || old.Signature != a.res.Signature

	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("mail: retry article %d: %w", articleID, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE articles SET security = ?, encryption = ?, signature = ? WHERE id = ?`,
		string(sec), string(a.res.Encryption), string(a.res.Signature), articleID); err != nil {
		return nil, fmt.Errorf("mail: retry article %d: %w", articleID, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE tickets SET newest_encryption = ?, newest_signature = ?
		WHERE id = ? AND newest_article = ?`, string(a.res.Encryption), string(a.res.Signature), ticketID, articleID); err != nil {
		return nil, fmt.Errorf("mail: retry article %d: %w", articleID, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("mail: retry article %d: %w", articleID, err)
	}
	if !outgoing {
		d.collectSigners(ctx, a.res)
	}
	if changed {
		d.emit(ArticleChanged{TicketID: ticketID, ArticleID: articleID})
		d.emit(TicketChanged{TicketID: ticketID})
	}
	return a.res, nil
}

// runRecheck re-runs the analysis of every article that failed for want
// of a certificate or key, each time the certificate store changes.
func (d *Desk) runRecheck(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.recheckKick:
			d.recheck(ctx)
		}
	}
}

// recheck retries the articles whose result may change with the store:
// signer certificate not found, or no private key.
func (d *Desk) recheck(ctx context.Context) {
	var after int64
	for ctx.Err() == nil {
		rows, err := d.db.QueryContext(ctx, `SELECT id FROM articles
			WHERE (signature = 'cert-not-found' OR encryption = 'no-key') AND id > ? ORDER BY id LIMIT 200`, after)
		if err != nil {
			return
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if rows.Scan(&id) == nil {
				ids = append(ids, id)
			}
		}
		rows.Close()
		if len(ids) == 0 {
			return
		}
		for _, id := range ids {
			if ctx.Err() != nil {
				return
			}
			d.Retry(ctx, id)
		}
		after = ids[len(ids)-1]
	}
}
