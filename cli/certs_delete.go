package cli

import (
	"context"
	"fmt"
)

// certsDelete is `siegel certs delete FPR`. It removes the certificate and
// its private key (unless another stored certificate has the same key).
func certsDelete(ctx context.Context, env Env, args []string) int {
	fs := newFlagSet("certs delete", &env)
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return 2
	}
	if len(rest) != 1 {
		fmt.Fprintln(env.Stderr, "usage: siegel certs delete FPR")
		return 2
	}
	s, p, err := openStore(ctx, env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "siegel certs delete: %s\n", certsError(err))
		return 1
	}
	defer p.Close()
	if err := certsAdmin(ctx, env, p); err != nil {
		fmt.Fprintf(env.Stderr, "siegel certs delete: %s\n", err)
		return 1
	}
	fp, ok := resolve(ctx, env, s, "delete", rest[0])
	if !ok {
		return 1
	}
	e, err := s.Get(ctx, fp)
	if err == nil {
		err = s.Delete(ctx, fp)
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "siegel certs delete: %s\n", certsError(err))
		return 1
	}
	what := "certificate"
	if e.Summary.HasKey {
		what = "certificate with private key"
	}
	fmt.Fprintf(env.Stdout, "deleted %s %s %s\n", what, who(e.Summary), fp)
	return 0
}
