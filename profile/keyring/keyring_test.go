package keyring

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"siegel/crypto/vault"
)

// checkEntry runs an entry of b through what the window does with it:
// remember at unlock, recall at the next start, update after a change of
// the passphrase, forget from the settings; two profiles never share one.
func checkEntry(t *testing.T, b Backend) {
	t.Helper()
	// Only a name: the entry never touches the folder. (Not t.TempDir:
	// under Wine removing it fails, which is Wine's, not the keyring's.)
	dir := filepath.Join(os.TempDir(), "siegel-keyring-test", t.Name())
	e, err := For(b, dir)
	if err != nil {
		t.Fatal(err)
	}
	other, err := For(b, filepath.Join(dir, "other"))
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := e.Stored(); ok || err != nil {
		t.Fatalf("a new profile: Stored = %v, %v; want false, nil", ok, err)
	}
	if err := e.Update([]byte("ignored")); err != nil {
		t.Fatal(err)
	}
	if ok, _ := e.Stored(); ok {
		t.Fatal("Update stored a passphrase nobody asked to remember")
	}
	if err := e.Remember([]byte("correct horse")); err != nil {
		t.Fatal(err)
	}
	if pw, err := e.Recall(); err != nil || string(pw) != "correct horse" {
		t.Fatalf("Recall = %q, %v; want the remembered passphrase", pw, err)
	}
	if _, err := other.Recall(); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another profile's Recall: %v, want ErrNotFound", err)
	}
	// The same folder named another way is the same entry.
	same, _ := For(b, filepath.Join(dir, "x", ".."))
	if ok, _ := same.Stored(); !ok {
		t.Error("the folder named with x/.. has no passphrase")
	}
	if err := e.Update([]byte("battery staple")); err != nil {
		t.Fatal(err)
	}
	if pw, _ := e.Recall(); string(pw) != "battery staple" {
		t.Fatalf("after Update, Recall = %q", pw)
	}
	if err := e.Forget(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Recall(); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after Forget, Recall: %v, want ErrNotFound", err)
	}
	if err := e.Forget(); err != nil {
		t.Fatalf("forgetting twice: %v", err)
	}
}

func TestMemory(t *testing.T) { checkEntry(t, NewMemory()) }

func TestRecalled(t *testing.T) {
	e, _ := For(NewMemory(), t.TempDir())
	verify := func(_ context.Context, pw []byte) error {
		if string(pw) != "right" {
			return fmt.Errorf("profile: %w", vault.ErrWrongPassphrase)
		}
		return nil
	}
	if _, ok := e.Recalled(context.Background(), verify); ok {
		t.Fatal("Recalled with nothing stored")
	}
	e.Remember([]byte("right"))
	if pw, ok := e.Recalled(context.Background(), verify); !ok || string(pw) != "right" {
		t.Fatalf("Recalled = %q, %v", pw, ok)
	}
	// A passphrase changed elsewhere: the stale one is dropped.
	e.Remember([]byte("stale"))
	if _, ok := e.Recalled(context.Background(), verify); ok {
		t.Fatal("a wrong passphrase was recalled")
	}
	if ok, _ := e.Stored(); ok {
		t.Error("the wrong passphrase stays stored")
	}
	// Any other failure (a locked database, say) keeps it.
	e.Remember([]byte("kept"))
	if _, ok := e.Recalled(context.Background(), func(context.Context, []byte) error { return errors.New("busy") }); ok {
		t.Fatal("recalled although verify failed")
	}
	if ok, _ := e.Stored(); !ok {
		t.Error("a passphrase was forgotten for an error that says nothing about it")
	}
}

// daemonEnv marks the test process that runs inside the private D-Bus
// session with a gnome-keyring-daemon of its own.
const daemonEnv = "SIEGEL_KEYRING_DAEMON_TEST"

// TestGnomeKeyring runs checkEntry against a real gnome-keyring-daemon:
// the test binary runs itself again in a private D-Bus session
// (dbus-run-session), in a scratch home, after unlocking a new login
// keyring there.
func TestGnomeKeyring(t *testing.T) {
	if os.Getenv(daemonEnv) != "" {
		b, ok := System()
		if !ok {
			t.Fatal("no secret service answers in the session that runs gnome-keyring-daemon")
		}
		checkEntry(t, b)
		return
	}
	for _, tool := range []string{"dbus-run-session", "gnome-keyring-daemon"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (Debian: apt-get install dbus gnome-keyring; `make test` installs them)", tool)
		}
	}
	home := t.TempDir()
	cmd := exec.Command("dbus-run-session", "--", "sh", "-c",
		`printf %s test-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$0" -test.run='^TestGnomeKeyring$' -test.v`,
		os.Args[0])
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, daemonEnv + "=1",
		"XDG_DATA_HOME=" + filepath.Join(home, "data"), "XDG_RUNTIME_DIR=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, "config")}
	out, err := cmd.CombinedOutput()
	t.Logf("in the D-Bus session of gnome-keyring-daemon:\n%s", out)
	if err != nil {
		t.Fatalf("the test against gnome-keyring-daemon failed: %v", err)
	}
}

// Without a session bus there is no secret service, and System says so
// instead of offering one that fails.
func TestSystemWithoutService(t *testing.T) {
	if os.Getenv(daemonEnv) != "" {
		t.Skip("runs outside the daemon's session")
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(t.TempDir(), "no-bus"))
	if _, ok := System(); ok {
		t.Fatal("System found a secret service on a bus that does not exist")
	}
}

// On Windows the system's keyring is the Credential Manager, always
// there. `make test-windows` cross-compiles this test and runs it under
// Wine (ui/e2e TestWine), whose advapi32 keeps credentials as Windows does.
func TestCredentialManager(t *testing.T) {
	if runtime.GOOS != "windows" {
		t.Skip("the Credential Manager is Windows'; make test-windows runs this under Wine")
	}
	b, ok := System()
	if !ok {
		t.Fatal("no Credential Manager")
	}
	checkEntry(t, b)
}
