package ui

import (
	"context"
	"errors"
	"image/color"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	ttwidget "github.com/dweymouth/fyne-tooltip/widget"

	"siegel/mail"
)

// historyInterval is how often at most the history bar is drawn. The
// desk reports every batch of every folder, many a second on a fast link
// to a large mailbox; the agent reads a count that changes four times a
// second as well, and the UI goroutine stays free for the frames.
const historyInterval = 250 * time.Millisecond

// historyBarWidth is the width of the history's progress bar.
const historyBarWidth = 120

// historyKey names a folder of an account.
type historyKey struct {
	account int64
	mailbox string
}

// historyBar is the part of the status line that shows the older mail
// of a first sync arriving behind the newest (mail.HistoryProgress):
// "History: 12,400 of 84,000 — 2 min left", a bar and Pause or Resume.
// It is hidden while no account's history loads.
//
// Events only update folders; the bar is drawn at most once every
// historyInterval, the last events of a burst included.
type historyBar struct {
	u       *UI
	folders map[historyKey]mail.HistoryProgress
	started bool // the desk was asked for the history's state
	// last is when the bar was drawn; pending, that a drawing waits for
	// historyInterval to pass since.
	last    time.Time
	pending bool
	// redraws counts the drawings, which the tests count to see the
	// coalescing.
	redraws int
	busy    bool // a Pause or Resume is on its way

	label  *widget.Label
	bar    *widget.ProgressBar
	button *ttwidget.Button
	obj    *fyne.Container
	// line holds the bar (the status line): it lays the bar out again
	// when it shows or hides.
	line *fyne.Container
}

func newHistoryBar(u *UI) *historyBar {
	return &historyBar{u: u, folders: map[historyKey]mail.HistoryProgress{}}
}

// build makes the bar's widgets at most height high (the status line's
// small label: the line stays low). The first build asks the desk for
// the state of the history, which may have been loading before the
// window opened.
func (h *historyBar) build(height float32) fyne.CanvasObject {
	h.label = widget.NewLabel("")
	h.label.SizeName = theme.SizeNameCaptionText
	h.bar = widget.NewProgressBar()
	width := canvas.NewRectangle(color.Transparent)
	width.SetMinSize(fyne.NewSize(historyBarWidth, 0))
	h.button = ttwidget.NewButtonWithIcon("", theme.MediaPauseIcon(), h.toggle)
	h.button.Importance = widget.LowImportance
	// The gap is fixed here: the status line draws the row with its own
	// theme (compact), and its size must not depend on which theme asks.
	h.obj = container.New(lowRow{height: height, gap: theme.Padding()}, h.label, container.NewStack(width, h.bar), h.button)
	h.draw()
	if !h.started {
		h.started = true
		h.load()
	}
	return h.obj
}

// load asks the desk how far the history of every account got.
func (h *historyBar) load() {
	desk, ctx := h.u.c.Desk, h.u.ctx
	h.u.jobs.run(func() {
		accts, err := desk.Accounts(ctx)
		if err != nil {
			return // the list says what is wrong with the desk
		}
		var all []mail.HistoryProgress
		for _, a := range accts {
			if list, err := desk.History(ctx, a.ID); err == nil {
				all = append(all, list...)
			}
		}
		h.u.jobs.do(func() {
			for _, p := range all {
				// An event that came in the meantime is newer.
				if k := (historyKey{p.AccountID, p.Mailbox}); !h.has(k) {
					h.folders[k] = p
				}
			}
			h.draw()
		})
	})
}

func (h *historyBar) has(k historyKey) bool {
	_, ok := h.folders[k]
	return ok
}

// progress takes a folder's HistoryProgress.
func (h *historyBar) progress(p mail.HistoryProgress) {
	h.folders[historyKey{p.AccountID, p.Mailbox}] = p
	if h.pending {
		return
	}
	if wait := historyInterval - time.Since(h.last); wait > 0 {
		h.pending = true
		// post, not do: the drawing joins the queue of events behind
		// the ones it follows (and waits for the tests' drain).
		time.AfterFunc(wait, func() { h.u.jobs.post(h.flush) })
		return
	}
	h.draw()
}

func (h *historyBar) flush() {
	h.pending = false
	h.draw()
}

// shows reports whether p, a SyncProgress, repeats the history's last
// HistoryProgress of its folder: the desk reports a history batch both
// ways, and the bar shows it already.
func (h *historyBar) shows(p mail.SyncProgress) bool {
	hp, ok := h.folders[historyKey{p.AccountID, p.Mailbox}]
	return ok && hp.Done == p.Done && hp.Total == p.Total
}

// historyState is what the bar shows, summed over the accounts whose
// history loads.
type historyState struct {
	done, total int
	left        time.Duration // 0: not known
	paused      bool          // every loading account is paused
	accounts    []int64       // the loading accounts
	pausedOnes  []int64       // those of them that are paused
}

func (h *historyBar) state() historyState {
	loading := map[int64]bool{}
	for k, p := range h.folders {
		if p.Total > 0 && p.Done < p.Total {
			loading[k.account] = true
		}
	}
	var s historyState
	paused := map[int64]bool{}
	left := map[int64]time.Duration{}
	known := true
	for k, p := range h.folders {
		if !loading[k.account] || p.Total <= 0 {
			continue
		}
		s.done += min(p.Done, p.Total)
		s.total += p.Total
		if p.Done < p.Total {
			left[k.account] += p.Remaining
			known = known && p.Remaining > 0
		}
		if p.Paused {
			paused[k.account] = true
		}
	}
	s.paused = len(loading) > 0
	for id := range loading {
		s.accounts = append(s.accounts, id)
		if paused[id] {
			s.pausedOnes = append(s.pausedOnes, id)
		} else {
			s.paused = false
		}
		// The accounts load side by side: the slowest ends it.
		s.left = max(s.left, left[id])
	}
	if !known {
		s.left = 0
	}
	return s
}

