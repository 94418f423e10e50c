package ui

import (
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	ttwidget "github.com/dweymouth/fyne-tooltip/widget"

	"siegel/certs"
	"siegel/crypto/smime"
)

// certsPage is the Certificates tab (DESIGN.md §4): the store as a table —
// subject, e-mail addresses, issuer, usage, valid from, expires (coloured
// when expired or expiring within 30 days), a key when the private key is
// stored, "collected" for certificates taken from verified mail, and the
// fingerprint — with Import from file, Paste, Details, Export, Export with
// private key, and Delete; with revocation checking also Import CRL and
// the stored revocation lists (settings_crl.go), and each certificate's
// revocation status in its details.
type certsPage struct {
	s     *settingsWindow
	list  []certs.Summary
	sel   int // selected row, -1: none
	table *widget.Table
	// widths are the columns' widths as fitColumns set them.
	widths [numCols]float32
	count  *widget.Label

	importBtn, pasteBtn, detailsBtn, exportBtn, exportKeyBtn, deleteBtn *ttwidget.Button
	importCRLBtn, crlsBtn                                               *ttwidget.Button // nil without Cores.Revocations
}

func newCertsPage(s *settingsWindow) *certsPage {
	return &certsPage{s: s, sel: -1}
}

// The table's columns.
const (
	colKey = iota
	colSubject
	colEmails
	colIssuer
	colUsage
	colFrom
	colUntil
	colFingerprint
	colCollected
	numCols
)

// colWidths are the columns' least widths; a column grows to its header
// and its longest cell (up to maxColWidth), so that no header runs into
// the next (German "Schlüssel" is wider than the key icon) and no cell is
// cut where the table has room.
var colWidths = [numCols]float32{44, 120, 140, 110, 110, 90, 100, 190, 80}

// maxColWidth bounds a column that grows to its cells: a long subject or
// address list is cut there, with its whole text in the details.
const maxColWidth = 320

func (p *certsPage) build() fyne.CanvasObject {
	p.table = widget.NewTableWithHeaders(
		func() (int, int) { return len(p.list), numCols },
		func() fyne.CanvasObject { return newCertCell() },
		func(id widget.TableCellID, obj fyne.CanvasObject) { p.fill(id, obj.(*certCell)) },
	)
	p.table.ShowHeaderColumn = false
	p.table.CreateHeader = func() fyne.CanvasObject {
		l := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		l.Truncation = fyne.TextTruncateEllipsis
		return l
	}
	p.table.UpdateHeader = func(id widget.TableCellID, obj fyne.CanvasObject) {
		if id.Row == -1 {
			obj.(*widget.Label).SetText(tr(colHeaders[id.Col]))
		}
	}
	p.fitColumns()
	// A click selects the certificate, not the cell: the table's own
	// selection marks one cell, so it is given up at once and every cell
	// of the row draws the selection instead (certCell.selected).
	p.table.OnSelected = func(id widget.TableCellID) {
		p.selectRow(id.Row)
		p.table.Unselect(id)
	}
	p.importBtn = ttwidget.NewButtonWithIcon(tr("certs.import"), theme.FolderOpenIcon(), p.importFile)
	p.pasteBtn = ttwidget.NewButtonWithIcon(tr("certs.paste"), theme.ContentPasteIcon(), p.paste)
	p.detailsBtn = ttwidget.NewButtonWithIcon(tr("certs.details"), theme.InfoIcon(), p.details)
	p.exportBtn = ttwidget.NewButtonWithIcon(tr("certs.export"), theme.DocumentSaveIcon(), p.export)
	p.exportKeyBtn = ttwidget.NewButtonWithIcon(tr("certs.export-key"), iconKey, p.exportWithKey)
	p.deleteBtn = ttwidget.NewButtonWithIcon(tr("certs.delete"), theme.DeleteIcon(), p.delete)
	p.deleteBtn.Importance = widget.DangerImportance
	p.count = widget.NewLabel("")
	left := []fyne.CanvasObject{p.importBtn, p.pasteBtn}
	p.importCRLBtn, p.crlsBtn = nil, nil
	if p.s.u.c.Revocations != nil {
		p.importCRLBtn = ttwidget.NewButtonWithIcon(tr("certs.import-crl"), theme.FolderOpenIcon(), p.importCRL)
		p.crlsBtn = ttwidget.NewButtonWithIcon(tr("certs.crls"), theme.ListIcon(), p.showCRLs)
		p.crlsBtn.SetToolTip(tr("certs.crls.tip"))
		left = append(left, p.importCRLBtn, p.crlsBtn)
	}
	p.enableButtons()
	// Wrapped into a second row where the window is narrow (1600×1000
	// at 150 % is 1066 wide): in one row, the buttons made the window
	// wider than the screen.
	buttons := container.New(layout.NewRowWrapLayout(), append(left, p.detailsBtn, p.exportBtn, p.exportKeyBtn, p.deleteBtn)...)
	return container.NewBorder(container.NewPadded(buttons), p.count, nil, nil, p.table)
}

