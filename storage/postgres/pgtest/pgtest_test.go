package pgtest

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// The server answers SQL, and a login role with a password connects over
// TCP (as an agent's desk will), while a wrong password is refused.
func TestServer(t *testing.T) {
	s := Start(t)
	ctx := context.Background()
	db := s.CreateDatabase(t)
	admin := s.Admin(t, db)
	var v string
	if err := admin.QueryRow(ctx, `SHOW server_version`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	t.Logf("PostgreSQL %s on port %d", v, s.Port)
	if _, err := admin.Exec(ctx, `CREATE ROLE anna LOGIN PASSWORD 'zitrone'`); err != nil {
		t.Fatal(err)
	}
	c, err := pgx.Connect(ctx, s.URL("anna", "zitrone", db))
	if err != nil {
		t.Fatalf("anna's login: %v", err)
	}
	var who string
	if err := c.QueryRow(ctx, `SELECT current_user`).Scan(&who); err != nil || who != "anna" {
		t.Errorf("current_user: got %q (%v), want anna", who, err)
	}
	c.Close(ctx)
	_, err = pgx.Connect(ctx, s.URL("anna", "wrong", db))
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "28P01" {
		t.Errorf("a wrong password: got %v, want invalid_password (28P01)", err)
	}
}
