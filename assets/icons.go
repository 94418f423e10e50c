package assets

import (
	"embed"
	"fmt"
)

// The status icons are coloured SVGs drawn for light and dark themes
// alike: lock, lock-open, lock-error (encryption), signed, not-signed,
// sign-warning, sign-error (signature), key (a private key is stored) and
// siegel (the application).
//
//go:embed icons/*.svg icon.png
var images embed.FS

// Icon returns the SVG of the named icon (the file name without ".svg").
func Icon(name string) ([]byte, error) {
	b, err := images.ReadFile("icons/" + name + ".svg")
	if err != nil {
		return nil, fmt.Errorf("assets: no icon %q", name)
	}
	return b, nil
}

// AppIcon returns the application icon as PNG (512×512).
func AppIcon() []byte {
	b, _ := images.ReadFile("icon.png") // embedded above: cannot fail
	return b
}
