package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"siegel/certs"
)

// certsList is `siegel certs list [--json]`: a table for people, or a JSON
// array of certs.Summary for scripts (fingerprints in lower-case hex, dates
// in RFC 3339).
func certsList(ctx context.Context, env Env, args []string) int {
	fs := newFlagSet("certs list", &env)
	asJSON := fs.Bool("json", false, "print a JSON array of certificate summaries")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return 2
	}
	if len(rest) > 0 {
		fmt.Fprintln(env.Stderr, "usage: siegel certs list [--json]")
		return 2
	}
	s, p, err := openStore(ctx, env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "siegel certs list: %s\n", certsError(err))
		return 1
	}
	defer p.Close()
	list, err := s.List(ctx)
	if err != nil {
		fmt.Fprintf(env.Stderr, "siegel certs list: %s\n", certsError(err))
		return 1
	}
	if *asJSON {
		if list == nil {
			list = []certs.Summary{}
		}
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(list); err != nil {
			fmt.Fprintf(env.Stderr, "siegel certs list: %v\n", err)
			return 1
		}
		return 0
	}
	if len(list) == 0 {
		fmt.Fprintln(env.Stdout, "The certificate store is empty.")
		return 0
	}
	now := time.Now()
	w := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "FINGERPRINT\tUSAGE\tKEY\tVALID FROM\tEXPIRES\tSUBJECT\tE-MAIL\tISSUER")
	for _, sum := range list {
		key := ""
		if sum.HasKey {
			key = "yes"
		}
		usage := sum.Usage.String()
		if sum.Collected {
			usage += " (collected)"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", sum.Fingerprint[:16], usage, key,
			sum.NotBefore.Format(time.DateOnly), expires(sum.NotAfter, now), sum.Subject,
			strings.Join(sum.Emails, ", "), sum.Issuer)
	}
	w.Flush()
	return 0
}

// expires is the expiry date, marked as DESIGN.md §4 asks for the list.
func expires(t, now time.Time) string {
	s := t.Format(time.DateOnly)
	switch {
	case now.After(t):
		return s + " (expired)"
	case t.Sub(now) < 30*24*time.Hour:
		return s + " (soon)"
	}
	return s
}
