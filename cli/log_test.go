package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"siegel/mail/mailtest"
	"siegel/profile"
)

// The desk's decisions go to the profile's log file, and with --verbose
// to standard error as well.
func TestVerboseLog(t *testing.T) {
	f := newMailFixture(t)
	f.addAccount(t)
	f.imap.Append(t, "INBOX", mailtest.Message(t, "carol@example.com", mailtest.DeskAddress, "Hello", "Hi."))
	env, _, errOut := newEnv("", mailtest.Passphrase, f.dir)
	env.Verbose = true
	if code := Run(context.Background(), env, []string{"sync"}); code != 0 {
		t.Fatalf("sync: exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut.String(), `msg="sync: pass done"`) || !strings.Contains(errOut.String(), "new=1") {
		t.Errorf("--verbose: standard error lacks the sync record:\n%s", errOut)
	}
	b, err := os.ReadFile(filepath.Join(f.dir, profile.LogName))
	if err != nil || !strings.Contains(string(b), `msg="sync: pass done"`) {
		t.Errorf("log file: %v\n%s", err, b)
	}
	if strings.Contains(string(b), "Hi.") {
		t.Errorf("the log holds message text")
	}
	// Without --verbose the terminal stays quiet.
	if _, errOut, code := f.run(t, "sync"); code != 0 || strings.Contains(errOut, "sync: pass done") {
		t.Errorf("sync without --verbose: exit %d, stderr %q", code, errOut)
	}
}
