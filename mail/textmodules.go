package mail

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// TextModule is a stock text the agent inserts by typing "::" and its
// name (Zammad's "Textbausteine").
type TextModule struct {
	ID   int64
	Name string
	Text string
}

// Errors of the text modules.
var (
	ErrModuleName  = errors.New("mail: a text module needs a name of letters, digits, - or _")
	ErrModuleTaken = errors.New("mail: a text module of that name exists")
	ErrModuleSize  = errors.New("mail: a text module holds at most 64 KB")
)

// maxModuleText bounds one text module.
const maxModuleText = 64 << 10

// TextModules returns the text modules whose name starts with prefix
// (case-insensitive; "" lists all), by name.
func (d *Desk) TextModules(ctx context.Context, prefix string) ([]TextModule, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT id, name, text FROM text_modules WHERE name LIKE ? ESCAPE '\' ORDER BY name COLLATE NOCASE`,
		likePrefix(prefix))
	if err != nil {
		return nil, fmt.Errorf("mail: text modules: %w", err)
	}
	defer rows.Close()
	var out []TextModule
	for rows.Next() {
		var m TextModule
		if err := rows.Scan(&m.ID, &m.Name, &m.Text); err != nil {
			return nil, fmt.Errorf("mail: text modules: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// SaveTextModule stores a new module (ID 0; the new ID is returned) or
// replaces one.
func (d *Desk) SaveTextModule(ctx context.Context, m TextModule) (int64, error) {
	m.Name = strings.TrimSpace(m.Name)
	if !validModuleName(m.Name) {
		return 0, ErrModuleName
	}
	if len(m.Text) > maxModuleText {
		return 0, ErrModuleSize
	}
	var err error
	if m.ID == 0 {
		err = d.db.QueryRowContext(ctx, `INSERT INTO text_modules (name, text) VALUES (?, ?) RETURNING id`, m.Name, m.Text).Scan(&m.ID)
	} else {
		_, err = d.db.ExecContext(ctx, `UPDATE text_modules SET name = ?, text = ? WHERE id = ?`, m.Name, m.Text, m.ID)
	}
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE") {
			return 0, ErrModuleTaken
		}
		return 0, fmt.Errorf("mail: text module %q: %w", m.Name, err)
	}
	return m.ID, nil
}

// DeleteTextModule removes a text module.
func (d *Desk) DeleteTextModule(ctx context.Context, id int64) error {
	if _, err := d.db.ExecContext(ctx, `DELETE FROM text_modules WHERE id = ?`, id); err != nil {
		return fmt.Errorf("mail: text module %d: %w", id, err)
	}
	return nil
}

func validModuleName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 127 && r != 0xFFFD) {
			return false
		}
	}
	return true
}

// likePrefix is a LIKE pattern matching what starts with p.
func likePrefix(p string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(p) + "%"
}
