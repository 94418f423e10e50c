package ui

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"siegel/certs"
	"siegel/crypto/smime"
	"siegel/crypto/vault"
	"siegel/demo"
	"siegel/mail"
	"siegel/mail/account"
	"siegel/mail/mailtest"
	"siegel/profile"
)

// testParts are a real profile opened as main's openParts opens it, with
// the tests' cheap vault cost.
type testParts struct {
	p    *profile.Profile
	desk *mail.Desk
	c    Cores
}

func (o *testParts) Cores() Cores                    { return o.c }
func (o *testParts) Start(ctx context.Context) error { return o.desk.Start(ctx) }
func (o *testParts) Close() {
	o.desk.Close()
	o.p.Close()
}

// demoWindow is the demo's window as `siegel` shows it without an
// account: a real demo mailbox (its own servers on 127.0.0.1) and the
// banner, with the way to the real profile in dir.
type demoWindow struct {
	u      *UI
	demo   *demo.Demo
	dir    string            // the real profile's folder, not made yet
	closed atomic.Bool       // CloseDemo was called
	opened *testParts        // what the last Open opened
	answer func(*passDialog) // how the agent answers the passphrase dialog
	asked  []bool            // each passphrase dialog's create flag
	imap   *mailtest.IMAP
	smtp   *mailtest.SMTP
}

func newDemoWindow(t *testing.T) *demoWindow { return newDemoWindowWith(t, &jobs{inline: true}) }

