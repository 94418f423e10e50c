//go:build unix

package pgtest

import (
	"os/exec"
	"syscall"
)

// runAs makes cmd run as the owner, and in a folder it may enter.
func (o owner) runAs(cmd *exec.Cmd) {
	cmd.Env = env()
	cmd.Dir = "/"
	if o.root {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(o.uid), Gid: uint32(o.gid)}}
	}
}
