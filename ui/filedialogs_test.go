package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// fileDialogView is what a window's open file dialog shows: its title,
// the folder of its breadcrumb and its two buttons.
type fileDialogView struct {
	Title            string
	Folder           string
	Dismiss, Confirm string
}

// fileDialogOn reads the file dialog on top of w.
func fileDialogOn(t testing.TB, w fyne.Window) fileDialogView {
	t.Helper()
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatalf("no dialog is open; the window shows:\n%s", text(w))
	}
	var v fileDialogView
	var buttons []string
	isFileDialog := false
	for _, o := range objects(top) {
		switch x := o.(type) {
		case *widget.Label:
			if x.TextStyle.Bold && v.Title == "" {
				v.Title = x.Text
			}
		case *widget.Button:
			if x.Text != "" {
				buttons = append(buttons, x.Text)
			}
		}
		isFileDialog = isFileDialog || fmt.Sprintf("%T", o) == "*dialog.fileDialogItem"
	}
	// The breadcrumb's buttons, from the root, then Cancel and the
	// confirming button.
	if !isFileDialog || len(buttons) < 3 {
		t.Fatalf("the dialog on top is not a file dialog; it shows:\n%s", text(w))
	}
	n := len(buttons)
	v.Folder = filepath.Join(buttons[:n-2]...)
	v.Dismiss, v.Confirm = buttons[n-2], buttons[n-1]
	return v
}

// tapFileItem taps a file or folder of the open file dialog by its name.
func tapFileItem(t testing.TB, w fyne.Window, name string) {
	t.Helper()
	var names []string
	for _, o := range objects(w.Canvas().Overlays().Top()) {
		if fmt.Sprintf("%T", o) != "*dialog.fileDialogItem" {
			continue
		}
		for _, l := range objects(o) {
			if l, ok := l.(*widget.Label); ok {
				if l.Text == name {
					test.Tap(o.(fyne.Tappable))
					return
				}
				names = append(names, l.Text)
			}
		}
	}
	t.Fatalf("the file dialog shows no %q, only %q", name, names)
}

// tapOnTop taps a button of the dialog on top of w: the window behind
// may have a button of the same name.
func tapOnTop(t testing.TB, w fyne.Window, label string) {
	t.Helper()
	top := w.Canvas().Overlays().Top()
	for _, o := range objects(top) {
		if _, ok := o.(fyne.Tappable); ok && buttonText(o) == label {
			test.Tap(o.(fyne.Tappable))
			return
		}
	}
	t.Fatalf("the dialog on top has no button %q; the window shows:\n%s", label, text(w))
}

// wantFileDialog fails unless the file dialog on top of w shows want,
// then closes it with Cancel.
func wantFileDialog(t testing.TB, w fyne.Window, what string, want fileDialogView) {
	t.Helper()
	if got := fileDialogOn(t, w); got != want {
		t.Errorf("%s: got %+v, want %+v", what, got, want)
	}
	tapOnTop(t, w, want.Dismiss)
}

// In the demo every file dialog starts in the demo folder, where its
// certificates and keys are; once the agent chose a file elsewhere, the
// next one starts there. The demo never stores its folder as the
// agent's: the real profile's dialogs do not open in a folder the demo
// wipes.
func TestFileDialogsStartInDemoFolder(t *testing.T) {
	dw := newDemoWindow(t)
	u, dir := dw.u, dw.demo.Dir
	openReply(t, u, dw.demo.Tickets["Rückfrage zur Rechnung 2024-121"])
	tap(t, u.win, "Attach…")
	wantFileDialog(t, u.win, "Attach", fileDialogView{"Attach a file", dir, "Cancel", "Attach"})

	s := openSettings(t, u, 1)
	tap(t, s.win, "Import CRL…")
	wantFileDialog(t, s.win, "Import CRL", fileDialogView{"Import a certificate revocation list", dir, "Cancel", "Open"})
	selectCert(t, s.certs, "Siegel Demo Helpdesk")
	tap(t, s.win, "Details")
	tap(t, s.win, "Save PEM…")
	wantFileDialog(t, s.win, "Save PEM", fileDialogView{"Save certificate", dir, "Cancel", "Save"})
	closeTopModal(s.win.Canvas())

	// The README's way: import certificates/jonas-becker.pem.
	tap(t, s.win, "Import from file…")
	wantImport := fileDialogView{"Import certificates", dir, "Cancel", "Open"}
	if got := fileDialogOn(t, s.win); got != wantImport {
		t.Errorf("Import: got %+v, want %+v", got, wantImport)
	}
	tapFileItem(t, s.win, "certificates")
	// The grid reuses the tapped item for the first file of the folder it
	// opened: a tap on that within the double-tap delay would open it.
	time.Sleep(fyne.CurrentApp().Driver().DoubleTapDelay())
	tapFileItem(t, s.win, "jonas-becker") // the grid leaves out extensions
	tapOnTop(t, s.win, "Open")
	wantText(t, s.win, "Jonas Becker", "j.becker@stadtwerke-nord.example")
	tapOnTop(t, s.win, "Cancel")

	tap(t, s.win, "Export…")
	tapOnTop(t, s.win, "Export…")
	wantFileDialog(t, s.win, "Export after the import", fileDialogView{"Save certificate", filepath.Join(dir, "certificates"), "Cancel", "Save"})
	if got := u.app.Preferences().String(prefFileFolder); got != "" {
		t.Errorf("the demo stored %q as the agent's folder, want nothing stored", got)
	}
}

