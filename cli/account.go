package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"siegel/mail"
	"siegel/mail/account"
	"siegel/mail/account/discover"
	"siegel/mail/account/oauth"
)

const accountAddArgs = "--email ADDR [--imap URL --smtp URL] [--password-file F] [--smtp-password-file F] [--name N] [--tls-ca FILE] [--tls-pin FPR] [--history DAYS|all] [--signature-file F] [--no-test]\n" +
	"       [--provider microsoft|google] [--oauth2-auth-url URL --oauth2-token-url URL] [--oauth2-client-id ID] [--oauth2-client-secret-file F] [--oauth2-scope S]..."

// accountGroup is `siegel account` and its subcommands.
var accountGroup = &group{
	name: "account",
	subs: []subcommand{
		{"add", accountAdd, accountAddArgs, "add an account; its connections are tested first unless --no-test"},
		{"list", accountList, "[--json]", "list the accounts"},
		{"test", accountTest, "[ADDR]", "log in to the IMAP and SMTP servers of one account (or all)"},
		{"delete", accountDelete, "ADDR", "remove an account (its tickets stay)"},
		{"signin", accountSignIn, "ADDR|ID", "sign an OAuth2 account in again in the browser (after \"sign in again\")"},
	},
	notes: []string{
		"Server URLs: imaps://USER@HOST:993, imap+starttls://USER@HOST:143, smtps://USER@HOST:465,",
		"smtp+starttls://USER@HOST:587; imap:// and smtp:// without TLS only for 127.0.0.1, ::1 or localhost.",
		"The password is read from --password-file (IMAP, and SMTP unless --smtp-password-file), else asked.",
		"Without --imap and --smtp, add looks the servers up from the address: the domain's autoconfig",
		"document, then DNS SRV records, then its MX records matched against known providers.",
		"OAuth2 (Microsoft 365, Google): --oauth2-client-id of your organisation's registration, with",
		"--provider (or the provider found) for the endpoints; the sign-in runs in the browser ($BROWSER,",
		"else xdg-open) and prints the address to open when no browser can be started.",
	},
}

// runAccount dispatches `siegel account SUBCOMMAND`.
func runAccount(ctx context.Context, env Env, args []string) int {
	return accountGroup.run(ctx, env, args)
}

// openDesk opens the profile of env with its certificate store, the S/MIME
// engine and the mail core, and re-checks the verdicts when the store
// changed since (a `certs` command in between): what the command line
// shows is the verdict of the store as it is. The returned function
// closes them.
func openDesk(ctx context.Context, env Env) (*mail.Desk, func(), error) {
	p, err := open(ctx, env, false)
	if err != nil {
		return nil, nil, err
	}
	if _, err := p.Desk.RecheckIfStale(ctx); err != nil {
		p.Close()
		return nil, nil, err
	}
	return p.Desk, func() { p.Close() }, nil
}

