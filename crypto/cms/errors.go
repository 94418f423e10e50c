package cms

import (
	"errors"
	"fmt"
)

// Sentinel errors. Functions wrap them with detail ("%w: ..."), so callers
// tell the cases apart with errors.Is.
var (
	// ErrMalformed means the input is not a well-formed CMS structure:
	// truncated, bad tags, lengths beyond the input, absurd nesting, wrong
	// types or sizes.
	ErrMalformed = errors.New("malformed CMS")
	// ErrUnsupported means the structure is well-formed but uses an
	// algorithm or structure this package does not implement; the wrapping
	// message names it.
	ErrUnsupported = errors.New("unsupported CMS feature")
	// ErrNoKey means no RecipientInfo names a certificate we have a private
	// key for.
	ErrNoKey = errors.New("no private key for any recipient")
	// ErrDecrypt means a key matched but key transport, key unwrap, content
	// decryption, padding or the GCM tag failed. The causes are not told
	// apart, so that the error is no padding oracle.
	ErrDecrypt = errors.New("decryption failed")
	// ErrDigestMismatch means the content's digest differs from the signed
	// messageDigest attribute (or, without signed attributes, the signature
	// over the content does not verify): the content was changed.
	ErrDigestMismatch = errors.New("content digest mismatch")
	// ErrBadSignature means the signature over the signed attributes does
	// not verify with the certificate's key (or the attributes contradict
	// the content type).
	ErrBadSignature = errors.New("bad signature")
)

func isUnsupported(err error) bool { return errors.Is(err, ErrUnsupported) }

// panicMarker starts the message of an error made from a panic; the fuzz
// tests fail on it.
const panicMarker = "internal error (panic"

// recoverMalformed turns a panic into an error wrapping ErrMalformed. It is
// a last line of defence for a mail client that must never crash on a
// message; the parsers are written (and fuzzed) not to panic.
func recoverMalformed(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%w: %s: %v)", ErrMalformed, panicMarker, r)
	}
}
