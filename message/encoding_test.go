package message

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime/quotedprintable"
	"strings"
	"testing"
)

func TestQuotedPrintable(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", ""},
		{"abc", "abc=\r\n"},
		{"abc\n", "abc\r\n"},
		{"a\r\nb\rc\n", "a\r\nb\r\nc\r\n"},
		{"x = 1", "x =3D 1=\r\n"},
		{"trail \nx\t", "trail=20\r\nx=09=\r\n"},
		{"From me\nFrom\nnot From x", "=46rom me\r\nFrom\r\nnot From x=\r\n"},
		{"ä", "=C3=A4=\r\n"},
		{strings.Repeat("a", 80), strings.Repeat("a", 75) + "=\r\naaaaa=\r\n"},
		{strings.Repeat("a", 74) + "ä", strings.Repeat("a", 74) + "=\r\n=C3=A4=\r\n"},
	}
	for _, tt := range tests {
		got := string(AppendQuotedPrintable(nil, []byte(tt.in)))
		if got != tt.want {
			t.Errorf("AppendQuotedPrintable(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzQuotedPrintable(f *testing.F) {
	f.Add("From x\n\tä =\r\n" + strings.Repeat("é", 60))
	f.Fuzz(func(t *testing.T, s string) {
		enc := AppendQuotedPrintable(nil, []byte(s))
		for _, line := range bytes.Split(enc, []byte("\r\n")) {
			if len(line) > 76 {
				t.Fatalf("line of %d characters", len(line))
			}
		}
		dec, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(enc)))
		if err != nil {
			t.Fatalf("decode %q: %v", enc, err)
		}
		want := strings.NewReplacer("\r\n", "\r\n", "\r", "\r\n", "\n", "\r\n").Replace(s)
		if string(dec) != want {
			t.Fatalf("round trip of %q: got %q, want %q", s, dec, want)
		}
	})
}

func TestBase64Lines(t *testing.T) {
	for _, n := range []int{0, 1, 56, 57, 58, 114, 1000} {
		src := bytes.Repeat([]byte{0xfb}, n)
		got := AppendBase64Lines([]byte("x"), src)
		if len(got) != 1+Base64Len(n) {
			t.Errorf("n=%d: got %d bytes, want %d", n, len(got), 1+Base64Len(n))
		}
		lines := strings.Split(strings.TrimSuffix(string(got[1:]), "\r\n"), "\r\n")
		var joined string
		for i, l := range lines {
			if len(l) != 76 && i < len(lines)-1 {
				t.Errorf("n=%d: line %d has %d characters", n, i, len(l))
			}
			joined += l
		}
		dec, err := base64.StdEncoding.DecodeString(joined)
		if err != nil || !bytes.Equal(dec, src) {
			t.Errorf("n=%d: round trip failed: %v", n, err)
		}
	}
}