func accountAdd(ctx context.Context, env Env, args []string) int {
	fs := newFlagSet("account add", &env)
	email := fs.String("email", "", "the helpdesk's e-mail address")
	name := fs.String("name", "", "display name for the From header")
	imapURL := fs.String("imap", "", "IMAP server URL")
	smtpURL := fs.String("smtp", "", "SMTP server URL")
	pwFile := fs.String("password-file", "", "file with the password (IMAP, and SMTP unless --smtp-password-file)")
	smtpPwFile := fs.String("smtp-password-file", "", "file with the SMTP password, when it differs")
	caFile := fs.String("tls-ca", "", "PEM file with extra CA certificates to trust for these servers")
	var pins listFlag
	fs.Var(&pins, "tls-pin", "SHA-256 fingerprint of a server certificate to accept as it is (repeatable)")
	noTest := fs.Bool("no-test", false, "store the account without testing its connections")
	history := fs.String("history", "", "how far back the first sync fetches: a number of days, or all (default 365)")
	sigFile := fs.String("signature-file", "", "file with the text signature put under every message sent from the account")
	of := addOAuthFlags(fs)
	if rest, err := parseInterspersed(fs, args); err != nil {
		return 2
	} else if len(rest) > 0 || *email == "" || (*imapURL == "") != (*smtpURL == "") {
		fmt.Fprintln(env.Stderr, "usage: siegel account add "+accountAddArgs)
		return 2
	}
	a := account.Account{Address: strings.TrimSpace(*email), Name: *name}
	var err error
	if a.HistoryDays, err = parseHistory(*history); err != nil {
		fmt.Fprintf(env.Stderr, "siegel account add: --history: %v\n", err)
		return 2
	}
	provider := ""
	if *imapURL == "" {
		var code int
		if provider, code = discoverServers(ctx, env, &a, of); code != 0 {
			return code
		}
	} else {
		if a.IMAP, err = account.ParseURL(account.IMAP, *imapURL); err != nil {
			fmt.Fprintf(env.Stderr, "siegel account add: --imap: %v\n", err)
			return 2
		}
		if a.SMTP, err = account.ParseURL(account.SMTP, *smtpURL); err != nil {
			fmt.Fprintf(env.Stderr, "siegel account add: --smtp: %v\n", err)
			return 2
		}
	}
	if *sigFile != "" {
		if a.Signature, err = readSignature(*sigFile); err != nil {
			fmt.Fprintf(env.Stderr, "siegel account add: --signature-file: %v\n", err)
			return 1
		}
	}
	if *caFile != "" {
		if a.Trust.RootsPEM, err = os.ReadFile(*caFile); err != nil {
			fmt.Fprintf(env.Stderr, "siegel account add: %v\n", err)
			return 1
		}
	}
	for _, p := range pins {
		pin, err := account.NormalizePin(p)
		if err != nil {
			fmt.Fprintf(env.Stderr, "siegel account add: --tls-pin: %v\n", err)
			return 2
		}
		a.Trust.Pins = append(a.Trust.Pins, pin)
	}
	if of.used() || provider != "" {
		a.Auth = account.AuthOAuth2
		if a.OAuth2, err = of.settings(provider); err != nil {
			fmt.Fprintf(env.Stderr, "siegel account add: %v\n", err)
			return 2
		}
		if *pwFile != "" || *smtpPwFile != "" {
			fmt.Fprintln(env.Stderr, "siegel account add: an OAuth2 account has no password; leave out --password-file")
			return 2
		}
	}
	if err := a.Validate(); err != nil {
		fmt.Fprintf(env.Stderr, "siegel account add: %v\n", err)
		return 2
	}
	var src *oauth.Source
	if a.UsesOAuth2() {
		// Signed in before anything is stored, so a refused sign-in
		// leaves no account behind.
		if src, err = signInNew(ctx, env, &a); err != nil {
			fmt.Fprintf(env.Stderr, "siegel account add: sign-in: %v; not stored\n", err)
			return 1
		}
	} else {
		pw, err := accountPassword(env, *pwFile, "Password for "+a.Address+": ")
		if err != nil {
			fmt.Fprintf(env.Stderr, "siegel account add: %v\n", err)
			return 1
		}
		a.IMAP.Password, a.SMTP.Password = pw, pw
		if *smtpPwFile != "" {
			if a.SMTP.Password, err = accountPassword(env, *smtpPwFile, ""); err != nil {
				fmt.Fprintf(env.Stderr, "siegel account add: %v\n", err)
				return 1
			}
		}
	}

	d, done, err := openDesk(ctx, env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "siegel account add: %v\n", err)
		return 1
	}
	defer done()
	if !*noTest {
		rep, err := d.TestConnection(ctx, a)
		if err != nil {
			printConnError(env.Stderr, "siegel account add", err)
			fmt.Fprintln(env.Stderr, "siegel account add: not stored; fix the settings, or store it anyway with --no-test")
			return 1
		}
		printConnReport(env.Stdout, a, rep)
	}
	if a.UsesOAuth2() {
		// Testing may have refreshed the token, and providers may rotate
		// the refresh token then: store the one that works now.
		a.OAuth2.RefreshToken = src.RefreshToken()
	}
	if _, err := d.AddAccount(ctx, a); err != nil {
		fmt.Fprintf(env.Stderr, "siegel account add: %v\n", err)
		return 1
	}
	fmt.Fprintf(env.Stdout, "Account %s added: IMAP %s, SMTP %s, %s.\n", a.Address, a.IMAP.URL(account.IMAP), a.SMTP.URL(account.SMTP), historyWords(a))
	return 0
}

// parseHistory reads --history: "" (the default), a number of days, or
// "all".
func parseHistory(s string) (int, error) {
	switch s = strings.TrimSpace(strings.ToLower(s)); s {
	case "":
		return 0, nil
	case "all":
		return account.HistoryAll, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is neither a number of days nor all", s)
	}
	return n, nil
}

