package mail

import (
	"context"
	"slices"

	"siegel/profile"
)

// schema is the mail core's part of the profile database. Steps are only
// ever appended (profile.Migrate). Times are Unix milliseconds.
var schema = slices.Concat(schemaBeforePending, []profile.Step{
	// The pending state: the agent waits for the customer (issue 13).
	profile.RewriteTable("tickets", `CHECK (state IN ('new', 'open', 'closed'))`,
		`CHECK (state IN ('new', 'open', 'pending', 'closed'))`),
}, profile.SQL(
	// A text signature per account, put under the agent's text inside
	// the signed part.
	`ALTER TABLE accounts ADD COLUMN signature TEXT NOT NULL DEFAULT ''`,
	// The unread tickets per state (Desk.Counts) without reading every
	// ticket: the list's filters and the window title ask at each refresh.
	`CREATE INDEX tickets_unread_by_state ON tickets (state) WHERE unread > 0`,
	// The name a customer is known by from earlier tickets (openTicket):
	// without it every new ticket to a bare address read the whole table.
	`CREATE INDEX tickets_by_customer ON tickets (customer, last_activity DESC) WHERE customer_name <> ''`,
	// The raw bytes of a large article live in a file named by their
	// SHA-256 (hex), kept here; raw is empty then (blobs.go).
	`ALTER TABLE articles ADD COLUMN blob TEXT`,
	`CREATE INDEX articles_by_blob ON articles (blob) WHERE blob IS NOT NULL`,
))

