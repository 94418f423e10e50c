package ber

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestToDER(t *testing.T) {
	tests := []struct {
		name, ber, der string
	}{
		{"DER stays", "3006020101020102", "3006020101020102"},
		{"indefinite sequence", "3080020101020102" + "0000", "3006020101020102"},
		{"chunked octet string", "2480040261620401630000", "0403616263"},
		{"nested indefinite", "30803080050000000000", "300430020500"},
		{"non-minimal length", "308103020101", "3003020101"},
		// The converter does not know the schema: a chunked [0] IMPLICIT
		// OCTET STRING keeps its constructed [0] around the segments,
		// which the reader of the structure joins.
		{"encrypted content in chunks", "3080" + "06032a0304" + "3000" + "a080040261620401630000" + "0000",
			"3010" + "06032a0304" + "3000" + "a00704026162040163"},
		{"explicit [0] around one octet string", "3080" + "06032a0304" + "a08004026162" + "0000" + "0000",
			"300b" + "06032a0304" + "a004" + "04026162"},
		{"constructed utf8string", "2c800c01610c01620000", "0c026162"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := unhex(t, tc.ber)
			got, err := ToDER(in)
			if err != nil || hex.EncodeToString(got) != tc.der {
				t.Errorf("ToDER(%s): got %x, %v; want %s", tc.ber, got, err, tc.der)
			}
		})
	}
}

func TestToDERRefuses(t *testing.T) {
	tests := []struct {
		name, in string
		want     error
	}{
		{"empty", "", ErrMalformed},
		{"tag only", "30", ErrMalformed},
		{"no end-of-contents", "3080", ErrMalformed},
		{"truncated child", "308002", ErrMalformed},
		{"indefinite primitive", "0480", ErrMalformed},
		{"length beyond the input", "3084ffffffff", ErrMalformed},
		{"high tag cut off", "1f", ErrMalformed},
		{"high tag too long", "1fffffffffff01", ErrMalformed},
		{"trailing data", "050000", ErrMalformed},
		{"constructed bit string", "2380030100" + "0000", ErrUnsupported},
		{"too deep", strings.Repeat("3080", MaxDepth+1) + "0500" + strings.Repeat("0000", MaxDepth+1), ErrTooDeep},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ToDER(unhex(t, tc.in))
			if !errors.Is(err, tc.want) {
				t.Errorf("ToDER(%s): got %x, %v; want %v", tc.in, got, err, tc.want)
			}
			if errors.Is(err, ErrTooDeep) && !errors.Is(err, ErrMalformed) {
				t.Errorf("ToDER(%s): got %v, which does not wrap ErrMalformed", tc.in, err)
			}
		})
	}
}

// TestToDERDepth checks the bound exactly: MaxDepth levels are read, one
// more is refused.
func TestToDERDepth(t *testing.T) {
	nest := func(n int) []byte {
		return unhex(t, strings.Repeat("3080", n)+"0500"+strings.Repeat("0000", n))
	}
	if _, err := ToDER(nest(MaxDepth)); err != nil {
		t.Errorf("ToDER(%d levels): got %v, want no error", MaxDepth, err)
	}
	if _, err := ToDER(nest(MaxDepth + 1)); !errors.Is(err, ErrTooDeep) {
		t.Errorf("ToDER(%d levels): got %v, want ErrTooDeep", MaxDepth+1, err)
	}
}

func TestReadHeader(t *testing.T) {
	tests := []struct {
		in   string
		want Header
		err  bool
	}{
		{"3003020101", Header{Tag: 16, Constructed: true, Minimal: true, ContentStart: 2, Length: 3}, false},
		{"30800000", Header{Tag: 16, Constructed: true, Indefinite: true, Minimal: true, ContentStart: 2}, false},
		{"a08105", Header{}, true}, // length beyond the input
		{"9f8a0100", Header{Class: 2, Tag: 0x501, Minimal: true, ContentStart: 4}, false},
	}
	for _, tc := range tests {
		got, err := ReadHeader(unhex(t, tc.in))
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ReadHeader(%s): got %+v, %v; want %+v, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestLength(t *testing.T) {
	for _, l := range []int{0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0xffffff, 0x1000000} {
		b := AppendLength(nil, l)
		if len(b) != LengthSize(l) {
			t.Errorf("AppendLength(%d): got %d bytes, LengthSize says %d", l, len(b), LengthSize(l))
		}
		h, err := ReadHeader(append(append([]byte{0x04}, b...), make([]byte, l)...))
		if err != nil || h.Length != l || !h.Minimal {
			t.Errorf("ReadHeader of length %d: got %+v, %v", l, h, err)
		}
	}
}

// FuzzToDER checks that ToDER never panics and that its output is DER:
// converting it again changes nothing.
func FuzzToDER(f *testing.F) {
	f.Add(unhexF("30802480040161000000"))
	f.Add(unhexF(strings.Repeat("3080", MaxDepth+2)))
	f.Fuzz(func(t *testing.T, in []byte) {
		der, err := ToDER(in)
		if err != nil {
			return
		}
		again, err := ToDER(der)
		if err != nil || !bytes.Equal(again, der) {
			t.Errorf("ToDER is not idempotent: %x → %x → %x (%v)", in, der, again, err)
		}
	})
}

func unhexF(s string) []byte {
	b, _ := hex.DecodeString(s)
	return b
}