// draw shows the history's state now.
func (h *historyBar) draw() {
	h.last = time.Now()
	h.redraws++
	if h.obj == nil {
		return
	}
	s := h.state()
	if len(s.accounts) == 0 {
		h.show(false)
		return
	}
	data := map[string]any{"Done": formatCount(s.done), "Total": formatCount(s.total)}
	switch {
	case s.paused:
		h.label.SetText(trf("history.paused", data))
		h.button.SetIcon(theme.MediaPlayIcon())
		h.button.SetText(tr("history.resume"))
		h.button.SetToolTip(tr("history.resume.tip"))
	default:
		key := "history.progress"
		if s.left > 0 {
			key = "history.progress.left"
			data["Left"] = formatLeft(s.left)
		}
		h.label.SetText(trf(key, data))
		h.button.SetIcon(theme.MediaPauseIcon())
		h.button.SetText(tr("history.pause"))
		h.button.SetToolTip(tr("history.pause.tip"))
	}
	h.bar.SetValue(float64(s.done) / float64(s.total))
	if h.busy {
		h.button.Disable()
	} else {
		h.button.Enable()
	}
	h.show(true)
}

// show shows or hides the bar. The line around it lays it out again when
// it shows or hides or its texts changed its width; else redrawing the
// bar itself is enough.
func (h *historyBar) show(on bool) {
	relayout := on != h.obj.Visible() || on && h.obj.Size().Width != h.obj.MinSize().Width
	if on {
		h.obj.Show()
	} else {
		h.obj.Hide()
	}
	if relayout && h.line != nil {
		h.line.Refresh()
	} else {
		h.obj.Refresh()
	}
}

// toggle pauses the loading history, or resumes it when it is paused.
func (h *historyBar) toggle() {
	s := h.state()
	if h.busy || len(s.accounts) == 0 {
		return
	}
	pause, ids := !s.paused, s.accounts
	if s.paused {
		ids = s.pausedOnes
	}
	h.busy = true
	h.button.Disable()
	desk, ctx := h.u.c.Desk, h.u.userCtx()
	h.u.jobs.run(func() {
		var done, gone []int64
		var errs []error
		for _, id := range ids {
			var err error
			if pause {
				err = desk.PauseHistory(ctx, id)
			} else {
				err = desk.ResumeHistory(ctx, id)
			}
			switch {
			case errors.Is(err, mail.ErrNoAccount):
				gone = append(gone, id)
			case err != nil:
				errs = append(errs, err)
			default:
				done = append(done, id)
			}
		}
		h.u.jobs.do(func() { h.toggled(pause, done, gone, errors.Join(errs...)) })
	})
}

// toggled shows the outcome of Pause or Resume at once: the desk's
// events say the same, but may wait behind a batch.
func (h *historyBar) toggled(paused bool, done, gone []int64, err error) {
	h.busy = false
	set := map[int64]bool{}
	for _, id := range done {
		set[id] = true
	}
	removed := map[int64]bool{}
	for _, id := range gone {
		removed[id] = true
	}
	for k, p := range h.folders {
		switch {
		case removed[k.account]:
			// A deleted account's history loads no more.
			delete(h.folders, k)
		case set[k.account]:
			p.Paused = paused
			h.folders[k] = p
		}
	}
	h.draw()
	if err != nil && !errors.Is(err, context.Canceled) {
		showError(h.u.win, err)
	}
}

// formatCount writes a count with the language's thousands separator:
// "84,000", in German "84.000".
func formatCount(n int) string {
	s := strconv.Itoa(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	sep := tr("format.thousands")
	out := make([]byte, 0, len(s)+len(s)/3*len(sep))
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, sep...)
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// formatLeft writes the time left in minutes, rounded, or hours and
// minutes: the estimate is not precise enough for seconds.
func formatLeft(d time.Duration) string {
	if d < time.Minute {
		return tr("history.under-minute")
	}
	m := int((d + 30*time.Second) / time.Minute)
	if m < 60 {
		return trf("history.minutes", map[string]any{"M": m})
	}
	return trf("history.hours", map[string]any{"H": m / 60, "M": m % 60})
}

// lowRow lays its visible objects out side by side, each as wide as it
// needs and all as high as the row, which is at most height: a button
// beside the status line's small label would make the line higher.
type lowRow struct{ height, gap float32 }

func (l lowRow) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var w, h float32
	n := 0
	for _, o := range objects {
		if !o.Visible() {
			continue
		}
		ms := o.MinSize()
		w += ms.Width
		h = max(h, ms.Height)
		n++
	}
	if n > 1 {
		w += float32(n-1) * l.gap
	}
	if l.height > 0 {
		h = min(h, l.height)
	}
	return fyne.NewSize(w, h)
}

func (l lowRow) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	x := float32(0)
	for _, o := range objects {
		if !o.Visible() {
			continue
		}
		w := o.MinSize().Width
		o.Move(fyne.NewPos(x, 0))
		o.Resize(fyne.NewSize(w, size.Height))
		x += w + l.gap
	}
}
