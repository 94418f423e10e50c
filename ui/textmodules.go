package ui

import (
	"errors"
	"strings"
	"unicode"

	"fyne.io/fyne/v2/theme"

	siegelmail "siegel/mail"
)

// moduleToken finds a text module's name being typed: "::" and the name
// so far right before the cursor, the "::" at the start of a line or
// after a space (so "fe80::1" stays an address). It returns the name and
// the length of "::name" in characters.
func moduleToken(text string, cursor int) (name string, n int, ok bool) {
	runes := []rune(text)
	if cursor > len(runes) {
		cursor = len(runes)
	}
	i := cursor
	for i > 0 && moduleNameRune(runes[i-1]) {
		i--
	}
	if i < 2 || runes[i-1] != ':' || runes[i-2] != ':' {
		return "", 0, false
	}
	if i > 2 && !unicode.IsSpace(runes[i-3]) {
		return "", 0, false
	}
	return string(runes[i:cursor]), cursor - i + 2, true
}

// moduleNameRune reports whether r may be part of a module's name (as
// the desk allows them).
func moduleNameRune(r rune) bool {
	return r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 127 && unicode.IsLetter(r)
}

// offerModules looks up the text modules for the name typed after "::"
// and offers them, or closes the list when no name is being typed.
func (c *composer) offerModules() {
	name, _, ok := moduleToken(c.body.Text, c.body.CursorTextOffset())
	if !ok {
		c.moduleList.hide()
		return
	}
	c.moduleGen++
	gen := c.moduleGen
	desk, ctx := c.u.c.Desk, c.u.userCtx()
	c.u.jobs.run(func() {
		mods, err := desk.TextModules(ctx, name)
		c.u.jobs.do(func() {
			if gen != c.moduleGen || c.closed {
				return
			}
			if err != nil {
				c.setStatus(errorText(err), true)
				return
			}
			var items []suggestion
			for _, m := range mods {
				items = append(items, suggestion{icon: theme.DocumentIcon(), label: "::" + m.Name + "  " + firstLine(m.Text), insert: m.Text})
			}
			pos := c.body.CursorPosition().AddXY(0, theme.TextSize()+2*theme.InnerPadding())
			c.moduleList.show(items, pos)
		})
	})
}

// insertModule puts a module's text in place of "::name".
func (c *composer) insertModule(s suggestion) {
	_, n, ok := moduleToken(c.body.Text, c.body.CursorTextOffset())
	if !ok {
		return
	}
	c.inserting = true
	replaceBeforeCursor(&c.body.Entry, n, s.insert)
	c.inserting = false
	c.edited(false)
}

// firstLine is a module's text cut to its first line, to tell modules
// apart in the list.
func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if r := []rune(s); len(r) > 40 {
		s = string(r[:40]) + "…"
	}
	return s
}

// moduleErrorText words the desk's refusals of a text module.
func moduleErrorText(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, siegelmail.ErrModuleName):
		return tr("modules.error.name")
	case errors.Is(err, siegelmail.ErrModuleTaken):
		return tr("modules.error.taken")
	case errors.Is(err, siegelmail.ErrModuleSize):
		return tr("modules.error.size")
	}
	return errorText(err)
}
