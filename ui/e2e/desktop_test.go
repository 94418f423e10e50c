package e2e

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// desktopEnv names an installed .desktop file of Siegel, in
// HOME/.local/share/applications (`make test-install` sets it).
const desktopEnv = "SIEGEL_DESKTOP_FILE"

// The .desktop file that `make install` installed is valid, names the
// installed binary, icon and window class, and its Exec line opens the
// window: as a double-click in the application menu would, with no
// account yet, on the demo.
func TestDesktopEntry(t *testing.T) {
	file := os.Getenv(desktopEnv)
	if file == "" {
		t.Skipf("%s is not set: `make test-install` (part of `make test`) installs the bundle into a scratch home and runs this test on it", desktopEnv)
	}
	needTools(t, "desktop-file-validate")
	if out, err := exec.Command("desktop-file-validate", file).CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("desktop-file-validate %s: %v\n%s", file, err, out)
	}
	entry := readDesktopEntry(t, file)
	want := map[string]string{"Type": "Application", "Name": "Siegel", "Icon": "io.siegel.Siegel", "StartupWMClass": "Siegel"}
	for k, v := range want {
		if entry[k] != v {
			t.Errorf("%s=%q, want %q", k, entry[k], v)
		}
	}
	// FILE is HOME/.local/share/applications/NAME.desktop.
	home := filepath.Dir(filepath.Dir(filepath.Dir(filepath.Dir(file))))
	icon := filepath.Join(home, ".local", "share", "icons", "hicolor", "512x512", "apps", entry["Icon"]+".png")
	if _, err := os.Stat(icon); err != nil {
		t.Errorf("the icon is not installed in the hicolor theme: %v", err)
	}

	// The Exec line, without its field codes (%f, %u, …).
	var argv []string
	for _, f := range strings.Fields(entry["Exec"]) {
		if !strings.HasPrefix(f, "%") {
			argv = append(argv, f)
		}
	}
	if len(argv) == 0 {
		t.Fatalf("no Exec line in %s", file)
	}
	if want := filepath.Join(home, ".local", "bin", "siegel"); argv[0] != want {
		t.Errorf("Exec starts %q, want the installed binary %q", argv[0], want)
	}
	if fi, err := os.Stat(argv[0]); err != nil || fi.Mode()&0o111 == 0 {
		t.Fatalf("the Exec line's program %s is not an executable file: %v", argv[0], err)
	}

	needTools(t)
	d := startDisplay(t)
	a := launch(t, d, newArtefacts(t), home, argv, appEnv(d, home))
	class := strings.Fields(d.run(t, "xdotool", "search", "--onlyvisible", "--class", "^"+entry["StartupWMClass"]+"$"))
	if len(class) == 0 || class[0] != a.win {
		t.Errorf("no window of class %q (StartupWMClass) but the app's %s: %v", entry["StartupWMClass"], a.win, class)
	}
	a.waitFor("the demo", time.Minute, func(p page) bool { return p.has("Demo mailbox") && p.has("Ticket#") }, nil)
}

// readDesktopEntry returns the keys of a .desktop file's [Desktop Entry]
// group.
func readDesktopEntry(t *testing.T, file string) map[string]string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	entry := map[string]string{}
	group := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			group = line
		case group == "[Desktop Entry]":
			k, v, _ := strings.Cut(line, "=")
			entry[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return entry
}
