package mail

import (
	"sync"
	"time"
)

// Event is something the UI may want to show. The concrete types are
// SyncProgress, SyncDone, HistoryProgress, ArticleAdded, ArticleChanged,
// TicketChanged, OutboxChanged, AccountNeedsSignIn and AccountSignedIn;
// subscribers switch on the type.
type Event interface{ event() }

// SyncProgress reports a mailbox being synchronised: Done of Total new
// messages are stored.
type SyncProgress struct {
	AccountID int64
	Mailbox   string
	Done      int
	Total     int
}

// SyncDone reports the end of one sync pass over an account; Err is nil
// when it completed, else why not (the watcher then retries with
// backoff).
type SyncDone struct {
	AccountID int64
	New       int
	Err       error
}

// ArticleAdded reports a stored article; NewTicket when it opened a
// ticket.
type ArticleAdded struct {
	TicketID  int64
	ArticleID int64
	NewTicket bool
}

// ArticleChanged reports a new security result of an article (Retry, or
// the automatic re-check after a certificate import).
type ArticleChanged struct {
	TicketID  int64
	ArticleID int64
}

// TicketChanged reports a change of a ticket's row: state, unread count,
// last activity or the security of its newest article.
type TicketChanged struct {
	TicketID int64
}

// OutboxChanged reports a new state of an outgoing message.
type OutboxChanged struct {
	Item OutboxItem
}

// AccountNeedsSignIn reports that the provider refused an OAuth2
// account's stored sign-in (revoked, expired, password changed): the
// account shows "Sign in again", its sync and its outbox wait until
// SignIn. Err says what the provider answered.
type AccountNeedsSignIn struct {
	AccountID int64
	Err       error
}

// AccountSignedIn reports a completed SignIn: sync and sending resume.
type AccountSignedIn struct {
	AccountID int64
}

func (AccountNeedsSignIn) event() {}
func (AccountSignedIn) event()    {}
func (SyncProgress) event()       {}
func (SyncDone) event()           {}
func (ArticleAdded) event()       {}
func (ArticleChanged) event()     {}
func (TicketChanged) event()      {}
func (OutboxChanged) event()      {}

// subscribers holds the Subscribe callbacks.
type subscribers struct {
	mu   sync.Mutex
	next int
	fns  map[int]func(Event)
}

// Subscribe registers fn for every event until the returned function is
// called. fn runs on the desk's goroutines (sync, outbox, re-check), one
// event at a time per goroutine; it must return quickly — a UI hands the
// event to its own goroutine (fyne.Do). It may call the Desk.
func (d *Desk) Subscribe(fn func(Event)) (cancel func()) {
	s := &d.subs
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fns == nil {
		s.fns = map[int]func(Event){}
	}
	id := s.next
	s.next++
	s.fns[id] = fn
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.fns, id)
	}
}

func (d *Desk) emit(ev Event) {
	s := &d.subs
	s.mu.Lock()
	fns := make([]func(Event), 0, len(s.fns))
	for _, f := range s.fns {
		fns = append(fns, f)
	}
	s.mu.Unlock()
	for _, f := range fns {
		f(ev)
	}
}

// HistoryProgress reports the history of one folder (its mail older than
// what the first sync fetched first, newest first): Done of Total
// messages of the history window are fetched, Remaining is the estimated
// time left at the rate of this session (0 when not known yet), Paused
// when the agent paused the account's history (PauseHistory). Done ==
// Total when the history is complete.
type HistoryProgress struct {
	AccountID int64
	Mailbox   string
	Done      int
	Total     int
	Remaining time.Duration
	Paused    bool
}

func (HistoryProgress) event() {}
