package message

import "strings"

// Quote is text as a reply quotes it: every line prefixed with "> "
// (">" before a line that is already quoted, so levels read ">>"),
// without the sender's signature (from a "-- " line on) and without the
// blank lines at either end.
func Quote(text string) string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if l == "-- " {
			lines = lines[:i]
			break
		}
	}
	for len(lines) > 0 && strings.TrimSpace(lines[0]) == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	var b strings.Builder
	for _, l := range lines {
		l = strings.TrimRight(l, " \t")
		switch {
		case strings.HasPrefix(l, ">"):
			b.WriteString(">" + l)
		case l == "":
			b.WriteString(">")
		default:
			b.WriteString("> " + l)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
