package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"siegel/assets"
	"siegel/crypto/certinfo"
	"siegel/crypto/smime"
	"siegel/message"
	"siegel/wiring"
)

// inspectTextLen is how much of the text inspect prints.
const inspectTextLen = 500

// runInspect is `siegel inspect [--json] FILE…`: the security analysis of
// each message, one JSON object per line with --json. The text is the
// first 500 characters of message.Extract of the innermost entity: its
// text/plain parts, or for an HTML-only message its HTML shown as text.
// Exit status 0 when every file was read, 1 when one could not be read
// (or the store could not be opened), 2 for a usage error.
func runInspect(ctx context.Context, env Env, args []string) int {
	fs := newFlagSet("inspect", &env)
	asJSON := fs.Bool("json", false, "print one JSON object per line and file")
	atFlag := fs.String("at", "", "when the messages arrived (RFC 3339 or YYYY-MM-DD): certificates must have been valid then (default: now)")
	offline := fs.Bool("offline", false, "check revocation against imported CRLs (and answers cached before) only: ask no OCSP responder, fetch no CRL")
	fs.Usage = func() {
		fmt.Fprintln(env.Stderr, "usage: siegel inspect [--json] [--at TIME] [--offline] FILE…   (FILE - reads standard input)")
		fs.PrintDefaults()
	}
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return 2
	}
	if len(files) == 0 {
		fs.Usage()
		return 2
	}
	var at time.Time
	if *atFlag != "" {
		if at, err = parseTime(*atFlag); err != nil {
			fmt.Fprintf(env.Stderr, "siegel inspect: --at: %v\n", err)
			return 2
		}
	}
	engine, closeStore, err := openEngine(ctx, env, *offline)
	if err != nil {
		fmt.Fprintf(env.Stderr, "siegel inspect: %v\n", err)
		return 1
	}
	defer closeStore()

	out := bufio.NewWriter(env.Stdout)
	defer out.Flush()
	status := 0
	for _, name := range files {
		raw, err := readInput(env, name)
		if err != nil {
			fmt.Fprintf(env.Stderr, "siegel inspect: %v\n", err)
			status = 1
			continue
		}
		res, content := engine.OpenAt(ctx, raw, at)
		rep := inspectJSON{
			File:        name,
			From:        res.Envelope.Author.Address,
			Subject:     res.Envelope.Subject,
			FromProblem: res.Envelope.FromProblem,
			Encryption:  newEncryptionJSON(res),
			Signature:   newSignatureJSON(res),
			Layers:      newLayersJSON(res),
			Text:        firstRunes(message.Extract(content).Text, inspectTextLen),
		}
		if *asJSON {
			line, err := json.Marshal(rep)
			if err != nil {
				fmt.Fprintf(env.Stderr, "siegel inspect: %s: %v\n", name, err)
				status = 1
				continue
			}
			out.Write(line)
			out.WriteByte('\n')
			continue
		}
		printInspect(out, rep, res)
	}
	return status
}

// openEngine opens the profile and its certificate store and returns an
// engine on it.
func openEngine(ctx context.Context, env Env, offline bool) (*smime.Engine, func(), error) {
	p, err := openWith(ctx, env, wiring.Options{NoDesk: true, Offline: offline})
	if err != nil {
		return nil, nil, err
	}
	return p.Engine, func() { p.Close() }, nil
}

// parseTime reads an RFC 3339 time or a date (midnight UTC).
func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither RFC 3339 (2026-01-31T14:00:00Z) nor a date (2026-01-31)", s)
	}
	return t, nil
}

// maxInput bounds a message read by inspect: the engine's own limit on
// what it opens.
const maxInput = smime.DefaultMaxSize

// readInput reads a file, or standard input for "-", refusing more than
// maxInput bytes.
func readInput(env Env, name string) ([]byte, error) {
	var r io.Reader = env.Stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxInput {
		return nil, fmt.Errorf("%s: larger than %d MB, the most a message may be", name, maxInput>>20)
	}
	return b, nil
}

// firstRunes returns at most n characters of s.
func firstRunes(s string, n int) string {
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}

// printInspect prints one analysis for people.
func printInspect(w io.Writer, rep inspectJSON, res *smime.Result) {
	fmt.Fprintf(w, "%s\n", rep.File)
	fmt.Fprintf(w, "  From:        %s\n", rep.From)
	if rep.FromProblem != "" {
		fmt.Fprintf(w, "               (%s)\n", rep.FromProblem)
	}
	fmt.Fprintf(w, "  Subject:     %s\n", rep.Subject)
	fmt.Fprintf(w, "  Encryption:  %s — %s\n", rep.Encryption.State, rep.Encryption.Message)
	if r := res.Recipient; r != nil {
		fmt.Fprintf(w, "               for %s, %s, %s\n", certLine(r), res.Cipher, res.KeyTransport)
	}
	fmt.Fprintf(w, "  Signature:   %s — %s\n", rep.Signature.State, rep.Signature.Message)
	if s := res.Signer; s != nil {
		fmt.Fprintf(w, "               by %s\n", certLine(s))
		if res.Digest != "" {
			when := ""
			if !res.SigningTime.IsZero() {
				when = ", signed " + res.SigningTime.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(w, "               digest %s%s\n", res.Digest, when)
		}
		if len(res.Chain) > 1 {
			names := make([]string, len(res.Chain))
			for i, c := range res.Chain {
				names[i] = c.Subject
			}
			fmt.Fprintf(w, "               chain %s\n", strings.Join(names, " → "))
		}
	}
	switch {
	case res.Signature == smime.SigCertNotFound:
		fmt.Fprintf(w, "  Advice:      %s %s\n", assets.Text("en", "advice.cert-not-found"), assets.Text("en", "advice.verify-in-person"))
	case res.Encryption == smime.EncNoKey:
		fmt.Fprintf(w, "  Advice:      %s\n", assets.Text("en", "advice.no-key"))
	}
	for i, l := range res.Layers {
		reason := ""
		if l.Reason != "" {
			reason = ": " + l.Reason
		}
		fmt.Fprintf(w, "  Layer %d:     %s %s%s\n", i+1, l.Kind, l.State, reason)
	}
	if rep.Text != "" {
		fmt.Fprintf(w, "  Text:\n")
		for _, line := range strings.Split(rep.Text, "\n") {
			fmt.Fprintf(w, "    %s\n", line)
		}
	}
	fmt.Fprintln(w)
}

// certLine is "Subject <email>, issued by Issuer, valid until …, SHA-256 …".
func certLine(c *certinfo.Info) string {
	email := ""
	if len(c.Emails) > 0 {
		email = " <" + strings.Join(c.Emails, ", ") + ">"
	}
	return fmt.Sprintf("%s%s, issued by %s, valid %s to %s, SHA-256 %s", c.Subject, email, c.Issuer,
		c.NotBefore.Format("2006-01-02"), c.NotAfter.Format("2006-01-02"), certinfo.GroupFingerprint(c.Fingerprint))
}
