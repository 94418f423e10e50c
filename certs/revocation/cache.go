package revocation

import (
	"context"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
)

// The tables of the checker. Steps are only ever appended. Times are Unix
// milliseconds, 0 for none.
var migrations = []string{
	`CREATE TABLE revocation_ocsp (
		cert_key    TEXT PRIMARY KEY, -- SHA-256 of the certificate's DER then its issuer's, hex
		status      TEXT NOT NULL,    -- good or revoked
		revoked_at  INTEGER NOT NULL,
		reason      TEXT NOT NULL,
		this_update INTEGER NOT NULL,
		next_update INTEGER NOT NULL,
		valid_until INTEGER NOT NULL, -- next_update, or this_update + MaxAge
		checked_at  INTEGER NOT NULL,
		response    BLOB NOT NULL     -- the DER response, verified again when read
	)`,
	`CREATE TABLE revocation_crls (
		id          INTEGER PRIMARY KEY,
		issuer_key  TEXT NOT NULL,    -- SHA-256 of the issuer's subject then its public key, hex
		issuer      TEXT NOT NULL,    -- display name
		url         TEXT NOT NULL,    -- fetched from; for an imported CRL its distribution point or ''
		der         BLOB NOT NULL,
		this_update INTEGER NOT NULL,
		next_update INTEGER NOT NULL,
		fetched_at  INTEGER NOT NULL,
		entries     INTEGER NOT NULL,
		imported    INTEGER NOT NULL,
		UNIQUE (issuer_key, url, imported)
	)`,
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v)
}

// prune forgets OCSP answers that can no longer be used.
func (c *Checker) prune(ctx context.Context) {
	if _, err := c.db.ExecContext(ctx, `DELETE FROM revocation_ocsp WHERE valid_until < ?`, ms(c.o.Now().Add(-skew))); err != nil {
		c.log.Error("revocation: prune OCSP answers", "err", err)
	}
}

func (c *Checker) storeOCSP(ctx context.Context, certKey string, a ocspAnswer) {
	_, err := c.db.ExecContext(ctx, `INSERT INTO revocation_ocsp
		(cert_key, status, revoked_at, reason, this_update, next_update, valid_until, checked_at, response)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (cert_key) DO UPDATE SET status = excluded.status, revoked_at = excluded.revoked_at,
			reason = excluded.reason, this_update = excluded.this_update, next_update = excluded.next_update,
			valid_until = excluded.valid_until, checked_at = excluded.checked_at, response = excluded.response`,
		certKey, string(a.rev.Status), ms(a.rev.RevokedAt), a.rev.Reason, ms(a.thisUpdate), ms(a.nextUpdate),
		ms(a.until), ms(a.rev.CheckedAt), a.der)
	if err != nil {
		c.log.Error("revocation: store OCSP answer", "err", err)
	}
}

// loadOCSP reads a stored answer about cert, once per certificate: later
// answers reach memory first.
func (c *Checker) loadOCSP(ctx context.Context, certKey string, cert, issuer *x509.Certificate, now time.Time) (ocspAnswer, bool) {
	var der []byte
	var checked int64
	err := c.db.QueryRowContext(ctx, `SELECT response, checked_at FROM revocation_ocsp WHERE cert_key = ?`, certKey).Scan(&der, &checked)
	if err != nil {
		if !errors.Is(err, sql.ErrNoRows) {
			c.log.Error("revocation: read OCSP answer", "err", err)
			return ocspAnswer{}, false // asked again next time
		}
		c.mu.Lock()
		c.ocspLoaded[certKey] = true
		c.mu.Unlock()
		return ocspAnswer{}, false
	}
	a, err := checkOCSP(der, cert, issuer, now, c.o.MaxAge)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ocspLoaded[certKey] = true
	if err != nil {
		c.log.Info("revocation: stored OCSP answer not used", "subject", cert.Subject.String(), "err", err)
		return ocspAnswer{}, false
	}
	a.rev.CheckedAt = fromMS(checked)
	if _, ok := c.ocsp[certKey]; !ok {
		c.ocsp[certKey] = a
	}
	return c.ocsp[certKey], true
}