var colHeaders = [numCols]string{"certs.col.key", "certs.col.subject", "certs.col.emails", "certs.col.issuer",
	"certs.col.usage", "certs.col.from", "certs.col.until", "certs.col.fingerprint", "certs.col.collected"}

// reload reads the store.
func (p *certsPage) reload() {
	store, ctx := p.s.u.c.Store, p.s.u.ctx
	p.s.u.jobs.run(func() {
		list, err := store.List(ctx)
		p.s.u.jobs.do(func() {
			if err != nil {
				showError(p.s.win, err)
				return
			}
			var selFP string
			if p.sel >= 0 && p.sel < len(p.list) {
				selFP = p.list[p.sel].Fingerprint
			}
			p.list = list
			p.sel = -1
			for i, s := range list {
				if s.Fingerprint == selFP {
					p.sel = i
				}
			}
			p.fitColumns()
			p.count.SetText(trn("certs.count", len(list), map[string]any{"Count": len(list)}))
			p.table.Refresh()
			p.enableButtons()
		})
	})
}

func (p *certsPage) selected() (certs.Summary, bool) {
	if p.sel < 0 || p.sel >= len(p.list) {
		return certs.Summary{}, false
	}
	return p.list[p.sel], true
}

// lockChanged follows the administrator lock.
func (p *certsPage) lockChanged() { p.enableButtons() }

// enableButtons enables what the selection and the lock allow; a closed
// button's tooltip says why.
func (p *certsPage) enableButtons() {
	if p.importBtn == nil {
		return
	}
	open := p.s.admin.open()
	sel, ok := p.selected()
	lockable(p.importBtn, open, tr("certs.import.tip"))
	lockable(p.pasteBtn, open, tr("certs.paste.tip"))
	if p.importCRLBtn != nil {
		lockable(p.importCRLBtn, open, tr("certs.import-crl.tip"))
	}
	choose := func(b *ttwidget.Button, enabled bool, tip string) {
		b.SetToolTip(tip)
		if enabled {
			b.Enable()
		} else {
			b.Disable()
		}
	}
	choose(p.detailsBtn, ok, tr("certs.details.tip"))
	choose(p.exportBtn, ok, tr("certs.export.tip"))
	switch {
	case !ok:
		choose(p.exportKeyBtn, false, tr("certs.export-key.tip"))
		choose(p.deleteBtn, false, tr("certs.delete.tip"))
	default:
		if sel.HasKey {
			lockable(p.exportKeyBtn, open, tr("certs.export-key.tip"))
		} else {
			choose(p.exportKeyBtn, false, joinLines(tr("certs.export-key.tip"), "", tr("certs.export-key.no-key")))
		}
		lockable(p.deleteBtn, open, tr("certs.delete.tip"))
	}
}

// selectRow selects a certificate (-1: none) and marks its whole row.
func (p *certsPage) selectRow(row int) {
	p.sel = row
	p.table.Refresh()
	p.enableButtons()
}

// fitColumns sets each column to the width its header and its cells need,
// at least colWidths and at most maxColWidth.
func (p *certsPage) fitColumns() {
	pad := 2*theme.InnerPadding() + 1 // a label cuts text exactly as wide as its room
	bold := fyne.TextStyle{Bold: true}
	now := time.Now()
	for c := range numCols {
		w := max(colWidths[c], fyne.MeasureText(tr(colHeaders[c]), theme.TextSize(), bold).Width+pad)
		// A fingerprint's width follows its digits: its column is fixed,
		// wide enough for any.
		if c != colKey && c != colFingerprint {
			for _, s := range p.list {
				text, style := cellText(s, c, now)
				w = max(w, min(fyne.MeasureText(text, theme.TextSize(), style).Width+pad, maxColWidth))
			}
		}
		p.widths[c] = w
		p.table.SetColumnWidth(c, w)
	}
}

