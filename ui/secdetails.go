package ui

import (
	"encoding/pem"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"siegel/crypto/certinfo"
	"siegel/crypto/smime"
)

// showSecurityDetails opens the details of a security result: every
// layer from the outside in, with its kind, state and reason, the signers
// with their certificates and chains, the envelopes with their
// algorithms and our certificate, each certificate in full and with a way
// to copy or save it as PEM.
func showSecurityDetails(u *UI, win fyne.Window, r *smime.Result) {
	now := time.Now()
	items := []fyne.CanvasObject{
		fieldGrid(
			tr("details.encryption"), tr(orEncNone(r.Encryption).MessageKey()),
			tr("details.signature"), tr(orSigNone(r.Signature).MessageKey()),
			tr("details.revocation"), strings.Join(revocationLines(r.Revocation, revSigner, true), "\n"),
			tr("details.analysed"), formatTime(r.Analysed),
		),
	}
	if len(r.Layers) == 0 {
		items = append(items, wrapLabel(tr("details.no-layers")))
	} else {
		items = append(items, protectedSection(r)...)
	}
	for i, l := range r.Layers {
		items = append(items, widget.NewSeparator(),
			heading(trf("details.layer", map[string]any{"N": i + 1, "Kind": tr("layer." + string(l.Kind))})))
		var state string
		if l.Kind == smime.LayerSigned || l.Kind == smime.LayerOpaqueSigned {
			state = tr("signature." + l.State)
		} else {
			state = tr("encryption." + l.State)
		}
		recipients := ""
		if l.Recipients > 0 {
			recipients = trf("details.recipients.count", map[string]any{"Count": l.Recipients})
		}
		items = append(items, fieldGrid(
			tr("details.state"), state,
			tr("details.reason"), l.Reason,
			tr("details.cipher"), l.Cipher,
			tr("details.key-transport"), l.KeyTransport,
			tr("details.recipients"), recipients,
		))
		for j, s := range l.Signers {
			items = append(items, boldLabel(trf("details.signer", map[string]any{"N": j + 1})), fieldGrid(
				tr("details.state"), tr(orSigNone(s.State).MessageKey()),
				tr("details.reason"), s.Reason,
				tr("details.digest"), s.Digest,
				tr("details.signature-algorithm"), s.Signature,
				tr("details.signing-time"), formatTime(s.SigningTime),
				tr("details.revocation"), strings.Join(revocationLines(s.Revocation, revSigner, true), "\n"),
			))
			if s.Cert != nil {
				items = append(items, certBlock(u, win, s.Cert, s.CertDER, now))
			} else {
				items = append(items, wrapLabel(tr("details.no-signer-cert")))
			}
			for k := 1; k < len(s.Chain); k++ {
				items = append(items, boldLabel(trf("details.chain-cert", map[string]any{"N": k})),
					certBlock(u, win, &s.Chain[k], nil, now))
			}
		}
		if l.Recipient != nil {
			items = append(items, boldLabel(tr("details.our-cert")), certBlock(u, win, l.Recipient, nil, now))
		}
	}
	d := dialog.NewCustom(tr("details.title"), tr("dialog.close"), container.NewVScroll(container.NewVBox(items...)), win)
	d.Resize(dialogSize(win, 760, 620))
	showModal(win, d, nil)
}

// protectedSection is the details' part on the protected header (RFC
// 9788): its form, what covers it, and the fields that stand otherwise
// outside, with their outer values; or that there is none, so that the
// header fields stand unprotected beside the verdict.
func protectedSection(r *smime.Result) []fyne.CanvasObject {
	items := []fyne.CanvasObject{widget.NewSeparator(), heading(tr("details.protected"))}
	p := r.Protected
	if p == nil {
		where := "encryption"
		if orSigNone(r.Signature) != smime.SigNone {
			where = "signature"
		}
		return append(items, wrapLabel(tr("details.protected.none."+where)))
	}
	covered := tr("details.protected.covered.encryption")
	if p.Signed {
		covered = tr("details.protected.covered.signature")
	}
	return append(items, fieldGrid(
		tr("details.protected.mode"), tr("protected.mode."+p.Mode),
		tr("details.protected.covered"), covered,
		tr("details.protected.differs"), fieldValueLines(p.Differs, &r.Envelope),
		tr("details.protected.obscured"), fieldValueLines(p.Obscured, &r.Envelope),
	))
}

