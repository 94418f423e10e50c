//go:build !unix

package pgtest

import "os/exec"

// runAs runs cmd as the running user: only Unix tests run as root.
func (o owner) runAs(cmd *exec.Cmd) {
	cmd.Env = env()
}
