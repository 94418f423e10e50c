package ui

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"siegel/crypto/smime"
	"siegel/mail"
	"siegel/mail/account"
	"siegel/mail/mailtest"
)

// slowDesk is the real desk behind a gate: every call waits until the
// gate opens, like a database on a disk that has stopped answering.
type slowDesk struct {
	*mail.Desk
	gate    chan struct{}
	waiting atomic.Int32
}

func (s *slowDesk) wait() {
	s.waiting.Add(1)
	<-s.gate
	s.waiting.Add(-1)
}

func (s *slowDesk) Tickets(ctx context.Context, q mail.TicketQuery) (mail.TicketPage, error) {
	s.wait()
	return s.Desk.Tickets(ctx, q)
}

func (s *slowDesk) CountTickets(ctx context.Context, q mail.TicketQuery) (int, error) {
	s.wait()
	return s.Desk.CountTickets(ctx, q)
}

func (s *slowDesk) Accounts(ctx context.Context) ([]account.Account, error) {
	s.wait()
	return s.Desk.Accounts(ctx)
}

func (s *slowDesk) Drafts(ctx context.Context, id int64) ([]mail.Draft, error) {
	s.wait()
	return s.Desk.Drafts(ctx, id)
}

func (s *slowDesk) OpenArticle(ctx context.Context, id int64) (*mail.ArticleView, error) {
	s.wait()
	return s.Desk.OpenArticle(ctx, id)
}

func (s *slowDesk) Retry(ctx context.Context, id int64) (*smime.Result, error) {
	s.wait()
	return s.Desk.Retry(ctx, id)
}

// While the core is stuck, the window goes on: a tap opens the new-ticket
// composer at once, typing in the search box works, and the desk's events
// (a sync running beside it) still reach the status line. When the core
// answers, the list fills.
func TestSlowCoreKeepsUIResponsive(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	slow := &slowDesk{Desk: c.desk, gate: make(chan struct{})}
	a := test.NewTempApp(t)
	a.Preferences().SetString(prefLanguage, langEnglish)
	var ui sync.Mutex // the UI goroutine: held by the test while it works the widgets
	ui.Lock()
	u := newUI(a, Cores{Desk: slow, Store: c.side.Store, Engine: c.side.Engine, Profile: c.side.Profile}, Options{}, &jobs{serial: &ui})
	ui.Unlock()
	defer func() {
		select {
		case <-slow.gate:
		default:
			close(slow.gate)
		}
		u.Close()
	}()
	waitFor(t, "the list's load to reach the core", func() bool { return slow.waiting.Load() >= 1 })

	ui.Lock()
	start := time.Now()
	tap(t, u.win, "New ticket")
	opened := u.main.newTicket != nil
	took := time.Since(start)
	test.Type(u.main.search, "printer")
	typed := u.main.search.Text
	ui.Unlock()
	if !opened || took > 100*time.Millisecond {
		t.Errorf("New ticket while the core is stuck: opened %v after %v", opened, took)
	}
	if typed != "printer" {
		t.Errorf("the search box holds %q while the core is stuck", typed)
	}

	// A sync beside the stuck views: its events are shown.
	c.imap.AppendAt(t, "INBOX", mailtest.Message(t, "dave@example.com", mailtest.DeskAddress, "Hello", "Hi", mailtest.At(epoch)), epoch)
	if _, err := c.desk.Sync(c.ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the sync's events", func() bool {
		ui.Lock()
		defer ui.Unlock()
		return u.main.status.label.Text != ""
	})
	ui.Lock()
	status := u.main.status.label.Text
	ui.Unlock()
	if !strings.Contains(status, "1 new message") {
		t.Errorf("the status line says %q while the core is stuck, want the sync's news", status)
	}
	if slow.waiting.Load() < 1 {
		t.Fatal("the core answered although the gate is shut")
	}

	close(slow.gate)
	waitFor(t, "the search to list its ticket", func() bool {
		ui.Lock()
		defer ui.Unlock()
		tk, ok := u.main.list.at(0)
		return ok && tk.Subject == "Printer broken" && u.main.list.count == 1
	})
	u.jobs.wait()
	ui.Lock()
	defer ui.Unlock()
	if u.main.newTicket == nil || !u.main.newTicket.loaded {
		t.Error("the new-ticket composer did not finish loading")
	}
	u.keys.shortcut(ctrl(fyne.KeyN)) // still the same composer
}
