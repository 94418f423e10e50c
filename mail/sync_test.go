package mail

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"siegel/crypto/smime"
	"siegel/mail/imapsync"
	"siegel/mail/mailtest"
	"siegel/message"
)

func TestSyncThreadsIntoTickets(t *testing.T) {
	e := newEnv(t, nil)
	k := mailtest.TestPKI(t)
	alice := mailtest.CustomerSide(t, k.Alice)
	bob := mailtest.CustomerSide(t, k.Bob)
	desk := mailtest.DeskAddress

	// A plain question opens ticket 10000.
	m1 := mailtest.Message(t, "Alice Example <alice@example.org>", desk, "Printer broken", "The printer prints nothing at all.",
		mailtest.WithID("m1@example.org"))
	e.deliver(m1)
	rep := e.sync()
	if got := rep.Accounts[0].New; got != 1 {
		t.Fatalf("first sync stored %d articles, want 1", got)
	}
	t1 := e.ticket(10000)
	if t1.Subject != "Printer broken" || t1.Customer.Address != "alice@example.org" || t1.State != TicketNew || t1.Unread != 1 {
		t.Errorf("ticket 10000 = %+v, want new, unread, from alice, subject Printer broken", t1)
	}
	arts := e.articles(t1.ID)
	if len(arts) != 1 || !bytes.Equal(mustRaw(t, e, arts[0].ID), m1) {
		t.Fatalf("ticket 10000 articles = %d, want 1 stored byte for byte", len(arts))
	}
	if s := arts[0].Security; s.Encryption != smime.EncNone || s.Signature != smime.SigNone {
		t.Errorf("plain article security = %s/%s, want none/none", s.Encryption, s.Signature)
	}

	// Alice's signed answer threads by In-Reply-To.
	m2 := alice.Seal(t, mailtest.Message(t, "alice@example.org", desk, "Re: Printer broken", "Still broken, see the signature.",
		mailtest.WithID("m2@example.org"), mailtest.ReplyTo("m1@example.org")), true, false)
	// Bob writes signed and encrypted: a new ticket, and his certificate
	// is collected from his valid signature.
	m3 := bob.Seal(t, mailtest.Message(t, "Bob Example <bob@example.org>", desk, "Secret contract", "The password is swordfish.",
		mailtest.WithID("m3@example.org")), true, true)
	e.deliver(m2)
	e.deliver(m3)
	e.sync()

	t1 = e.ticket(10000)
	if t1.Articles != 2 || t1.Signature != smime.SigValid || t1.Encryption != smime.EncNone {
		t.Errorf("ticket 10000 after the signed answer: %d articles, newest %s/%s; want 2, none/valid", t1.Articles, t1.Encryption, t1.Signature)
	}
	t2 := e.ticket(10001)
	if t2.Customer.Address != "bob@example.org" || t2.Encryption != smime.EncDecrypted || t2.Signature != smime.SigValid {
		t.Errorf("ticket 10001 = %+v, want Bob's, decrypted and valid", t2)
	}
	a3 := e.articles(t2.ID)[0]
	if !a3.Encrypted || a3.Security.Signer == nil || a3.Security.Signer.Emails[0] != "bob@example.org" {
		t.Errorf("Bob's article: encrypted %v, signer %+v", a3.Encrypted, a3.Security.Signer)
	}
	if certs, err := e.side.Store.CertsForAddress(e.ctx, "bob@example.org", time.Now()); err != nil || len(certs) != 1 {
		t.Errorf("Bob's certificate collected: %d certificates (%v), want 1", len(certs), err)
	}
	// The plaintext of the encrypted article is nowhere in the database.
	assertNotInDB(t, e, "swordfish")

	// A message with the ticket tag but no references joins by the tag.
	m4 := mailtest.Message(t, "alice@example.org", desk, "Re: [Ticket#10001] Secret contract", "Tagged only.",
		mailtest.WithID("m4@example.org"))
	e.deliver(m4)
	// A reply that arrives before its parent: both end in one ticket.
	m6 := mailtest.Message(t, "carol@example.com", desk, "Invoice", "Where is my invoice?", mailtest.WithID("m6@example.com"))
	m7 := mailtest.Message(t, "carol@example.com", desk, "Re: Invoice", "Hello?", mailtest.WithID("m7@example.com"),
		mailtest.ReplyTo("m6@example.com"))
	e.deliver(m7)
	e.deliver(m6)
	e.sync()
	if got := e.ticket(10001).Articles; got != 2 {
		t.Errorf("ticket 10001 has %d articles after the tagged message, want 2", got)
	}
	carol := e.ticket(10002)
	if carol.Articles != 2 {
		t.Errorf("Carol's ticket has %d articles, want 2 (reply before parent)", carol.Articles)
	}
	if _, err := e.desk.TicketByNumber(e.ctx, 10003); err == nil {
		t.Errorf("a fourth ticket exists, want 3")
	}

	// A customer's answer reopens a closed ticket.
	if err := e.desk.SetTicketState(e.ctx, t1.ID, TicketClosed); err != nil {
		t.Fatal(err)
	}
	e.deliver(mailtest.Message(t, "alice@example.org", desk, "Re: Printer broken", "Again!",
		mailtest.WithID("m5@example.org"), mailtest.ReplyTo("m2@example.org", "m1@example.org")))
	e.sync()
	if st := e.ticket(10000).State; st != TicketOpen {
		t.Errorf("closed ticket after the customer's answer is %s, want open", st)
	}

	// Our own answer, found in the Sent folder, files as outgoing and read.
	e.imap.Append(t, "Sent", mailtest.Message(t, desk, "alice@example.org", "Re: [Ticket#10000] Printer broken", "Please restart it.",
		mailtest.WithID("s1@siegel.example"), mailtest.ReplyTo("m5@example.org")))
	e.sync()
	arts = e.articles(t1.ID)
	last := arts[len(arts)-1]
	if len(arts) != 4 || !last.Outgoing || last.Unread || last.MessageID != "s1@siegel.example" {
		t.Errorf("ticket 10000: %d articles, last %q outgoing %v unread %v; want 4, our answer last, read", len(arts), last.MessageID, last.Outgoing, last.Unread)
	}

	// A second pass finds nothing new; nothing is stored twice.
	if rep := e.sync(); rep.Accounts[0].New != 0 {
		t.Errorf("second pass stored %d articles, want 0", rep.Accounts[0].New)
	}
	if n := e.count(`SELECT count(*) FROM articles`); n != 8 {
		t.Errorf("%d articles stored, want 8", n)
	}
}

