package message

import (
	"bytes"
	"strings"
	"testing"
)

func TestParseEntity(t *testing.T) {
	tests := []struct {
		name     string
		raw      string
		fields   map[string]string
		body     string
		headless bool
	}{
		{"crlf", "A: 1\r\nB: two\r\n\r\nbody\r\n", map[string]string{"a": "1", "B": "two"}, "body\r\n", false},
		{"lf", "A: 1\nB: 2\n\nbody", map[string]string{"A": "1", "b": "2"}, "body", false},
		{"folded", "Subject: a\r\n  b\r\n\tc\r\n\r\nx", map[string]string{"Subject": "a b c"}, "x", false},
		{"no body", "A: 1\r\n", map[string]string{"A": "1"}, "", false},
		{"headless text", "This is a test message to Fran.\r\n", nil, "This is a test message to Fran.\r\n", true},
		{"empty", "", nil, "", false},
		{"blank first", "\r\nbody", nil, "body", false},
		{"bad line ends header", "A: 1\r\nnot a field\r\nmore", map[string]string{"A": "1"}, "not a field\r\nmore", false},
		{"space in name", "Bad Name: x\r\n\r\n", nil, "Bad Name: x\r\n\r\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ParseEntity([]byte(tt.raw))
			for k, v := range tt.fields {
				if got := e.Get(k); got != v {
					t.Errorf("get(%q): got %q, want %q", k, got, v)
				}
			}
			if len(e.Fields) != len(tt.fields) {
				t.Errorf("got %d fields, want %d", len(e.Fields), len(tt.fields))
			}
			if string(e.Body) != tt.body || e.Headless != tt.headless {
				t.Errorf("body %q headless %v, want %q %v", e.Body, e.Headless, tt.body, tt.headless)
			}
		})
	}
}

func TestParseEntityLinear(t *testing.T) {
	// 200,000 continuation lines of one field: unfolding must not be
	// quadratic (this would take minutes if it were).
	raw := "X: a" + strings.Repeat("\r\n b", 200000) + "\r\n\r\nbody"
	e := ParseEntity([]byte(raw))
	if len(e.Get("X")) != 2*200000+1 || string(e.Body) != "body" {
		t.Errorf("got value of %d bytes, body %q", len(e.Get("X")), e.Body)
	}
}

func TestMediaType(t *testing.T) {
	tests := []struct{ ct, mt, param, value string }{
		{"", "text/plain", "", ""},
		{"Application/PKCS7-MIME; smime-type=enveloped-data; name=smime.p7m", "application/pkcs7-mime", "smime-type", "enveloped-data"},
		{"multipart/signed; boundary=\"a b\"; protocol=x; protocol=y", "multipart/signed", "", ""},
		{"text/html; charset=\"unterminated", "text/html", "", ""},
		{"garbage", "text/plain", "", ""},
	}
	for _, tt := range tests {
		e := ParseEntity([]byte("Content-Type: " + tt.ct + "\r\n\r\n"))
		mt, p := e.MediaType()
		if mt != tt.mt || p[tt.param] != tt.value {
			t.Errorf("%q: got %q %v, want %q %s=%q", tt.ct, mt, p, tt.mt, tt.param, tt.value)
		}
	}
}

func TestSplitMultipart(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		parts []string
		err   bool
	}{
		{"crlf", "pre\r\n--b\r\none\r\n--b\r\ntwo\r\n--b--\r\nepi", []string{"one", "two"}, false},
		{"lf", "--b\none\n--b\ntwo\n--b--\n", []string{"one", "two"}, false},
		{"trailing space", "--b  \r\none\r\n--b--\t\r\n", []string{"one"}, false},
		{"longer boundary is content", "--b\r\nx\r\n--bb\r\ny\r\n--b--", []string{"x\r\n--bb\r\ny"}, false},
		{"not at line start", "--b\r\nx --b\r\n--b--", []string{"x --b"}, false},
		{"no close", "--b\r\none\r\n--b\r\ntwo\r\n", []string{"one", "two\r\n"}, false},
		{"empty part", "--b\r\n\r\n--b--", []string{""}, false},
		{"no boundary", "text", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts, err := SplitMultipart([]byte(tt.body), "b")
			if (err != nil) != tt.err {
				t.Fatalf("error: got %v, want error %v", err, tt.err)
			}
			var got []string
			for _, p := range parts {
				got = append(got, string(p))
			}
			if strings.Join(got, "|") != strings.Join(tt.parts, "|") || len(got) != len(tt.parts) {
				t.Errorf("got %q, want %q", got, tt.parts)
			}
		})
	}
	if _, err := SplitMultipart([]byte("--\r\n"), ""); err == nil {
		t.Error("empty boundary accepted")
	}
}

