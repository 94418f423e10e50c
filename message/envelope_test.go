package message

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The From policy: exactly one From field with exactly one address, and
// a display name that hides nothing; every other header names its
// problem, and the Author is what every view shows.
func TestFromPolicy(t *testing.T) {
	tests := []struct {
		name, header string
		author       string
		problem      string // part of FromProblem; "" for none
	}{
		{"bare", "From: Alice@Example.com", "Alice@Example.com", ""},
		{"name", "From: Alice <alice@example.com>", "alice@example.com", ""},
		{"angle only", "From: <alice@example.com>", "alice@example.com", ""},
		{"quoted name with comma", `From: "Bob, the builder" <bob@example.com>`, "bob@example.com", ""},
		{"encoded name", "From: =?utf-8?q?J=C3=BCrgen?= <j@example.org>", "j@example.org", ""},
		{"UTF-8 name", "From: Jürgen <j@example.org>", "j@example.org", ""},
		{"comment name", "From: alice@example.com (Alice)", "alice@example.com", ""},
		{"name equals address", `From: "Alice@example.com" <alice@example.com>`, "alice@example.com", ""},
		{"Sender equals From", "From: alice@example.com\r\nSender: Alice <ALICE@example.com>", "alice@example.com", ""},
		{"quoted address in name", `From: "bob@example.com" <mallory@example.net>`, "mallory@example.net", "holds another address"},
		{"unquoted address in name", "From: bob@example.com <mallory@example.net>", "mallory@example.net", "cannot be read"},
		{"address in comment", "From: mallory@example.net (bob@example.com)", "mallory@example.net", "holds another address"},
		{"encoded address in name", "From: =?utf-8?b?Ym9iQGV4YW1wbGUuY29t?= <mallory@example.net>", "mallory@example.net", "holds another address"},
		{"full-width at", "From: =?utf-8?q?bob=EF=BC=A0example.com?= <mallory@example.net>", "mallory@example.net", "holds another address"},
		{"bidi override", "From: =?utf-8?q?=E2=80=AEmoc.elpmaxe?= <mallory@example.net>", "mallory@example.net", "invisible character U+202E"},
		{"two addresses", "From: a@example.com, b@example.com", "a@example.com", "2 addresses"},
		{"two fields", "From: a@example.com\r\nFrom: b@example.com", "a@example.com", "2 From fields"},
		{"Sender differs", "From: a@example.com\r\nSender: b@example.com", "a@example.com", "Sender field names another address (b@example.com)"},
		{"group", "From: Team: a@example.com, b@example.com;", "a@example.com", "is a group"},
		{"empty group", "From: undisclosed-recipients:;", "", "is a group"},
		{"empty", "From: ", "", "empty"},
		{"missing", "Subject: x", "", "no From field"},
		{"broken", "From: broken <<x@example.org>", "x@example.org", "cannot be read"},
		{"no address", "From: no address", "", "no readable address"},
		{"padded name", `From: "The Manager` + strings.Repeat(" ", 120) + `x" <eve@example.com>`, "eve@example.com", "padded with 4 or more blanks"},
		{"two spaces are fine", `From: "Anna  Berg" <anna@example.com>`, "anna@example.com", ""},
		{"colon in quoted name is no group", `From: "Re: Alice" <alice@example.com>`, "alice@example.com", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := ReadEnvelope([]byte(tt.header + "\r\n\r\nbody"))
			if env.Author.Address != tt.author {
				t.Errorf("Author %q, want %q", env.Author.Address, tt.author)
			}
			if tt.problem == "" && env.FromProblem != "" || tt.problem != "" && !strings.Contains(env.FromProblem, tt.problem) {
				t.Errorf("FromProblem %q, want one with %q", env.FromProblem, tt.problem)
			}
		})
	}
}

// The From attacks are among the seeds of FuzzReadEnvelope, so the fuzzer
// starts from them.
func TestEnvelopeSeedsExist(t *testing.T) {
	matches, err := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzReadEnvelope", "*"))
	if err != nil || len(matches) < 5 {
		t.Fatalf("%d seeds for FuzzReadEnvelope (%v), want the From attacks among them", len(matches), err)
	}
	for _, m := range matches {
		if b, err := os.ReadFile(m); err != nil || !strings.HasPrefix(string(b), "go test fuzz v1\n") {
			t.Errorf("%s: not a fuzz seed (%v)", m, err)
		}
	}
}
