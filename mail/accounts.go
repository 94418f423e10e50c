package mail

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"siegel/mail/account"
	"siegel/mail/account/oauth"
	"siegel/mail/imapsync"
)

// Errors of the account methods.
var (
	ErrNoAccount     = errors.New("mail: no such account")
	ErrAccountExists = errors.New("mail: an account with this address exists already")
	// ErrAccountInUse is returned by DeleteAccount while the account has
	// messages in the outbox that are not sent.
	ErrAccountInUse = errors.New("mail: the account has unsent messages in the outbox")
)

// AddAccount validates and stores a new account; its passwords and the
// OAuth2 refresh token (a.OAuth2.RefreshToken) are sealed (this may ask
// for the profile passphrase). An OAuth2 account without a refresh token
// is stored as needing SignIn. After testing with an oauth.Source, store
// the source's RefreshToken(): providers may rotate it at each refresh. It returns the new
// ID. A running desk starts watching the account at once.
func (d *Desk) AddAccount(ctx context.Context, a account.Account) (int64, error) {
	if err := a.Validate(); err != nil {
		return 0, err
	}
	imapPw, smtpPw, err := d.sealPasswords(ctx, a)
	if err != nil {
		return 0, err
	}
	refresh, err := d.sealRefresh(ctx, a)
	if err != nil {
		return 0, err
	}
	trust, _ := json.Marshal(a.Trust)
	oauth2, _ := json.Marshal(a.OAuth2)
	// An OAuth2 account stored without a refresh token waits for SignIn.
	needsSignIn := a.UsesOAuth2() && refresh == nil
	res, err := d.db.ExecContext(ctx, `INSERT INTO accounts (address, name,
		imap_host, imap_port, imap_security, imap_user, imap_password,
		smtp_host, smtp_port, smtp_security, smtp_user, smtp_password, trust, created, history_days, large_message,
		auth, oauth2, oauth2_refresh, needs_signin, signature)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		strings.TrimSpace(a.Address), a.Name,
		a.IMAP.Host, a.IMAP.Port, string(a.IMAP.Security), a.IMAP.User, imapPw,
		a.SMTP.Host, a.SMTP.Port, string(a.SMTP.Security), a.SMTP.User, smtpPw, string(trust), millis(d.now()),
		a.HistoryDays, a.LargeMessage, string(authMethod(a)), string(oauth2), refresh, needsSignIn, a.Signature)
	if err != nil {
		if isUniqueViolation(err) {
			return 0, fmt.Errorf("%w: %s", ErrAccountExists, a.Address)
		}
		return 0, fmt.Errorf("mail: add account: %w", err)
	}
	id, _ := res.LastInsertId()
	return id, d.refreshWatchers()
}

// UpdateAccount changes a stored account. An empty password keeps the
// stored one, so a settings dialog need not show it.
func (d *Desk) UpdateAccount(ctx context.Context, a account.Account) error {
	if err := a.Validate(); err != nil {
		return err
	}
	imapPw, smtpPw, err := d.sealPasswords(ctx, a)
	if err != nil {
		return err
	}
	refresh, err := d.sealRefresh(ctx, a)
	if err != nil {
		return err
	}
	trust, _ := json.Marshal(a.Trust)
	var oldDays int
	if err := d.db.QueryRowContext(ctx, `SELECT history_days FROM accounts WHERE id = ?`, a.ID).Scan(&oldDays); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNoAccount
		}
		return fmt.Errorf("mail: update account: %w", err)
	}
	oauth2, _ := json.Marshal(a.OAuth2)
	res, err := d.db.ExecContext(ctx, `UPDATE accounts SET address = ?, name = ?,
		imap_host = ?, imap_port = ?, imap_security = ?, imap_user = ?, imap_password = COALESCE(?, imap_password),
		smtp_host = ?, smtp_port = ?, smtp_security = ?, smtp_user = ?, smtp_password = COALESCE(?, smtp_password),
		trust = ?, history_days = ?, large_message = ?, auth = ?, oauth2 = ?, oauth2_refresh = COALESCE(?, oauth2_refresh),
		needs_signin = CASE WHEN ? IS NOT NULL THEN 0 ELSE needs_signin END, signature = ? WHERE id = ?`,
		strings.TrimSpace(a.Address), a.Name,
		a.IMAP.Host, a.IMAP.Port, string(a.IMAP.Security), a.IMAP.User, imapPw,
		a.SMTP.Host, a.SMTP.Port, string(a.SMTP.Security), a.SMTP.User, smtpPw, string(trust),
		a.HistoryDays, a.LargeMessage, string(authMethod(a)), string(oauth2), refresh, refresh, a.Signature, a.ID)
	if err != nil {
		if isUniqueViolation(err) {
			return fmt.Errorf("%w: %s", ErrAccountExists, a.Address)
		}
		return fmt.Errorf("mail: update account: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNoAccount
	}
	if oldDays != a.HistoryDays {
		if err := d.reopenHistory(ctx, a.ID); err != nil {
			return err
		}
	}
	// New settings or a new refresh token: the next login starts over.
	d.forgetTokens(a.ID)
	if refresh != nil {
		d.signedIn(a.ID)
	}
	return d.restartWatcher(a.ID)
}

// DeleteAccount removes an account, its drafts and its sync state. Its
// tickets and articles stay. It fails with ErrAccountInUse while the
// outbox holds unsent messages of the account.
func (d *Desk) DeleteAccount(ctx context.Context, id int64) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("mail: delete account: %w", err)
	}
	defer tx.Rollback()
	var pending int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE account_id = ? AND state != 'sent'`, id).Scan(&pending); err != nil {
		return fmt.Errorf("mail: delete account: %w", err)
	}
	if pending > 0 {
		return ErrAccountInUse
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE account_id = ?`, id); err != nil {
		return fmt.Errorf("mail: delete account: %w", err)
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM accounts WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("mail: delete account: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNoAccount
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("mail: delete account: %w", err)
	}
	d.forgetTokens(id)
	return d.refreshWatchers()
}

func (d *Desk) sealPasswords(ctx context.Context, a account.Account) (imapPw, smtpPw []byte, err error) {
	if a.IMAP.Password != "" {
		if imapPw, err = d.p.Seal(ctx, "accounts", "imap_password", []byte(a.IMAP.Password)); err != nil {
			return nil, nil, err
		}
	}
	if a.SMTP.Password != "" {
		if smtpPw, err = d.p.Seal(ctx, "accounts", "smtp_password", []byte(a.SMTP.Password)); err != nil {
			return nil, nil, err
		}
	}
	return imapPw, smtpPw, nil
}

const accountColumns = `id, address, name, imap_host, imap_port, imap_security, imap_user,
	smtp_host, smtp_port, smtp_security, smtp_user, trust, history_days, large_message, auth, oauth2, needs_signin, signature`

func scanAccount(sc interface{ Scan(...any) error }) (account.Account, error) {
	var a account.Account
	var trust, oauth2 string
	err := sc.Scan(&a.ID, &a.Address, &a.Name, &a.IMAP.Host, &a.IMAP.Port, &a.IMAP.Security, &a.IMAP.User,
		&a.SMTP.Host, &a.SMTP.Port, &a.SMTP.Security, &a.SMTP.User, &trust, &a.HistoryDays, &a.LargeMessage, &a.Auth, &oauth2, &a.NeedsSignIn, &a.Signature)
	if err != nil {
		return a, err
	}
	if err := json.Unmarshal([]byte(trust), &a.Trust); err != nil {
		return a, fmt.Errorf("mail: account %d trust settings: %w", a.ID, err)
	}
	if err := json.Unmarshal([]byte(oauth2), &a.OAuth2); err != nil {
		return a, fmt.Errorf("mail: account %d OAuth2 settings: %w", a.ID, err)
	}
	return a, nil
}

// authMethod is the stored name of a's method ("" is a password).
func authMethod(a account.Account) account.AuthMethod {
	if a.Auth == "" {
		return account.AuthPassword
	}
	return a.Auth
}

// Accounts lists the accounts (without passwords), oldest first.
func (d *Desk) Accounts(ctx context.Context) ([]account.Account, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+accountColumns+` FROM accounts ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("mail: accounts: %w", err)
	}
	defer rows.Close()
	var out []account.Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, fmt.Errorf("mail: accounts: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Account returns one account (without passwords).
func (d *Desk) Account(ctx context.Context, id int64) (account.Account, error) {
	a, err := scanAccount(d.db.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, ErrNoAccount
	}
	if err != nil {
		return a, fmt.Errorf("mail: account %d: %w", id, err)
	}
	return a, nil
}

func (d *Desk) accountIDs(ctx context.Context) ([]int64, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT id FROM accounts ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("mail: accounts: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// accountWithPasswords loads an account with its passwords opened, for
// connecting.
func (d *Desk) accountWithPasswords(ctx context.Context, id int64) (*account.Account, error) {
	a, err := d.Account(ctx, id)
	if err != nil {
		return nil, err
	}
	var imapPw, smtpPw []byte
	if err := d.db.QueryRowContext(ctx, `SELECT imap_password, smtp_password FROM accounts WHERE id = ?`, id).Scan(&imapPw, &smtpPw); err != nil {
		return nil, fmt.Errorf("mail: account %d: %w", id, err)
	}
	if imapPw != nil {
		pw, err := d.p.Open(ctx, "accounts", "imap_password", imapPw)
		if err != nil {
			return nil, err
		}
		a.IMAP.Password = string(pw)
	}
	if smtpPw != nil {
		pw, err := d.p.Open(ctx, "accounts", "smtp_password", smtpPw)
		if err != nil {
			return nil, err
		}
		a.SMTP.Password = string(pw)
	}
	if a.UsesOAuth2() {
		if a.NeedsSignIn {
			return nil, fmt.Errorf("mail: account %s: %w", a.Address, oauth.ErrSignInAgain)
		}
		src, err := d.tokenSource(ctx, &a)
		if err != nil {
			return nil, err
		}
		a.Token = d.tokenFunc(&a, src)
	}
	return &a, nil
}

// ConnectionReport is what TestConnection found.
type ConnectionReport struct {
	// Idle reports that the IMAP server supports IDLE (new mail arrives
	// at once rather than at the next poll).
	Idle bool
	// Sent is the Sent folder found, or "" when the server has none (one
	// is created when the first message is sent).
	Sent string
}

// TestConnection logs in to the account's IMAP server (and looks for INBOX
// and the Sent folder) and to its SMTP server. A stored account (a.ID set)
// with empty passwords uses its stored ones, and a stored OAuth2 account
// without a.Token its stored sign-in. An OAuth2 account not stored yet
// needs a.Token: the Token of an oauth.Source made from SignIn's answer. The error joins the failures
// of both servers; each is an *account.Error, so errors.Is tells
// account.ErrDNS, ErrRefused, ErrTimeout, ErrTLS, ErrCertificate, ErrAuth
// and ErrNoMailbox apart, and errors.As gives the server.
func (d *Desk) TestConnection(ctx context.Context, a account.Account) (ConnectionReport, error) {
	if err := a.Validate(); err != nil {
		return ConnectionReport{}, err
	}
	if a.UsesOAuth2() && a.Token == nil && a.ID != 0 {
		stored, err := d.accountWithPasswords(ctx, a.ID)
		if err != nil {
			return ConnectionReport{}, err
		}
		a.Token = stored.Token
	}
	if a.ID != 0 && !a.UsesOAuth2() && (a.IMAP.Password == "" || a.SMTP.Password == "") {
		stored, err := d.accountWithPasswords(ctx, a.ID)
		if err != nil && !errors.Is(err, ErrNoAccount) {
			return ConnectionReport{}, err
		}
		if stored != nil {
			if a.IMAP.Password == "" {
				a.IMAP.Password = stored.IMAP.Password
			}
			if a.SMTP.Password == "" {
				a.SMTP.Password = stored.SMTP.Password
			}
		}
	}
	return TestConnection(ctx, &a)
}

// TestConnection is Desk.TestConnection for an account given in full.
func TestConnection(ctx context.Context, a *account.Account) (ConnectionReport, error) {
	var rep ConnectionReport
	var imapErr, smtpErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c, err := account.DialSMTP(ctx, a)
		if err != nil {
			smtpErr = err
			return
		}
		c.Quit()
		c.Close()
	}()
	func() {
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		c, err := imapsync.Dial(cctx, a)
		if err != nil {
			imapErr = err
			return
		}
		defer c.Close()
		boxes, err := c.FindMailboxes(cctx)
		if err != nil {
			imapErr = account.Classify(account.IMAP, a.IMAP, err, false)
			return
		}
		rep.Idle, rep.Sent = c.CanIdle(), boxes.Sent
	}()
	wg.Wait()
	return rep, errors.Join(imapErr, smtpErr)
}

// isUniqueViolation reports whether err is SQLite's answer to a second row
// with the value of a UNIQUE column (accounts.address).
func isUniqueViolation(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE
}
