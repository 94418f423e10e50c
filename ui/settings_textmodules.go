package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"siegel/mail"
)

// modulesPage is the Text modules tab: the stock texts the agent inserts
// with "::" and a name in the message (Zammad's "Textbausteine"). The
// list on the left, the chosen one (or a new one) on the right with its
// name and text, Save and Delete.
type modulesPage struct {
	s       *settingsWindow
	mods    []mail.TextModule
	editing int64 // the module on the right; 0: a new one

	list    *widget.List
	name    *widget.Entry
	text    *widget.Entry
	status  *widget.Label
	save    *widget.Button
	delete  *widget.Button
	newBtn  *widget.Button
	editBox *fyne.Container
}

func newModulesPage(s *settingsWindow) *modulesPage { return &modulesPage{s: s} }

func (p *modulesPage) build() fyne.CanvasObject {
	p.list = widget.NewList(func() int { return len(p.mods) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(p.mods) {
				o.(*widget.Label).SetText("::" + p.mods[i].Name)
			}
		})
	p.list.OnSelected = func(i widget.ListItemID) {
		if i < len(p.mods) {
			p.edit(p.mods[i])
		}
	}
	p.newBtn = widget.NewButtonWithIcon(tr("modules.new"), theme.ContentAddIcon(), func() {
		p.list.UnselectAll()
		p.edit(mail.TextModule{})
	})
	p.name = widget.NewEntry()
	p.name.SetPlaceHolder(tr("modules.name.placeholder"))
	p.text = widget.NewMultiLineEntry()
	p.text.Wrapping = fyne.TextWrapWord
	p.text.SetMinRowsVisible(6)
	p.status = wrapLabel("")
	p.status.Importance = widget.DangerImportance
	p.status.Hide()
	p.save = widget.NewButtonWithIcon(tr("modules.save"), theme.DocumentSaveIcon(), p.store)
	p.save.Importance = widget.HighImportance
	p.delete = widget.NewButtonWithIcon(tr("modules.delete"), theme.DeleteIcon(), p.remove)

	form := container.New(layout.NewFormLayout(), widget.NewLabel(tr("modules.name")), p.name)
	buttons := container.NewHBox(layout.NewSpacer(), p.delete, p.save)
	p.editBox = container.NewBorder(container.NewVBox(wrapLabel(tr("modules.note")), form),
		container.NewVBox(p.status, buttons), nil, nil, p.text)
	left := container.NewBorder(heading(tr("settings.modules")), p.newBtn, nil, nil, p.list)
	split := container.NewHSplit(left, p.editBox)
	split.Offset = 0.3
	p.edit(p.current())
	return container.NewPadded(split)
}

// current is the module on the right, as stored.
func (p *modulesPage) current() mail.TextModule {
	for _, m := range p.mods {
		if m.ID == p.editing {
			return m
		}
	}
	return mail.TextModule{}
}

// edit shows a module on the right (ID 0: a new one).
func (p *modulesPage) edit(m mail.TextModule) {
	p.editing = m.ID
	p.name.SetText(m.Name)
	p.text.SetText(m.Text)
	p.showStatus("")
	if m.ID == 0 {
		p.delete.Disable()
	} else {
		p.delete.Enable()
	}
}

func (p *modulesPage) showStatus(text string) {
	p.status.SetText(text)
	p.status.Hidden = text == ""
	p.status.Refresh()
}

// reload reads the modules, keeping the one being edited on the right.
func (p *modulesPage) reload() {
	desk, ctx := p.s.u.c.Desk, p.s.u.ctx
	p.s.u.jobs.run(func() {
		mods, err := desk.TextModules(ctx, "")
		p.s.u.jobs.do(func() {
			if err != nil {
				p.showStatus(moduleErrorText(err))
				return
			}
			p.mods = mods
			if p.list == nil {
				return
			}
			p.list.Refresh()
			for i, m := range mods {
				if m.ID == p.editing {
					p.list.Select(i)
				}
			}
		})
	})
}

// store saves the module on the right; a refusal is worded beside Save.
func (p *modulesPage) store() {
	m := mail.TextModule{ID: p.editing, Name: p.name.Text, Text: p.text.Text}
	desk, ctx := p.s.u.c.Desk, p.s.u.userCtx()
	p.save.Disable()
	p.s.u.jobs.run(func() {
		id, err := desk.SaveTextModule(ctx, m)
		p.s.u.jobs.do(func() {
			p.save.Enable()
			if err != nil {
				p.showStatus(moduleErrorText(err))
				return
			}
			p.editing = id
			p.showStatus("")
			p.delete.Enable()
			p.reload()
		})
	})
}

// remove deletes the module on the right, after asking.
func (p *modulesPage) remove() {
	m := p.current()
	if m.ID == 0 {
		return
	}
	ask := dialog.NewCustomConfirm(tr("modules.delete.title"), tr("modules.delete"), tr("modules.cancel"),
		wrapLabel(trf("modules.delete.question", map[string]any{"Name": m.Name})), func(ok bool) {
			if ok {
				p.deleteNow(m)
			}
		}, p.s.win)
	showModal(p.s.win, ask, nil)
}

// deleteNow deletes a module the agent confirmed.
func (p *modulesPage) deleteNow(m mail.TextModule) {
	desk, ctx := p.s.u.c.Desk, p.s.u.userCtx()
	p.s.u.jobs.run(func() {
		err := desk.DeleteTextModule(ctx, m.ID)
		p.s.u.jobs.do(func() {
			if err != nil {
				p.showStatus(moduleErrorText(err))
				return
			}
			p.list.UnselectAll()
			p.edit(mail.TextModule{})
			p.reload()
		})
	})
}
