package oauth

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// ErrNoBrowser is returned by OpenBrowser when no browser could be started.
var ErrNoBrowser = errors.New("oauth: no browser could be opened")

// OpenBrowser opens url with the command in $BROWSER (the url appended, or
// put in place of "%s"), else with xdg-open. It returns once the command
// has been running for a moment without failing: a browser given as
// $BROWSER may well run until the user closes it.
func OpenBrowser(url string) error { return Opener(os.Getenv("BROWSER"))(url) }

// Opener is OpenBrowser with browser in place of $BROWSER (the command
// line reads its environment through its own Getenv).
func Opener(browser string) func(url string) error {
	return func(url string) error { return open(browser, url) }
}

func open(browser, url string) error {
	args := []string{"xdg-open", url}
	if b := strings.TrimSpace(browser); b != "" {
		// $BROWSER may list several commands separated by ":"; the first
		// is used.
		first, _, _ := strings.Cut(b, ":")
		args = strings.Fields(first)
		if strings.Contains(first, "%s") {
			for i := range args {
				args[i] = strings.ReplaceAll(args[i], "%s", url)
			}
		} else {
			args = append(args, url)
		}
	}
	cmd := exec.Command(args[0], args[1:]...)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%w: %v", ErrNoBrowser, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrNoBrowser, args[0], err)
		}
	case <-time.After(3 * time.Second):
	}
	return nil
}
