package cli

import (
	"bytes"
	"strings"
	"testing"
)

// The manual page says what `siegel help` says: every command with its
// summary, and every global flag.
func TestManPage(t *testing.T) {
	var page, help bytes.Buffer
	if err := ManPage(&page, "1.2.3", "2026-12-04"); err != nil {
		t.Fatal(err)
	}
	Run(t.Context(), Env{Stdout: &help, Stderr: &help}, []string{"help"})
	text := page.String()
	if !strings.HasPrefix(text, `.TH SIEGEL 1 "2026-12-04" "Siegel 1.2.3"`) {
		t.Errorf("the page starts %q", firstLine(text))
	}
	for _, n := range commandNames() {
		if !strings.Contains(text, ".B "+roff(n)+"\n"+roff(commands[n].summary)+"\n") {
			t.Errorf("the page lacks the command %s with its summary", n)
		}
		if !strings.Contains(help.String(), commands[n].summary) {
			t.Errorf("siegel help lacks the summary of %s", n)
		}
	}
	for _, flag := range []string{`\-\-data\-dir`, `\-\-demo`, `\-\-verbose`} {
		if !strings.Contains(text, `.TP`+"\n"+`\fB`+flag+`\fR`) {
			t.Errorf("the page lacks the flag %s", flag)
		}
	}
	if !strings.Contains(help.String(), "usage: "+synopsis) {
		t.Errorf("siegel help does not start with the synopsis:\n%s", help.String())
	}
	// No line may start with a character roff takes for a request.
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "'") || (strings.HasPrefix(l, ".") && !isRequest(l)) {
			t.Errorf("line %q would be read as a roff request", l)
		}
	}
}

func firstLine(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }

func isRequest(l string) bool {
	for _, r := range []string{".TH ", ".SH ", ".TP", ".B ", ".I ", ".nh", ".ad "} {
		if strings.HasPrefix(l, r) {
			return true
		}
	}
	return false
}
