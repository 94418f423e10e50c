package cli

import (
	"context"
	"errors"
	"fmt"

	"siegel/profile"
)

// The administrator lock (issue 5): when an administrator password is
// set, `certs import`, `certs delete` and `certs export` need it, from
// SIEGEL_ADMIN_PASSWORD (for scripts) or a prompt without echo. A wrong
// password is refused by the profile after profile.AdminDelay.

// certsAdmin checks the administrator password when one is set, and words
// a failure for the terminal.
func certsAdmin(ctx context.Context, env Env, p *profile.Profile) error {
	locked, err := p.AdminLocked(ctx)
	if err != nil || !locked {
		return err
	}
	pw := []byte(env.Getenv("SIEGEL_ADMIN_PASSWORD"))
	if len(pw) == 0 {
		if !isTerminal(env.Stdin) {
			return errors.New("an administrator password protects the certificate store: set SIEGEL_ADMIN_PASSWORD or run in a terminal")
		}
		if pw, err = readSecret(env, "Administrator password: "); err != nil {
			return err
		}
	}
	defer clear(pw)
	switch err := p.CheckAdmin(ctx, pw); {
	case errors.Is(err, profile.ErrAdminPassword):
		return errors.New("wrong administrator password")
	case errors.Is(err, profile.ErrAdminRequired):
		return errors.New("the administrator password is needed")
	case err != nil:
		return fmt.Errorf("administrator password: %w", err)
	}
	return nil
}