// discoverServers fills in a's servers from its address and says where
// they came from; for a provider that needs OAuth2 it returns the
// provider's name. A non-zero code is the exit status. Nothing is asked or
// stored before it succeeds, so a failed look-up leaves no trace.
func discoverServers(ctx context.Context, env Env, a *account.Account, of *oauthFlags) (provider string, code int) {
	r, err := discover.Discover(ctx, a.Address, env.Discover)
	if err != nil {
		fmt.Fprintf(env.Stderr, "siegel account add: %v\n", err)
		if errors.Is(err, discover.ErrNotFound) {
			// The servers must come from the command line then, as
			// for a usage error.
			fmt.Fprintln(env.Stderr, "usage: siegel account add "+accountAddArgs)
			return "", 2
		}
		return "", 1
	}
	fmt.Fprintf(env.Stdout, "Found by %s: IMAP %s, SMTP %s\n", r.Origin(), serverLabel(r.IMAP), serverLabel(r.SMTP))
	if r.OAuth2 {
		// A password login would be refused by the provider, and storing
		// the account would only give failing syncs.
		if *of.clientID == "" {
			fmt.Fprintf(env.Stderr, "siegel account add: %s needs an OAuth2 sign-in: register Siegel with it and give --oauth2-client-id (README: \"Microsoft 365 and Google (OAuth2)\"); not stored\n", providerOr(r.Provider))
			return "", 1
		}
		provider = r.Provider
		if p, ok := oauth.ForProvider(r.Provider); ok {
			provider = p.Name
		}
	}
	a.IMAP, a.SMTP = r.IMAP, r.SMTP
	return provider, 0
}

// serverLabel is "host:port (TLS)" or "host:port (STARTTLS)".
func serverLabel(s account.Server) string {
	sec := "TLS"
	if s.Security == account.StartTLS {
		sec = "STARTTLS"
	}
	return s.Addr() + " (" + sec + ")"
}

func providerOr(p string) string {
	if p == "" {
		return "this provider"
	}
	return p
}

// accountPassword reads a password file, or asks (without echo) when no
// file is given.
func accountPassword(env Env, file, prompt string) (string, error) {
	if file != "" {
		pw, err := readFileSecret(file)
		if err != nil {
			return "", fmt.Errorf("password file: %w", err)
		}
		return string(pw), nil
	}
	if !isTerminal(env.Stdin) {
		return "", errors.New("no password: use --password-file, or run in a terminal to be asked")
	}
	pw, err := readSecret(env, prompt)
	return string(pw), err
}

// printConnError prints each server's failure on its own line.
func printConnError(w io.Writer, prefix string, err error) {
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) {
		if list := joined.Unwrap(); len(list) > 1 {
			for _, e := range list {
				fmt.Fprintf(w, "%s: %v\n", prefix, e)
			}
			return
		}
	}
	fmt.Fprintf(w, "%s: %v\n", prefix, err)
}

func printConnReport(w io.Writer, a account.Account, rep mail.ConnectionReport) {
	fmt.Fprintf(w, "IMAP %s: logged in", a.IMAP.URL(account.IMAP))
	if rep.Idle {
		fmt.Fprint(w, ", new mail arrives at once (IDLE)")
	}
	if rep.Sent != "" {
		fmt.Fprintf(w, ", sent mail goes to %q", rep.Sent)
	} else {
		fmt.Fprint(w, `, no Sent folder yet (one named "Sent" is made when the first answer goes out)`)
	}
	fmt.Fprintf(w, ".\nSMTP %s: logged in.\n", a.SMTP.URL(account.SMTP))
}

// historyWords says how far back the first sync goes.
func historyWords(a account.Account) string {
	if days := a.History(); days > 0 {
		return fmt.Sprintf("history of %d days", days)
	}
	return "all history"
}

type accountJSON struct {
	ID      int64    `json:"id"`
	Address string   `json:"address"`
	Name    string   `json:"name"`
	IMAP    string   `json:"imap"`
	SMTP    string   `json:"smtp"`
	Pins    []string `json:"tls_pins,omitempty"`
	ExtraCA bool     `json:"tls_extra_ca"`
	// HistoryDays is the history window in days, 0 for all.
	HistoryDays int    `json:"history_days"`
	Auth        string `json:"auth"` // "password" or "oauth2"
	// NeedsSignIn: the provider refused the sign-in; `account signin`.
	NeedsSignIn bool `json:"needs_signin,omitempty"`
	// Signature is the text signature, as stored.
	Signature string `json:"signature,omitempty"`
}

