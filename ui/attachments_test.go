package ui

import (
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"siegel/mail/mailtest"
	"siegel/message"
)

// recordOpens replaces what hands a file to the system's application.
func recordOpens(t *testing.T) *[]string {
	t.Helper()
	var opened []string
	old := openURL
	openURL = func(u *url.URL) error {
		opened = append(opened, u.Path)
		return nil
	}
	t.Cleanup(func() { openURL = old })
	return &opened
}

// dialogButton finds a button of the dialog on top.
func dialogButton(t *testing.T, w fyne.Window, label string) fyne.Tappable {
	t.Helper()
	for _, o := range objects(w.Canvas().Overlays().Top()) {
		if b, ok := o.(fyne.Tappable); ok && buttonText(o) == label {
			return b
		}
	}
	t.Fatalf("no %q in the dialog; the window shows:\n%s", label, text(w))
	return nil
}

// viewButton finds a button of the open ticket (the filter row has its
// own Open).
func viewButton(t *testing.T, v *ticketView, label string) fyne.Tappable {
	t.Helper()
	for _, o := range objects(v.obj) {
		if b, ok := o.(fyne.Tappable); ok && buttonText(o) == label {
			return b
		}
	}
	t.Fatalf("no %q in the ticket", label)
	return nil
}

// An attachment that came out of a decrypted layer is written for its
// application only after the agent agreed, into a private folder that
// goes when Siegel closes.
func TestOpenDecryptedAttachment(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	u := newTestUI(t, c)
	u.opened.base = t.TempDir()
	opened := recordOpens(t)
	v := openTicket(t, u, 10000)

	test.Tap(viewButton(t, v, "Open"))
	wantText(t, u.win, "Open a decrypted attachment?", "“contract.txt” came encrypted.", u.opened.base)
	test.Tap(dialogButton(t, u.win, "Cancel"))
	if len(*opened) != 0 || u.opened.folder() != "" {
		t.Fatalf("cancelled, yet %v opened and folder %q made", *opened, u.opened.folder())
	}

	test.Tap(viewButton(t, v, "Open"))
	test.Tap(dialogButton(t, u.win, "Open"))
	u.jobs.drain()
	if len(*opened) != 1 {
		t.Fatalf("opened %v, want one file", *opened)
	}
	path := filepath.FromSlash((*opened)[0])
	if got, want := filepath.Dir(path), u.opened.folder(); got != want {
		t.Errorf("the copy is in %q, want the private folder %q", got, want)
	}
	if data, err := os.ReadFile(path); err != nil || string(data) != "Contract text" {
		t.Errorf("the copy reads %q (%v)", data, err)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700 | os.ModeDir} {
		if st, err := os.Stat(p); err != nil || st.Mode() != want {
			t.Errorf("%s: mode %v (%v), want %v", p, st.Mode(), err, want)
		}
	}
	folder := u.opened.folder()
	u.Close()
	if _, err := os.Stat(folder); !os.IsNotExist(err) {
		t.Errorf("the folder of opened attachments is still there after Close (%v)", err)
	}
}

// A plain attachment opens at once; Save all keeps every attachment,
// numbering names that repeat and leaving files that are there alone.
func TestOpenAndSaveAllAttachments(t *testing.T) {
	c := newCores(t, nil)
	c.deliver(mailtest.Message(t, "Carol <carol@example.com>", mailtest.DeskAddress, "Logs", "Two logs attached.",
		mailtest.At(epoch), withAttachment("server.log", "first"), withAttachment("server.log", "second")))
	u := newTestUI(t, c)
	u.opened.base = t.TempDir()
	opened := recordOpens(t)
	v := openTicket(t, u, 10000)

	test.Tap(viewButton(t, v, "Open"))
	u.jobs.drain()
	if len(*opened) != 1 || filepath.Base((*opened)[0]) != "server.log" {
		t.Fatalf("opened %v, want server.log without a question", *opened)
	}

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "server.log"), []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	test.Tap(viewButton(t, v, "Save all"))
	if got, want := fileDialogOn(t, u.win), (fileDialogView{"Save all attachments into a folder", home, "Cancel", "Save"}); got != want {
		t.Errorf("Save all's dialog: got %+v, want %+v", got, want)
	}
	tapOnTop(t, u.win, "Cancel")
	u.saveAllTo(dir, []message.Attachment{{Name: "server.log", Data: []byte("first")}, {Name: "server.log", Data: []byte("second")}})
	u.jobs.drain()
	got := map[string]string{}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		got[e.Name()] = string(b)
	}
	want := map[string]string{"server.log": "mine", "server (2).log": "first", "server (3).log": "second"}
	if len(got) != len(want) {
		t.Errorf("the folder holds %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %q, want %q", k, got[k], v)
		}
	}
	wantText(t, u.win, "2 attachments saved in "+dir)
}

func TestSafeFileName(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"report.pdf", "report.pdf"},
		{"../../etc/passwd", "_.._etc_passwd"},
		{`C:\Windows\evil.exe`, "C__Windows_evil.exe"},
		{"a\x00b\nc", "a_b_c"},
		{"  ..  ", "attachment"},
		{"", "attachment"},
		{strings.Repeat("x", 300) + ".pdf", strings.Repeat("x", 196) + ".pdf"},
	} {
		if got := safeFileName(c.in); got != c.want {
			t.Errorf("safeFileName(%q): got %q, want %q", c.in, got, c.want)
		}
	}
}

// A start removes the folders that a Siegel no longer running left, and
// no other.
func TestSweepOpened(t *testing.T) {
	base := t.TempDir()
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Skip("no true(1) to get a dead process ID:", err)
	}
	dead := filepath.Join(base, openedPrefix+strconv.Itoa(gone.Process.Pid)+"-1")
	ours := filepath.Join(base, openedPrefix+strconv.Itoa(os.Getpid())+"-2")
	other := filepath.Join(base, "siegel-open-notes")
	for _, d := range []string{dead, ours, other} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	sweepOpened(base)
	for d, want := range map[string]bool{dead: false, ours: true, other: true} {
		if _, err := os.Stat(d); (err == nil) != want {
			t.Errorf("%s: exists %v, want %v", filepath.Base(d), err == nil, want)
		}
	}
}
