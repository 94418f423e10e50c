package ui

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"siegel/mail"
	"siegel/mail/mailtest"
	"siegel/message"
)

// recordingDesk is the real desk that records what the window asks of
// Check mail and of the history. Pause and Resume are only recorded: the
// tests feed the history's progress themselves.
type recordingDesk struct {
	*mail.Desk
	// history, when set, is what History answers.
	history []mail.HistoryProgress

	mu    sync.Mutex
	calls []string
}

func (r *recordingDesk) record(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, fmt.Sprintf(format, args...))
}

// called returns the calls recorded so far.
func (r *recordingDesk) called() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

func (r *recordingDesk) Sync(ctx context.Context) (mail.SyncReport, error) {
	r.record("Sync")
	return r.Desk.Sync(ctx)
}

func (r *recordingDesk) CheckMail(ctx context.Context) (mail.SyncReport, error) {
	r.record("CheckMail")
	return r.Desk.CheckMail(ctx)
}

func (r *recordingDesk) History(ctx context.Context, id int64) ([]mail.HistoryProgress, error) {
	r.record("History %d", id)
	if r.history == nil {
		return r.Desk.History(ctx, id)
	}
	var out []mail.HistoryProgress
	for _, p := range r.history {
		if p.AccountID == id {
			out = append(out, p)
		}
	}
	return out, nil
}

func (r *recordingDesk) PauseHistory(ctx context.Context, id int64) error {
	r.record("PauseHistory %d", id)
	return nil
}

func (r *recordingDesk) ResumeHistory(ctx context.Context, id int64) error {
	r.record("ResumeHistory %d", id)
	return nil
}

// newRecordingUI is newTestUIIn over a recording desk.
func newRecordingUI(t *testing.T, c *cores, d *recordingDesk, l string) *UI {
	t.Helper()
	a := test.NewTempApp(t)
	a.Preferences().SetString(prefLanguage, l)
	u := newUI(a, Cores{Desk: d, Store: c.side.Store, Engine: c.side.Engine, Profile: c.side.Profile}, Options{}, &jobs{inline: true})
	t.Cleanup(func() {
		u.Close()
		SetLanguage(langEnglish)
	})
	u.win.Resize(fyne.NewSize(1280, 860))
	u.jobs.drain()
	return u
}

// historyShows waits until the status line shows want (the bar draws at
// most every historyInterval).
func historyShows(t *testing.T, u *UI, want string) {
	t.Helper()
	h := u.main.status.history
	waitFor(t, fmt.Sprintf("the history bar to show %q", want), func() bool {
		u.jobs.drain()
		return h.obj.Visible() && h.label.Text == want
	})
	wantText(t, u.win, want)
	// Shown in its room: the status line made room when it showed.
	if size, min := h.obj.Size(), h.obj.MinSize(); size.Width < min.Width || size.Height < u.main.status.label.MinSize().Height {
		t.Errorf("the history bar has %v, want at least %v wide and as high as the status line", size, min)
	}
}

// historyHidden waits until the history bar is gone.
func historyHidden(t *testing.T, u *UI) {
	t.Helper()
	h := u.main.status.history
	waitFor(t, "the history bar to hide", func() bool {
		u.jobs.drain()
		return !h.obj.Visible()
	})
}

