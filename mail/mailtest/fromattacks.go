package mailtest

import (
	"bytes"
	"strings"
	"testing"
)

// FromAttack is one From header put on a message that the signer signed
// correctly: the attacks must not show as valid, and each names its
// reason; the legitimate forms stay valid. Every layer (the engine,
// inspect --json, the desk, the card) runs the same table.
type FromAttack struct {
	Name string
	// Header replaces the message's "From: signer" line: one or more
	// header lines with CRLF, or "" for none.
	Header string
	Valid  bool
	// Reason is part of the sender-mismatch reason; "" when Valid.
	Reason string
	// Author is the address every view shows as the sender.
	Author string
}

// FromAttacks is the table for a signer address such as
// "bob@example.org".
func FromAttacks(signer string) []FromAttack {
	local, domain, _ := strings.Cut(signer, "@")
	upper := strings.ToUpper(local) + "@" + strings.ToUpper(domain[:1]) + domain[1:]
	// A Cyrillic а in place of the first a or e of the domain (a homoglyph).
	lookalike := local + "@" + strings.Replace(strings.Replace(domain, "e", "\u0435", 1), "a", "\u0430", 1)
	return []FromAttack{
		{"bare address", "From: " + signer + "\r\n", true, "", signer},
		{"quoted name", "From: \"Bob Builder\" <" + signer + ">\r\n", true, "", signer},
		{"case differs", "From: Bob <" + upper + ">\r\n", true, "", upper},
		{"encoded name", "From: =?utf-8?q?J=C3=BCrgen?= <" + signer + ">\r\n", true, "", signer},
		{"display name with another address", "From: boss@evil.example <" + signer + ">\r\n", false, "cannot be read", signer},
		{"quoted display name with another address", "From: \"boss@evil.example\" <" + signer + ">\r\n", false, "holds another address", signer},
		{"encoded-word name hiding an address", "From: =?utf-8?q?boss=40evil.example?= <" + signer + ">\r\n", false, "holds another address", signer},
		{"display name padded to push the address out", "From: \"The Manager" + strings.Repeat(" ", 120) + ".\" <" + signer + ">\r\n", false, "padded", signer},
		{"two addresses", "From: " + signer + ", mallory@evil.example\r\n", false, "2 addresses in the From field", signer},
		{"two From fields", "From: " + signer + "\r\nFrom: mallory@evil.example\r\n", false, "2 From fields", signer},
		{"Sender names someone else", "From: " + signer + "\r\nSender: mallory@evil.example\r\n", false, "Sender field names another address", signer},
		{"From names someone else than the signer", "From: mallory@evil.example\r\nSender: " + signer + "\r\n", false, "Sender field names another address", "mallory@evil.example"},
		{"empty", "From: \r\n", false, "empty", ""},
		{"missing", "", false, "no From field", ""},
		{"group", "From: Team: " + signer + ";\r\n", false, "is a group", signer},
		{"look-alike domain", "From: " + lookalike + "\r\n", false, "non-ASCII character", lookalike},
	}
}

// SpoofFrom replaces the From field of raw (which must name signer)
// with header.
func SpoofFrom(t testing.TB, raw []byte, signer, header string) []byte {
	t.Helper()
	start := 0
	if !bytes.HasPrefix(raw, []byte("From:")) {
		start = bytes.Index(raw, []byte("\r\nFrom:")) + 2
	}
	end := bytes.Index(raw[start:], []byte("\r\n"))
	if start < 2 && !bytes.HasPrefix(raw, []byte("From:")) || end < 0 || !bytes.Contains(raw[start:start+end], []byte(signer)) {
		t.Fatalf("message has no From field naming %s", signer)
	}
	return append(append(append([]byte{}, raw[:start]...), header...), raw[start+end+2:]...)
}
