package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
)

// Every file dialog of the window is made here (issue 13), so that each
// has a title in Siegel's words for what it does: Fyne's own title glues
// its translations of "Save" and "File" together ("Speichern Datei").

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
	taskSaveCert       = fileTask{"files.save-cert", "files.save"}
	taskSaveKey        = fileTask{"files.save-key", "files.save"}
)

// newFileOpen is dialog.NewFileOpen for task.
func (u *UI) newFileOpen(win fyne.Window, task fileTask, chosen func(fyne.URIReadCloser, error)) *dialog.FileDialog {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		chosen(r, err)
	}, win)
	u.prepareFileDialog(d, task)
	return d
}

// newFileSave is dialog.NewFileSave for task, offering name.
func (u *UI) newFileSave(win fyne.Window, task fileTask, name string, chosen func(fyne.URIWriteCloser, error)) *dialog.FileDialog {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		chosen(w, err)
	}, win)
	d.SetFileName(name)
	u.prepareFileDialog(d, task)
	return d
}

// prepareFileDialog gives d the texts of task.
func (u *UI) prepareFileDialog(d *dialog.FileDialog, task fileTask) {
	d.SetTitleText(tr(task.title))
	d.SetConfirmText(tr(task.confirm))
	d.SetDismissText(tr("dialog.cancel"))
}
