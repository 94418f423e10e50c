package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
)

// subcommand is one command of a group, such as `siegel certs import`.
type subcommand struct {
	name string
	run  func(ctx context.Context, env Env, args []string) int
	args string // the argument synopsis of the usage text
	help string
}

// group is a command made of subcommands (`siegel certs`, `siegel
// account`): it takes --data-dir before the subcommand too, answers help,
// and prints its usage with the subcommands in the order given and notes
// after them.
type group struct {
	name  string
	subs  []subcommand
	notes []string
}

// run dispatches `siegel NAME SUBCOMMAND …`.
func (g *group) run(ctx context.Context, env Env, args []string) int {
	fs := newFlagSet(g.name, &env)
	fs.Usage = func() { g.usage(env.Stderr) }
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return 0
	} else if err != nil {
		return 2
	}
	args = fs.Args()
	if len(args) == 0 {
		g.usage(env.Stderr)
		return 2
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		g.usage(env.Stdout)
		return 0
	}
	for _, sub := range g.subs {
		if sub.name == args[0] {
			return sub.run(ctx, env, args[1:])
		}
	}
	fmt.Fprintf(env.Stderr, "siegel %s: unknown command %q\n", g.name, args[0])
	g.usage(env.Stderr)
	return 2
}

func (g *group) usage(w io.Writer) {
	fmt.Fprintf(w, "usage: siegel [--data-dir DIR] %s COMMAND [ARGS]\n", g.name)
	for _, sub := range g.subs {
		fmt.Fprintf(w, "  %s %s %s\n      %s\n", g.name, sub.name, sub.args, sub.help)
	}
	for _, n := range g.notes {
		fmt.Fprintln(w, n)
	}
}
