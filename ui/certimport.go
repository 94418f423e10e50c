package ui

import (
	"bytes"
	"crypto/x509"
	"errors"
	"io"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"siegel/certs"
)

// Importing (DESIGN.md §4) is: choose a file (or paste text), read it,
// certs.Parse it — asking for the file's passphrase when it needs one and
// again when it was wrong —, show what it holds with the warning to verify
// certificates in person or by phone, and only then store it.

// importExtensions are the files the import dialog offers.
var importExtensions = []string{".pem", ".crt", ".cer", ".der", ".p12", ".pfx", ".key"}

// importFile asks for a file and imports it.
func (p *certsPage) importFile() {
	p.openFile(taskImportCerts, importExtensions, certs.ReadImport, func(name string, data []byte) { p.importData(name, data, nil) })
}

// openFile asks the administrator for a file with one of exts, for task,
// reads it off the UI goroutine with read (which bounds it), and hands it
// to use on the UI goroutine; a read error is shown naming the file.
func (p *certsPage) openFile(task fileTask, exts []string, read func(io.Reader) ([]byte, error), use func(name string, data []byte)) {
	p.s.admin.require(func() {
		win := p.s.win
		d := p.s.u.newFileOpen(win, task, func(r fyne.URIReadCloser, err error) {
			if err != nil {
				showError(win, err)
				return
			}
			if r == nil {
				return
			}
			name := r.URI().Name()
			p.s.u.jobs.run(func() {
				data, err := read(r)
				r.Close()
				p.s.u.jobs.do(func() {
					if err != nil {
						showError(win, &certs.FileError{Name: name, Err: err})
						return
					}
					use(name, data)
				})
			})
		})
		d.SetFilter(storage.NewExtensionFileFilter(exts))
		d.Resize(dialogSize(win, 800, 600))
		showModal(win, d, nil)
	})
}

// paste imports certificates pasted as text (PEM).
func (p *certsPage) paste() {
	p.s.admin.require(func() {
		win := p.s.win
		text := widget.NewMultiLineEntry()
		text.SetPlaceHolder("-----BEGIN CERTIFICATE-----\n…\n-----END CERTIFICATE-----")
		text.SetMinRowsVisible(12)
		text.TextStyle = fyne.TextStyle{Monospace: true}
		d := dialog.NewCustomConfirm(tr("certs.paste.title"), tr("certs.paste.read"), tr("dialog.cancel"),
			container.NewBorder(wrapLabel(tr("certs.paste.intro")), nil, nil, nil, text), func(ok bool) {
				if ok && strings.TrimSpace(text.Text) != "" {
					p.importData(tr("certs.paste.name"), []byte(text.Text), nil)
				}
			}, win)
		d.Resize(dialogSize(win, 640, 480))
		showModal(win, d, nil)
		win.Canvas().Focus(text)
	})
}

// importData reads a file's content (off the UI goroutine) and goes on
// with the passphrase dialog, the preview, or the error.
func (p *certsPage) importData(name string, data, passphrase []byte) {
	win := p.s.win
	p.s.u.jobs.run(func() {
		b, err := certs.Parse(data, name, passphrase)
		p.s.u.jobs.do(func() {
			switch {
			case errors.Is(err, certs.ErrPassphraseRequired):
				p.askFilePassphrase(name, data, "")
			case errors.Is(err, certs.ErrWrongPassphrase):
				p.askFilePassphrase(name, data, errorText(err))
			case err != nil:
				showError(win, &certs.FileError{Name: name, Err: err})
			default:
				p.preview(b)
			}
		})
	})
}

// askFilePassphrase asks for the passphrase of an encrypted file (a
// PKCS#12 file, an encrypted key), showing why again after a wrong one.
func (p *certsPage) askFilePassphrase(name string, data []byte, problem string) {
	win := p.s.win
	pw := newPasswordEntry()
	msg := widget.NewLabel(problem)
	msg.Wrapping = fyne.TextWrapWord
	msg.Importance = widget.DangerImportance
	if problem == "" {
		msg.Hide()
	}
	var d *dialog.CustomDialog
	submit := func() {
		given := []byte(pw.Text)
		d.Hide()
		p.importData(name, data, given)
	}
	pw.OnSubmitted = func(string) { submit() }
	ok := widget.NewButton(tr("dialog.ok"), submit)
	ok.Importance = widget.HighImportance
	cancel := widget.NewButton(tr("dialog.cancel"), func() { d.Hide() })
	content := container.NewVBox(wrapLabel(trf("certs.file-passphrase.intro", map[string]any{"Name": name})),
		widget.NewForm(widget.NewFormItem(tr("passphrase.label"), pw)), msg)
	d = dialog.NewCustomWithoutButtons(tr("certs.file-passphrase.title"), content, win)
	d.SetButtons([]fyne.CanvasObject{cancel, ok})
	d.Resize(fyne.NewSize(460, d.MinSize().Height))
	showModal(win, d, nil)
	win.Canvas().Focus(pw)
}

