package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"siegel/certs"
	"siegel/certs/revocation"
)

// An administrator imports a CA's certificate revocation list when online
// checks are off (or the CA publishes none Siegel can reach): the core
// checks it against the CA certificate in the store, and from then on it
// counts offline too. The stored lists, imported and fetched, are shown
// in a dialog.

// crlExtensions are the files the CRL import offers.
var crlExtensions = []string{".crl", ".pem", ".der"}

// importCRL asks for a CRL file and imports it.
func (p *certsPage) importCRL() {
	p.openFile(taskImportCRL, crlExtensions, revocation.ReadCRL, p.importCRLData)
}

// importCRLData hands a CRL file's content to the core and says what it
// did: the issuer, the number of revoked certificates and the next
// update, or why the list was refused.
func (p *certsPage) importCRLData(name string, data []byte) {
	if !p.s.admin.open() {
		return
	}
	revs, ctx, win := p.s.u.c.Revocations, p.s.u.userCtx(), p.s.win
	p.s.u.jobs.run(func() {
		info, err := revs.ImportCRL(ctx, data)
		p.s.u.jobs.do(func() {
			if err != nil {
				showError(win, &certs.FileError{Name: name, Err: err})
				return
			}
			lines := []string{
				trf("certs.crl.imported", map[string]any{"Issuer": info.Issuer}),
				trf("certs.crl.entries", map[string]any{"Count": info.Entries}),
			}
			if !info.NextUpdate.IsZero() {
				lines = append(lines, trf("certs.crl.next-update", map[string]any{"Time": formatTime(info.NextUpdate)}))
			}
			showModal(win, dialog.NewInformation(tr("certs.crl.imported.title"), joinLines(lines...), win), nil)
		})
	})
}

// showCRLs lists the stored revocation lists: per list its issuer, when
// it was issued and is due again, how many certificates it revokes, and
// whether it was imported or fetched (and from where).
func (p *certsPage) showCRLs() {
	revs, ctx, win := p.s.u.c.Revocations, p.s.u.userCtx(), p.s.win
	p.s.u.jobs.run(func() {
		list, err := revs.CRLs(ctx)
		p.s.u.jobs.do(func() {
			if err != nil {
				showError(win, err)
				return
			}
			d := dialog.NewCustom(tr("certs.crls.title"), tr("dialog.close"), container.NewVScroll(crlList(list)), win)
			d.Resize(dialogSize(win, 640, 480))
			showModal(win, d, nil)
		})
	})
}

// crlList shows the stored revocation lists, one block each.
func crlList(list []revocation.CRLInfo) fyne.CanvasObject {
	if len(list) == 0 {
		return wrapLabel(tr("certs.crls.none"))
	}
	box := container.NewVBox()
	for i, c := range list {
		if i > 0 {
			box.Add(widget.NewSeparator())
		}
		next := formatTime(c.NextUpdate)
		if next == "" {
			next = tr("certs.crls.no-next-update")
		}
		origin := trf("certs.crls.fetched", map[string]any{"Time": formatTime(c.FetchedAt)})
		if c.Imported {
			origin = trf("certs.crls.imported", map[string]any{"Time": formatTime(c.FetchedAt)})
		}
		box.Add(boldLabel(c.Issuer))
		box.Add(fieldGrid(
			tr("certs.crls.this-update"), formatTime(c.ThisUpdate),
			tr("certs.crls.next-update"), next,
			tr("certs.crls.entries"), fmt.Sprint(c.Entries),
			tr("certs.crls.origin"), origin,
			tr("certs.crls.url"), c.URL,
		))
	}
	return box
}
