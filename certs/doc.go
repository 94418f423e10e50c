// Package certs is Siegel's certificate store: the organisation's
// certificates and private keys, the partners' certificates and the CA
// certificates that vouch for them (DESIGN.md §4), kept in the profile's
// SQLite database. It satisfies the S/MIME engine's Keyring.
//
// Importing is two steps, so a UI can show a preview between them:
//
//  1. Parse reads one input — a file or pasted text — without touching the
//     store. It detects the format by content (PEM with any mix of
//     certificates and keys, DER, PKCS#7, PKCS#12 in its modern and legacy
//     forms; the file name is only a hint), opens encrypted parts with the
//     passphrase given (ErrPassphraseRequired when one is needed,
//     ErrWrongPassphrase when it is wrong), and returns a Bundle of
//     certificates and RSA/ECDSA private keys.
//  2. Add checks the bundle and stores it in one transaction, all or
//     nothing: every certificate must pass Check, the S/MIME rules (an
//     e-mail address, a fitting key usage and extended key usage, an RSA
//     key of 2048 bits or more or an EC key; CA certificates become trust
//     anchors), and every key must belong to a certificate of the bundle or
//     of the store. The ImportReport says, per certificate and key, whether
//     it was stored, was already in the store, or was attached to a stored
//     certificate. Import does both steps.
//
// Every way in is bounded, since import files come from anywhere:
// ReadImport and ReadImportFile read at most MaxImportSize (16 MiB) and
// Parse refuses more (ErrTooLarge); PKCS#7 bundles are read with
// cms.Certificates and BER with package ber, whose nesting is bounded
// (ErrTooDeep) instead of recursing until the stack overflows.
//
// Every failure is a sentinel error or a *RuleError (see errors.go), so
// callers tell them apart with errors.Is and errors.As.
//
// Certificates are public: they are stored as DER with the columns the
// look-ups need (fingerprint, issuer and serial, subject key identifier,
// validity, usage, the lower-cased addresses in their own table). Private
// keys are secret: they are stored only as PKCS#8 sealed by the profile's
// vault (AES-256-GCM under an Argon2id key from the profile passphrase), one
// row per key pair, and opened in memory when the engine asks for them; the
// passphrase is asked on first use. profile.ChangePassphrase re-seals them.
//
// Look-ups: Lookup and CertsForAddress by address (valid at a time, newest
// first, optionally by usage), Get by fingerprint, Resolve for fingerprint
// prefixes, CertByIssuerSerial and CertBySubjectKeyID for CMS recipient and
// signer identifiers, TrustAnchors (kept in memory until the next change),
// List, and the exports. Collect stores the verified signer certificates of
// incoming mail. After every committed change Generation moves on and the
// OnChange subscribers are called.
package certs
