package cli

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// ManPage writes the manual page siegel(1), in roff, from what `siegel
// help` prints — the synopsis, the commands with their summaries — and
// the global flags' own descriptions, so that the page and the help never
// disagree. date is the page's date (the release's, for a reproducible
// package).
func ManPage(w io.Writer, version, date string) error {
	var b strings.Builder
	fmt.Fprintf(&b, ".TH SIEGEL 1 %q %q \"User Commands\"\n", date, "Siegel "+version)
	// No hyphenation, ragged right: command summaries stay whole words.
	b.WriteString(".nh\n.ad l\n")
	b.WriteString(".SH NAME\nsiegel \\- helpdesk mail, signed and encrypted with S/MIME\n")
	b.WriteString(".SH SYNOPSIS\n.B siegel\n[\\fB\\-\\-data\\-dir\\fR \\fIDIR\\fR] [\\fB\\-\\-demo\\fR] [\\fICOMMAND\\fR [\\fIARGS\\fR]]\n")
	b.WriteString(".SH DESCRIPTION\n" + roff(windowNote) + " It opens the demo mailbox while no account is configured.\n")
	b.WriteString("With a command it runs that command of the command line; \\fBsiegel help\\fR lists them, " +
		"and \\fBsiegel\\fR \\fICOMMAND\\fR \\fB\\-h\\fR describes one.\n")
	b.WriteString(".SH OPTIONS\n")
	globalFlags(&Global{}).VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		b.WriteString(".TP\n\\fB\\-\\-" + roff(f.Name) + "\\fR")
		if name != "" {
			b.WriteString(" \\fI" + roff(strings.ToUpper(name)) + "\\fR")
		}
		b.WriteString("\n" + roff(usage) + "\n")
	})
	b.WriteString(".SH COMMANDS\n")
	for _, n := range commandNames() {
		b.WriteString(".TP\n.B " + roff(n) + "\n" + roff(commands[n].summary) + "\n")
	}
	b.WriteString(".SH ENVIRONMENT\n.TP\n.B SIEGEL_PASSPHRASE\n" +
		"The profile passphrase, for scripts; otherwise the commands ask on the terminal " +
		"and the window asks in a dialog (or takes it from the desktop's keyring, where it was remembered).\n")
	b.WriteString(".SH FILES\n.TP\n.I ~/.config/siegel/\n" +
		"The profile folder: \\fIsiegel.db\\fR (certificates, keys and account passwords sealed under the passphrase, tickets) and \\fIsiegel.log\\fR.\n" +
		".TP\n.I ~/.cache/siegel-demo/\nThe demo mailbox, made anew at every start of the demo.\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// roff escapes text for a roff line: backslashes, hyphens (which roff
// would otherwise break or typeset as dashes) and a leading dot or quote.
func roff(s string) string {
	s = strings.NewReplacer(`\`, `\e`, "-", `\-`).Replace(s)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}