// The history bar shows a folder's HistoryProgress in the agent's
// language; Pause and Resume call the desk and show its state; the bar
// goes once the history is complete.
func TestHistoryBar(t *testing.T) {
	for _, tc := range []struct {
		lang                         string
		loading, paused              string
		pause, resume, doneElsewhere string
	}{
		{langEnglish, "History: 12,400 of 84,000 — 2 min left", "History paused: 12,400 of 84,000", "Pause", "Resume", "History: 84,000 of 84,000"},
		{langGerman, "Verlauf: 12.400 von 84.000 – noch 2 Min.", "Verlauf angehalten: 12.400 von 84.000", "Anhalten", "Fortsetzen", "Verlauf: 84.000 von 84.000"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			c := newCores(t, nil)
			d := &recordingDesk{Desk: c.desk}
			u := newRecordingUI(t, c, d, tc.lang)
			if !slices.Contains(d.called(), fmt.Sprintf("History %d", c.acctID)) {
				t.Errorf("the window did not ask the desk for the history's state: %v", d.called())
			}
			if h := u.main.status.history; h.obj.Visible() {
				t.Fatalf("the history bar shows %q while no history loads", h.label.Text)
			}

			u.onEvent(mail.HistoryProgress{AccountID: c.acctID, Mailbox: "INBOX", Done: 12400, Total: 84000, Remaining: 2*time.Minute + 10*time.Second})
			historyShows(t, u, tc.loading)
			if v := u.main.status.history.bar.Value; v < 0.147 || v > 0.148 {
				t.Errorf("the bar stands at %v, want 12,400 of 84,000", v)
			}
			// The desk reports the batch as SyncProgress too: the bar
			// shows it already, the status line does not again.
			u.onEvent(mail.SyncProgress{AccountID: c.acctID, Mailbox: "INBOX", Done: 12400, Total: 84000})
			u.jobs.drain()
			if u.main.status.bar.Visible() {
				t.Errorf("the status line shows the history's batch a second time: %q", u.main.status.label.Text)
			}

			tap(t, u.win, tc.pause)
			if calls := d.called(); !slices.Contains(calls, fmt.Sprintf("PauseHistory %d", c.acctID)) {
				t.Fatalf("Pause did not pause the account's history: %v", calls)
			}
			historyShows(t, u, tc.paused)
			notText(t, u.win, tc.loading)
			if got := u.main.content.MinSize(); got.Width > minWindow.Width || got.Height > minWindow.Height {
				t.Errorf("with the history bar the views need %v, more than the minimum %v", got, minWindow)
			}
			tap(t, u.win, tc.resume)
			if calls := d.called(); !slices.Contains(calls, fmt.Sprintf("ResumeHistory %d", c.acctID)) {
				t.Fatalf("Resume did not resume the account's history: %v", calls)
			}
			historyShows(t, u, tc.loading)
			buttonOn(t, u.win, tc.pause)

			u.onEvent(mail.HistoryProgress{AccountID: c.acctID, Mailbox: "INBOX", Done: 84000, Total: 84000})
			historyHidden(t, u)
			notText(t, u.win, tc.doneElsewhere)
		})
	}
}

// A history that was loading (and paused) before the window opened shows
// at once, from Desk.History.
func TestHistoryBarShowsStateAtStart(t *testing.T) {
	c := newCores(t, nil)
	d := &recordingDesk{Desk: c.desk, history: []mail.HistoryProgress{
		{AccountID: c.acctID, Mailbox: "INBOX", Done: 100, Total: 1500, Paused: true},
		{AccountID: c.acctID, Mailbox: "Sent", Done: 0, Total: 0, Paused: true},
	}}
	u := newRecordingUI(t, c, d, langEnglish)
	historyShows(t, u, "History paused: 100 of 1,500")
	tap(t, u.win, "Resume")
	historyShows(t, u, "History: 100 of 1,500")
}

// A thousand HistoryProgress events in a burst draw the bar a few times,
// not a thousand, and the last of them shows.
func TestHistoryBarCoalesces(t *testing.T) {
	c := newCores(t, nil)
	u := newRecordingUI(t, c, &recordingDesk{Desk: c.desk}, langEnglish)
	h := u.main.status.history
	h.redraws = 0
	start := time.Now()
	for i := 1; i <= 1000; i++ {
		u.onEvent(mail.HistoryProgress{AccountID: c.acctID, Mailbox: "INBOX", Done: i, Total: 84000})
		u.jobs.drain() // each event is applied on its own, as from the desk's goroutines
	}
	took := time.Since(start)
	historyShows(t, u, "History: 1,000 of 84,000")
	if limit := 2 + int(took/historyInterval); h.redraws > limit {
		t.Errorf("1,000 events in %v drew the history bar %d times, want at most %d", took, h.redraws, limit)
	}
	t.Logf("1,000 events in %v: %d drawings", took, h.redraws)
}

