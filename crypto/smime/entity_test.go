package smime

import (
	"bytes"
	"strings"
	"testing"

	"siegel/crypto/smime/transfer"
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
			e := parseEntity([]byte(tt.raw))
			for k, v := range tt.fields {
				if got := e.get(k); got != v {
					t.Errorf("get(%q): got %q, want %q", k, got, v)
				}
			}
			if len(e.fields) != len(tt.fields) {
				t.Errorf("got %d fields, want %d", len(e.fields), len(tt.fields))
			}
			if string(e.body) != tt.body || e.headless != tt.headless {
				t.Errorf("body %q headless %v, want %q %v", e.body, e.headless, tt.body, tt.headless)
			}
		})
	}
}

func TestParseEntityLinear(t *testing.T) {
	// 200,000 continuation lines of one field: unfolding must not be
	// quadratic (this would take minutes if it were).
	raw := "X: a" + strings.Repeat("\r\n b", 200000) + "\r\n\r\nbody"
	e := parseEntity([]byte(raw))
	if len(e.get("X")) != 2*200000+1 || string(e.body) != "body" {
		t.Errorf("got value of %d bytes, body %q", len(e.get("X")), e.body)
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
		e := parseEntity([]byte("Content-Type: " + tt.ct + "\r\n\r\n"))
		mt, p := e.mediaType()
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
			parts, err := splitMultipart([]byte(tt.body), "b")
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
	if _, err := splitMultipart([]byte("--\r\n"), ""); err == nil {
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
		if got := string(canonical([]byte(tt.in))); got != tt.want {
			t.Errorf("canonical(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
	in := []byte("already\r\ncanonical\r\n")
	if out := canonical(in); &out[0] != &in[0] {
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
		if got := transportSafe([]byte(tt.in)); got != tt.want {
			t.Errorf("transportSafe(%.40q…): got %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestAppendSafeEntity(t *testing.T) {
	tests := []struct {
		name    string
		entity  string
		want    []string // substrings of the output
		decoded string   // BodyText of the output
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
			[]string{"--x\r\nContent-Type: text/plain\r\n\r\nsafe\r\n--x\r\n", "=C3=BCber", "--x--\r\n"}, "safe\nüber"},
		{"message/rfc822 inside", "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: 8bit\r\n\r\nSubject: x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nÄ\r\n",
			[]string{"Content-Type: message/rfc822\r\n\r\nSubject: x\r\n", "=C3=84"}, "Ä"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := parseEntity([]byte(tt.entity))
			out := appendSafeEntity(nil, e.fields, e.body, 0)
			if !transportSafe(out) || bytes.Count(out, []byte("\n")) != bytes.Count(out, []byte("\r\n")) {
				t.Errorf("output not transport-safe CRLF: %q", out)
			}
			for _, w := range tt.want {
				if !bytes.Contains(out, []byte(w)) {
					t.Errorf("output lacks %q:\n%q", w, out)
				}
			}
			if got := BodyText(out); got != tt.decoded {
				t.Errorf("text: got %q, want %q", got, tt.decoded)
			}
		})
	}
}

func TestBodyText(t *testing.T) {
	tests := []struct {
		name, entity, want string
	}{
		{"plain", "Content-Type: text/plain\r\n\r\nhello\r\nworld\r\n", "hello\nworld"},
		{"headless", "just text\n", "just text"},
		{"latin-1", "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=FC=DFe", "Grüße"},
		{"invalid utf-8", "Content-Type: text/plain; charset=utf-8\r\n\r\na\xffb", "a\uFFFDb"},
		{"html as text", "Content-Type: text/html\r\n\r\n<html><head><title>T</title><style>p{}</style></head><body><p>Hi &amp; bye</p><script>x()</script><img src=\"http://x/y\"></body></html>", "\nHi & bye"},
		{"alternative prefers plain", "Content-Type: multipart/alternative; boundary=a\r\n\r\n--a\r\nContent-Type: text/html\r\n\r\n<b>H</b>\r\n--a\r\nContent-Type: text/plain\r\n\r\nP\r\n--a--", "P"},
		{"alternative html only", "Content-Type: multipart/alternative; boundary=a\r\n\r\n--a\r\nContent-Type: text/html\r\n\r\n<b>H</b>\r\n--a--", "H"},
		{"attachments skipped", "Content-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\nContent-Type: text/plain\r\n\r\nbody\r\n--m\r\n" +
			"Content-Type: text/plain\r\nContent-Disposition: attachment; filename=a.txt\r\n\r\nfile\r\n--m--", "body"},
		{"encrypted part never shown", "Content-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\nContent-Type: text/plain\r\n\r\nbait\r\n--m\r\n" +
			"Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\nContent-Transfer-Encoding: base64\r\n\r\nMIIB\r\n--m--", "bait"},
		{"signed first part", "Content-Type: multipart/signed; boundary=s\r\n\r\n--s\r\nContent-Type: text/plain\r\n\r\nsigned text\r\n--s\r\n" +
			"Content-Type: application/pkcs7-signature\r\n\r\nxx\r\n--s--", "signed text"},
		{"attached message", "Content-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\nContent-Type: text/plain\r\n\r\nouter\r\n--m\r\n" +
			"Content-Type: message/rfc822\r\n\r\nSubject: in\r\n\r\ninner\r\n--m--", "outer\ninner"},
	}
	for _, tt := range tests {
		if got := BodyText([]byte(tt.entity)); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestBodyTextLarge(t *testing.T) {
	line := strings.Repeat("x", 57)
	var enc []byte
	for range 120000 { // 6.8 MB of text, 9 MB of base64
		enc = transfer.AppendBase64Lines(enc, []byte(line))
	}
	got := BodyText(append([]byte("Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"), enc...))
	if len(got) != maxBodyText || strings.Trim(got, "x") != "" {
		t.Errorf("got %d bytes (%.20q…), want %d x", len(got), got, maxBodyText)
	}
}

func TestFromAddress(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Alice@Example.com", "alice@example.com"},
		{"Alice <Alice@example.com>", "alice@example.com"},
		{"<alice@example.com>", "alice@example.com"},
		{`"Bob, the builder" <bob@example.com>`, "bob@example.com"},
		{`"bob@example.com" <mallory@example.net>`, "mallory@example.net"},
		{"bob@example.com <mallory@example.net>", "mallory@example.net"},
		{"alice@example.com (Bob)", "alice@example.com"},
		{"a@example.com, b@example.com", "a@example.com b@example.com"},
		{"Alice <a@example.com>, Mallory <m@example.net>", "a@example.com m@example.net"},
		{"=?utf-8?q?J=C3=BCrgen?= <j@example.org>", "j@example.org"},
		{"Jürgen <j@example.org>", "j@example.org"},
		{"broken <<x@example.org>", "x@example.org"},
		{"no address", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := strings.Join(fieldAddresses(tt.in), " "); got != tt.want {
			t.Errorf("fieldAddresses(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}