func mustRaw(t *testing.T, e *env, id int64) []byte {
	t.Helper()
	raw, err := e.desk.RawArticle(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// assertNotInDB checks that no text column of the mail tables contains s
// (the raw messages are stored as received, so encrypted ones hide it).
func assertNotInDB(t *testing.T, e *env, s string) {
	t.Helper()
	for _, q := range []string{
		`SELECT count(*) FROM articles WHERE instr(CAST(raw AS TEXT), ?) OR instr(header, ?) OR instr(security, ?) OR instr(subject, ?)`,
	} {
		if n := e.count(q, s, s, s, s); n != 0 {
			t.Errorf("%q found in %d article rows", s, n)
		}
	}
	page, err := e.desk.Tickets(e.ctx, TicketQuery{Search: s})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Tickets) != 0 {
		t.Errorf("searching %q finds %d tickets, want none (the text is encrypted)", s, len(page.Tickets))
	}
}

func TestSearch(t *testing.T) {
	e := newEnv(t, nil)
	desk := mailtest.DeskAddress
	e.deliver(mailtest.Message(t, "Jürgen Müller <juergen@example.de>", desk, "Drucker defekt", "Der Drucker im zweiten Stock druckt nur Streifen."))
	e.deliver(mailtest.Message(t, "alice@example.org", desk, "VPN login", "Cannot log in since Monday."))
	e.sync()
	tests := []struct {
		search string
		want   []int64
	}{
		{"10000", []int64{10000}},
		{"Ticket#10001", []int64{10001}},
		{"[Ticket#10001]", []int64{10001}},
		{"drucker", []int64{10000}},
		{"streif", []int64{10000}}, // prefix
		{"Muller", []int64{10000}}, // diacritics removed
		{"juergen@example.de", []int64{10000}},
		{"alice", []int64{10001}},
		{"monday login", []int64{10001}}, // all words, any column
		{"monday drucker", nil},
		{`"quotes" AND (x`, nil}, // no FTS syntax gets through
	}
	for _, tt := range tests {
		page, err := e.desk.Tickets(e.ctx, TicketQuery{Search: tt.search})
		if err != nil {
			t.Errorf("search %q: %v", tt.search, err)
			continue
		}
		var got []int64
		for _, tk := range page.Tickets {
			got = append(got, tk.Number)
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("search %q = %v, want %v", tt.search, got, tt.want)
		}
	}
	if _, err := e.desk.Tickets(e.ctx, TicketQuery{Search: "!!!"}); err == nil {
		t.Errorf("search for punctuation only: no error, want ErrSearchSyntax")
	}
}

func TestResyncAfterUIDValidityChange(t *testing.T) {
	e := newEnv(t, nil)
	var raws [][]byte
	for i := range 5 {
		raw := mailtest.Message(t, "alice@example.org", mailtest.DeskAddress, fmt.Sprintf("Question %d", i), "Text.",
			mailtest.WithID(fmt.Sprintf("q%d@example.org", i)))
		raws = append(raws, raw)
		e.deliver(raw)
	}
	e.sync()
	// The server is migrated: same messages, new UIDVALIDITY, one more.
	raws = append(raws, mailtest.Message(t, "alice@example.org", mailtest.DeskAddress, "Question 5", "Text.",
		mailtest.WithID("q5@example.org")))
	e.imap.Recreate(t, "INBOX", raws)
	rep := e.sync()
	if rep.Accounts[0].New != 1 {
		t.Errorf("resync stored %d articles, want 1", rep.Accounts[0].New)
	}
	if n := e.count(`SELECT count(*) FROM articles`); n != 6 {
		t.Errorf("%d articles after the resync, want 6", n)
	}
	var uv int
	if err := e.desk.db.QueryRow(`SELECT uidvalidity FROM mailboxes WHERE role = 'inbox'`).Scan(&uv); err != nil {
		t.Fatal(err)
	}
	if n := e.count(`SELECT count(*) FROM locations l JOIN mailboxes m ON m.id = l.mailbox_id WHERE m.role = 'inbox' AND l.uidvalidity = ?`, uv); n != 6 {
		t.Errorf("%d locations under the new UIDVALIDITY, want 6", n)
	}
	if n := e.count(`SELECT count(*) FROM mailboxes WHERE resync`); n != 0 {
		t.Errorf("resync flag still set on %d folders", n)
	}
}

func TestSyncWithoutMessageIDAndDuplicates(t *testing.T) {
	e := newEnv(t, nil)
	noID := []byte("From: dave@example.com\r\nTo: help@siegel.example\r\nSubject: no id\r\n\r\nhello\r\n")
	e.deliver(noID)
	e.deliver(noID) // the same bytes twice: one article
	dup := mailtest.Message(t, "dave@example.com", mailtest.DeskAddress, "dup", "x", mailtest.WithID("dup@example.com"))
	e.deliver(dup)
	e.deliver(dup)
	e.sync()
	if n := e.count(`SELECT count(*) FROM articles`); n != 2 {
		t.Errorf("%d articles, want 2", n)
	}
	if n := e.count(`SELECT count(*) FROM locations`); n != 4 {
		t.Errorf("%d locations, want 4 (every copy is known)", n)
	}
	if n := e.count(`SELECT count(*) FROM articles WHERE message_id LIKE 'sha256-%@siegel.invalid'`); n != 1 {
		t.Errorf("message without Message-ID: %d articles keyed by content, want 1", n)
	}
}

func TestOpenArticleDecryptsInMemory(t *testing.T) {
	e := newEnv(t, nil)
	k := mailtest.TestPKI(t)
	bob := mailtest.CustomerSide(t, k.Bob)
	raw := mailtest.Message(t, "bob@example.org", mailtest.DeskAddress, "Contract", "Attached, as agreed.",
		func(d *message.Draft) {
			d.Attachments = append(d.Attachments, message.Attachment{Name: "vertrag.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4 secret")})
		})
	e.deliver(bob.Seal(t, raw, true, true))
	e.sync()
	tk := e.ticket(10000)
	a := e.articles(tk.ID)[0]
	v, err := e.desk.OpenArticle(e.ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Text != "Attached, as agreed." || len(v.Attachments) != 1 || v.Attachments[0].Name != "vertrag.pdf" {
		t.Errorf("view: text %q, attachments %d, want the decrypted text and vertrag.pdf", v.Text, len(v.Attachments))
	}
	if v.Security.Encryption != smime.EncDecrypted || v.Security.Signature != a.Security.Signature {
		t.Errorf("view verdict: %s/%s, want the stored decrypted/%s", v.Security.Encryption, v.Security.Signature, a.Security.Signature)
	}
	assertNotInDB(t, e, "secret")
	if strings.Contains(a.Subject, "secret") {
		t.Errorf("subject leaks")
	}
}

// A message larger than imapsync.MaxMessageSize is refused and reported
// once; the messages after it are stored, and the next sync does not
// fetch it again.
func TestSyncRecordsTooLargeMessage(t *testing.T) {
	if testing.Short() {
		t.Skip("holds a message of 64 MiB")
	}
	e := newEnv(t, nil)
	desk := mailtest.DeskAddress
	e.deliver(mailtest.Message(t, "alice@example.org", desk, "before", "x", mailtest.WithID("before@example.org")))
	huge := mailtest.Message(t, "alice@example.org", desk, "huge", "y", mailtest.WithID("huge@example.org"))
	huge = append(huge, bytes.Repeat([]byte("y"), imapsync.MaxMessageSize+1-len(huge))...)
	e.deliver(huge)
	huge = nil
	e.deliver(mailtest.Message(t, "alice@example.org", desk, "after", "z", mailtest.WithID("after@example.org")))

	as := e.sync().Accounts[0]
	if as.Err != nil || as.New != 2 {
		t.Fatalf("got %d new articles, error %v; want 2, none", as.New, as.Err)
	}
	if len(as.Refused) != 1 || as.Refused[0].UID != 2 || as.Refused[0].Mailbox != "INBOX" || !errors.Is(as.Refused[0].Err, imapsync.ErrTooLarge) {
		t.Fatalf("got refused %+v, want UID 2 of INBOX as too large", as.Refused)
	}
	if got := e.count(`SELECT last_uid FROM mailboxes WHERE role = 'inbox'`); got != 3 {
		t.Errorf("got last UID %d, want 3 (past the refused message)", got)
	}
	if got := e.count(`SELECT count(*) FROM articles WHERE message_id = 'huge@example.org'`); got != 0 {
		t.Errorf("got %d articles of the huge message, want 0", got)
	}
	as = e.sync().Accounts[0]
	if as.New != 0 || len(as.Refused) != 0 {
		t.Errorf("second sync: got %d new, refused %+v; want nothing", as.New, as.Refused)
	}
}
