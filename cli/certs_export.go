package cli

import (
	"context"
	"fmt"
	"os"
)

// certsExport is `siegel certs export FPR [--der] [--out FILE]`: the
// certificate (never its key) as PEM, or DER, on standard output or in FILE.
func certsExport(ctx context.Context, env Env, args []string) int {
	fs := newFlagSet("certs export", &env)
	der := fs.Bool("der", false, "write DER instead of PEM")
	out := fs.String("out", "", "write to FILE instead of standard output")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return 2
	}
	if len(rest) != 1 {
		fmt.Fprintln(env.Stderr, "usage: siegel certs export FPR [--der] [--out FILE]")
		return 2
	}
	s, p, err := openStore(ctx, env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "siegel certs export: %s\n", certsError(err))
		return 1
	}
	defer p.Close()
	if err := certsAdmin(ctx, env, p); err != nil {
		fmt.Fprintf(env.Stderr, "siegel certs export: %s\n", err)
		return 1
	}
	fp, ok := resolve(ctx, env, s, "export", rest[0])
	if !ok {
		return 1
	}
	var data []byte
	if *der {
		data, err = s.ExportDER(ctx, fp)
	} else {
		data, err = s.ExportPEM(ctx, fp)
	}
	if err == nil {
		if *out != "" {
			// A certificate is public: readable by everyone, like any file.
			err = os.WriteFile(*out, data, 0o644)
		} else {
			_, err = env.Stdout.Write(data)
		}
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "siegel certs export: %s\n", certsError(err))
		return 1
	}
	return 0
}
