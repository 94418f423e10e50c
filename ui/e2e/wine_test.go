package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"siegel/mail/mailtest"
)

// exeEnv names Siegel.exe, the Windows build (`make test-windows` sets it).
const exeEnv = "SIEGEL_EXE"

// wine is a Wine prefix of the test's own, in which Siegel.exe runs.
type wine struct {
	bin    string // wine64
	prefix string
}

// newWine makes a Wine prefix (Wine fills it at the first run); its
// programs are ended with the test.
func newWine(t *testing.T) *wine {
	t.Helper()
	w := &wine{prefix: filepath.Join(t.TempDir(), "prefix")}
	for _, name := range []string{"wine64", "/usr/lib/wine/wine64", "wine"} {
		if p, err := exec.LookPath(name); err == nil {
			w.bin = p
			break
		}
	}
	if w.bin == "" {
		t.Skip("Wine is not installed (Debian: apt-get install wine64; `make test` installs it)")
	}
	t.Cleanup(func() { w.kill(t) })
	start := time.Now()
	boot := exec.Command(w.bin, "wineboot", "--init")
	boot.Env = w.env([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()})
	if out, err := boot.CombinedOutput(); err != nil {
		t.Fatalf("wineboot --init: %v\n%s", err, out)
	}
	w.addProcessPrng(t)
	t.Logf("the Wine prefix took %s", time.Since(start).Round(100*time.Millisecond))
	return w
}

// addProcessPrng puts testdata/wine/bcryptprimitives.dll (see its source)
// into the prefix's system32 when this Wine has none.
func (w *wine) addProcessPrng(t *testing.T) {
	t.Helper()
	system32 := filepath.Join(w.prefix, "drive_c", "windows", "system32")
	dll := filepath.Join(system32, "bcryptprimitives.dll")
	if _, err := os.Stat(dll); err == nil {
		return
	}
	for _, dir := range []string{"/usr/lib/x86_64-linux-gnu/wine/x86_64-windows", "/usr/lib/wine/x86_64-windows", "/opt/wine-stable/lib/wine/x86_64-windows"} {
		if _, err := os.Stat(filepath.Join(dir, "bcryptprimitives.dll")); err == nil {
			return // a Wine that has it
		}
	}
	src, err := filepath.Abs(filepath.Join("testdata", "wine", "bcryptprimitives.c"))
	if err != nil {
		t.Fatal(err)
	}
	cc := exec.Command("x86_64-w64-mingw32-gcc", "-shared", "-O2", "-o", dll, src, "-lbcrypt")
	if out, err := cc.CombinedOutput(); err != nil {
		t.Fatalf("building bcryptprimitives.dll for Wine (Debian: apt-get install gcc-mingw-w64-x86-64): %v\n%s", err, out)
	}
}

// env is the environment of a Windows program: base plus the prefix,
// without Wine's debug output, and without the Mono and Gecko installers
// that a new prefix would otherwise offer in a dialog.
func (w *wine) env(base []string) []string {
	return append(base, "WINEPREFIX="+w.prefix, "WINEDEBUG=-all", "WINEDLLOVERRIDES=mscoree,mshtml=")
}

// kill ends every program of the prefix and its wineserver.
func (w *wine) kill(t *testing.T) {
	server := filepath.Join(filepath.Dir(w.bin), "wineserver")
	if _, err := os.Stat(server); err != nil {
		server = "wineserver"
	}
	cmd := exec.Command(server, "-k")
	cmd.Env = w.env([]string{"PATH=" + os.Getenv("PATH")})
	if out, err := cmd.CombinedOutput(); err != nil && len(out) > 0 {
		t.Logf("wineserver -k: %v: %s", err, out)
	}
}

// winPath is a Linux path as the Windows program names it: Wine's drive
// Z: is the Linux root.
func winPath(p string) string { return "Z:" + filepath.ToSlash(p) }

