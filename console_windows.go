package main

import (
	"os"

	"golang.org/x/sys/windows"
)

// attachParentProcess is ATTACH_PARENT_PROCESS: the console of the
// program that started this one.
const attachParentProcess = ^uintptr(0)

// Siegel.exe is linked as a GUI program (-H windowsgui, so that a
// double-click opens no console window), and Windows gives a GUI program
// no console: run from cmd or PowerShell, the command line's output would
// vanish. Started with a command, it writes to the console of the shell
// that started it instead. Handles it was given already (output
// redirected to a file or pipe, or Wine's, which are the Unix terminal's)
// are kept.
func init() {
	if len(os.Args) < 2 || hasHandle(windows.STD_OUTPUT_HANDLE) {
		return
	}
	attach := windows.NewLazySystemDLL("kernel32.dll").NewProc("AttachConsole")
	if ok, _, _ := attach.Call(attachParentProcess); ok == 0 {
		return // started by Explorer: no console to write to
	}
	if out, err := os.OpenFile("CONOUT$", os.O_WRONLY, 0); err == nil {
		os.Stdout = out
		if !hasHandle(windows.STD_ERROR_HANDLE) {
			os.Stderr = out
		}
	}
	if !hasHandle(windows.STD_INPUT_HANDLE) {
		if in, err := os.OpenFile("CONIN$", os.O_RDWR, 0); err == nil {
			os.Stdin = in
		}
	}
}

// hasHandle reports whether the standard handle std is set.
func hasHandle(std uint32) bool {
	h, err := windows.GetStdHandle(std)
	return err == nil && h != 0 && h != windows.InvalidHandle
}
