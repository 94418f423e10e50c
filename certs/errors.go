package certs

import (
	"errors"
	"fmt"
)

// Errors of Parse, Add and the look-ups. Callers tell them apart with
// errors.Is; the messages are for logs, the UI words them itself.
var (
	// ErrNothingFound means the input holds no certificate and no private
	// key: it is empty, or text or binary data of another kind.
	ErrNothingFound = errors.New("no certificate or private key found")
	// ErrMalformed means the input looks like a certificate, key or
	// PKCS#12 file but cannot be read: it is truncated or damaged.
	ErrMalformed = errors.New("damaged certificate or key data")
	// ErrTooDeep means the input nests its ASN.1 structures deeper than
	// any real certificate bundle or PKCS#12 file (ber.MaxDepth levels):
	// it is damaged, or made to exhaust the reader. An error wrapping it
	// wraps ErrMalformed as well, so callers that know only ErrMalformed
	// still report damage.
	ErrTooDeep = errors.New("certificate bundle is nested too deeply")
	// ErrTooLarge means a file to import is larger than MaxImportSize;
	// certificate and key files are a few kilobytes.
	ErrTooLarge = errors.New("file is too large for a certificate or key file")
	// ErrPassphraseRequired means the input is encrypted and no passphrase,
	// or the empty one, was given and the empty passphrase does not open it.
	// A UI asks for one and parses again.
	ErrPassphraseRequired = errors.New("a passphrase is required")
	// ErrWrongPassphrase means the passphrase given for an encrypted file
	// or key does not open it. (A wrong profile passphrase is reported by
	// the profile, as vault.ErrWrongPassphrase.)
	ErrWrongPassphrase = errors.New("wrong passphrase")
	// ErrUnsupportedEncryption means an encrypted file or key uses a scheme
	// Siegel does not read (old DES or RC2 key encryption, or an absurd
	// work factor).
	ErrUnsupportedEncryption = errors.New("unsupported encryption")
	// ErrUnsupportedKey means a private key, or the public key of a
	// certificate that cannot be read at all, is of a type Siegel cannot
	// use for S/MIME (DSA, Ed25519, unknown curves). Only RSA and ECDSA
	// keys are stored.
	ErrUnsupportedKey = errors.New("unsupported key type")
	// ErrNotForSMIME is wrapped by every *RuleError.
	ErrNotForSMIME = errors.New("not valid for S/MIME")
	// ErrKeyWithoutCert means a private key matches no certificate in the
	// same input and none in the store.
	ErrKeyWithoutCert = errors.New("private key matches no certificate in the file or the store")
	// ErrNotFound means no stored certificate has the fingerprint.
	ErrNotFound = errors.New("certificate not found")
	// ErrAmbiguous means a fingerprint prefix matches several certificates.
	ErrAmbiguous = errors.New("fingerprint prefix matches several certificates")
	// ErrBadFingerprint means a fingerprint (prefix) is not at least 8 and
	// at most 64 hexadecimal digits.
	ErrBadFingerprint = errors.New("not a certificate fingerprint (8 to 64 hex digits)")
	// ErrNoKey means an export with private key was asked for a
	// certificate whose key is not stored.
	ErrNoKey = errors.New("no private key stored for this certificate")
	// ErrEmptyPassphrase means an export with private key was asked with an
	// empty passphrase; a private key never leaves the store unprotected.
	ErrEmptyPassphrase = errors.New("the passphrase for the exported file is empty")
)

// Rule is one of the S/MIME checks of DESIGN.md §4 that a certificate can
// fail on import.
type Rule int

// The rules, in the order they are checked.
const (
	// RuleEmail: an end-entity certificate needs an e-mail address (an
	// rfc822Name in the subject alternative name, or an emailAddress in the
	// subject).
	RuleEmail Rule = iota + 1
	// RuleKeyUsage: when the key usage extension is present it must allow
	// signing (digital signature, non-repudiation) or encryption (key
	// encipherment for RSA, key agreement for EC).
	RuleKeyUsage
	// RuleExtKeyUsage: when the extended key usage extension is present it
	// must include e-mail protection (or any).
	RuleExtKeyUsage
	// RuleKeyType: the public key must be RSA or EC.
	RuleKeyType
	// RuleKeySize: an RSA key must have at least 2048 bits.
	RuleKeySize
)

func (r Rule) String() string {
	switch r {
	case RuleEmail:
		return "no e-mail address"
	case RuleKeyUsage:
		return "key usage allows neither signing nor encryption"
	case RuleExtKeyUsage:
		return "extended key usage does not include e-mail protection"
	case RuleKeyType:
		return "key type is not RSA or EC"
	case RuleKeySize:
		return "key is too small"
	default:
		return fmt.Sprintf("rule %d", int(r))
	}
}

// RuleError reports a certificate that is not valid for S/MIME, naming the
// rule it fails. errors.Is(err, ErrNotForSMIME) holds for it.
type RuleError struct {
	Rule        Rule
	Subject     string // the certificate's display name
	Fingerprint string
	Detail      string // e.g. "RSA 1024 bits, at least 2048", may be empty
}

func (e *RuleError) Error() string {
	s := fmt.Sprintf("certificate %q is not valid for S/MIME: %s", e.Subject, e.Rule)
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}

// Unwrap returns ErrNotForSMIME.
func (e *RuleError) Unwrap() error { return ErrNotForSMIME }

// FileError names the file an import error belongs to, for imports of
// several files.
type FileError struct {
	Name string
	Err  error
}

func (e *FileError) Error() string { return e.Name + ": " + e.Err.Error() }

// Unwrap returns the error of the file.
func (e *FileError) Unwrap() error { return e.Err }
