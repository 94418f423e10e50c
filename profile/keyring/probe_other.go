//go:build !((dragonfly && cgo) || (freebsd && cgo) || linux || netbsd || openbsd)

package keyring

import (
	"errors"

	gokeyring "github.com/zalando/go-keyring"
)

// probeUser is an entry name no profile has (profile folders are
// absolute paths).
const probeUser = "(is a keyring there?)"

// available reports whether the system's keyring answers: the Credential
// Manager (Windows) and the login keychain (macOS) always do; elsewhere
// go-keyring has none.
func available() bool {
	_, err := gokeyring.Get(Service, probeUser)
	return err == nil || errors.Is(err, ErrNotFound)
}
