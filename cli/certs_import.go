package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/term"

	"siegel/certs"
	"siegel/certs/revocation"
)

// certsImport is `siegel certs import FILE… [--passphrase-file F]`. Each
// file is imported on its own, all of it or nothing; the command goes on
// with the next file after a failure and exits 1 when any file failed.
func certsImport(ctx context.Context, env Env, args []string) int {
	fs := newFlagSet("certs import", &env)
	passFile := fs.String("passphrase-file", "", "file holding the passphrase of encrypted files and keys")
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return 2
	}
	if len(files) == 0 {
		fmt.Fprintln(env.Stderr, "usage: siegel certs import FILE… [--passphrase-file F]")
		return 2
	}
	var passphrase []byte
	if *passFile != "" {
		if passphrase, err = readFileSecret(*passFile); err != nil {
			fmt.Fprintf(env.Stderr, "siegel certs import: %v\n", err)
			return 1
		}
	}
	// With the desk: verdicts are made again after a CRL came in.
	parts, err := open(ctx, env, false)
	if err != nil {
		fmt.Fprintf(env.Stderr, "siegel certs import: %s\n", certsError(err))
		return 1
	}
	defer parts.Close()
	s := parts.Store
	if err := certsAdmin(ctx, env, parts.Profile); err != nil {
		fmt.Fprintf(env.Stderr, "siegel certs import: %s\n", err)
		return 1
	}

	failed, crls := false, 0
	defer func() {
		if crls == 0 {
			return
		}
		if err := parts.Desk.Recheck(ctx); err != nil {
			fmt.Fprintf(env.Stderr, "siegel certs import: checking the articles again: %v\n", err)
		}
	}()
	for _, name := range files {
		data, crl, err := readImportFile(env, name)
		if crl && err == nil {
			var info revocation.CRLInfo
			if info, err = parts.Revocations.ImportCRL(ctx, data); err == nil {
				crls++
				fmt.Fprintf(env.Stdout, "%s: %s\n", name, describeCRL(info))
				continue
			}
		}
		if err != nil {
			failed = true
			fmt.Fprintf(env.Stderr, "siegel certs import: %s: %s\n", name, certsError(err))
			continue
		}
		report, ferr := importFile(ctx, env, s, name, data, passphrase, *passFile == "" && name != "-")
		if ferr != nil {
			failed = true
			fmt.Fprintf(env.Stderr, "siegel certs import: %s: %s\n", ferr.Name, certsError(ferr.Err))
			continue
		}
		for _, it := range report.Items {
			fmt.Fprintf(env.Stdout, "%s: %s\n", name, describeItem(it))
		}
	}
	if failed {
		return 1
	}
	return 0
}

// readImportFile reads one file to import ("-" is standard input), once
// and bounded, and tells whether it is a certificate revocation list.
func readImportFile(env Env, name string) (data []byte, crl bool, err error) {
	switch {
	case name == "-":
		data, err = certs.ReadImport(env.Stdin)
		return data, false, err
	case strings.EqualFold(filepath.Ext(name), ".crl"):
		f, err := os.Open(name)
		if err != nil {
			return nil, true, err
		}
		defer f.Close()
		data, err = revocation.ReadCRL(f)
		return data, true, err
	}
	data, err = certs.ReadImportFile(name)
	return data, err == nil && isCRL(data), err
}

// importFile stores one file's certificates and keys, naming it in the
// error.
func importFile(ctx context.Context, env Env, s *certs.Store, name string, data, passphrase []byte, mayAsk bool) (*certs.ImportReport, *certs.FileError) {
	report, err := importData(ctx, env, s, name, data, passphrase, mayAsk)
	if err != nil {
		return nil, &certs.FileError{Name: name, Err: err}
	}
	return report, nil
}

// importData parses and stores one file's content. When the file needs a
// passphrase that was not given, it asks on the terminal (if there is
// one and mayAsk), up to three times.
func importData(ctx context.Context, env Env, s *certs.Store, name string, data, passphrase []byte, mayAsk bool) (*certs.ImportReport, error) {
	b, err := certs.Parse(data, name, passphrase)
	for try := 0; try < 3 && mayAsk && isTerminal(env.Stdin) &&
		(errors.Is(err, certs.ErrPassphraseRequired) || errors.Is(err, certs.ErrWrongPassphrase) && try > 0); try++ {
		pw, perr := readSecret(env, "Passphrase for "+name+": ")
		if perr != nil {
			return nil, perr
		}
		b, err = certs.Parse(data, name, pw)
		clear(pw)
	}
	if err != nil {
		return nil, err
	}
	return s.Add(ctx, b)
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// describeItem is one line of the import output.
func describeItem(it certs.ReportItem) string {
	what := "certificate"
	if it.Summary.IsCA {
		what = "CA certificate"
	}
	if it.Kind == certs.ItemKey {
		what = "private key for"
	}
	line := what + " " + who(it.Summary) + " " + it.Summary.Fingerprint
	switch it.Status {
	case certs.StatusAlreadyStored:
		return "already in the store: " + line
	case certs.StatusKeyAttached:
		return "stored " + line + " (its certificate was already in the store)"
	default:
		return "stored " + line
	}
}
