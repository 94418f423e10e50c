package ui

import (
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
)

// Every file dialog of the window is made here (issue 13), so that each
// has a title in Siegel's words for what it does — Fyne's own title glues
// its translations of "Save" and "File" together ("Speichern Datei") —
// and starts in a folder the agent can work from: the folder they last
// chose a file in, else, in the demo, the demo folder with its
// certificates and keys (hidden under ~/.cache, where nobody would look),
// else their home.

// fileTask is what a file dialog is for: its texts.
type fileTask struct {
	title, confirm string // translation keys
}

// The file dialogs of the window.
var (
	taskImportCerts    = fileTask{"files.import-certs", "files.open"}
	taskImportCRL      = fileTask{"files.import-crl", "files.open"}
	taskAttach         = fileTask{"files.attach", "files.attach.do"}
	taskSaveAttachment = fileTask{"files.save-attachment", "files.save"}
	taskSaveAll        = fileTask{"files.save-all", "files.save"}
	taskSaveCert       = fileTask{"files.save-cert", "files.save"}
	taskSaveKey        = fileTask{"files.save-key", "files.save"}
)

// prefFileFolder is the folder the agent last chose a file in, outside
// the demo (a file URI).
const prefFileFolder = "files.folder"

// newFileOpen is dialog.NewFileOpen for task, starting in startFolder;
// the folder of the chosen file is remembered.
func (u *UI) newFileOpen(win fyne.Window, task fileTask, chosen func(fyne.URIReadCloser, error)) *dialog.FileDialog {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if r != nil {
			u.choseFile(r.URI())
		}
		chosen(r, err)
	}, win)
	u.prepareFileDialog(d, task)
	return d
}

// newFileSave is dialog.NewFileSave for task, offering name, starting in
// startFolder; the folder saved into is remembered.
func (u *UI) newFileSave(win fyne.Window, task fileTask, name string, chosen func(fyne.URIWriteCloser, error)) *dialog.FileDialog {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if w != nil {
			u.choseFile(w.URI())
		}
		chosen(w, err)
	}, win)
	d.SetFileName(name)
	u.prepareFileDialog(d, task)
	return d
}

// newFolderOpen is dialog.NewFolderOpen for task, starting in
// startFolder; the folder chosen is remembered.
func (u *UI) newFolderOpen(win fyne.Window, task fileTask, chosen func(fyne.ListableURI, error)) *dialog.FileDialog {
	d := dialog.NewFolderOpen(func(dir fyne.ListableURI, err error) {
		if dir != nil {
			u.choseFolder(dir)
		}
		chosen(dir, err)
	}, win)
	u.prepareFileDialog(d, task)
	return d
}

// prepareFileDialog gives d the texts of task and its start folder.
func (u *UI) prepareFileDialog(d *dialog.FileDialog, task fileTask) {
	d.SetTitleText(tr(task.title))
	d.SetConfirmText(tr(task.confirm))
	d.SetDismissText(tr("dialog.cancel"))
	if dir := u.startFolder(); dir != nil {
		d.SetLocation(dir)
	}
}

// startFolder is the folder a file dialog opens in: the one the agent last
// chose a file in (in the demo, during this run: the demo's folder is
// made anew at every start, and a real profile's folder is not the
// demo's business), else the demo folder, else the home folder. Fyne's
// own choice is not used: it remembers every folder a dialog showed,
// the demo's included, for every later run.
func (u *UI) startFolder() fyne.ListableURI {
	var candidates []string
	if u.demoFolder != "" {
		candidates = []string{u.lastFolder, u.demoFolder}
	} else {
		candidates = []string{u.app.Preferences().String(prefFileFolder)}
	}
	if home, err := os.UserHomeDir(); err == nil {
		candidates = append(candidates, storage.NewFileURI(home).String())
	}
	for _, c := range candidates {
		if dir := listable(c); dir != nil {
			return dir
		}
	}
	return nil
}

// listable is the folder a URI or path names, when it still exists.
func listable(s string) fyne.ListableURI {
	if s == "" {
		return nil
	}
	u, err := storage.ParseURI(s)
	if err != nil {
		return nil
	}
	if u.Scheme() == "file" {
		if fi, err := os.Stat(u.Path()); err != nil || !fi.IsDir() {
			return nil
		}
	}
	dir, err := storage.ListerForURI(u)
	if err != nil {
		return nil
	}
	return dir
}

// choseFile remembers the folder of a file the agent opened or saved.
func (u *UI) choseFile(file fyne.URI) {
	if dir, err := storage.Parent(file); err == nil {
		u.choseFolder(dir)
	}
}

// choseFolder remembers a folder the agent chose.
func (u *UI) choseFolder(dir fyne.URI) {
	if u.demoFolder != "" {
		u.lastFolder = dir.String()
		return
	}
	u.app.Preferences().SetString(prefFileFolder, dir.String())
}
