// Siegel is a desktop application for secure ticket correspondence by
// e-mail with S/MIME. Without a command it opens its window; with one it
// runs that command of the command line (see `siegel help`).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"siegel/ui/cli"
)

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
	env.DataDir = global.DataDir
	return cli.Run(ctx, env, rest)
}
