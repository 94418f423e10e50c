//go:build (dragonfly && cgo) || (freebsd && cgo) || linux || netbsd || openbsd

package keyring

import (
	"slices"

	"github.com/godbus/dbus/v5"
)

// secretsName is the Secret Service's name on the session bus.
const secretsName = "org.freedesktop.secrets"

// available reports whether the session bus has a Secret Service, running
// or startable on demand. It asks the bus only: reading an entry, as a
// probe, would make a locked keyring prompt for its password at every
// start, before the agent chose to remember anything.
func available() bool {
	conn, err := dbus.SessionBus()
	if err != nil {
		return false
	}
	bus := conn.BusObject()
	var running bool
	if err := bus.Call("org.freedesktop.DBus.NameHasOwner", 0, secretsName).Store(&running); err == nil && running {
		return true
	}
	var startable []string
	if err := bus.Call("org.freedesktop.DBus.ListActivatableNames", 0).Store(&startable); err != nil {
		return false
	}
	return slices.Contains(startable, secretsName)
}