// newDemoWindowWith is newDemoWindow with a jobs runner of the test's
// choice; with serial set, its lock stands for the UI goroutine.
func newDemoWindowWith(t *testing.T, j *jobs) *demoWindow {
	t.Helper()
	ctx := context.Background()
	dw := &demoWindow{dir: filepath.Join(t.TempDir(), "siegel")}
	d, err := demo.Start(ctx, filepath.Join(t.TempDir(), "demo"), &demo.Options{ReplyDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	dw.demo = d
	dw.imap = mailtest.NewIMAP(t, nil)
	dw.smtp = mailtest.NewSMTP(t, nil)
	real := &RealProfile{
		Dir: dw.dir,
		Open: func(ctx context.Context, pr *Prompter) (Opened, error) {
			pr.shown = func(d *passDialog) {
				dw.asked = append(dw.asked, d.create)
				dw.answer(d)
			}
			p, err := profile.Open(ctx, dw.dir, pr.Passphrase, &profile.Options{Cost: vault.Cost{Time: 1, MemoryKiB: 1024, Threads: 1}})
			if err != nil {
				return nil, err
			}
			pr.SetVerify(p.VerifyPassphrase)
			st, err := certs.Open(ctx, p)
			if err != nil {
				p.Close()
				return nil, err
			}
			eng := smime.NewEngine(st)
			desk, err := mail.Open(ctx, p, st, eng, &mail.Options{PollInterval: time.Hour})
			if err != nil {
				p.Close()
				return nil, err
			}
			dw.opened = &testParts{p: p, desk: desk, c: Cores{Desk: desk, Store: st, Engine: eng, Profile: p}}
			return dw.opened, nil
		},
		CloseDemo: func() {
			dw.closed.Store(true)
			d.Close()
		},
	}
	a := test.NewTempApp(t)
	a.Preferences().SetString(prefLanguage, langEnglish)
	if j.serial != nil {
		j.serial.Lock()
		defer j.serial.Unlock()
	}
	dw.u = newUI(a, Cores{Desk: d.Desk, Store: d.Store, Engine: d.Engine, Profile: d.Profile, Revocations: d.Revocations},
		Options{Real: real, DemoFolder: d.Dir}, j)
	t.Cleanup(func() {
		dw.u.Close()
		SetLanguage(langEnglish)
	})
	dw.u.win.Resize(fyne.NewSize(1280, 860))
	dw.u.SetBanner("demo.banner")
	if j.inline {
		dw.u.jobs.drain()
	}
	return dw
}

// openForm taps the banner's button and types the agent's account on the
// test servers into the dialog.
func (dw *demoWindow) openForm(t *testing.T) {
	t.Helper()
	w := dw.u.win
	tap(t, w, "Add your account…")
	wantText(t, w, "Add account")
	fillAccount(t, w, mailtest.DeskAddress, dw.imap.Server(), dw.smtp.Server())
}

// demoRunning fails unless the demo's servers still answer.
func (dw *demoWindow) demoRunning(t *testing.T) {
	t.Helper()
	if dw.closed.Load() {
		t.Error("the demo was closed")
	}
	for _, addr := range []string{dw.demo.IMAPAddr, dw.demo.SMTPAddr} {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			t.Errorf("the demo server %s is down: %v", addr, err)
			continue
		}
		c.Close()
	}
}

// The way out of the demo: the banner's button opens the account dialog,
// Test connection works there, Save asks for a new profile passphrase
// twice, and the window then shows the real profile — its (empty) list,
// no banner, filling as mail arrives — while the demo is closed.
func TestLeaveDemo(t *testing.T) {
	const passphrase = "my own passphrase"
	dw := newDemoWindow(t)
	u, w := dw.u, dw.u.win
	wantText(t, w, "Demo mailbox — nothing leaves this computer.")
	if u.main.list.count == 0 {
		t.Fatal("the demo shows no tickets")
	}
	dw.answer = func(d *passDialog) {
		test.Type(d.first, passphrase)
		test.Type(d.again, passphrase+"!")
		tapLast(t, w, "OK")
		if !d.problem.Visible() {
			t.Error("different passphrases were taken")
		}
		d.again.SetText(passphrase)
		tapLast(t, w, "OK")
	}

	dw.openForm(t)
	tap(t, w, "Test connection")
	wantText(t, w, "Both servers answer and accept the login.")
	if _, err := os.Stat(dw.dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Test connection made the real profile folder (%v)", err)
	}
	tap(t, w, "Save")

	if len(dw.asked) != 1 || !dw.asked[0] {
		t.Fatalf("passphrase dialogs (create?) %v, want one asking for a new passphrase", dw.asked)
	}
	next := u.next
	if next == nil {
		t.Fatalf("the window did not switch; it shows:\n%s", text(w))
	}
	if next.win != w || w.Canvas().Overlays().Top() != nil {
		t.Error("the switch left a dialog open or took another window")
	}
	if bannerLabel(next) != nil {
		t.Error("the real profile's window shows a banner")
	}
	notText(t, w, "Demo mailbox", "Add your account…")
	if n := next.main.list.count; n != 0 {
		t.Errorf("the real profile's list shows %d tickets, want none yet", n)
	}

	// The account is in the real profile's folder, sealed under the
	// passphrase the agent chose.
	check, err := profile.Open(context.Background(), dw.dir, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close()
	if err := check.VerifyPassphrase(context.Background(), []byte(passphrase)); err != nil {
		t.Errorf("the real profile's passphrase is not the one typed: %v", err)
	}
	accts, err := dw.opened.desk.Accounts(context.Background())
	if err != nil || len(accts) != 1 || accts[0].Address != mailtest.DeskAddress || dw.opened.p.Dir != dw.dir {
		t.Fatalf("accounts in %s: %+v, %v; want %s", dw.opened.p.Dir, accts, err, mailtest.DeskAddress)
	}
	if next.c.Desk != Desk(dw.opened.desk) {
		t.Error("the window does not run on the real profile's desk")
	}

	// The demo is gone: closed, its servers down.
	if !dw.closed.Load() {
		t.Error("the demo was not closed")
	}
	if c, err := net.DialTimeout("tcp", dw.demo.IMAPAddr, time.Second); err == nil {
		c.Close()
		t.Error("the demo's IMAP server still answers")
	}

	// The real desk runs: new mail shows up by itself.
	dw.imap.Append(t, "INBOX", mailtest.Message(t, "Carol <carol@example.com>", mailtest.DeskAddress, "First real ticket", "Hello"))
	waitFor(t, "the real mail in the list", func() bool {
		next.jobs.drain()
		tk, ok := next.main.list.at(0)
		return ok && tk.Subject == "First real ticket"
	})
}

// Cancelling the passphrase dialog keeps the dialog with what was typed
// and says why; cancelling the dialog then leaves the demo as it was and
// no real profile on disk.
func TestLeaveDemoCancel(t *testing.T) {
	dw := newDemoWindow(t)
	u, w := dw.u, dw.u.win
	tickets := u.main.list.count
	dw.answer = func(*passDialog) { tapLast(t, w, "Cancel") }
	dw.openForm(t)
	tap(t, w, "Save")
	if len(dw.asked) != 1 {
		t.Fatalf("%d passphrase dialogs, want 1", len(dw.asked))
	}
	wantText(t, w, errorText(profile.ErrNoPassphrase))
	if got := formEntries(w, "E-mail address"); len(got) != 1 || got[0].Text != mailtest.DeskAddress {
		t.Errorf("after the cancelled passphrase the form lost the address: %v", got)
	}
	if _, err := os.Stat(dw.dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a cancelled passphrase left the real profile folder behind (%v)", err)
	}

	tapLast(t, w, "Cancel")
	if w.Canvas().Overlays().Top() != nil {
		t.Error("the account dialog is still open")
	}
	if u.next != nil {
		t.Error("the window switched although the agent cancelled")
	}
	wantText(t, w, "Demo mailbox — nothing leaves this computer.", "Add your account…")
	if u.main.list.count != tickets {
		t.Errorf("the demo's list shows %d tickets, had %d", u.main.list.count, tickets)
	}
	dw.demoRunning(t)
	if _, err := os.Stat(dw.dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("cancelling left the real profile folder behind (%v)", err)
	}
}

// With --demo the real profile may exist already: its passphrase is asked
// (once, not twice), and a save that fails — here the account is there
// already — says why and keeps the form, the demo and the profile as
// they were.
func TestLeaveDemoSaveFails(t *testing.T) {
	const passphrase = "the old passphrase"
	dw := newDemoWindow(t)
	ctx := context.Background()
	p, err := profile.Open(ctx, dw.dir, func(context.Context, bool) ([]byte, error) { return []byte(passphrase), nil },
		&profile.Options{Cost: vault.Cost{Time: 1, MemoryKiB: 1024, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := certs.Open(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	desk, err := mail.Open(ctx, p, st, smime.NewEngine(st), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := desk.AddAccount(ctx, account.Account{Address: mailtest.DeskAddress, IMAP: dw.imap.Server(), SMTP: dw.smtp.Server(), HistoryDays: account.HistoryAll}); err != nil {
		t.Fatal(err)
	}
	desk.Close()
	p.Close()

	w := dw.u.win
	dw.answer = func(d *passDialog) {
		test.Type(d.first, passphrase)
		tapLast(t, w, "OK")
	}
	dw.openForm(t)
	formEntries(w, "Display name")[0].SetText("Typed by hand")
	tap(t, w, "Save")
	if len(dw.asked) != 1 || dw.asked[0] {
		t.Errorf("passphrase dialogs (create?) %v, want one asking for the existing passphrase", dw.asked)
	}
	wantText(t, w, errorText(mail.ErrAccountExists))
	if got := formEntries(w, "Display name"); len(got) != 1 || got[0].Text != "Typed by hand" {
		t.Errorf("after the failed save the form lost the name: %v", got)
	}
	if dw.u.next != nil {
		t.Error("the window switched although the save failed")
	}
	dw.demoRunning(t)
	if ok, err := profile.Exists(dw.dir); !ok || err != nil {
		t.Errorf("the failed save removed the existing real profile (%v, %v)", ok, err)
	}
}

// The same way out with every job on a goroutine of its own, as in the
// application: the passphrase dialog waits on the job's goroutine, the
// result and the switch come back to the UI goroutine (the lock here),
// and closing the demo waits off it.
func TestLeaveDemoOnGoroutines(t *testing.T) {
	const passphrase = "my own passphrase"
	var ui sync.Mutex // the UI goroutine
	dw := newDemoWindowWith(t, &jobs{serial: &ui})
	u, w := dw.u, dw.u.win
	dw.answer = func(d *passDialog) {
		ui.Lock()
		defer ui.Unlock()
		test.Type(d.first, passphrase)
		test.Type(d.again, passphrase)
		tapLast(t, w, "OK")
	}
	waitFor(t, "the demo's tickets", func() bool {
		ui.Lock()
		defer ui.Unlock()
		return u.main.list.count > 0
	})
	ui.Lock()
	dw.openForm(t)
	tap(t, w, "Save")
	ui.Unlock()

	waitFor(t, "the switch and the demo's end", func() bool {
		u.nextMu.Lock()
		defer u.nextMu.Unlock()
		return u.next != nil && dw.closed.Load()
	})
	u.nextMu.Lock()
	next := u.next
	u.nextMu.Unlock()
	if len(dw.asked) != 1 || !dw.asked[0] {
		t.Errorf("passphrase dialogs (create?) %v, want one asking for a new passphrase", dw.asked)
	}
	dw.imap.Append(t, "INBOX", mailtest.Message(t, "Carol <carol@example.com>", mailtest.DeskAddress, "First real ticket", "Hello"))
	waitFor(t, "the real mail in the list", func() bool {
		ui.Lock()
		defer ui.Unlock()
		tk, ok := next.main.list.at(0)
		return ok && tk.Subject == "First real ticket"
	})
	ui.Lock()
	defer ui.Unlock()
	if bannerLabel(next) != nil {
		t.Error("the real profile's window shows a banner")
	}
	notText(t, w, "Demo mailbox")
}