// run runs exe (Siegel.exe, a test) with args in dir and returns its standard output.
func (w *wine) run(t *testing.T, exe, dir string, env []string, args ...string) []byte {
	t.Helper()
	return w.runInput(t, exe, dir, env, nil, args...)
}

// runInput is run with stdin as the standard input.
func (w *wine) runInput(t *testing.T, exe, dir string, env []string, stdin []byte, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(w.bin, append([]string{exe}, args...)...)
	cmd.Env, cmd.Dir = w.env(env), dir
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("wine %s %s: %v\n%s%s", filepath.Base(exe), strings.Join(args, " "), err, out, stderr.String())
	}
	return out
}

// Siegel.exe under Wine: the command line reads a signed and encrypted
// message exactly as the Linux build does, and the window opens the demo
// — ticket list, banner, a ticket, the seal's tooltip.
func TestWine(t *testing.T) {
	exe := os.Getenv(exeEnv)
	if exe == "" {
		t.Skipf("%s is not set: `make test-windows` (part of `make test`) cross-builds Siegel.exe and runs this test on it", exeEnv)
	}
	w := newWine(t)
	t.Run("inspect", func(t *testing.T) { testWineInspect(t, w, exe) })
	t.Run("credential manager", func(t *testing.T) { testWineKeyring(t, w) })
	t.Run("demo window", func(t *testing.T) { testWineDemo(t, w, exe) })
	t.Run("remember passphrase", func(t *testing.T) { testWineRemember(t, w, exe) })
}

// testWineKeyring runs profile/keyring's test of the Windows Credential
// Manager, cross-compiled, in the prefix: remember, recall, update and
// forget a profile's passphrase as Siegel.exe does.
func testWineKeyring(t *testing.T, w *wine) {
	test := filepath.Join(t.TempDir(), "keyring.test.exe")
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = "/usr/local/go/bin/go"
	}
	build := exec.Command(goTool, "test", "-c", "-o", test, "siegel/profile/keyring")
	build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go test -c for Windows: %v\n%s", err, out)
	}
	out := w.run(t, test, t.TempDir(), []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()},
		"-test.run", "^TestCredentialManager$", "-test.v")
	t.Logf("keyring.test.exe:\n%s", out)
	if !bytes.Contains(out, []byte("--- PASS: TestCredentialManager")) {
		t.Error("TestCredentialManager did not pass under Wine")
	}
}

