package profile

import (
	"context"
	"errors"
	"testing"
)

func TestRewriteTableWidensACheck(t *testing.T) {
	ctx := context.Background()
	p := open(t, t.TempDir(), nil)
	base := SQL(
		`CREATE TABLE parent (id INTEGER PRIMARY KEY, state TEXT NOT NULL CHECK (state IN ('a', 'b')))`,
		`CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent(id) ON DELETE CASCADE)`,
	)
	if err := p.MigrateSteps(ctx, "test", base); err != nil {
		t.Fatal(err)
	}
	if _, err := p.DB.ExecContext(ctx, `INSERT INTO parent VALUES (1, 'a'); INSERT INTO child VALUES (10, 1)`); err != nil {
		t.Fatal(err)
	}
	// A connection opened before the change must see it too: the pool
	// keeps connections, each with the schema it parsed.
	early, err := p.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer early.Close()
	if _, err := early.ExecContext(ctx, `INSERT INTO parent VALUES (2, 'c')`); err == nil {
		t.Fatal("the old CHECK let 'c' in")
	}

	steps := append(base, RewriteTable("parent", "IN ('a', 'b')", "IN ('a', 'b', 'c')"))
	if err := p.MigrateSteps(ctx, "test", steps); err != nil {
		t.Fatal(err)
	}
	if _, err := early.ExecContext(ctx, `INSERT INTO parent VALUES (2, 'c')`); err != nil {
		t.Errorf("connection opened before: insert 'c': %v", err)
	}
	if _, err := p.DB.ExecContext(ctx, `INSERT INTO parent VALUES (3, 'd')`); err == nil {
		t.Error("the new CHECK let 'd' in")
	}
	var children int
	if err := p.DB.QueryRowContext(ctx, `SELECT count(*) FROM child`).Scan(&children); err != nil || children != 1 {
		t.Errorf("children after the change = %d (%v), want 1 (nothing cascaded)", children, err)
	}
	// The references still work: deleting the parent cascades.
	if _, err := p.DB.ExecContext(ctx, `DELETE FROM parent WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	if err := p.DB.QueryRowContext(ctx, `SELECT count(*) FROM child`).Scan(&children); err != nil || children != 0 {
		t.Errorf("children after deleting the parent = %d (%v), want 0", children, err)
	}
	// Reopened, the database is whole and keeps the new definition.
	p.Close()
	p = open(t, p.Dir, nil)
	var check string
	if err := p.DB.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check = %q (%v), want ok", check, err)
	}
	if _, err := p.DB.ExecContext(ctx, `INSERT INTO parent VALUES (4, 'c')`); err != nil {
		t.Errorf("after reopening: insert 'c': %v", err)
	}
}

func TestRewriteTableRefusesAnUnknownDefinition(t *testing.T) {
	ctx := context.Background()
	p := open(t, t.TempDir(), nil)
	steps := append(SQL(`CREATE TABLE t (x TEXT CHECK (x IN ('a')))`),
		RewriteTable("t", "IN ('a', 'b')", "IN ('a', 'b', 'c')"))
	err := p.MigrateSteps(ctx, "test", steps)
	if !errors.Is(err, ErrSchemaText) {
		t.Fatalf("migrate = %v, want ErrSchemaText", err)
	}
	// The whole migration rolled back: not even step 1 stands.
	var n int
	if err := p.DB.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE name = 't'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("table t exists after the failed migration (%d, %v)", n, err)
	}
}