// dialogSize is a dialog size that fits the window.
func dialogSize(win fyne.Window, w, h float32) fyne.Size {
	s := win.Canvas().Size()
	if s.Width > 0 {
		w = min(w, s.Width-40)
	}
	if s.Height > 0 {
		h = min(h, s.Height-40)
	}
	return fyne.NewSize(w, h)
}

func heading(text string) *widget.Label {
	l := boldLabel(text)
	l.SizeName = theme.SizeNameSubHeadingText
	return l
}

// certBlock shows a certificate in full with Copy PEM and Save PEM. der
// may be nil: the certificate is then taken from the store when needed.
func certBlock(u *UI, win fyne.Window, info *certinfo.Info, der []byte, now time.Time) fyne.CanvasObject {
	until := formatDate(info.NotAfter)
	if note := expiryNote(info, now); note != "" {
		until += "  ⚠ " + note
	}
	fields := fieldGrid(
		tr("cert.subject"), info.SubjectDN,
		tr("cert.emails"), strings.Join(info.Emails, ", "),
		tr("cert.issuer-dn"), info.IssuerDN,
		tr("cert.serial"), info.Serial,
		tr("cert.valid-from"), formatTime(info.NotBefore),
		tr("cert.valid-until"), until,
		tr("cert.fingerprint"), groupedFingerprint(info.Fingerprint),
		tr("cert.key-type"), info.KeyDescription(),
		tr("cert.usage"), usageText(info),
	)
	getPEM := func(then func([]byte)) {
		if der != nil {
			then(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
			return
		}
		fp, store, ctx := info.Fingerprint, u.c.Store, u.userCtx()
		u.jobs.run(func() {
			p, err := store.ExportPEM(ctx, fp)
			u.jobs.do(func() {
				if err != nil {
					showError(win, err)
					return
				}
				then(p)
			})
		})
	}
	copyBtn := widget.NewButtonWithIcon(tr("cert.copy-pem"), theme.ContentCopyIcon(), func() {
		getPEM(func(p []byte) { u.app.Clipboard().SetContent(string(p)) })
	})
	saveBtn := widget.NewButtonWithIcon(tr("cert.save-pem"), theme.DocumentSaveIcon(), func() {
		getPEM(func(p []byte) { u.saveBytes(win, taskSaveCert, fileName(info.Subject)+".pem", p) })
	})
	return container.NewVBox(fields, container.NewHBox(copyBtn, saveBtn))
}

// usageText is what a certificate is for, in words.
func usageText(info *certinfo.Info) string {
	switch {
	case info.IsCA:
		return tr("usage.ca")
	case info.CanSign && info.CanEncrypt:
		return tr("usage.sign-encrypt")
	case info.CanSign:
		return tr("usage.sign")
	case info.CanEncrypt:
		return tr("usage.encrypt")
	default:
		return tr("usage.none")
	}
}

// fileName makes a file name from a certificate subject.
func fileName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '/' || r == '\\' || r == ':' || r == '*' || r == '?' || r == '"' || r == '<' || r == '>' || r == '|' || r < ' ':
			return '_'
		}
		return r
	}, strings.TrimSpace(s))
	if s == "" {
		return "certificate"
	}
	return s
}

// saveBytes asks where to save data for task, offering name, and writes
// it there.
func (u *UI) saveBytes(win fyne.Window, task fileTask, name string, data []byte) {
	d := u.newFileSave(win, task, name, func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			showError(win, err)
			return
		}
		if w == nil {
			return // cancelled
		}
		u.jobs.run(func() {
			_, err := w.Write(data)
			if cerr := w.Close(); err == nil {
				err = cerr
			}
			u.jobs.do(func() { showError(win, err) })
		})
	})
	d.Resize(dialogSize(win, 800, 600))
	showModal(win, d, nil)
}
