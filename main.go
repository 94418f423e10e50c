// Siegel is a desktop application for secure ticket correspondence by
// e-mail with S/MIME. Without a command it opens its window; with one it
// runs that command of the command line (see `siegel help`).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"siegel/certs"
	"siegel/certs/profile"
	"siegel/crypto/smime"
	"siegel/mail"
	"siegel/ui"
	"siegel/ui/cli"
)

// appID names the application to the desktop (its preferences, its
// window class).
const appID = "io.siegel.Siegel"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string) int {
	env := cli.OSEnv()
	global, rest, err := cli.ParseGlobal(args, env.Stderr)
	if err != nil {
		return 2
	}
	if len(rest) == 0 {
		return runGUI(ctx, global.DataDir, env.Stderr)
	}
	env.DataDir = global.DataDir
	return cli.Run(ctx, env, rest)
}

// parts are the opened cores the window runs on.
type parts struct {
	profile *profile.Profile
	store   *certs.Store
	engine  *smime.Engine
	desk    *mail.Desk
}

// runGUI opens the profile in dir (the default folder when empty), asking
// for its passphrase in a dialog at first use, and runs the window until
// it closes.
func runGUI(ctx context.Context, dir string, stderr io.Writer) int {
	if dir == "" {
		var err error
		if dir, err = profile.DefaultDir(); err != nil {
			fmt.Fprintf(stderr, "siegel: %v\n", err)
			return 1
		}
	}
	a := app.NewWithID(appID)
	a.SetIcon(ui.AppIcon())
	prompter := ui.NewPrompter(nil)
	p, err := profile.Open(ctx, dir, prompter.Passphrase, nil)
	if err != nil {
		fmt.Fprintf(stderr, "siegel: %v\n", err)
		return 1
	}
	defer p.Close()
	prompter.SetVerify(p.VerifyPassphrase)
	store, err := certs.Open(ctx, p)
	if err != nil {
		fmt.Fprintf(stderr, "siegel: %v\n", err)
		return 1
	}
	engine := smime.NewEngine(store)
	desk, err := mail.Open(ctx, p, store, engine, nil)
	if err != nil {
		fmt.Fprintf(stderr, "siegel: %v\n", err)
		return 1
	}
	defer desk.Close()
	return showWindow(ctx, a, parts{profile: p, store: store, engine: engine, desk: desk}, prompter, "", stderr)
}

// showWindow shows the main window over opened parts, starts the desk's
// background work and runs until the window closes (or ctx ends). banner,
// when not empty, is shown under the toolbar. The caller closes the parts
// afterwards.
func showWindow(ctx context.Context, a fyne.App, p parts, prompter *ui.Prompter, banner string, stderr io.Writer) int {
	u := ui.New(a, ui.Cores{Desk: p.desk, Store: p.store, Engine: p.engine, Profile: p.profile}, ui.Options{Prompter: prompter})
	u.SetBanner(banner)
	if err := p.desk.Start(ctx); err != nil {
		fmt.Fprintf(stderr, "siegel: %v\n", err)
		return 1
	}
	stop := context.AfterFunc(ctx, func() { fyne.Do(a.Quit) })
	defer stop()
	u.Window().ShowAndRun()
	u.Close()
	return 0
}
