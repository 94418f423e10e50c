package demo

import "testing"

// The demo folder is in the local (not roaming) cache folder, under
// Siegel's own name on Windows.
func TestFolderName(t *testing.T) {
	if got := folderName("linux"); got != "siegel-demo" {
		t.Errorf("Linux: %q, want siegel-demo", got)
	}
	if got := folderName("windows"); got != "Siegel/Demo" && got != `Siegel\Demo` {
		t.Errorf("Windows: %q, want Siegel\\Demo", got)
	}
}