// preview shows what a file holds before anything is stored: per
// certificate the subject, e-mail addresses, issuer, validity, usage and
// fingerprint, and the warning to verify certificates in person or by
// phone.
func (p *certsPage) preview(b *certs.Bundle) {
	win := p.s.win
	now := time.Now()
	warn := wrapBold("⚠ " + tr("advice.verify-in-person"))
	warn.Importance = widget.DangerImportance
	intro := trf("certs.preview.intro", map[string]any{"Name": b.Name,
		"Certs": trn("certs.preview.certs", len(b.Certs), map[string]any{"Count": len(b.Certs)}),
		"Keys":  trn("certs.preview.keys", len(b.Keys), map[string]any{"Count": len(b.Keys)})})
	items := []fyne.CanvasObject{wrapLabel(intro), warn}
	for i, s := range b.Summaries() {
		key := ""
		if s.HasKey {
			key = tr("certs.preview.with-key")
		}
		until := formatDate(s.NotAfter)
		if note := expiryNote(&s.Info, now); note != "" {
			until += "  ⚠ " + note
		}
		items = append(items, widget.NewSeparator(), boldLabel(s.Subject), fieldGrid(
			tr("cert.emails"), strings.Join(s.Emails, ", "),
			tr("cert.issuer-dn"), s.IssuerDN,
			tr("cert.valid-from"), formatDate(s.NotBefore),
			tr("cert.valid-until"), until,
			tr("cert.usage"), usageText(&s.Info),
			tr("cert.fingerprint"), groupedFingerprint(s.Fingerprint),
			tr("cert.private-key"), key,
		))
		if t := trustWarning(s, b.Certs[i]); t != "" {
			l := wrapBold(t)
			l.Importance = widget.WarningImportance
			items = append(items, l)
		}
	}
	if len(b.Certs) == 0 && len(b.Keys) > 0 {
		items = append(items, wrapLabel(tr("certs.preview.key-only")))
	}
	progress := widget.NewProgressBarInfinite()
	progress.Hide()
	items = append(items, progress)
	var d *dialog.CustomDialog
	var ok, cancel *widget.Button
	ok = widget.NewButton(tr("certs.preview.import"), func() {
		ok.Disable()
		cancel.Disable()
		progress.Show()
		progress.Start()
		store, ctx := p.s.u.c.Store, p.s.u.userCtx()
		p.s.u.jobs.run(func() {
			rep, err := store.Add(ctx, b)
			p.s.u.jobs.do(func() {
				progress.Stop()
				d.Hide()
				if err != nil {
					showError(win, &certs.FileError{Name: b.Name, Err: err})
					return
				}
				p.report(rep)
				p.reload()
			})
		})
	})
	ok.Importance = widget.HighImportance
	cancel = widget.NewButton(tr("dialog.cancel"), func() { d.Hide() })
	d = dialog.NewCustomWithoutButtons(tr("certs.preview.title"), container.NewVScroll(container.NewVBox(items...)), win)
	d.SetButtons([]fyne.CanvasObject{cancel, ok})
	d.Resize(dialogSize(win, 680, 560))
	showModal(win, d, nil)
}

// report says what an import did with each certificate and key.
func (p *certsPage) report(rep *certs.ImportReport) {
	var lines []string
	for _, it := range rep.Items {
		who := it.Summary.Subject
		if len(it.Summary.Emails) > 0 {
			who += " <" + strings.Join(it.Summary.Emails, ", ") + ">"
		}
		key := "certs.report.cert"
		if it.Kind == certs.ItemKey {
			key = "certs.report.key"
		}
		status := tr("certs.report.added")
		switch it.Status {
		case certs.StatusAlreadyStored:
			status = tr("certs.report.already")
		case certs.StatusKeyAttached:
			status = tr("certs.report.attached")
		}
		lines = append(lines, trf(key, map[string]any{"Who": who, "Status": status}))
	}
	showModal(p.s.win, dialog.NewInformation(reportTitle(rep), strings.Join(lines, "\n"), p.s.win), nil)
}

// reportTitle says in a word what an import did: "Imported" only when it
// stored something; a file whose every certificate and key was there
// already changed nothing, and must not read as if it had.
func reportTitle(rep *certs.ImportReport) string {
	for _, it := range rep.Items {
		if it.Status != certs.StatusAlreadyStored {
			return tr("certs.report.title")
		}
	}
	return tr("certs.report.title.already")
}

// trustWarning is what importing a certificate that vouches for itself
// or for others means: a CA makes every certificate it issues trusted, a
// self-signed certificate is trusted for its addresses on no one's word
// but the file's. Either must be compared by phone, by its fingerprint,
// with whoever sent it. "" for a certificate a CA issued.
func trustWarning(s certs.Summary, c *x509.Certificate) string {
	data := map[string]any{"Subject": s.Subject, "Emails": strings.Join(s.Emails, ", "),
		"Fingerprint": groupedFingerprint(s.Fingerprint)}
	switch {
	case s.IsCA:
		return "⚠ " + trf("certs.preview.trust-ca", data)
	case selfSigned(c):
		if len(s.Emails) == 0 {
			return "⚠ " + trf("certs.preview.trust-self.no-address", data)
		}
		return "⚠ " + trf("certs.preview.trust-self", data)
	}
	return ""
}

// selfSigned reports whether c names itself as its issuer and its own key
// signed it.
func selfSigned(c *x509.Certificate) bool {
	return c != nil && bytes.Equal(c.RawSubject, c.RawIssuer) &&
		c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}
