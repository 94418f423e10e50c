package revocation

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"time"
)

// The errors of ImportCRL; the first four also end up in the reason of a
// fetched CRL that was not used.
var (
	ErrNotCRL       = errors.New("not a CRL")
	ErrNoIssuer     = errors.New("the issuer of the CRL is not among the CA certificates")
	ErrBadSignature = errors.New("the signature of the CRL does not check")
	ErrStale        = errors.New("the CRL is stale")
	ErrTooLarge     = errors.New("too large")
)

// MaxImportSize bounds an imported CRL file, as a fetched CRL: ImportCRL
// refuses more with ErrTooLarge. ReadCRL reads at most one byte more, so
// that a longer file is said to be too large rather than not a CRL.
const MaxImportSize = maxCRL

// ReadCRL reads a CRL file to import from r, at most MaxImportSize+1
// bytes (ImportCRL says ErrTooLarge for the one byte more).
func ReadCRL(r io.Reader) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r, MaxImportSize+1))
}

// IssuerLookup returns the CA certificates whose subject is rawSubject
// (DER); the certificate store provides it.
type IssuerLookup func(ctx context.Context, rawSubject []byte) ([]*x509.Certificate, error)

// ImportCRL stores the CRLs in data (PEM "X509 CRL" blocks or one DER
// CRL, at most 32 MiB) after finding each one's issuer with issuers and
// checking its signature and freshness. Imported CRLs are kept beside the
// fetched ones and count offline too. All or nothing: when one CRL fails,
// none is stored. It returns the first CRL's description and calls the
// OnChange listeners.
func (c *Checker) ImportCRL(ctx context.Context, data []byte, issuers IssuerLookup) (CRLInfo, error) {
	ders, err := crlBlocks(data)
	if err != nil {
		return CRLInfo{}, err
	}
	type found struct {
		cr  *crl
		der []byte
	}
	var all []found
	now := c.o.Now()
	for i, der := range ders {
		cr, err := c.verifyImport(ctx, der, issuers, now)
		if err != nil {
			if len(ders) > 1 {
				err = fmt.Errorf("CRL %d of %d: %w", i+1, len(ders), err)
			}
			return CRLInfo{}, err
		}
		all = append(all, found{cr, der})
	}
	for _, f := range all {
		if err := c.storeCRL(ctx, f.cr, f.der); err != nil {
			return CRLInfo{}, err
		}
	}
	c.notify()
	return all[0].cr.info, nil
}

func (c *Checker) verifyImport(ctx context.Context, der []byte, issuers IssuerLookup, now time.Time) (*crl, error) {
	rl, cr, err := parseCRL(der)
	if err != nil {
		return nil, fmt.Errorf("revocation: %w", err)
	}
	cands, err := issuers(ctx, rl.RawIssuer)
	if err != nil {
		return nil, fmt.Errorf("revocation: find the issuer of the CRL: %w", err)
	}
	var issuer *x509.Certificate
	var sigErr error
	for _, cand := range cands {
		if cand == nil || !bytes.Equal(cand.RawSubject, rl.RawIssuer) {
			continue
		}
		if err := checkCRL(rl, cand); err != nil {
			sigErr = err
			continue
		}
		issuer = cand
		break
	}
	switch {
	case issuer == nil && sigErr != nil:
		return nil, fmt.Errorf("revocation: CRL of %q: %w", cr.info.Issuer, sigErr)
	case issuer == nil:
		return nil, fmt.Errorf("revocation: CRL of %q: %w", cr.info.Issuer, ErrNoIssuer)
	}
	if err := cr.fresh(now, c.o.MaxAge); err != nil {
		if errors.Is(err, errStaleCRL) {
			return nil, fmt.Errorf("revocation: CRL of %q: %w: %v", cr.info.Issuer, ErrStale, err)
		}
		return nil, fmt.Errorf("revocation: CRL of %q: %v", cr.info.Issuer, err)
	}
	cr.issuerKey = issuerKey(issuer)
	cr.info.FetchedAt = now
	cr.info.Imported = true
	return cr, nil
}

// crlBlocks splits an import into DER CRLs: the "X509 CRL" blocks of PEM
// text, or the input itself.
func crlBlocks(data []byte) ([][]byte, error) {
	if len(data) > MaxImportSize {
		return nil, fmt.Errorf("revocation: CRL file of %d bytes: %w (at most %d)", len(data), ErrTooLarge, MaxImportSize)
	}
	if !bytes.Contains(data, []byte("-----BEGIN")) {
		if len(bytes.TrimSpace(data)) == 0 {
			return nil, fmt.Errorf("revocation: %w: the file is empty", ErrNotCRL)
		}
		return [][]byte{data}, nil
	}
	var ders [][]byte
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type == "X509 CRL" {
			ders = append(ders, b.Bytes)
		}
	}
	if len(ders) == 0 {
		return nil, fmt.Errorf("revocation: %w: no PEM block \"X509 CRL\"", ErrNotCRL)
	}
	return ders, nil
}