// fill writes one cell.
func (p *certsPage) fill(id widget.TableCellID, cell *certCell) {
	if id.Row < 0 || id.Row >= len(p.list) {
		return
	}
	s := p.list[id.Row]
	cell.setSelected(id.Row == p.sel)
	cell.icon.Hide()
	cell.label.Show()
	if id.Col == colKey {
		cell.label.Hide()
		if s.HasKey {
			cell.icon.SetResource(iconKey)
			cell.icon.Show()
		}
		return
	}
	text, style := cellText(s, id.Col, time.Now())
	cell.label.TextStyle = style
	cell.label.Importance = widget.MediumImportance
	if id.Col == colUntil {
		switch {
		case time.Now().After(s.NotAfter):
			cell.label.Importance = widget.DangerImportance
		case style.Bold:
			cell.label.Importance = widget.WarningImportance
		}
	}
	cell.label.SetText(text)
	cell.label.Refresh()
}

// cellText is what a column shows of a certificate, and in which style:
// bold for an expired or soon expiring end.
func cellText(s certs.Summary, col int, now time.Time) (string, fyne.TextStyle) {
	switch col {
	case colSubject:
		return s.Subject, fyne.TextStyle{}
	case colEmails:
		return strings.Join(s.Emails, ", "), fyne.TextStyle{}
	case colIssuer:
		return s.Issuer, fyne.TextStyle{}
	case colUsage:
		return usageText(&s.Info), fyne.TextStyle{}
	case colFrom:
		return formatDate(s.NotBefore), fyne.TextStyle{}
	case colUntil:
		text := formatDate(s.NotAfter)
		switch {
		case now.After(s.NotAfter):
			return text + " · " + tr("cert.expired"), fyne.TextStyle{Bold: true}
		case s.NotAfter.Sub(now) <= expiryWarning:
			return text + " · " + expiryNote(&s.Info, now), fyne.TextStyle{Bold: true}
		}
		return text, fyne.TextStyle{}
	case colFingerprint:
		return shortFingerprint(s.Fingerprint), fyne.TextStyle{}
	case colCollected:
		if s.Collected {
			return tr("certs.collected"), fyne.TextStyle{}
		}
	}
	return "", fyne.TextStyle{}
}

// certCell is a table cell: a label, or the key icon, on the selection's
// colour when its row is selected.
type certCell struct {
	widget.BaseWidget
	bg    *canvas.Rectangle
	label *widget.Label
	icon  *widget.Icon
}

func newCertCell() *certCell {
	c := &certCell{bg: canvas.NewRectangle(theme.Color(theme.ColorNameSelection)), label: widget.NewLabel(""), icon: widget.NewIcon(iconKey)}
	c.bg.Hide()
	c.label.Truncation = fyne.TextTruncateEllipsis
	c.icon.Hide()
	c.ExtendBaseWidget(c)
	return c
}

// setSelected shows or hides the selection behind the cell.
func (c *certCell) setSelected(on bool) {
	c.bg.FillColor = theme.Color(theme.ColorNameSelection)
	c.bg.Hidden = !on
	c.bg.Refresh()
}

func (c *certCell) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewStack(c.bg, c.label, container.NewCenter(c.icon)))
}

// details shows the selected certificate in full.
func (p *certsPage) details() {
	sel, ok := p.selected()
	if !ok {
		return
	}
	store, revs, ctx, win := p.s.u.c.Store, p.s.u.c.Revocations, p.s.u.userCtx(), p.s.win
	p.s.u.jobs.run(func() {
		e, err := store.Get(ctx, sel.Fingerprint)
		var rev *smime.Revocation
		if err == nil && revs != nil {
			// What is known already: the details never wait for a CA.
			r, rerr := revs.Status(ctx, sel.Fingerprint)
			if rerr != nil {
				r = smime.Revocation{Status: smime.RevUnknown, Reason: errorText(rerr)}
			}
			rev = &r
		}
		p.s.u.jobs.do(func() {
			if err != nil {
				showError(win, err)
				return
			}
			info := e.Summary.Info
			items := []fyne.CanvasObject{certBlock(p.s.u, win, &info, e.Cert.Raw, time.Now())}
			if rev != nil {
				items = append(items, fieldGrid(tr("details.revocation"), strings.Join(revocationLines(rev, revCert, true), "\n")))
			}
			notes := []string{}
			if e.Summary.HasKey {
				notes = append(notes, tr("certs.has-key"))
			}
			if e.Summary.Collected {
				notes = append(notes, tr("certs.collected.tip"))
			}
			if !e.Summary.ImportedAt.IsZero() {
				notes = append(notes, trf("certs.imported-at", map[string]any{"Time": formatTime(e.Summary.ImportedAt)}))
			}
			items = append(items, wrapLabel(joinLines(notes...)))
			d := dialog.NewCustom(e.Summary.Subject, tr("dialog.close"), container.NewVScroll(container.NewVBox(items...)), win)
			d.Resize(dialogSize(win, 720, 560))
			showModal(win, d, nil)
		})
	})
}

