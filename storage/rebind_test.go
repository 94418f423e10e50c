package storage

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestRebind(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`SELECT a FROM t WHERE b = ? AND c IN (?, ?)`, `SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)`},
		{`SELECT '?' , ? FROM t`, `SELECT '?' , $1 FROM t`},
		{`SELECT 'it''s ?', ?`, `SELECT 'it''s ?', $1`},
		{`SELECT "odd?name" FROM t WHERE x = ?`, `SELECT "odd?name" FROM t WHERE x = $1`},
		{"SELECT ? -- why?\n, ?", "SELECT $1 -- why?\n, $2"},
		{`SELECT ? /* a ? here */ , ?`, `SELECT $1 /* a ? here */ , $2`},
		{`WHERE name LIKE ? ESCAPE '\'`, `WHERE name LIKE $1 ESCAPE '\'`},
		{`SELECT 'unclosed ?`, `SELECT 'unclosed ?`},
		{`SELECT ? /* unclosed ?`, `SELECT $1 /* unclosed ?`},
		{"SELECT ? -- to the end?", "SELECT $1 -- to the end?"},
		{`SELECT ?2, ?1`, `SELECT $2, $1`},
	} {
		if got := Rebind(c.in); got != c.want {
			t.Errorf("Rebind(%q):\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

func FuzzRebind(f *testing.F) {
	for _, s := range []string{`SELECT ?`, `'?'`, `"?"`, "-- ?\n?", `/* ? */ ?`, `'a''b' ?`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		if strings.Contains(q, "$") || regexp.MustCompile(`\?[0-9]`).MatchString(q) {
			return // the check below reads $N back as ?; ?N is numbered
		}
		got := Rebind(q)
		// Nothing but the placeholders changes: with every $N put back
		// as ?, the query is what it was, and the numbers count up.
		var back strings.Builder
		want := 1
		for i := 0; i < len(got); i++ {
			if got[i] != '$' {
				back.WriteByte(got[i])
				continue
			}
			j := i + 1
			for j < len(got) && got[j] >= '0' && got[j] <= '9' {
				j++
			}
			if n, err := strconv.Atoi(got[i+1 : j]); err != nil || n != want {
				t.Fatalf("Rebind(%q) = %q: placeholder %q, want $%d", q, got, got[i:j], want)
			}
			want++
			back.WriteByte('?')
			i = j - 1
		}
		if back.String() != q {
			t.Fatalf("Rebind(%q) = %q changed more than the placeholders", q, got)
		}
	})
}
