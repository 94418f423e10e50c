package cms

import (
	"errors"
	"fmt"

	"siegel/crypto/ber"
)

// toDER converts BER to DER with package ber (see ber.ToDER: bounded
// nesting, every length checked, DER input returned without a copy) and
// words its errors as this package's: ErrUnsupported for a constructed BIT
// STRING, ErrMalformed for the rest. The ber errors stay wrapped, so that
// callers can tell ber.ErrTooDeep apart.
func toDER(in []byte) ([]byte, error) {
	out, err := ber.ToDER(in)
	switch {
	case err == nil:
		return out, nil
	case errors.Is(err, ber.ErrUnsupported):
		return nil, fmt.Errorf("%w: %w", ErrUnsupported, err)
	default:
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
}

// lengthSize is the size of a DER length field.
func lengthSize(l int) int { return ber.LengthSize(l) }

func appendLength(out []byte, l int) []byte { return ber.AppendLength(out, l) }
