package mail

import (
	"errors"
	"strings"
	"testing"
)

// TestAccountExists: an address is one account, whatever its case; adding
// it again, or renaming another account to it, is ErrAccountExists.
func TestAccountExists(t *testing.T) {
	e := newEnv(t, nil)
	again := e.acct
	again.ID, again.Address = 0, strings.ToUpper(e.acct.Address)
	if _, err := e.desk.AddAccount(e.ctx, again); !errors.Is(err, ErrAccountExists) {
		t.Errorf("AddAccount(%s) again: got %v, want ErrAccountExists", again.Address, err)
	}
	other := e.acct
	other.ID, other.Address = 0, "support@siegel.example"
	id, err := e.desk.AddAccount(e.ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	other.ID, other.Address = id, e.acct.Address
	if err := e.desk.UpdateAccount(e.ctx, other); !errors.Is(err, ErrAccountExists) {
		t.Errorf("UpdateAccount to %s: got %v, want ErrAccountExists", other.Address, err)
	}
}