// schemaBeforePending is the schema up to the pending state (which its
// migration test starts from).
var schemaBeforePending = profile.SQL(
	`CREATE TABLE accounts (
		id INTEGER PRIMARY KEY,
		address TEXT NOT NULL UNIQUE COLLATE NOCASE,
		name TEXT NOT NULL DEFAULT '',
		imap_host TEXT NOT NULL,
		imap_port INTEGER NOT NULL,
		imap_security TEXT NOT NULL,
		imap_user TEXT NOT NULL DEFAULT '',
		imap_password BLOB,
		smtp_host TEXT NOT NULL,
		smtp_port INTEGER NOT NULL,
		smtp_security TEXT NOT NULL,
		smtp_user TEXT NOT NULL DEFAULT '',
		smtp_password BLOB,
		trust TEXT NOT NULL DEFAULT '{}',
		smtp_saves_sent INTEGER NOT NULL DEFAULT 0,
		created INTEGER NOT NULL
	)`,
	`CREATE TABLE mailboxes (
		id INTEGER PRIMARY KEY,
		account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
		role TEXT NOT NULL CHECK (role IN ('inbox', 'sent')),
		name TEXT NOT NULL,
		uidvalidity INTEGER NOT NULL DEFAULT 0,
		last_uid INTEGER NOT NULL DEFAULT 0,
		resync INTEGER NOT NULL DEFAULT 0,
		synced INTEGER NOT NULL DEFAULT 0,
		UNIQUE (account_id, role)
	)`,
	`CREATE TABLE ticket_numbers (id INTEGER PRIMARY KEY CHECK (id = 1), next INTEGER NOT NULL)`,
	`CREATE TABLE tickets (
		id INTEGER PRIMARY KEY,
		number INTEGER NOT NULL UNIQUE,
		account_id INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
		subject TEXT NOT NULL DEFAULT '',
		customer TEXT NOT NULL DEFAULT '',
		customer_name TEXT NOT NULL DEFAULT '',
		state TEXT NOT NULL CHECK (state IN ('new', 'open', 'closed')),
		created INTEGER NOT NULL,
		last_activity INTEGER NOT NULL,
		articles INTEGER NOT NULL DEFAULT 0,
		unread INTEGER NOT NULL DEFAULT 0,
		newest_article INTEGER,
		newest_encryption TEXT NOT NULL DEFAULT 'none',
		newest_signature TEXT NOT NULL DEFAULT 'none'
	)`,
	`CREATE INDEX tickets_by_activity ON tickets (last_activity DESC, id DESC)`,
	`CREATE INDEX tickets_by_state ON tickets (state, last_activity DESC, id DESC)`,
	`CREATE TABLE articles (
		id INTEGER PRIMARY KEY,
		ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
		account_id INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
		outgoing INTEGER NOT NULL,
		message_id TEXT NOT NULL UNIQUE,
		subject TEXT NOT NULL DEFAULT '',
		header TEXT NOT NULL,
		date INTEGER,
		arrived INTEGER NOT NULL,
		size INTEGER NOT NULL,
		raw BLOB NOT NULL,
		encrypted INTEGER NOT NULL,
		encryption TEXT NOT NULL,
		signature TEXT NOT NULL,
		security TEXT NOT NULL,
		unread INTEGER NOT NULL DEFAULT 0,
		search_rowid INTEGER UNIQUE
	)`,
	`CREATE INDEX articles_by_ticket ON articles (ticket_id, arrived, id)`,
	`CREATE INDEX articles_retryable ON articles (id) WHERE signature = 'cert-not-found' OR encryption = 'no-key'`,
	`CREATE TABLE article_refs (
		ref TEXT NOT NULL,
		article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
		PRIMARY KEY (ref, article_id)
	) WITHOUT ROWID`,
	`CREATE INDEX article_refs_by_article ON article_refs (article_id)`,
	`CREATE TABLE locations (
		mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
		uidvalidity INTEGER NOT NULL,
		uid INTEGER NOT NULL,
		article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
		PRIMARY KEY (mailbox_id, uidvalidity, uid)
	) WITHOUT ROWID`,
	`CREATE INDEX locations_by_article ON locations (article_id)`,
	// Subject, people (names and addresses) and, for unencrypted articles
	// only, the text. Contentless: the index holds no copy of the text.
	// The rowid is the article's search_rowid: its ticket's ID shifted
	// left by searchShift, plus the article's place in the ticket, so a
	// search finds tickets without reading the article rows.
	`CREATE VIRTUAL TABLE article_search USING fts5(subject, people, body,
		content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2')`,
	`CREATE TABLE drafts (
		id INTEGER PRIMARY KEY,
		account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
		ticket_id INTEGER REFERENCES tickets(id) ON DELETE SET NULL,
		ticket_number INTEGER NOT NULL DEFAULT 0,
		encrypt INTEGER NOT NULL,
		sign INTEGER NOT NULL,
		content BLOB,
		content_sealed BLOB,
		state TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'sent')),
		created INTEGER NOT NULL,
		updated INTEGER NOT NULL,
		CHECK ((content IS NULL) <> (content_sealed IS NULL))
	)`,
	`CREATE TABLE outbox (
		id INTEGER PRIMARY KEY,
		account_id INTEGER NOT NULL REFERENCES accounts(id),
		draft_id INTEGER REFERENCES drafts(id) ON DELETE SET NULL,
		ticket_id INTEGER REFERENCES tickets(id) ON DELETE SET NULL,
		ticket_number INTEGER NOT NULL,
		message_id TEXT NOT NULL UNIQUE,
		mail_from TEXT NOT NULL,
		rcpts TEXT NOT NULL,
		subject TEXT NOT NULL DEFAULT '',
		raw BLOB NOT NULL,
		state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'committing', 'sent', 'failed', 'uncertain')),
		attempts INTEGER NOT NULL DEFAULT 0,
		next_attempt INTEGER NOT NULL,
		last_error TEXT NOT NULL DEFAULT '',
		error_code INTEGER NOT NULL DEFAULT 0,
		created INTEGER NOT NULL,
		sent INTEGER,
		article_id INTEGER REFERENCES articles(id) ON DELETE SET NULL,
		appended INTEGER NOT NULL DEFAULT 0
	)`,
	`CREATE INDEX outbox_due ON outbox (state, next_attempt)`,
	// The version of the rules each verdict was made under (verdictRules).
	`ALTER TABLE articles ADD COLUMN rules INTEGER NOT NULL DEFAULT 0`,
	// The address the newest article is from (its Envelope's Author): the
	// list shows it beside a valid signature, never a display name.
	`ALTER TABLE tickets ADD COLUMN newest_from TEXT NOT NULL DEFAULT ''`,
	// The revocation status in the verdict (smime.Result.Revocation):
	// articles whose answer is still to come are analysed again when the
	// revocation checker learns something, also after a restart.
	`ALTER TABLE articles ADD COLUMN revocation TEXT NOT NULL DEFAULT ''`,
	`CREATE INDEX articles_revocation ON articles (revocation) WHERE revocation <> ''`,
	// A draft that quotes or forwards an encrypted message is sealed at
	// rest whatever its Encrypt says (Draft.Confidential).
	`ALTER TABLE drafts ADD COLUMN confidential INTEGER NOT NULL DEFAULT 0`,
	// Text modules: the agent types "::name" and the text goes in.
	`CREATE TABLE text_modules (
		id INTEGER PRIMARY KEY,
		name TEXT NOT NULL UNIQUE COLLATE NOCASE,
		text TEXT NOT NULL
	)`,
	// The history settings of an account (account.Account.HistoryDays,
	// LargeMessage) and whether the agent paused its history.
	`ALTER TABLE accounts ADD COLUMN history_days INTEGER NOT NULL DEFAULT 0`,
	`ALTER TABLE accounts ADD COLUMN large_message INTEGER NOT NULL DEFAULT 0`,
	`ALTER TABLE accounts ADD COLUMN history_paused INTEGER NOT NULL DEFAULT 0`,
	// The history cursor of a folder (history.go): every message of the
	// history window with a UID from history_low to last_uid is stored;
	// history_low moves down as the history is fetched, newest first.
	// Folders synced before this step fetched everything oldest first:
	// their history is done.
	`ALTER TABLE mailboxes ADD COLUMN history_low INTEGER NOT NULL DEFAULT 0`,
	`ALTER TABLE mailboxes ADD COLUMN history_done INTEGER NOT NULL DEFAULT 1`,
	`ALTER TABLE mailboxes ADD COLUMN history_total INTEGER NOT NULL DEFAULT 0`,
	`ALTER TABLE mailboxes ADD COLUMN history_fetched INTEGER NOT NULL DEFAULT 0`,
	// An article whose raw bytes stay on the server (larger than the
	// account's LargeMessage): raw is empty, the location says where to
	// fetch it from.
	`ALTER TABLE articles ADD COLUMN remote INTEGER NOT NULL DEFAULT 0`,
	// OAuth2 sign-in (issue 11): the method, the settings as JSON
	// (account.OAuth2: endpoints, client ID, scopes), the refresh token
	// sealed like the passwords, and whether the provider refused it so
	// that the user must sign in again. The access token stays in memory:
	// it lives an hour, and one refresh after a restart is cheaper than
	// a sealed column rewritten at every refresh.
	`ALTER TABLE accounts ADD COLUMN auth TEXT NOT NULL DEFAULT 'password'`,
	`ALTER TABLE accounts ADD COLUMN oauth2 TEXT NOT NULL DEFAULT '{}'`,
	`ALTER TABLE accounts ADD COLUMN oauth2_refresh BLOB`,
	`ALTER TABLE accounts ADD COLUMN needs_signin INTEGER NOT NULL DEFAULT 0`,
)

// migrate brings the mail tables up to date and declares the sealed
// columns, so ChangePassphrase re-seals them.
func migrate(ctx context.Context, p *profile.Profile) error {
	if err := p.MigrateSteps(ctx, "mail", schema); err != nil {
		return err
	}
	p.RegisterSealed("accounts", "id", "imap_password")
	p.RegisterSealed("accounts", "id", "smtp_password")
	p.RegisterSealed("accounts", "id", "oauth2_refresh")
	p.RegisterSealed("drafts", "id", "content_sealed")
	return nil
}
