package profile

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// The profile folder follows each system's convention: %APPDATA%\Siegel
// on Windows, ~/.config/siegel elsewhere.
func TestDefaultDir(t *testing.T) {
	for goos, want := range map[string]string{"windows": "Siegel", "linux": "siegel", "freebsd": "siegel"} {
		if got := FolderName(goos); got != want {
			t.Errorf("FolderName(%q) = %q, want %q", goos, got, want)
		}
	}
	t.Setenv("XDG_CONFIG_HOME", "/home/agent/.config")
	t.Setenv("APPDATA", `C:\Users\agent\AppData\Roaming`)
	dir, err := DefaultDir()
	if err != nil {
		t.Fatal(err)
	}
	base, _ := os.UserConfigDir()
	if want := filepath.Join(base, FolderName(runtime.GOOS)); dir != want {
		t.Errorf("DefaultDir = %q, want %q", dir, want)
	}
}
