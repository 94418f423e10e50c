package ui

import (
	"context"
	"time"

	"siegel/certs"
	"siegel/certs/revocation"
	"siegel/crypto/smime"
	"siegel/mail"
	"siegel/mail/account"
)

// Desk is what the views use of the mail core (*mail.Desk).
type Desk interface {
	Tickets(ctx context.Context, q mail.TicketQuery) (mail.TicketPage, error)
	CountTickets(ctx context.Context, q mail.TicketQuery) (int, error)
	Counts(ctx context.Context) (map[mail.TicketState]mail.StateCount, error)
	Ticket(ctx context.Context, id int64) (mail.Ticket, error)
	SetTicketState(ctx context.Context, id int64, state mail.TicketState) error
	MarkTicketRead(ctx context.Context, id int64) error

	Articles(ctx context.Context, ticketID int64) ([]mail.Article, error)
	Article(ctx context.Context, id int64) (mail.Article, error)
	OpenArticle(ctx context.Context, id int64) (*mail.ArticleView, error)
	Retry(ctx context.Context, articleID int64) (*smime.Result, error)

	ReplyDraft(ctx context.Context, ticketID int64) (mail.Draft, error)
	Drafts(ctx context.Context, ticketID int64) ([]mail.Draft, error)
	SaveDraft(ctx context.Context, dr mail.Draft) (int64, error)
	Send(ctx context.Context, draftID int64) (mail.OutboxItem, error)
	Outbox(ctx context.Context, q mail.OutboxQuery) ([]mail.OutboxItem, error)
	Resend(ctx context.Context, id int64) error
	DeleteDraft(ctx context.Context, id int64) error

	// The composer's helpers: the quoted reply, Forward, the question
	// before answering an encrypted customer unencrypted, Undo of a sent
	// message, text modules and address completion.
	QuotedReplyDraft(ctx context.Context, ticketID int64, attribution mail.Attribution) (mail.Draft, error)
	ForwardDraft(ctx context.Context, articleID int64, text string) (mail.Draft, error)
	CustomerWroteEncrypted(ctx context.Context, ticketID int64) (bool, error)
	Undo(ctx context.Context, itemID int64) (mail.Draft, error)
	TextModules(ctx context.Context, prefix string) ([]mail.TextModule, error)
	SaveTextModule(ctx context.Context, m mail.TextModule) (int64, error)
	DeleteTextModule(ctx context.Context, id int64) error
	Contacts(ctx context.Context, prefix string, limit int) ([]mail.Contact, error)

	Sync(ctx context.Context) (mail.SyncReport, error)
	// CheckMail is the window's Check mail: new mail and the newest of
	// the history; Sync would fetch the whole history before returning.
	CheckMail(ctx context.Context) (mail.SyncReport, error)
	History(ctx context.Context, accountID int64) ([]mail.HistoryProgress, error)
	PauseHistory(ctx context.Context, accountID int64) error
	ResumeHistory(ctx context.Context, accountID int64) error
	Accounts(ctx context.Context) ([]account.Account, error)
	AddAccount(ctx context.Context, a account.Account) (int64, error)
	UpdateAccount(ctx context.Context, a account.Account) error
	DeleteAccount(ctx context.Context, id int64) error
	TestConnection(ctx context.Context, a account.Account) (mail.ConnectionReport, error)
	// SignIn signs a stored OAuth2 account in again in the browser
	// ("Sign in again"); ctx bounds the wait for the browser.
	SignIn(ctx context.Context, id int64, browser func(url string) error) error

	Subscribe(fn func(mail.Event)) (cancel func())
}

// Store is what the views use of the certificate store (*certs.Store).
// Parsing an import happens in certs.Parse, which touches no store.
type Store interface {
	List(ctx context.Context) ([]certs.Summary, error)
	Get(ctx context.Context, fingerprint string) (certs.Entry, error)
	Add(ctx context.Context, b *certs.Bundle) (*certs.ImportReport, error)
	ExportPEM(ctx context.Context, fingerprint string) ([]byte, error)
	ExportDER(ctx context.Context, fingerprint string) ([]byte, error)
	ExportPKCS12(ctx context.Context, fingerprint string, passphrase []byte) ([]byte, error)
	Delete(ctx context.Context, fingerprint string) error
	OnChange(f func()) (cancel func())
}

// Checker tells the composer what sealing a message could do
// (*smime.Engine).
type Checker interface {
	Check(ctx context.Context, from string, recipients []string, at time.Time) smime.Capabilities
}

// Profile is what the views use of the profile (*profile.Profile): the
// settings, the passphrase and the administrator lock.
type Profile interface {
	Setting(ctx context.Context, key, def string) (string, error)
	SetSetting(ctx context.Context, key, value string) error
	HasVault(ctx context.Context) (bool, error)
	ChangePassphrase(ctx context.Context, old, newPass []byte) error
	AdminLocked(ctx context.Context) (bool, error)
	CheckAdmin(ctx context.Context, pw []byte) error
	SetAdmin(ctx context.Context, current, newPW []byte) error
}

// Revocations is what the settings use of revocation checking
// (*wiring.Revocations): importing a CRL, the stored CRLs, what is known
// about a stored certificate without asking its CA, and the two settings,
// which the core applies at once.
type Revocations interface {
	ImportCRL(ctx context.Context, data []byte) (revocation.CRLInfo, error)
	CRLs(ctx context.Context) ([]revocation.CRLInfo, error)
	Status(ctx context.Context, fingerprint string) (smime.Revocation, error)
	Online(ctx context.Context) (bool, error)
	SetOnline(ctx context.Context, on bool) error
	Strict(ctx context.Context) (bool, error)
	SetStrict(ctx context.Context, strict bool) error
}

// Cores are the parts of the core the window runs on. Revocations may be
// nil (a core without revocation checking): the views then leave out its
// controls.
type Cores struct {
	Desk        Desk
	Store       Store
	Engine      Checker
	Profile     Profile
	Revocations Revocations
}
