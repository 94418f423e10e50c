package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"siegel/certs"
	"siegel/certs/revocation"
	"siegel/crypto/vault"
	"siegel/profile"
)

// certsGroup is `siegel certs` and its subcommands (DESIGN.md §8).
var certsGroup = &group{
	name: "certs",
	subs: []subcommand{
		{"import", certsImport, "FILE… [--passphrase-file F]", "import certificates and private keys (PEM, DER, PKCS#7, PKCS#12; - reads standard input) and CRLs (.crl, PEM or DER)"},
		{"list", certsList, "[--json]", "list the store"},
		{"export", certsExport, "FPR [--der] [--out FILE]", "write a certificate as PEM (or DER)"},
		{"delete", certsDelete, "FPR", "remove a certificate and its private key"},
	},
	notes: []string{"FPR is a SHA-256 fingerprint or its first 8 or more hex digits."},
}

// runCerts dispatches `siegel certs SUBCOMMAND`. --data-dir may also come
// between "certs" and the subcommand.
func runCerts(ctx context.Context, env Env, args []string) int {
	return certsGroup.run(ctx, env, args)
}

// openStore opens the profile of env and its certificate store. The caller
// closes the profile.
func openStore(ctx context.Context, env Env) (*certs.Store, *profile.Profile, error) {
	p, err := open(ctx, env, true)
	if err != nil {
		return nil, nil, err
	}
	return p.Store, p.Profile, nil
}

// certsError words an error of the store for an administrator at the
// terminal.
func certsError(err error) string {
	switch {
	case errors.Is(err, vault.ErrWrongPassphrase):
		return "wrong profile passphrase (SIEGEL_PASSPHRASE or the prompt)"
	case errors.Is(err, profile.ErrNoPassphrase):
		return "the profile passphrase is needed to store private keys: set SIEGEL_PASSPHRASE or run in a terminal"
	case errors.Is(err, certs.ErrPassphraseRequired):
		return "the file is encrypted: give its passphrase with --passphrase-file"
	case errors.Is(err, certs.ErrWrongPassphrase):
		return "wrong passphrase for this file"
	case errors.Is(err, certs.ErrAmbiguous):
		return err.Error() + ": give more digits"
	case errors.Is(err, revocation.ErrNotCRL):
		return "not a certificate revocation list (PEM or DER)"
	case errors.Is(err, revocation.ErrNoIssuer):
		return "the CA certificate that issued this CRL is not in the store: import it first"
	case errors.Is(err, revocation.ErrBadSignature):
		return "the CRL's signature does not verify with its CA certificate: it was changed or forged"
	case errors.Is(err, revocation.ErrStale):
		return "the CRL is out of date (its next update has passed): get a current one from the CA"
	case errors.Is(err, revocation.ErrTooLarge):
		return "the CRL file is too large"
	}
	return err.Error()
}

// who names a certificate by its addresses, or by its subject when it has
// none (a CA).
func who(s certs.Summary) string {
	if len(s.Emails) > 0 {
		return strings.Join(s.Emails, ", ")
	}
	return strconv.Quote(s.Subject)
}

// resolve expands a fingerprint argument, printing the error.
func resolve(ctx context.Context, env Env, s *certs.Store, cmd, arg string) (string, bool) {
	fp, err := s.Resolve(ctx, arg)
	if err != nil {
		fmt.Fprintf(env.Stderr, "siegel certs %s: %s\n", cmd, certsError(err))
		return "", false
	}
	return fp, true
}
