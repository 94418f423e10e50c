package mail

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"siegel/crypto/smime"
	"siegel/mail/mailtest"
	"siegel/message"
)

// aliceTicket stores a question from Alice and returns its ticket.
func aliceTicket(t *testing.T, e *env) Ticket {
	t.Helper()
	e.deliver(mailtest.Message(t, "Alice Example <alice@example.org>", mailtest.DeskAddress, "Printer broken", "It prints nothing.",
		mailtest.WithID("q1@example.org")))
	e.sync()
	return e.ticket(10000)
}

// reply saves an answer to the ticket and returns the draft's ID.
func reply(t *testing.T, e *env, tk Ticket, text string, sign, encrypt bool) int64 {
	t.Helper()
	dr, err := e.desk.ReplyDraft(e.ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	dr.Text, dr.Sign, dr.Encrypt = text, sign, encrypt
	id, err := e.desk.SaveDraft(e.ctx, dr)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// sendDraft saves a draft, sends it and runs the outbox until the
// message was sent.
func (e *env) sendDraft(t testing.TB, dr Draft) OutboxItem {
	t.Helper()
	id, err := e.desk.SaveDraft(e.ctx, dr)
	if err != nil {
		t.Fatal(err)
	}
	item, err := e.desk.Send(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return e.deliverUntil(t, item.ID, OutboxSent)
}

// deliverUntil runs the outbox until the message reaches one of the
// states.
func (e *env) deliverUntil(t testing.TB, id int64, states ...OutboxState) OutboxItem {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		if err := e.desk.DeliverOutbox(e.ctx); err != nil {
			t.Fatal(err)
		}
		item, err := e.desk.OutboxItem(e.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range states {
			if item.State == s {
				return item
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox message is %s after %d attempts (%q), want %v", item.State, item.Attempts, item.LastError, states)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSendSealedBytesUnchanged(t *testing.T) {
	e := newEnv(t, nil)
	k := mailtest.TestPKI(t)
	alice := mailtest.CustomerSide(t, k.Alice)
	tk := aliceTicket(t, e)

	draftID := reply(t, e, tk, "Please restart the printer. Kennwort: Zitronenfalter.", true, true)
	// The draft is sealed at rest: its text is nowhere in the database.
	if n := e.count(`SELECT count(*) FROM drafts WHERE content IS NULL AND content_sealed IS NOT NULL AND instr(CAST(content_sealed AS TEXT), 'Zitronenfalter') = 0`); n != 1 {
		t.Errorf("encrypted draft not sealed at rest")
	}
	item, err := e.desk.Send(e.ctx, draftID)
	if err != nil {
		t.Fatal(err)
	}
	if item.State != OutboxQueued || item.TicketNumber != 10000 || !strings.Contains(item.Subject, "[Ticket#10000]") {
		t.Errorf("queued item = %+v", item)
	}
	if dr, _ := e.desk.Draft(e.ctx, draftID); dr.State != DraftSent {
		t.Errorf("draft state after Send = %s, want sent", dr.State)
	}
	if _, err := e.desk.Send(e.ctx, draftID); !errors.Is(err, ErrDraftSent) {
		t.Errorf("second Send error = %v, want ErrDraftSent", err)
	}
	var sealed []byte
	if err := e.desk.db.QueryRow(`SELECT raw FROM outbox WHERE id = ?`, item.ID).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	item = e.deliverUntil(t, item.ID, OutboxSent)

	got := e.smtp.Received()
	if len(got) != 1 {
		t.Fatalf("SMTP server received %d messages, want 1", len(got))
	}
	if !bytes.Equal(got[0].Data, sealed) {
		t.Errorf("the SMTP server received %d bytes that differ from the %d sealed bytes", len(got[0].Data), len(sealed))
	}
	if got[0].From != mailtest.DeskAddress || len(got[0].To) != 1 || got[0].To[0] != "alice@example.org" {
		t.Errorf("envelope = %s -> %v", got[0].From, got[0].To)
	}
	if bytes.Contains(got[0].Data, []byte("Zitronenfalter")) {
		t.Errorf("the plaintext reached the SMTP server")
	}
	// Alice's client decrypts and verifies it.
	res, content := alice.Engine.Open(e.ctx, got[0].Data)
	if res.Encryption != smime.EncDecrypted || res.Signature != smime.SigValid || !bytes.Contains(content, []byte("Zitronenfalter")) {
		t.Errorf("at Alice's: %s/%s (%v)", res.Encryption, res.Signature, res.Layers)
	}
	// The sent message is an article of the ticket, with its own result,
	// and in the Sent folder.
	arts := e.articles(tk.ID)
	last := arts[len(arts)-1]
	if len(arts) != 2 || !last.Outgoing || last.ID != item.ArticleID || last.Security.Encryption != smime.EncDecrypted || last.Security.Signature != smime.SigValid {
		t.Errorf("ticket articles = %d, last outgoing %v, security %s/%s", len(arts), last.Outgoing, last.Security.Encryption, last.Security.Signature)
	}
	if st := e.ticket(10000).State; st != TicketOpen {
		t.Errorf("ticket state after our answer = %s, want open", st)
	}
	waitFor(t, "the Sent folder copy", func() bool { return e.imap.Count(t, "Sent") == 1 })
	// A sync finds the Sent copy and does not store it again.
	if rep := e.sync(); rep.Accounts[0].New != 0 {
		t.Errorf("sync after sending stored %d articles, want 0", rep.Accounts[0].New)
	}
	assertNotInDB(t, e, "Zitronenfalter")
}

func TestSendEncryptFailsSendsNothing(t *testing.T) {
	e := newEnv(t, nil)
	if err := e.desk.Start(e.ctx); err != nil {
		t.Fatal(err)
	}
	id, err := e.desk.SaveDraft(e.ctx, Draft{AccountID: e.acct.ID, To: []string{"stranger@example.net"}, Subject: "Offer",
		Text: "The secret offer.", Encrypt: true, Sign: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.desk.Send(e.ctx, id)
	var missing *smime.MissingCertError
	if !errors.As(err, &missing) || len(missing.Addresses) != 1 || missing.Addresses[0] != "stranger@example.net" {
		t.Fatalf("Send error = %v, want a MissingCertError for stranger@example.net", err)
	}
	if dr, err := e.desk.Draft(e.ctx, id); err != nil || dr.State != DraftOpen || dr.Text != "The secret offer." {
		t.Errorf("draft after the failed Send = %+v, %v; want it kept unchanged", dr, err)
	}
	if n := e.count(`SELECT count(*) FROM outbox`); n != 0 {
		t.Errorf("%d messages in the outbox, want 0", n)
	}
	// The running desk has had its chance to send anything.
	time.Sleep(200 * time.Millisecond)
	if err := e.desk.DeliverOutbox(e.ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.smtp.Received(); len(got) != 0 {
		t.Errorf("the SMTP server received %d messages, want none", len(got))
	}
}

func TestSendNewTicket(t *testing.T) {
	e := newEnv(t, nil)
	id, err := e.desk.SaveDraft(e.ctx, Draft{AccountID: e.acct.ID, To: []string{"Alice <alice@example.org>"}, Subject: "Your new laptop",
		Text: "It is ready.", Sign: true})
	if err != nil {
		t.Fatal(err)
	}
	item, err := e.desk.Send(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if item.Subject != "[Ticket#10000] Your new laptop" {
		t.Errorf("subject = %q", item.Subject)
	}
	item = e.deliverUntil(t, item.ID, OutboxSent)
	tk := e.ticket(10000)
	if tk.ID != item.TicketID || tk.State != TicketOpen || tk.Customer.Address != "alice@example.org" || tk.Signature != smime.SigValid {
		t.Errorf("new ticket = %+v", tk)
	}
	// Alice answers: the answer joins the ticket.
	e.deliver(mailtest.Message(t, "alice@example.org", mailtest.DeskAddress, "Re: [Ticket#10000] Your new laptop", "Thanks!",
		mailtest.ReplyTo(item.MessageID)))
	e.sync()
	if got := e.ticket(10000).Articles; got != 2 {
		t.Errorf("ticket has %d articles, want 2", got)
	}
}

func TestSMTPFailures(t *testing.T) {
	e := newEnv(t, nil)
	tk := aliceTicket(t, e)
	reject := func(code int, msg string) error {
		return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 0, 0}, Message: msg}
	}
	tests := []struct {
		name  string
		setup func(s *mailtest.SMTP, fail *atomic.Int32)
		// permanent failures stay failed; temporary ones are retried
		permanent bool
		code      int
	}{
		{"421 at MAIL FROM", func(s *mailtest.SMTP, fail *atomic.Int32) {
			s.OnMail(func(string) error {
				if fail.Add(-1) >= 0 {
					return reject(421, "Service not available, closing channel")
				}
				return nil
			})
		}, false, 421},
		{"451 at end of data", func(s *mailtest.SMTP, fail *atomic.Int32) {
			s.OnData(func(r io.Reader) error {
				io.Copy(io.Discard, r)
				if fail.Add(-1) >= 0 {
					return reject(451, "Local error in processing")
				}
				return nil
			})
		}, false, 451},
		{"disconnect during data", func(s *mailtest.SMTP, fail *atomic.Int32) {
			s.OnData(func(r io.Reader) error {
				if fail.Add(-1) >= 0 {
					io.CopyN(io.Discard, r, 100)
					return mailtest.ErrDisconnect
				}
				io.Copy(io.Discard, r)
				return nil
			})
		}, false, 0},
		{"550 at RCPT TO", func(s *mailtest.SMTP, fail *atomic.Int32) {
			s.OnRcpt(func(string) error {
				if fail.Add(-1) >= 0 {
					return reject(550, "No such user here")
				}
				return nil
			})
		}, true, 550},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.smtp.Reset()
			var fail atomic.Int32
			fail.Store(2)
			tt.setup(e.smtp, &fail)
			item, err := e.desk.Send(e.ctx, reply(t, e, tk, "Answer: "+tt.name, false, false))
			if err != nil {
				t.Fatal(err)
			}
			if tt.permanent {
				item = e.deliverUntil(t, item.ID, OutboxFailed, OutboxSent)
				if item.State != OutboxFailed || item.ErrorCode != tt.code || !strings.Contains(item.LastError, "No such user here") {
					t.Fatalf("after a %d: %s, code %d, error %q; want failed with the server's text", tt.code, item.State, item.ErrorCode, item.LastError)
				}
				if err := e.desk.DeliverOutbox(e.ctx); err != nil {
					t.Fatal(err)
				}
				if item, _ = e.desk.OutboxItem(e.ctx, item.ID); item.State != OutboxFailed || item.Attempts != 1 {
					t.Fatalf("a permanent failure was retried: %s after %d attempts", item.State, item.Attempts)
				}
				// The agent resends after the address was fixed on the
				// server side (the second attempt still fails: fail is 1).
				if err := e.desk.Resend(e.ctx, item.ID); err != nil {
					t.Fatal(err)
				}
				e.deliverUntil(t, item.ID, OutboxFailed)
				if err := e.desk.Resend(e.ctx, item.ID); err != nil {
					t.Fatal(err)
				}
			}
			item = e.deliverUntil(t, item.ID, OutboxSent)
			if !tt.permanent && item.Attempts != 3 {
				t.Errorf("sent after %d attempts, want 3 (two temporary failures)", item.Attempts)
			}
			n := 0
			for _, m := range e.smtp.Received() {
				if bytes.Contains(m.Data, []byte(item.MessageID)) {
					n++
				}
			}
			if n != 1 {
				t.Errorf("the server accepted the message %d times, want 1", n)
			}
		})
	}
}

func TestUncertainDeliveryIsNotRepeated(t *testing.T) {
	e := newEnv(t, nil)
	tk := aliceTicket(t, e)
	// The server takes the whole message and then the connection breaks
	// before its reply arrives.
	var accepted atomic.Int32
	e.smtp.OnData(func(r io.Reader) error {
		io.Copy(io.Discard, r)
		accepted.Add(1)
		return mailtest.ErrDisconnect
	})
	item, err := e.desk.Send(e.ctx, reply(t, e, tk, "Maybe delivered.", false, false))
	if err != nil {
		t.Fatal(err)
	}
	item = e.deliverUntil(t, item.ID, OutboxUncertain, OutboxSent, OutboxFailed)
	if item.State != OutboxUncertain || accepted.Load() != 1 {
		t.Fatalf("state %s after %d deliveries, want uncertain after 1", item.State, accepted.Load())
	}
	time.Sleep(50 * time.Millisecond)
	if err := e.desk.DeliverOutbox(e.ctx); err != nil {
		t.Fatal(err)
	}
	if accepted.Load() != 1 {
		t.Errorf("an uncertain message was sent again without being asked (%d deliveries)", accepted.Load())
	}
	// The agent decides to send it again.
	e.smtp.Reset()
	if err := e.desk.Resend(e.ctx, item.ID); err != nil {
		t.Fatal(err)
	}
	e.deliverUntil(t, item.ID, OutboxSent)
	if n := len(e.smtp.Received()); n != 1 {
		t.Errorf("after Resend the server received %d messages, want 1", n)
	}
}

func TestUncertainDeliverySettledBySentFolder(t *testing.T) {
	e := newEnv(t, nil)
	tk := aliceTicket(t, e)
	// This provider files every accepted message in the Sent folder.
	e.smtp.OnAccept(func(m mailtest.Received) { e.imap.Append(t, "Sent", m.Data) })
	first, err := e.desk.Send(e.ctx, reply(t, e, tk, "First.", false, false))
	if err != nil {
		t.Fatal(err)
	}
	e.deliverUntil(t, first.ID, OutboxSent)
	waitFor(t, "the desk to learn that the server files sent mail", func() bool {
		return e.count(`SELECT count(*) FROM accounts WHERE smtp_saves_sent`) == 1
	})
	if n := e.imap.Count(t, "Sent"); n != 1 {
		t.Errorf("Sent folder holds %d messages, want 1 (no second copy appended)", n)
	}

	// Accepted, reply lost: the Sent folder shows it was delivered.
	dropReply(e)
	second, err := e.desk.Send(e.ctx, reply(t, e, tk, "Second.", false, false))
	if err != nil {
		t.Fatal(err)
	}
	second = e.deliverUntil(t, second.ID, OutboxSent, OutboxUncertain, OutboxFailed)
	if second.State != OutboxSent || second.Attempts != 1 {
		t.Errorf("accepted message with a lost reply: %s after %d attempts, want sent after 1", second.State, second.Attempts)
	}
	if n := e.imap.Count(t, "Sent"); n != 2 {
		t.Errorf("Sent folder holds %d messages, want 2 (each once)", n)
	}
}

// dropReply makes the server accept the next message (and file it in
// Sent, through OnAccept) and then drop the connection instead of
// replying.
func dropReply(e *env) {
	var done atomic.Bool
	e.smtp.OnData(func(r io.Reader) error {
		if done.Swap(true) {
			io.Copy(io.Discard, r)
			return nil
		}
		data, _ := io.ReadAll(r)
		e.imap.Append(e.t, "Sent", data)
		return mailtest.ErrDisconnect
	})
}

func TestDraftsKeepWhatWasWritten(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	dr := Draft{AccountID: e.acct.ID, To: []string{"alice@example.org"}, Subject: "Hi", Text: "plain draft"}
	id, err := e.desk.SaveDraft(ctx, dr)
	if err != nil {
		t.Fatal(err)
	}
	if n := e.count(`SELECT count(*) FROM drafts WHERE content_sealed IS NULL AND instr(CAST(content AS TEXT), 'plain draft')`); n != 1 {
		t.Errorf("draft without Encrypt not stored plainly")
	}
	dr.ID, dr.Encrypt, dr.Text = id, true, "now secret"
	if _, err := e.desk.SaveDraft(ctx, dr); err != nil {
		t.Fatal(err)
	}
	got, err := e.desk.Draft(ctx, id)
	if err != nil || got.Text != "now secret" || !got.Encrypt {
		t.Errorf("Draft = %+v, %v", got, err)
	}
	if n := e.count(`SELECT count(*) FROM drafts WHERE content IS NULL AND instr(CAST(content_sealed AS TEXT), 'now secret') = 0`); n != 1 {
		t.Errorf("draft with Encrypt not sealed")
	}
	// A discarded outbox message gives its draft back.
	e.smtp.OnRcpt(func(string) error { return &smtp.SMTPError{Code: 550, Message: "no"} })
	item, err := e.desk.Send(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	e.deliverUntil(t, item.ID, OutboxFailed)
	if err := e.desk.Discard(ctx, item.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.desk.Draft(ctx, id); got.State != DraftOpen || got.Text != "now secret" {
		t.Errorf("draft after Discard = %+v, want open with its text", got)
	}
}

func TestSendUsesCipherSetting(t *testing.T) {
	// The window's spelling: Settings → Security stores these.
	e := newEnv(t, nil)
	tk := aliceTicket(t, e)
	if err := e.side.Profile.SetSetting(e.ctx, SettingCipher, "aes-256-gcm"); err != nil {
		t.Fatal(err)
	}
	if err := e.side.Profile.SetSetting(e.ctx, SettingKeyTransport, "rsa-oaep"); err != nil {
		t.Fatal(err)
	}
	item, err := e.desk.Send(e.ctx, reply(t, e, tk, "GCM please.", true, true))
	if err != nil {
		t.Fatal(err)
	}
	item = e.deliverUntil(t, item.ID, OutboxSent)
	a, err := e.desk.Article(e.ctx, item.ArticleID)
	if err != nil {
		t.Fatal(err)
	}
	if l := a.Security.Layers; len(l) == 0 || l[0].Kind != smime.LayerAuthEnveloped || a.Security.Cipher != "AES-256-GCM" ||
		!strings.Contains(a.Security.KeyTransport, "OAEP") {
		t.Errorf("sent with the GCM and OAEP settings: layers %+v, cipher %q, key transport %q", l, a.Security.Cipher, a.Security.KeyTransport)
	}
}

func TestOutboxSettlesInterruptedAttempts(t *testing.T) {
	e := newEnv(t, nil)
	tk := aliceTicket(t, e)
	queue := func(text string) OutboxItem {
		t.Helper()
		item, err := e.desk.Send(e.ctx, reply(t, e, tk, text, false, false))
		if err != nil {
			t.Fatal(err)
		}
		return item
	}
	set := func(id int64, state OutboxState, next time.Time) {
		t.Helper()
		if _, err := e.desk.db.Exec(`UPDATE outbox SET state = ?, next_attempt = ? WHERE id = ?`, string(state), millis(next), id); err != nil {
			t.Fatal(err)
		}
	}
	past, future := time.Now().Add(-time.Minute), time.Now().Add(time.Hour)
	// Killed before the end of the data: sent again, once.
	a := queue("A")
	set(a.ID, OutboxSending, past)
	// Killed after the server took it and filed it in Sent: settled
	// without sending.
	b := queue("B")
	var raw []byte
	e.desk.db.QueryRow(`SELECT raw FROM outbox WHERE id = ?`, b.ID).Scan(&raw)
	e.imap.Append(t, "Sent", raw)
	set(b.ID, OutboxCommitting, past)
	// Killed after the end of the data, not in Sent: the agent decides.
	c := queue("C")
	set(c.ID, OutboxCommitting, past)
	// In flight in another process right now: left alone.
	d := queue("D")
	set(d.ID, OutboxSending, future)

	if err := e.desk.DeliverOutbox(e.ctx); err != nil {
		t.Fatal(err)
	}
	want := map[int64]OutboxState{a.ID: OutboxSent, b.ID: OutboxSent, c.ID: OutboxUncertain, d.ID: OutboxSending}
	for id, st := range want {
		if got, _ := e.desk.OutboxItem(e.ctx, id); got.State != st {
			t.Errorf("outbox message %d: %s, want %s", id, got.State, st)
		}
	}
	got := e.smtp.Received()
	if len(got) != 1 || !bytes.Contains(got[0].Data, []byte(a.MessageID)) {
		t.Errorf("the server received %d messages, want only A", len(got))
	}
	if n := e.imap.Count(t, "Sent"); n != 2 {
		t.Errorf("Sent holds %d messages, want 2 (B once, A appended)", n)
	}
}

// TestLongAttemptIsNotTakenForInterrupted: a big message may wait for the
// server's confirmation far longer than a small one (submit gives the data
// a second per 10 KB). Another process must not take that attempt for an
// interrupted one while it can still succeed, or — on a server that files
// sent mail itself, where a message missing from Sent counts as not
// delivered — send it a second time.
func TestLongAttemptIsNotTakenForInterrupted(t *testing.T) {
	e := newEnv(t, nil)
	tk := aliceTicket(t, e)
	if _, err := e.desk.db.Exec(`UPDATE accounts SET smtp_saves_sent = 1`); err != nil {
		t.Fatal(err)
	}
	// The other process's clock is 12 minutes on: past the fixed in-flight
	// window, within the bound of this attempt (its data alone may take
	// some 16 minutes).
	later := func() time.Time { return time.Now().Add(12 * time.Minute) }
	other, err := Open(e.ctx, e.side.Profile, e.side.Store, e.side.Engine,
		&Options{Now: later, RetryMin: 10 * time.Millisecond, RetryMax: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	var accepted atomic.Int32
	e.smtp.OnData(func(r io.Reader) error {
		io.Copy(io.Discard, r) // the final "." has come: the attempt is committing
		if accepted.Add(1) == 1 {
			// While this server still confirms, the other process looks
			// at the outbox twice.
			for range 2 {
				if err := other.DeliverOutbox(e.ctx); err != nil {
					t.Error(err)
				}
			}
		}
		return nil
	})
	dr, err := e.desk.ReplyDraft(e.ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	dr.Text = "The manual is attached."
	dr.Attachments = []message.Attachment{{Name: "manual.bin", Data: bytes.Repeat([]byte{0xa5}, 7<<20)}}
	e.sendDraft(t, dr)
	if n := accepted.Load(); n != 1 {
		t.Errorf("the server received the message %d times, want once", n)
	}
}

// TestSendHidesSubject: encrypted mail carries its Subject inside
// (RFC 9788) and "[...]" outside, unless the setting keeps it; the desk
// files the sent article under the real Subject either way.
func TestSendHidesSubject(t *testing.T) {
	for _, hide := range []string{"on", "off"} {
		t.Run("hide="+hide, func(t *testing.T) {
			e := newEnv(t, nil)
			tk := aliceTicket(t, e)
			if err := e.side.Profile.SetSetting(e.ctx, SettingHideSubject, hide); err != nil {
				t.Fatal(err)
			}
			item, err := e.desk.Send(e.ctx, reply(t, e, tk, "Inside only.", true, true))
			if err != nil {
				t.Fatal(err)
			}
			item = e.deliverUntil(t, item.ID, OutboxSent)
			got := e.smtp.Received()
			if len(got) != 1 {
				t.Fatalf("SMTP server received %d messages, want 1", len(got))
			}
			outer := message.ReadEnvelope(got[0].Data).Subject
			a, err := e.desk.Article(e.ctx, item.ArticleID)
			if err != nil {
				t.Fatal(err)
			}
			want := a.Security.Header().Subject
			if hide == "on" {
				want = smime.ObscuredSubject
			}
			if outer != want {
				t.Errorf("outer Subject: got %q, want %q", outer, want)
			}
			if a.Subject != item.Subject || !strings.Contains(a.Subject, tk.Subject) || a.Security.Protected == nil {
				t.Errorf("stored article: subject %q (sent %q, ticket %q), protected %+v", a.Subject, item.Subject, tk.Subject, a.Security.Protected)
			}
		})
	}
}
