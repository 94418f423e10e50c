// Package cli is Siegel's command-line interface: the subcommands that serve
// administrators, scripts and tests without a display (DESIGN.md §8).
//
// main parses the global flags with ParseGlobal; with no subcommand left it
// starts the GUI, otherwise it calls Run, which dispatches to one command.
// Every command writes its results to Env.Stdout and its errors, one line
// each, to Env.Stderr, and returns the process exit status. Nothing here
// needs cgo, so the commands are tested in-process.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"golang.org/x/term"

	"siegel/crypto/vault"
	"siegel/mail/account/discover"
	"siegel/profile"
	"siegel/wiring"
)

// Env is the world a command runs in.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads environment variables (SIEGEL_PASSPHRASE, ...).
	Getenv func(string) string
	// DataDir is the profile folder; empty means profile.DefaultDir.
	DataDir string
	// VaultCost overrides the Argon2id cost of a newly created vault
	// (tests); the zero value means the default.
	VaultCost vault.Cost
	// Verbose copies the log records to Stderr (--verbose); they always go
	// to the profile's log file.
	Verbose bool
	// Discover adjusts the look-up of an account's servers by `account
	// add` (tests point it at DNS and HTTPS servers on loopback); nil
	// means the defaults.
	Discover *discover.Options
}

// OSEnv is the Env of the running process.
func OSEnv() Env {
	return Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
}

// Global holds the flags that come before the subcommand.
type Global struct {
	DataDir string
	Demo    bool
	Verbose bool
}

// ParseGlobal parses the global flags and returns the subcommand with its
// arguments (empty when the GUI should start).
func ParseGlobal(args []string, stderr io.Writer) (Global, []string, error) {
	var g Global
	fs := globalFlags(&g)
	fs.SetOutput(stderr)
	fs.Usage = func() { usage(stderr) }
	if err := fs.Parse(args); err != nil {
		return g, nil, err
	}
	return g, fs.Args(), nil
}

// globalFlags are the flags before the command, into g; the manual page
// (ManPage) lists them from here too.
func globalFlags(g *Global) *flag.FlagSet {
	fs := flag.NewFlagSet("siegel", flag.ContinueOnError)
	fs.StringVar(&g.DataDir, "data-dir", "", "the profile folder `DIR` (default: siegel in the user's config folder)")
	fs.BoolVar(&g.Demo, "demo", false, "start the GUI on the built-in demo mailbox")
	fs.BoolVar(&g.Verbose, "verbose", false, "also print the log (kept in the profile folder's siegel.log) to standard error")
	return fs
}

type command struct {
	run     func(ctx context.Context, env Env, args []string) int
	summary string
}

// commands is the dispatch table of DESIGN.md §8.
var commands = map[string]command{
	"account": {run: runAccount, summary: "add, list, test and delete mail accounts"},
	"sync":    {run: runSync, summary: "fetch new mail of every account into tickets; print what arrived"},
	"tickets": {run: runTickets, summary: "list the tickets"},
	"show":    {run: runShow, summary: "show one ticket with its articles and their security states"},
	"ticket":  {run: runTicket, summary: "close, reopen or put a ticket on pending"},
	"certs":   {run: runCerts, summary: "import, list, export and delete certificates and keys"},
	"inspect": {run: runInspect, summary: "analyse .eml files against the certificate store"},
	"seal":    {run: runSeal, summary: "build a message as Send would (signed, encrypted), without sending it"},
}

// Run runs one subcommand and returns the exit status.
func Run(ctx context.Context, env Env, args []string) int {
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(env.Stdout)
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(env.Stderr, "siegel: unknown command %q\n", args[0])
		usage(env.Stderr)
		return 2
	}
	return cmd.run(ctx, env, args[1:])
}

// synopsis and windowNote open `siegel help` and the manual page.
const (
	synopsis   = "siegel [--data-dir DIR] [--demo] [COMMAND [ARGS]]"
	windowNote = "Without a command, siegel opens its window."
)

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: "+synopsis)
	fmt.Fprintln(w, "\n"+windowNote+" Commands:")
	for _, n := range commandNames() {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
}

// commandNames are the commands in alphabetical order.
func commandNames() []string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// newFlagSet makes a FlagSet for a subcommand that also accepts --data-dir
// after the command name, so every command takes it (DESIGN.md §8).
func newFlagSet(name string, env *Env) *flag.FlagSet {
	fs := flag.NewFlagSet("siegel "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.StringVar(&env.DataDir, "data-dir", env.DataDir, "profile folder")
	return fs
}

// listFlag collects a flag that may be given several times.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ", ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// parseInterspersed parses flags that may come before, between or after the
// positional arguments ("certs import a.pem --passphrase-file f b.p12").
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// open opens the profile of env and the cores above it (package wiring;
// without the desk when noDesk), asking for the passphrase through
// SIEGEL_PASSPHRASE or, failing that, the terminal.
func open(ctx context.Context, env Env, noDesk bool) (*wiring.Parts, error) {
	return openWith(ctx, env, wiring.Options{NoDesk: noDesk})
}

// openWith is open with more options. The command line has no window to
// update later: revocation checks wait for the CA's answer.
func openWith(ctx context.Context, env Env, o wiring.Options) (*wiring.Parts, error) {
	dir := env.DataDir
	if dir == "" {
		var err error
		if dir, err = profile.DefaultDir(); err != nil {
			return nil, err
		}
	}
	o.Passphrase, o.RevocationWait = terminalPassphrase(env), true
	if env.Verbose {
		o.Verbose = env.Stderr
	}
	if env.VaultCost != (vault.Cost{}) {
		o.Profile = &profile.Options{Cost: env.VaultCost}
	}
	return wiring.Open(ctx, dir, o)
}

// terminalPassphrase reads SIEGEL_PASSPHRASE, else prompts on the terminal
// without echo; a new passphrase is asked twice.
func terminalPassphrase(env Env) profile.PassphraseFunc {
	return func(ctx context.Context, create bool) ([]byte, error) {
		if pw := env.Getenv("SIEGEL_PASSPHRASE"); pw != "" {
			return []byte(pw), nil
		}
		if create {
			first, err := readSecret(env, "Choose a passphrase for this profile: ")
			if err != nil {
				return nil, err
			}
			again, err := readSecret(env, "Repeat the passphrase: ")
			if err != nil {
				return nil, err
			}
			if string(first) != string(again) {
				return nil, errors.New("the two passphrases differ")
			}
			return first, nil
		}
		return readSecret(env, "Profile passphrase: ")
	}
}

// readSecret prompts on stderr and reads one line from the terminal without
// echo, or from Stdin when it is not a terminal.
func readSecret(env Env, prompt string) ([]byte, error) {
	if f, ok := env.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(env.Stderr, prompt)
		pw, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(env.Stderr)
		if err != nil {
			return nil, fmt.Errorf("read passphrase: %w", err)
		}
		return pw, nil
	}
	return nil, fmt.Errorf("%w: set SIEGEL_PASSPHRASE or run in a terminal", profile.ErrNoPassphrase)
}

// readFileSecret reads a passphrase file, without its final line break.
func readFileSecret(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return []byte(strings.TrimRight(string(raw), "\r\n")), nil
}
