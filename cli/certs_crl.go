package cli

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"siegel/certs"
	"siegel/certs/revocation"
	"siegel/wiring"
)

// isCRLFile reports whether an import file is a certificate revocation
// list: named .crl, or holding a PEM "X509 CRL" block or a DER CRL. A
// file that is neither goes to the certificate import, whose errors say
// what it is not.
func isCRLFile(name string) bool {
	if strings.EqualFold(filepath.Ext(name), ".crl") {
		return true
	}
	if name == "-" {
		return false // standard input is read once, by the certificate import
	}
	data, err := certs.ReadImportFile(name)
	if err != nil {
		return false
	}
	if b, _ := pem.Decode(data); b != nil {
		return b.Type == "X509 CRL"
	}
	if bytes.HasPrefix(bytes.TrimSpace(data), []byte("-----")) {
		return false
	}
	_, err = x509.ParseRevocationList(data)
	return err == nil
}

// importCRL stores one CRL file; its issuer must be a stored CA
// certificate.
func importCRL(ctx context.Context, env Env, r *wiring.Revocations, name string) (revocation.CRLInfo, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return revocation.CRLInfo{}, err
	}
	return r.ImportCRL(ctx, data)
}

// describeCRL is the import's line about a CRL.
func describeCRL(c revocation.CRLInfo) string {
	return fmt.Sprintf("stored CRL of %s: %d revoked certificates, next update %s", c.Issuer, c.Entries,
		c.NextUpdate.UTC().Format(time.RFC3339))
}
