package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// addressToken is the address being typed in a To or Cc field: what
// follows the last comma or semicolon before the cursor, without the
// spaces before it. n is its length in characters.
func addressToken(text string, cursor int) (token string, n int) {
	runes := []rune(text)
	if cursor > len(runes) {
		cursor = len(runes)
	}
	i := cursor
	for i > 0 && runes[i-1] != ',' && runes[i-1] != ';' {
		i--
	}
	token = strings.TrimLeft(string(runes[i:cursor]), " \t")
	return token, len([]rune(token))
}

// offerContacts looks up the known contacts for what is typed in e (To
// or Cc) and offers them, a lock by those with a certificate, so the
// agent sees before sending whom Encrypt can reach.
func (c *composer) offerContacts(e *entry, list *suggestions) {
	token, _ := addressToken(e.Text, e.CursorTextOffset())
	if strings.TrimSpace(token) == "" || strings.ContainsAny(token, "<>") {
		list.hide()
		return
	}
	c.contactGen++
	gen := c.contactGen
	desk, ctx := c.u.c.Desk, c.u.userCtx()
	c.u.jobs.run(func() {
		found, err := desk.Contacts(ctx, token, maxSuggestions)
		c.u.jobs.do(func() {
			if gen != c.contactGen || c.closed {
				return
			}
			if err != nil {
				list.hide()
				return
			}
			var items []suggestion
			for _, ct := range found {
				it := suggestion{label: person(ct.Name, ct.Address), insert: addressFor(ct.Name, ct.Address), icon: theme.AccountIcon()}
				if ct.HasCert {
					it.icon = iconLock
					it.label += "  · " + tr("compose.contact.has-cert")
				}
				items = append(items, it)
			}
			list.show(items, fyne.NewPos(0, e.Size().Height))
		})
	})
}

// insertContact puts the chosen contact in place of what was typed.
func (c *composer) insertContact(e *entry, s suggestion) {
	_, n := addressToken(e.Text, e.CursorTextOffset())
	c.inserting = true
	replaceBeforeCursor(&e.Entry, n, s.insert)
	c.inserting = false
	c.edited(true)
}

// addressFor writes "Name <address>" as a recipient field takes it: a
// name with a comma or another special character in quotes, so the field
// still reads as one address.
func addressFor(name, addr string) string {
	name = strings.TrimSpace(name)
	if name == "" {
		return addr
	}
	if strings.ContainsAny(name, `,;<>()[]:@\".`) {
		name = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(name) + `"`
	}
	return name + " <" + addr + ">"
}
