package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// debEnv names the Debian package under test (`make test-deb` sets it).
const debEnv = "SIEGEL_DEB"

// The .deb installs into a clean root with dpkg, holds what a desktop and
// Debian expect, passes lintian, and its installed binary opens the demo.
func TestDebPackage(t *testing.T) {
	deb := os.Getenv(debEnv)
	if deb == "" {
		t.Skipf("%s is not set: `make test-deb` (part of `make test`) builds the package and runs this test on it", debEnv)
	}
	needTools(t, "dpkg", "dpkg-deb", "lintian", "appstreamcli", "desktop-file-validate", "man")

	t.Log("1. dpkg installs it into a clean root")
	root := t.TempDir()
	for _, d := range []string{"var/lib/dpkg/info", "var/lib/dpkg/updates", "var/log"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "var/lib/dpkg/status"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// The root is empty, so the libraries Depends names are not in its
	// database: --force-depends; they are the host's, where the binary runs.
	install := []string{"--root=" + root, "--force-depends", "--log=" + filepath.Join(root, "var/log/dpkg.log")}
	if os.Geteuid() != 0 {
		install = append(install, "--force-not-root")
	}
	if out, err := exec.Command("dpkg", append(install, "-i", deb)...).CombinedOutput(); err != nil {
		t.Fatalf("dpkg -i into %s: %v\n%s", root, err, out)
	}
	status, err := exec.Command("dpkg", "--root="+root, "-s", "siegel").CombinedOutput()
	if err != nil || !strings.Contains(string(status), "Status: install ok installed") {
		t.Fatalf("dpkg -s siegel in the root: %v\n%s", err, status)
	}

	t.Log("2. the files: binary, .desktop, icons, metainfo, manual page")
	const id = "io.siegel.Siegel"
	bin := filepath.Join(root, "usr/bin/siegel")
	if fi, err := os.Stat(bin); err != nil || fi.Mode().Perm() != 0o755 {
		t.Fatalf("/usr/bin/siegel: %v", err)
	}
	desktop := filepath.Join(root, "usr/share/applications", id+".desktop")
	if out, err := exec.Command("desktop-file-validate", desktop).CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("desktop-file-validate: %v\n%s", err, out)
	}
	entry := readDesktopEntry(t, desktop)
	if entry["Exec"] != "siegel" || entry["Icon"] != id || entry["StartupWMClass"] != "Siegel" {
		t.Errorf("the .desktop file has Exec=%q Icon=%q StartupWMClass=%q", entry["Exec"], entry["Icon"], entry["StartupWMClass"])
	}
	for _, size := range []string{"48x48", "64x64", "128x128", "256x256", "512x512"} {
		icon := filepath.Join(root, "usr/share/icons/hicolor", size, "apps", id+".png")
		out, err := exec.Command("identify", "-format", "%wx%h", icon).CombinedOutput()
		if err != nil || string(out) != size {
			t.Errorf("icon %s: %v %s", icon, err, out)
		}
	}
	metainfo := filepath.Join(root, "usr/share/metainfo", id+".metainfo.xml")
	if out, err := exec.Command("appstreamcli", "validate", "--no-net", metainfo).CombinedOutput(); err != nil {
		t.Errorf("appstreamcli validate: %v\n%s", err, out)
	}
	man := exec.Command("man", "--warnings", "-l", filepath.Join(root, "usr/share/man/man1/siegel.1.gz"))
	man.Env = append(os.Environ(), "MANWIDTH=80", "MAN_KEEP_FORMATTING=0", "PAGER=cat")
	var manErr strings.Builder
	man.Stderr = &manErr
	manText, err := man.Output()
	if err != nil || manErr.Len() > 0 {
		t.Errorf("man -l siegel.1.gz: %v\n%s", err, manErr.String())
	}
	help, err := exec.Command(bin, "help").Output()
	if err != nil {
		t.Fatalf("siegel help: %v", err)
	}
	// Every command `siegel help` lists is in the page, with its summary.
	plain := squash(regexp.MustCompile(".\b").ReplaceAllString(string(manText), ""))
	for _, l := range strings.Split(string(help), "\n") {
		if f := strings.Fields(l); strings.HasPrefix(l, "  ") && len(f) > 1 {
			if summary := strings.Join(f[1:], " "); !strings.Contains(plain, summary) {
				t.Errorf("the manual page lacks the summary of %s, %q", f[0], summary)
			}
		}
	}

	t.Log("3. Depends names the libraries the binary links")
	depends, err := exec.Command("dpkg-deb", "-f", deb, "Depends").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, lib := range []string{"libc6", "libgl1", "libx11-6"} {
		if !regexp.MustCompile(`(^|[ ,])` + lib + `( |,|$)`).Match(depends) {
			t.Errorf("Depends: %s lacks %s", strings.TrimSpace(string(depends)), lib)
		}
	}

	t.Log("4. lintian")
	checkLintian(t, deb)

	t.Log("5. the installed binary opens the demo")
	needTools(t)
	d := startDisplay(t)
	home := t.TempDir()
	a := launch(t, d, newArtefacts(t), home, []string{bin, "--demo"}, appEnv(d, home))
	a.waitFor("the demo", time.Minute, func(p page) bool {
		return p.has("Demo mailbox") && p.has("Ticket#")
	}, nil)
}

// checkLintian runs lintian on deb: no error and no warning. (Its notes,
// "I:", are logged: hardening-no-fortify-functions, for one, would need
// the OpenGL binding's C built with other flags.)
func checkLintian(t *testing.T, deb string) {
	t.Helper()
	cmd := exec.Command("lintian", "--tag-display-limit", "0", "--display-info", deb)
	out, err := cmd.CombinedOutput()
	t.Logf("lintian:\n%s", out)
	if err != nil {
		// Exit status 1 is lintian's "tags at or above --fail-on"; the
		// lines say which.
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("lintian: %v", err)
		}
	}
	for _, l := range strings.Split(string(out), "\n") {
		// "E: siegel: tag-name detail", "W: siegel: tag-name detail"
		kind, _, ok := strings.Cut(l, ": ")
		if !ok || (kind != "E" && kind != "W") {
			continue
		}
		t.Errorf("lintian: %s", l)
	}
}
