package cli

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"time"

	"siegel/certs/revocation"
)

// isCRL reports whether an import file's content is a certificate
// revocation list: a PEM "X509 CRL" block or a DER CRL. A file that is
// neither goes to the certificate import, whose errors say what it is
// not.
func isCRL(data []byte) bool {
	if b, _ := pem.Decode(data); b != nil {
		return b.Type == "X509 CRL"
	}
	if bytes.HasPrefix(bytes.TrimSpace(data), []byte("-----")) {
		return false
	}
	_, err := x509.ParseRevocationList(data)
	return err == nil
}

// describeCRL is the import's line about a CRL.
func describeCRL(c revocation.CRLInfo) string {
	return fmt.Sprintf("stored CRL of %s: %d revoked certificates, next update %s", c.Issuer, c.Entries,
		c.NextUpdate.UTC().Format(time.RFC3339))
}