// export writes the selected certificate as PEM or DER; a certificate is
// public, so no password is needed.
func (p *certsPage) export() {
	sel, ok := p.selected()
	if !ok {
		return
	}
	win := p.s.win
	format := widget.NewRadioGroup([]string{tr("certs.export.pem"), tr("certs.export.der")}, nil)
	format.SetSelected(tr("certs.export.pem"))
	showModal(win, dialog.NewCustomConfirm(tr("certs.export.title"), tr("certs.export.choose"), tr("dialog.cancel"),
		container.NewVBox(wrapLabel(trf("certs.export.intro", map[string]any{"Subject": sel.Subject})), format),
		func(ok bool) {
			if !ok {
				return
			}
			der := format.Selected == tr("certs.export.der")
			store, ctx := p.s.u.c.Store, p.s.u.userCtx()
			p.s.u.jobs.run(func() {
				var data []byte
				var err error
				name := fileName(sel.Subject)
				if der {
					data, err = store.ExportDER(ctx, sel.Fingerprint)
					name += ".der"
				} else {
					data, err = store.ExportPEM(ctx, sel.Fingerprint)
					name += ".pem"
				}
				p.s.u.jobs.do(func() {
					if err != nil {
						showError(win, err)
						return
					}
					p.s.u.saveBytes(win, taskSaveCert, name, data)
				})
			})
		}, win), nil)
}

// exportWithKey writes the selected certificate with its private key and
// chain as PKCS#12, protected by a new passphrase asked twice. It needs
// the administrator password when one is set.
func (p *certsPage) exportWithKey() {
	sel, ok := p.selected()
	if !ok || !sel.HasKey {
		return
	}
	p.s.admin.require(func() {
		win := p.s.win
		showSecretDialog(win, secretSpec{
			title: tr("certs.export-key.title"),
			intro: trf("certs.export-key.intro", map[string]any{"Subject": sel.Subject}),
			ok:    tr("certs.export-key.do"), label: tr("passphrase.new"), empty: tr("error.certs.empty-passphrase"),
			done: func(s *secretDialog, pw []byte) {
				s.d.Hide()
				store, ctx := p.s.u.c.Store, p.s.u.userCtx()
				p.s.u.jobs.run(func() {
					data, err := store.ExportPKCS12(ctx, sel.Fingerprint, pw)
					clear(pw)
					p.s.u.jobs.do(func() {
						if err != nil {
							showError(win, err)
							return
						}
						p.s.u.saveBytes(win, taskSaveKey, fileName(sel.Subject)+".p12", data)
					})
				})
			},
		})
	})
}

// delete removes the selected certificate (and its key) after a
// confirmation. It needs the administrator password when one is set.
func (p *certsPage) delete() {
	sel, ok := p.selected()
	if !ok {
		return
	}
	p.s.admin.require(func() {
		win := p.s.win
		key := "certs.delete.confirm"
		if sel.HasKey {
			key = "certs.delete.confirm-key"
		}
		msg := trf(key, map[string]any{"Subject": sel.Subject, "Emails": strings.Join(sel.Emails, ", "),
			"Fingerprint": groupedFingerprint(sel.Fingerprint)})
		d := dialog.NewConfirm(tr("certs.delete.title"), msg, func(yes bool) {
			if !yes {
				return
			}
			store, ctx := p.s.u.c.Store, p.s.u.userCtx()
			p.s.u.jobs.run(func() {
				err := store.Delete(ctx, sel.Fingerprint)
				p.s.u.jobs.do(func() {
					showError(win, err)
					p.reload()
				})
			})
		}, win)
		d.SetConfirmText(tr("certs.delete"))
		d.SetDismissText(tr("dialog.cancel"))
		d.SetConfirmImportance(widget.DangerImportance)
		showModal(win, d, nil)
	})
}