// crlSet returns the verified CRLs of the issuer, read from the database
// on first use.
func (c *Checker) crlSet(ctx context.Context, issuerKey string, issuer *x509.Certificate) []*crl {
	c.mu.Lock()
	set, ok := c.crls[issuerKey]
	c.mu.Unlock()
	if ok {
		return set
	}
	set, err := c.loads.do(ctx, issuerKey, func() ([]*crl, error) {
		c.mu.Lock()
		set, ok := c.crls[issuerKey]
		c.mu.Unlock()
		if ok {
			return set, nil
		}
		set, err := c.loadCRLs(ctx, issuerKey, issuer)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		c.crls[issuerKey] = set
		return set, nil
	})
	if err != nil {
		c.log.Error("revocation: read CRLs", "issuer", issuer.Subject.String(), "err", err)
	}
	return set
}

func (c *Checker) loadCRLs(ctx context.Context, issuerKey string, issuer *x509.Certificate) ([]*crl, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT url, der, fetched_at, imported FROM revocation_crls WHERE issuer_key = ?`, issuerKey)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var set []*crl
	for rows.Next() {
		var u string
		var der []byte
		var fetched int64
		var imported bool
		if err := rows.Scan(&u, &der, &fetched, &imported); err != nil {
			return nil, err
		}
		rl, cr, err := parseCRL(der)
		if err == nil {
			err = checkCRL(rl, issuer)
		}
		if err != nil {
			c.log.Warn("revocation: stored CRL not used", "url", u, "err", err)
			continue
		}
		cr.issuerKey, cr.info.URL, cr.info.FetchedAt, cr.info.Imported = issuerKey, u, fromMS(fetched), imported
		set = append(set, cr)
	}
	return set, rows.Err()
}

// storeCRL keeps cr in the database and in memory, replacing the one from
// the same place (URL, or import). An imported CRL older than the one
// imported before does not replace it.
func (c *Checker) storeCRL(ctx context.Context, cr *crl, der []byte) error {
	_, err := c.db.ExecContext(ctx, `INSERT INTO revocation_crls
		(issuer_key, issuer, url, der, this_update, next_update, fetched_at, entries, imported)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (issuer_key, url, imported) DO UPDATE SET issuer = excluded.issuer, der = excluded.der,
			this_update = excluded.this_update, next_update = excluded.next_update,
			fetched_at = excluded.fetched_at, entries = excluded.entries
		WHERE excluded.this_update >= revocation_crls.this_update`,
		cr.issuerKey, cr.info.Issuer, cr.info.URL, der, ms(cr.info.ThisUpdate), ms(cr.info.NextUpdate),
		ms(cr.info.FetchedAt), cr.info.Entries, cr.info.Imported)
	if err != nil {
		return fmt.Errorf("revocation: store CRL: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	set, loaded := c.crls[cr.issuerKey]
	if !loaded {
		return nil // read with the rest on first use
	}
	i := slices.IndexFunc(set, func(o *crl) bool { return o.info.URL == cr.info.URL && o.info.Imported == cr.info.Imported })
	set = slices.Clone(set) // readers hold the old slice
	switch {
	case i < 0:
		set = append(set, cr)
	case !cr.info.ThisUpdate.Before(set[i].info.ThisUpdate):
		set[i] = cr
	}
	c.crls[cr.issuerKey] = set
	return nil
}

// CRLs describes every stored CRL, fetched and imported.
func (c *Checker) CRLs(ctx context.Context) ([]CRLInfo, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT issuer, url, this_update, next_update, fetched_at, entries, imported
		FROM revocation_crls ORDER BY issuer, imported DESC, url`)
	if err != nil {
		return nil, fmt.Errorf("revocation: list CRLs: %w", err)
	}
	defer rows.Close()
	var all []CRLInfo
	for rows.Next() {
		var i CRLInfo
		var this, next, fetched int64
		if err := rows.Scan(&i.Issuer, &i.URL, &this, &next, &fetched, &i.Entries, &i.Imported); err != nil {
			return nil, fmt.Errorf("revocation: list CRLs: %w", err)
		}
		i.ThisUpdate, i.NextUpdate, i.FetchedAt = fromMS(this), fromMS(next), fromMS(fetched)
		all = append(all, i)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("revocation: list CRLs: %w", err)
	}
	return all, nil
}
