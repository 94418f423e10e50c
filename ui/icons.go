package ui

import (
	"fyne.io/fyne/v2"

	"siegel/assets"
	"siegel/crypto/smime"
)

// The status icons from package assets as Fyne resources. They keep their
// colours (green, grey, amber, red), which read on light and dark themes.
var (
	iconLock        = svgResource("lock")
	iconLockOpen    = svgResource("lock-open")
	iconLockError   = svgResource("lock-error")
	iconSigned      = svgResource("signed")
	iconNotSigned   = svgResource("not-signed")
	iconSignWarning = svgResource("sign-warning")
	iconSignError   = svgResource("sign-error")
	iconKey         = svgResource("key")
	iconSiegel      = svgResource("siegel")
)

func svgResource(name string) fyne.Resource {
	b, err := assets.Icon(name)
	if err != nil {
		fyne.LogError("missing icon", err)
	}
	return fyne.NewStaticResource(name+".svg", b)
}

// AppIcon is the application icon, for the app and its windows.
func AppIcon() fyne.Resource {
	return fyne.NewStaticResource("siegel.png", assets.AppIcon())
}

// encryptionIcon is the lock of an encryption state.
func encryptionIcon(s smime.EncryptionState) fyne.Resource {
	switch {
	case s == smime.EncDecrypted:
		return iconLock
	case s.Failed():
		return iconLockError
	default:
		return iconLockOpen
	}
}

// signatureIcon is the seal of a signature state: warnings for a
// signature that verified but with a weakness, errors for the rest.
func signatureIcon(s smime.SignatureState) fyne.Resource {
	switch s {
	case smime.SigValid:
		return iconSigned
	case smime.SigNone, "":
		return iconNotSigned
	case smime.SigWeak, smime.SigArrivalMismatch, smime.SigDateMismatch:
		return iconSignWarning
	default:
		return iconSignError
	}
}