// Outside the demo a file dialog starts in the home folder, then in the
// folder the agent last chose a file in, for as long as it exists.
func TestFileDialogsStartInLastFolder(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	exports := filepath.Join(home, "exports")
	if err := os.Mkdir(exports, 0o700); err != nil {
		t.Fatal(err)
	}
	c := newCores(t, nil)
	standardTickets(t, c)
	u := newTestUI(t, c)
	openTicket(t, u, 10000)
	tap(t, u.win, "Save")
	if got, want := fileDialogOn(t, u.win), (fileDialogView{"Save attachment", home, "Cancel", "Save"}); got != want {
		t.Errorf("the first dialog: got %+v, want %+v", got, want)
	}
	tapFileItem(t, u.win, "exports")
	tapOnTop(t, u.win, "Save") // the name is the attachment's
	u.jobs.drain()
	if b, err := os.ReadFile(filepath.Join(exports, "contract.txt")); err != nil || string(b) != "Contract text" {
		t.Fatalf("the saved attachment: %q, %v; want %q", b, err, "Contract text")
	}
	// Fyne writes a folder's URI with a slash at its end.
	if got, want := u.app.Preferences().String(prefFileFolder), storage.NewFileURI(exports).String()+"/"; got != want {
		t.Errorf("the folder remembered: got %q, want %q", got, want)
	}

	s := openSettings(t, u, 1)
	tap(t, s.win, "Import from file…")
	wantFileDialog(t, s.win, "after saving", fileDialogView{"Import certificates", exports, "Cancel", "Open"})

	if err := os.Remove(filepath.Join(exports, "contract.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(exports); err != nil {
		t.Fatal(err)
	}
	tap(t, s.win, "Import from file…")
	wantFileDialog(t, s.win, "after the folder was removed", fileDialogView{"Import certificates", home, "Cancel", "Open"})
}

// Every file dialog has a title of its own in the agent's language, not
// Fyne's, which glues its words for "Save" and "File" ("Speichern
// Datei").
func TestFileDialogTitlesGerman(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	u := newTestUIIn(t, c, langGerman)
	u.win.Resize(fyne.NewSize(1280, 860))
	fyneDefaults := []string{lang.L("Save") + " " + lang.L("File"), lang.L("Open") + " " + lang.L("File")}
	if fyneDefaults[0] != "Speichern Datei" {
		t.Fatalf("Fyne's own save title is %q: its German translations are not loaded", fyneDefaults[0])
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	check := func(w fyne.Window, what string, want fileDialogView) {
		t.Helper()
		got := fileDialogOn(t, w)
		for _, d := range fyneDefaults {
			if got.Title == d {
				t.Errorf("%s: the title is Fyne's own %q", what, got.Title)
			}
		}
		if got != want {
			t.Errorf("%s: got %+v, want %+v", what, got, want)
		}
		tapOnTop(t, w, want.Dismiss)
	}

	openReply(t, u, 10000)
	tap(t, u.win, tr("article.save"))
	check(u.win, "Save attachment", fileDialogView{"Anhang speichern", home, "Abbrechen", "Speichern"})
	tap(t, u.win, tr("compose.attach"))
	check(u.win, "Attach", fileDialogView{"Datei anhängen", home, "Abbrechen", "Anhängen"})

	s := openSettings(t, u, 1)
	tap(t, s.win, tr("certs.import"))
	check(s.win, "Import", fileDialogView{"Zertifikate importieren", home, "Abbrechen", "Öffnen"})
	selectCert(t, s.certs, "Siegel Helpdesk")
	tap(t, s.win, tr("certs.export"))
	tapOnTop(t, s.win, tr("certs.export.choose"))
	check(s.win, "Export", fileDialogView{"Zertifikat speichern", home, "Abbrechen", "Speichern"})
	tap(t, s.win, tr("certs.export-key"))
	typeFocusedN(t, s.win, 0, "p12 pass")
	typeFocusedN(t, s.win, 1, "p12 pass")
	tapOnTop(t, s.win, tr("certs.export-key.do"))
	check(s.win, "Export with key", fileDialogView{"Zertifikat mit privatem Schlüssel speichern", home, "Abbrechen", "Speichern"})
}
