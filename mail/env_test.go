package mail

import (
	"context"
	"sync"
	"testing"
	"time"

	"siegel/mail/account"
	"siegel/mail/mailtest"
)

// env is a helpdesk with the real certificate store and engine, connected
// to an in-process IMAP and SMTP server.
type env struct {
	t    testing.TB
	ctx  context.Context
	desk *Desk
	side *mailtest.Side
	imap *mailtest.IMAP
	smtp *mailtest.SMTP
	acct account.Account

	mu     sync.Mutex
	events []Event
}

type envOptions struct {
	imapServer *mailtest.IMAP // an existing server, else one is made
	imap       *mailtest.IMAPOptions
	smtpServer *mailtest.SMTP // an existing server, else one is made
	smtp       *mailtest.SMTPOptions
	desk       *Options
	// imapVia and smtpVia, when set, replace the servers' addresses in the
	// account (a proxy in between).
	imapVia, smtpVia *mailtest.Proxy
	// account changes the account before it is added; engine wraps the
	// engine the desk gets.
	account func(*account.Account)
	engine  func(Engine) Engine
}

func newEnv(t testing.TB, o *envOptions) *env {
	t.Helper()
	if o == nil {
		o = &envOptions{}
	}
	e := &env{t: t, ctx: context.Background()}
	e.side = mailtest.DeskSide(t)
	e.imap = o.imapServer
	if e.imap == nil {
		e.imap = mailtest.NewIMAP(t, o.imap)
	}
	e.smtp = o.smtpServer
	if e.smtp == nil {
		e.smtp = mailtest.NewSMTP(t, o.smtp)
	}
	opts := Options{RetryMin: 10 * time.Millisecond, RetryMax: 200 * time.Millisecond, PollInterval: time.Second}
	if o.desk != nil {
		opts = *o.desk
	}
	var engine Engine = e.side.Engine
	if o.engine != nil {
		engine = o.engine(engine)
	}
	d, err := Open(e.ctx, e.side.Profile, e.side.Store, engine, &opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	e.desk = d
	d.Subscribe(func(ev Event) {
		e.mu.Lock()
		e.events = append(e.events, ev)
		e.mu.Unlock()
	})
	e.acct = account.Account{Address: mailtest.DeskAddress, Name: "Siegel Helpdesk", IMAP: e.imap.Server(), SMTP: e.smtp.Server()}
	if e.imap.Cert != nil {
		e.acct.Trust.RootsPEM = append(e.acct.Trust.RootsPEM, e.imap.Cert.PEM...)
	}
	if e.smtp.Cert != nil {
		e.acct.Trust.RootsPEM = append(e.acct.Trust.RootsPEM, e.smtp.Cert.PEM...)
	}
	if o.imapVia != nil {
		e.acct.IMAP.Host, e.acct.IMAP.Port = o.imapVia.Host, o.imapVia.Port
	}
	if o.smtpVia != nil {
		e.acct.SMTP.Host, e.acct.SMTP.Port = o.smtpVia.Host, o.smtpVia.Port
	}
	if o.account != nil {
		o.account(&e.acct)
	}
	id, err := d.AddAccount(e.ctx, e.acct)
	if err != nil {
		t.Fatal(err)
	}
	e.acct.ID = id
	return e
}

// newEnvWith is newEnv on an existing IMAP server.
func newEnvWith(t testing.TB, imap *mailtest.IMAP, o *envOptions) *env {
	t.Helper()
	if o == nil {
		o = &envOptions{}
	}
	o.imapServer = imap
	return newEnv(t, o)
}

// sync runs one pass and fails the test on an error.
func (e *env) sync() SyncReport {
	e.t.Helper()
	rep, err := e.desk.Sync(e.ctx)
	if err != nil {
		e.t.Fatalf("sync: %v", err)
	}
	return rep
}

// deliver appends a message to INBOX.
func (e *env) deliver(raw []byte) { e.t.Helper(); e.imap.Append(e.t, "INBOX", raw) }

// tickets returns the whole ticket list.
func (e *env) tickets() []Ticket {
	e.t.Helper()
	page, err := e.desk.Tickets(e.ctx, TicketQuery{Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	return page.Tickets
}

func (e *env) ticket(number int64) Ticket {
	e.t.Helper()
	tk, err := e.desk.TicketByNumber(e.ctx, number)
	if err != nil {
		e.t.Fatalf("ticket %d: %v", number, err)
	}
	return tk
}

func (e *env) articles(ticketID int64) []Article {
	e.t.Helper()
	arts, err := e.desk.Articles(e.ctx, ticketID)
	if err != nil {
		e.t.Fatal(err)
	}
	return arts
}

// count runs a COUNT query.
func (e *env) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.desk.db.QueryRowContext(e.ctx, query, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// waitFor polls cond until it holds or the time is up.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