func accountList(ctx context.Context, env Env, args []string) int {
	fs := newFlagSet("account list", &env)
	asJSON := fs.Bool("json", false, "one JSON object per line")
	if rest, err := parseInterspersed(fs, args); err != nil || len(rest) > 0 {
		return 2
	}
	d, done, err := openDesk(ctx, env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "siegel account list: %v\n", err)
		return 1
	}
	defer done()
	list, err := d.Accounts(ctx)
	if err != nil {
		fmt.Fprintf(env.Stderr, "siegel account list: %v\n", err)
		return 1
	}
	for _, a := range list {
		if *asJSON {
			line, _ := json.Marshal(accountJSON{ID: a.ID, Address: a.Address, Name: a.Name,
				IMAP: a.IMAP.URL(account.IMAP), SMTP: a.SMTP.URL(account.SMTP), Pins: a.Trust.Pins, ExtraCA: len(a.Trust.RootsPEM) > 0,
				HistoryDays: a.History(), Auth: string(authName(a)), NeedsSignIn: a.NeedsSignIn, Signature: a.Signature})
			fmt.Fprintln(env.Stdout, string(line))
			continue
		}
		note := ""
		if a.NeedsSignIn {
			note = "\tsign in again: siegel account signin " + a.Address
		}
		fmt.Fprintf(env.Stdout, "%s\t%s\t%s\t%s%s\n", a.Address, a.IMAP.URL(account.IMAP), a.SMTP.URL(account.SMTP), a.Name, note)
	}
	return 0
}

func authName(a account.Account) account.AuthMethod {
	if a.Auth == "" {
		return account.AuthPassword
	}
	return a.Auth
}

// findAccounts returns the account with the address, or all for "".
func findAccounts(ctx context.Context, d *mail.Desk, addr string) ([]account.Account, error) {
	list, err := d.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	if addr == "" {
		return list, nil
	}
	for _, a := range list {
		if strings.EqualFold(a.Address, addr) {
			return []account.Account{a}, nil
		}
	}
	return nil, fmt.Errorf("%w: %s", mail.ErrNoAccount, addr)
}

func accountTest(ctx context.Context, env Env, args []string) int {
	fs := newFlagSet("account test", &env)
	rest, err := parseInterspersed(fs, args)
	if err != nil || len(rest) > 1 {
		return 2
	}
	d, done, err := openDesk(ctx, env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "siegel account test: %v\n", err)
		return 1
	}
	defer done()
	addr := ""
	if len(rest) == 1 {
		addr = rest[0]
	}
	list, err := findAccounts(ctx, d, addr)
	if err != nil {
		fmt.Fprintf(env.Stderr, "siegel account test: %v\n", err)
		return 1
	}
	status := 0
	for _, a := range list {
		rep, err := d.TestConnection(ctx, a)
		if err != nil {
			printConnError(env.Stderr, "siegel account test: "+a.Address, err)
			status = 1
			continue
		}
		fmt.Fprintf(env.Stdout, "%s:\n", a.Address)
		printConnReport(env.Stdout, a, rep)
	}
	return status
}

func accountDelete(ctx context.Context, env Env, args []string) int {
	fs := newFlagSet("account delete", &env)
	rest, err := parseInterspersed(fs, args)
	if err != nil || len(rest) != 1 {
		fmt.Fprintln(env.Stderr, "usage: siegel account delete ADDR")
		return 2
	}
	d, done, err := openDesk(ctx, env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "siegel account delete: %v\n", err)
		return 1
	}
	defer done()
	list, err := findAccounts(ctx, d, rest[0])
	if err == nil {
		err = d.DeleteAccount(ctx, list[0].ID)
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "siegel account delete: %v\n", err)
		return 1
	}
	fmt.Fprintf(env.Stdout, "Account %s deleted.\n", list[0].Address)
	return 0
}

// readSignature reads a signature file within account.MaxSignature, as
// UTF-8 text.
func readSignature(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, account.MaxSignature+1))
	if err != nil {
		return "", err
	}
	if len(b) > account.MaxSignature {
		return "", fmt.Errorf("%w: more than %d bytes", account.ErrSignature, account.MaxSignature)
	}
	if !utf8.Valid(b) {
		return "", errors.New("the signature is not UTF-8 text")
	}
	return string(b), nil
}
