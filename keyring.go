package main

import (
	"siegel/profile/keyring"
	"siegel/ui"
)

// profileKeyring is where the window may remember the passphrase of the
// profile in dir: its entry in the desktop's secret service, or nil when
// none answers, so that the dialog offers nothing that would fail.
func profileKeyring(dir string) ui.Keyring {
	b, ok := keyring.System()
	if !ok {
		return nil
	}
	e, err := keyring.For(b, dir)
	if err != nil {
		return nil
	}
	return e
}