// Check mail and F5 fetch the new mail and the newest of the history
// (CheckMail), not the whole history (Sync).
func TestCheckMailDoesNotSyncHistory(t *testing.T) {
	c := newCores(t, nil)
	d := &recordingDesk{Desk: c.desk}
	u := newRecordingUI(t, c, d, langEnglish)
	tap(t, u.win, "Check mail")
	u.win.Canvas().Focus(u.main.search)
	u.main.search.TypedKey(&fyne.KeyEvent{Name: fyne.KeyF5})
	u.win.Canvas().Unfocus()
	u.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyF5})
	var checks int
	for _, call := range d.called() {
		switch call {
		case "Sync":
			t.Errorf("the window called Sync")
		case "CheckMail":
			checks++
		}
	}
	if checks != 3 {
		t.Errorf("Check mail, F5 in the search box and F5 called CheckMail %d times, want 3 (calls: %v)", checks, d.called())
	}
	wantText(t, u.win, "0 new messages")
}

// A ticket whose newest article stayed on the server shows the download
// mark with "fetched when opened", also with S/MIME off; the others do
// not.
func TestListMarksRemoteArticles(t *testing.T) {
	c := newCores(t, nil)
	accts, err := c.desk.Accounts(c.ctx)
	if err != nil {
		t.Fatal(err)
	}
	a := accts[0]
	a.LargeMessage = 16 << 10
	if err := c.desk.UpdateAccount(c.ctx, a); err != nil {
		t.Fatal(err)
	}
	scan := bytes.Repeat([]byte("%PDF-1.4 scan "), 4<<10)
	c.deliver(
		mailtest.Message(t, "Alice <alice@example.org>", mailtest.DeskAddress, "Scan", "The scan, as promised.", mailtest.At(epoch),
			func(d *message.Draft) {
				d.Attachments = append(d.Attachments, message.Attachment{Name: "scan.pdf", ContentType: "application/pdf", Data: scan})
			}),
		mailtest.Message(t, "Bob <bob@example.org>", mailtest.DeskAddress, "Small", "Short.", mailtest.At(epoch.Add(time.Hour))),
	)
	for _, tc := range []struct{ lang, tip string }{{langEnglish, "fetched when opened"}, {langGerman, "wird beim Öffnen geladen"}} {
		t.Run(tc.lang, func(t *testing.T) {
			u := newTestUIIn(t, c, tc.lang)
			u.win.Resize(fyne.NewSize(1280, 860))
			check := func(security bool) {
				t.Helper()
				rows := map[string]*ticketRow{}
				for row, id := range u.main.list.bound {
					if tk, ok := u.main.list.at(id); ok {
						rows[tk.Subject] = row
					}
				}
				scan, small := rows["Scan"], rows["Small"]
				if scan == nil || small == nil {
					t.Fatalf("the list shows %v, want Scan and Small", rows)
				}
				if !scan.remote.Visible() || scan.remote.ToolTip() != tc.tip {
					t.Errorf("the large message's row: mark shown %v, tooltip %q; want shown, %q", scan.remote.Visible(), scan.remote.ToolTip(), tc.tip)
				}
				if !scan.icons.Visible() || scan.enc.Visible() != security {
					t.Errorf("S/MIME %v: the icons column shows %v, the lock %v", security, scan.icons.Visible(), scan.enc.Visible())
				}
				if small.remote.Visible() {
					t.Errorf("the small message's row shows the mark")
				}
			}
			check(true)
			u.setSecurity(secSettings{enabled: false})
			check(false)
		})
	}
}
