// Package e2e tests Siegel's real window from the outside, as a person
// would use it: the tests start the built binary under an X server of
// their own (Xvfb), drive it with xdotool, read the screen with OCR
// (Tesseract over ImageMagick screenshots), and check what left the
// computer with OpenSSL — nothing of the app's own code judges the app.
// The package has no code of its own; its tests need no cgo (the binary
// they run does).
//
// The binary is named by SIEGEL_BIN (an absolute path; `make test` builds
// bin/siegel and passes it), else the tests build it once with `go build`.
// They skip, saying what to install, when Xvfb, xdotool, ImageMagick,
// Tesseract or OpenSSL are missing; `make test` installs them.
//
// The walk (walk_test.go) is the same on the demo mailbox and on a real
// Dovecot:
//
//  1. Xvfb starts on a free display (1600x1000, 24 bit); the app starts in
//     a scratch home (HOME and XDG folders: its demo folder, its Fyne
//     preferences) with LANG=en_US.UTF-8, FYNE_SCALE=1, the dark theme,
//     and SIEGEL_TRACE_START, whose "first frame drawn" line says the
//     window is up.
//  2. OCR finds the ticket's subject in the list; a click opens it, and
//     Ctrl+R its composer.
//  3. Hovering the seal and the lock of its signed and encrypted article
//     shows their tooltips; what changed on screen between a screenshot
//     before and one after is read, and must name the signer's address
//     and our certificate.
//  4. Encrypt and Sign are clicked off and on again; each time the
//     button's colour (highlighted when on) and its tooltip must agree.
//  5. A reply is typed into the composer and sent with Ctrl+Enter.
//  6. The message the SMTP server received must be encrypted (OpenSSL
//     decrypts it with the customer's key), signed by the helpdesk
//     (OpenSSL verifies it against the CA) and hold the typed text.
//  7. OCR finds the reply in the ticket; in the demo the customer's
//     answer arrives by itself a few seconds later.
//
// demo_test.go walks the demo (siegel --demo), and checks that siegel
// without an account opens the demo without making a profile.
// dovecot_test.go prepares a real profile with `siegel certs import` and
// `siegel account add` against Dovecot (IMAPS, pinned) and an SMTP server
// on loopback, delivers a signed and encrypted message, types the profile
// passphrase into the passphrase dialog, and walks. html_test.go opens the
// demo's HTML newsletter and finds its table by OCR and its inline image
// by its colour. desktop_test.go checks the .desktop file that `make install` installed (SIEGEL_DESKTOP_FILE;
// `make test-install`). BenchmarkColdStart measures the time from exec to
// the first drawn window.
//
// A failed test keeps its screenshots, the OCR input and the app's log in
// testdata/failed-e2e/TESTNAME/ (git-ignored) and names that folder.
package e2e