// testWineInspect imports the same certificates into a Linux and a
// Windows profile and compares `inspect --json` of one message, signed
// and encrypted by a customer for the helpdesk, byte for byte.
func testWineInspect(t *testing.T, w *wine, exe string) {
	k := mailtest.TestPKI(t)
	files, home := t.TempDir(), t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(files, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	alice := mailtest.CustomerSide(t, k.Alice)
	write("message.eml", alice.Seal(t, mailtest.Message(t, "Alice Example <alice@example.org>", mailtest.DeskAddress,
		"Zählerstand März", "Hello,\r\n\r\nthe meter reads 4711.\r\n\r\nAlice"), true, true))
	imports := []string{write("helpdesk.pem", k.Desk.PEM()), write("ca.pem", k.CA.CertPEM), write("alice.pem", k.Alice.CertPEM)}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "LANG=en_US.UTF-8", "SIEGEL_PASSPHRASE=wine test"}

	linux := filepath.Join(home, "linux-profile")
	bin := siegelBinary(t)
	linuxRun := func(args ...string) []byte {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"--data-dir", linux}, args...)...)
		cmd.Env, cmd.Dir = env, files
		cmd.Stdin = bytes.NewReader([]byte("Line one\nLine two\n"))
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("siegel %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	linuxRun(append([]string{"certs", "import"}, imports...)...)
	want := linuxRun("inspect", "--json", "--offline", "message.eml")

	windows := winPath(filepath.Join(home, "windows-profile"))
	var winImports []string
	for _, f := range imports {
		winImports = append(winImports, winPath(f))
	}
	start := time.Now()
	t.Logf("Siegel.exe certs import:\n%s", w.run(t, exe, files, env, append([]string{"--data-dir", windows, "certs", "import"}, winImports...)...))
	t.Logf("Siegel.exe certs import took %s", time.Since(start).Round(100*time.Millisecond))
	got := w.run(t, exe, files, env, "--data-dir", windows, "inspect", "--json", "--offline", "message.eml")

	// One JSON object per file, on one line.
	if err := json.Unmarshal(got, new(map[string]any)); err != nil {
		t.Fatalf("Siegel.exe inspect --json printed no JSON object (%v):\n%s", err, got)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("inspect --json differs between the builds\nLinux:\n%s\nWindows:\n%s", want, got)
	}
	if !bytes.Contains(got, []byte(`"valid"`)) || !bytes.Contains(got, []byte("alice@example.org")) {
		t.Errorf("inspect did not find Alice's valid signature:\n%s", got)
	}

	// A body typed on Windows ends its lines with CRLF: sealed by
	// Siegel.exe, it reads on Linux as the same text sealed there.
	seal := []string{"seal", "--sign", "--encrypt", "--from", mailtest.DeskAddress, "--to", "alice@example.org", "--subject", "Line endings"}
	write("from-windows.eml", w.runInput(t, exe, files, env, []byte("Line one\r\nLine two\r\n"), append([]string{"--data-dir", windows}, seal...)...))
	write("from-linux.eml", linuxRun(seal...))
	text := func(name string) any {
		var res map[string]any
		if err := json.Unmarshal(linuxRun("inspect", "--json", "--offline", name), &res); err != nil {
			t.Fatalf("inspect --json %s: %v", name, err)
		}
		if res["signature"].(map[string]any)["state"] != "valid" {
			t.Errorf("%s: the signature is not valid: %v", name, res["signature"])
		}
		return res["text"]
	}
	if fromWin, fromLinux := text("from-windows.eml"), text("from-linux.eml"); fromWin != fromLinux {
		t.Errorf("sealed on Windows the text reads %q, sealed on Linux %q", fromWin, fromLinux)
	}
}

// testWineDemo opens Siegel.exe's demo on Xvfb and walks the first two
// steps of the demo walk: open Anna Schmidt's signed and encrypted
// ticket, read the seal's and the lock's tooltips.
func testWineDemo(t *testing.T, w *wine, exe string) {
	needTools(t)
	d := startDisplay(t)
	art := newArtefacts(t)
	home := t.TempDir()
	argv := []string{w.bin, exe, "--demo"}
	a := launch(t, d, art, home, argv, w.env(appEnv(d, home)))
	// Wine's programs outlive a SIGTERM to the loader: end them first
	// (cleanups run last-registered first).
	t.Cleanup(func() { w.kill(t) })
	a.waitFor("the demo's ticket list and banner", time.Minute, func(p page) bool {
		return p.has("Demo mailbox") && p.has("Ticket#")
	}, nil)
	walk{
		subject: "zur Rechnung",
		signer:  "anna.schmidt@kanzlei-schmidt.example",
		ours:    "support@helpdesk.example",
	}.openAndHover(t, a)

	// The demo lives where Windows keeps a program's local data, and no
	// profile was made in the roaming one.
	users := filepath.Join(w.prefix, "drive_c", "users")
	if found, _ := filepath.Glob(filepath.Join(users, "*", "AppData", "Local", "Siegel", "Demo", "siegel.db")); len(found) != 1 {
		t.Errorf("no demo in %%LOCALAPPDATA%%\\Siegel\\Demo (found %v)", found)
	}
	if found, _ := filepath.Glob(filepath.Join(users, "*", "AppData", "Roaming", "Siegel")); len(found) != 0 {
		t.Errorf("the demo made a profile folder in %%APPDATA%%: %v", found)
	}
}