func TestCanonical(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a\r\nb\r\n", "a\r\nb\r\n"},
		{"a\nb\n", "a\r\nb\r\n"},
		{"a\r\nb\nc", "a\r\nb\r\nc"},
		{"\n\n", "\r\n\r\n"},
		{"a\rb", "a\rb"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := string(Canonical([]byte(tt.in))); got != tt.want {
			t.Errorf("Canonical(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
	in := []byte("already\r\ncanonical\r\n")
	if out := Canonical(in); &out[0] != &in[0] {
		t.Error("canonical input was copied")
	}
}

func TestDecodeBase64(t *testing.T) {
	tests := []struct {
		in, want string
		err      bool
	}{
		{"aGVsbG8=\r\n", "hello", false},
		{"aGVs\r\nbG8=", "hello", false},
		{" aGVs bG8= \t", "hello", false},
		{"aGVsbG8", "hello", false},
		{"aGVsbG8===", "hello", false},
		{"aGV*bG8=", "", true},
		{"", "", false},
	}
	for _, tt := range tests {
		got, err := decodeBase64([]byte(tt.in))
		if (err != nil) != tt.err || string(got) != tt.want {
			t.Errorf("decodeBase64(%q): got %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestTransportSafe(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"plain ascii\r\nlines\r\n", true},
		{"bare lf\nis fine\n", true},
		{"tab\there", true},
		{"8-bit ä", false},
		{"nul \x00", false},
		{"bare \r cr", false},
		{"cr at end\r", false},
		{strings.Repeat("x", 998) + "\r\n", true},
		{strings.Repeat("x", 999) + "\r\n", false},
		{strings.Repeat("abcdefgh", 200), false},
		{strings.Repeat("abcdefg\n", 200), true},
	}
	for _, tt := range tests {
		if got := TransportSafe([]byte(tt.in)); got != tt.want {
			t.Errorf("TransportSafe(%.40q…): got %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestAppendSafeEntity(t *testing.T) {
	tests := []struct {
		name    string
		entity  string
		want    []string // substrings of the output
		decoded string   // the text of the output
	}{
		{"safe text stays", "Content-Type: text/plain\nContent-Transfer-Encoding: 7bit\n\nhello\n",
			[]string{"Content-Type: text/plain\r\nContent-Transfer-Encoding: 7bit\r\n\r\nhello\r\n"}, "hello"},
		{"8-bit text becomes quoted-printable", "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße\r\n",
			[]string{"Content-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe\r\n"}, "Grüße"},
		{"binary becomes base64", "Content-Type: application/octet-stream\r\n\r\n\x00\x01\x02",
			[]string{"Content-Transfer-Encoding: base64\r\n\r\nAAEC\r\n"}, ""},
		{"long base64 is rewrapped", "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n" + strings.Repeat("YWJj", 300) + "\r\n",
			[]string{"Content-Transfer-Encoding: quoted-printable\r\n\r\n" + strings.Repeat("abc", 25)}, strings.Repeat("abc", 300)},
		{"multipart part by part", "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nsafe\r\n--x\r\n" +
			"Content-Type: text/plain; charset=utf-8\r\n\r\nüber\r\n--x--\r\n",
			[]string{"--x\r\nContent-Type: text/plain\r\n\r\nsafe\r\n--x\r\n", "=C3=BCber", "--x--\r\n"}, "safe\n\nüber"},
		{"message/rfc822 inside", "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: 8bit\r\n\r\nSubject: x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nÄ\r\n",
			[]string{"Content-Type: message/rfc822\r\n\r\nSubject: x\r\n", "=C3=84"}, "Ä"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ParseEntity([]byte(tt.entity))
			out := AppendSafeEntity(nil, e.Fields, e.Body, 0)
			if !TransportSafe(out) || bytes.Count(out, []byte("\n")) != bytes.Count(out, []byte("\r\n")) {
				t.Errorf("output not transport-safe CRLF: %q", out)
			}
			for _, w := range tt.want {
				if !bytes.Contains(out, []byte(w)) {
					t.Errorf("output lacks %q:\n%q", w, out)
				}
			}
			if got := Extract(out).Text; got != tt.decoded {
				t.Errorf("text: got %q, want %q", got, tt.decoded)
			}
		})
	}
}
