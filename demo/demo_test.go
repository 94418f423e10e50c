package demo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"siegel/crypto/smime"
	"siegel/mail"
)

// start runs the demo in a fresh folder; it closes with the test.
func start(t testing.TB, opts *Options) *Demo {
	t.Helper()
	if opts == nil {
		opts = &Options{ReplyDelay: -1}
	}
	if opts.OnError == nil {
		opts.OnError = func(err error) { t.Errorf("background: %v", err) }
	}
	d, err := Start(context.Background(), filepath.Join(t.TempDir(), "demo"), opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return d
}

var (
	sharedOnce sync.Once
	sharedDemo *Demo
	sharedErr  error
)

// shared is one demo for the tests that only read it, started once (a
// start costs two RSA keys) and closed by TestMain.
func shared(t testing.TB) *Demo {
	t.Helper()
	sharedOnce.Do(func() {
		dir, err := os.MkdirTemp("", "siegel-demo-test-")
		if err != nil {
			sharedErr = err
			return
		}
		sharedDemo, sharedErr = Start(context.Background(), filepath.Join(dir, "demo"), &Options{ReplyDelay: -1})
	})
	if sharedErr != nil {
		t.Fatalf("Start: %v", sharedErr)
	}
	return sharedDemo
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedDemo != nil {
		if err := sharedDemo.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "closing the shared demo:", err)
			code = 1
		}
		os.RemoveAll(filepath.Dir(sharedDemo.Dir))
	}
	os.Exit(code)
}

// articles returns the articles of the seeded ticket with this subject.
func articles(t testing.TB, d *Demo, subject string) (mail.Ticket, []mail.Article) {
	t.Helper()
	n, ok := d.Tickets[subject]
	if !ok {
		t.Fatalf("no seeded ticket %q", subject)
	}
	tk, err := d.Desk.TicketByNumber(context.Background(), n)
	if err != nil {
		t.Fatalf("ticket %q (#%d): %v", subject, n, err)
	}
	arts, err := d.Desk.Articles(context.Background(), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	return tk, arts
}

type state struct {
	enc smime.EncryptionState
	sig smime.SignatureState
	out bool // our answer, from the Sent folder
}

// TestSeededStates checks every seeded article's security state: between
// them they show every state of DESIGN.md §3.
func TestSeededStates(t *testing.T) {
	d := shared(t)
	var (
		sealedIn  = state{smime.EncDecrypted, smime.SigValid, false}
		sealedOut = state{smime.EncDecrypted, smime.SigValid, true}
		signedIn  = state{smime.EncNone, smime.SigValid, false}
		plainIn   = state{smime.EncNone, smime.SigNone, false}
	)
	tests := []struct {
		subject string
		want    []state
		text    string // in the first article's text
	}{
		{"Zugang zum Mandantenportal gesperrt", []state{sealedIn, sealedOut, sealedIn}, "Mandantennummer ist 48213"},
		{"Invoice 2024-117 is missing our VAT ID", []state{signedIn, sealedOut, signedIn}, "GB 123 4567 89"},
		{"Lastschrift doppelt abgebucht", []state{plainIn, {smime.EncNone, smime.SigValid, true}, plainIn}, "zweimal abgebucht"},
		{"Bestellung für die Weihnachtsfeier", []state{plainIn}, "Vanillekipferl"},
		{"SFTP access for our new backup server", []state{{smime.EncNone, smime.SigExpired, false}, sealedOut, sealedIn, sealedOut}, "198.51.100.24"},
		{"Zählerfernauslesung liefert keine Werte", []state{{smime.EncNone, smime.SigCertNotFound, false}}, "Umspannstation Nord"},
		{"Angebot: Wartungsvertrag für Ihren Serverraum", []state{{smime.EncNone, smime.SigUntrusted, false}}, "2.380,00 Euro"},
		{"Remittance advice: this week's payment run", []state{{smime.EncNone, smime.SigSenderMismatch, false}}, "2,230.00 EUR"},
		{"Bitte Zugangsdaten an unsere neue Adresse", []state{{smime.EncNone, smime.SigRevoked, false}}, "hoffmann-steuer-service.example"},
		{"New bank details for your refund", []state{{smime.EncNone, smime.SigTampered, false}}, "GB94 BARC 1020 1530 0934 59"},
		{"Unterlagen zur Vertragsverlängerung", []state{{smime.EncNoKey, smime.SigNone, false}}, ""},
		{"Agenda for Thursday's review call", []state{{smime.EncNone, smime.SigDateMismatch, false}}, "quarterly review"},
		{"Scan: Vollmacht Mandant 48213", []state{{smime.EncNone, smime.SigMalformed, false}}, "Empfang-2"},
		{"Q3 volume forecast", []state{{smime.EncFailed, smime.SigNone, false}}, ""},
		{"Northwind Partner News: autumn price list", []state{signedIn}, "Gorgonzola Telino"},
		{"Delivery schedule for next week", []state{{smime.EncNone, smime.SigWeak, false}}, "order 5536"},
		{"Rückfrage zur Rechnung 2024-121", []state{sealedIn}, "Zusatzspeicher 50 GB"},
	}
	if len(tests) != len(correspondence) {
		t.Errorf("table has %d tickets, the correspondence %d", len(tests), len(correspondence))
	}
	seenSig := map[smime.SignatureState]bool{}
	seenEnc := map[smime.EncryptionState]bool{}
	for _, tt := range tests {
		t.Run(tt.subject, func(t *testing.T) {
			tk, arts := articles(t, d, tt.subject)
			if tk.Subject != tt.subject {
				t.Errorf("ticket #%d subject %q, want %q", tk.Number, tk.Subject, tt.subject)
			}
			if len(arts) != len(tt.want) {
				t.Fatalf("%d articles, want %d", len(arts), len(tt.want))
			}
			for i, a := range arts {
				got := state{a.Security.Encryption, a.Security.Signature, a.Outgoing}
				if got != tt.want[i] {
					t.Errorf("article %d (%s): got %+v, want %+v; layers %+v", i+1, a.Subject, got, tt.want[i], a.Security.Layers)
				}
				seenSig[got.sig], seenEnc[got.enc] = true, true
				if n := mail.TicketTag(a.Subject); n != 0 && n != tk.Number {
					t.Errorf("article %d subject %q carries ticket #%d, want #%d", i+1, a.Subject, n, tk.Number)
				}
				if i > 0 && a.Arrived.Before(arts[i-1].Arrived) {
					t.Errorf("article %d arrived %v, before article %d (%v)", i+1, a.Arrived, i, arts[i-1].Arrived)
				}
			}
			v, err := d.Desk.OpenArticle(context.Background(), arts[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			if tt.text == "" {
				if v.Text != "" {
					t.Errorf("unreadable article shows text %q", v.Text)
				}
			} else if !strings.Contains(v.Text, tt.text) {
				t.Errorf("text %q does not contain %q", v.Text, tt.text)
			}
		})
	}
	for _, s := range []smime.SignatureState{smime.SigNone, smime.SigValid, smime.SigMalformed, smime.SigTampered, smime.SigCertNotFound,
		smime.SigUntrusted, smime.SigExpired, smime.SigSenderMismatch, smime.SigWeak, smime.SigDateMismatch} {
		if !seenSig[s] {
			t.Errorf("no article shows the signature state %s", s)
		}
	}
	for _, s := range []smime.EncryptionState{smime.EncNone, smime.EncDecrypted, smime.EncNoKey, smime.EncFailed} {
		if !seenEnc[s] {
			t.Errorf("no article shows the encryption state %s", s)
		}
	}
}

// TestStartRefusesForeignFolder: a folder with files the demo did not
// make is never wiped.
func TestStartRefusesForeignFolder(t *testing.T) {
	dir := t.TempDir()
	precious := filepath.Join(dir, "siegel.db")
	if err := os.WriteFile(precious, []byte("the user's real profile"), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := Start(context.Background(), dir, &Options{ReplyDelay: -1})
	if !errors.Is(err, ErrNotDemoFolder) {
		if d != nil {
			d.Close()
		}
		t.Fatalf("Start in a foreign folder: got %v, want ErrNotDemoFolder", err)
	}
	if b, err := os.ReadFile(precious); err != nil || string(b) != "the user's real profile" {
		t.Errorf("the foreign file is %q, %v after Start", b, err)
	}
}

// TestRetryAfterImport: the signer certificate of Jonas's message is not
// in the store; the demo leaves it in its folder. Retry keeps
// cert-not-found until the administrator imports that file, then shows a
// valid signature.
func TestRetryAfterImport(t *testing.T) {
	ctx := context.Background()
	d := start(t, nil)
	const subject = "Zählerfernauslesung liefert keine Werte"
	tk, arts := articles(t, d, subject)
	res, err := d.Desk.Retry(ctx, arts[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if res.Signature != smime.SigCertNotFound {
		t.Fatalf("Retry before the import: %s, want cert-not-found", res.Signature)
	}
	pem, err := os.ReadFile(d.Path(MissingCertFile))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := d.Store.Import(ctx, pem, filepath.Base(MissingCertFile), nil)
	if err != nil {
		t.Fatalf("import %s: %v", MissingCertFile, err)
	}
	if !rep.Changed() {
		t.Fatalf("import %s stored nothing: %+v", MissingCertFile, rep.Items)
	}
	if res, err = d.Desk.Retry(ctx, arts[0].ID); err != nil {
		t.Fatal(err)
	}
	if res.Signature != smime.SigValid || res.Signer == nil || res.Signer.Emails[0] != jonas.email {
		t.Fatalf("Retry after the import: %s by %+v, want valid by %s", res.Signature, res.Signer, jonas.email)
	}
	a, err := d.Desk.Article(ctx, arts[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.Security.Signature != smime.SigValid {
		t.Errorf("stored state after Retry: %s, want valid", a.Security.Signature)
	}
	if tk, err = d.Desk.Ticket(ctx, tk.ID); err != nil || tk.Signature != smime.SigValid {
		t.Errorf("ticket row after Retry: %s, %v; want valid", tk.Signature, err)
	}
}

// TestRestartStartsClean: a second start in the same folder forgets what
// the first one did — sent mail, imports — and makes a new PKI.
func TestRestartStartsClean(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "demo")
	d1, err := Start(ctx, dir, &Options{ReplyDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	reply(t, d1, "Lastschrift doppelt abgebucht", "Gern geschehen!", false, true)
	if err := d1.Desk.DeliverOutbox(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := d1.Store.Import(ctx, mustRead(t, d1.Path(MissingCertFile)), "jonas.pem", nil); err != nil {
		t.Fatal(err)
	}
	if n := len(received(t, d1)); n != 1 {
		t.Fatalf("first run: %d received, want 1", n)
	}
	ca1 := d1.PKI.CA.Cert
	if err := d1.Close(); err != nil {
		t.Fatal(err)
	}

	d2, err := Start(ctx, dir, &Options{ReplyDelay: -1})
	if err != nil {
		t.Fatalf("second Start in the same folder: %v", err)
	}
	defer d2.Close()
	if n := len(received(t, d2)); n != 0 {
		t.Errorf("second run: %d received messages left over, want 0", n)
	}
	if d2.PKI.CA.Cert.Equal(ca1) {
		t.Error("second run has the first run's CA")
	}
	n, err := d2.Desk.CountTickets(ctx, mail.TicketQuery{})
	if err != nil || n != len(correspondence) {
		t.Errorf("second run: %d tickets (%v), want %d", n, err, len(correspondence))
	}
	_, arts := articles(t, d2, "Lastschrift doppelt abgebucht")
	if len(arts) != 3 {
		t.Errorf("second run: the answered ticket has %d articles, want 3", len(arts))
	}
	_, arts = articles(t, d2, "Zählerfernauslesung liefert keine Werte")
	if s := arts[0].Security.Signature; s != smime.SigCertNotFound {
		t.Errorf("second run: Jonas's message is %s, want cert-not-found (the import is gone)", s)
	}
}

func mustRead(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCloseStopsEverything: after Close the servers' ports refuse
// connections and no goroutine of the demo is left.
func TestCloseStopsEverything(t *testing.T) {
	ctx := context.Background()
	before := runtime.NumGoroutine()
	d, err := Start(ctx, filepath.Join(t.TempDir(), "demo"), &Options{ReplyDelay: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Desk.Start(ctx); err != nil {
		t.Fatal(err)
	}
	// A pending customer answer, and connections the desk holds open.
	reply(t, d, "Invoice 2024-117 is missing our VAT ID", "Noted.", true, true)
	waitFor(t, "delivery", func() bool { return len(received(t, d)) == 1 })
	if err := d.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for _, addr := range []string{d.IMAPAddr, d.SMTPAddr} {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			t.Errorf("%s still accepts connections after Close", addr)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines after Close, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
	if err := d.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestStartFailsClean: a start that fails half-way leaves no goroutine
// behind (the PKI generation is waited for, the profile closed).
func TestStartFailsClean(t *testing.T) {
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d, err := Start(ctx, filepath.Join(t.TempDir(), "demo"), nil)
	if err == nil {
		d.Close()
		t.Fatal("Start with a cancelled context succeeded")
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after a failed Start, %d before", n, before)
	}
}

// The seeded tickets are in every state the list filters by, read or not
// as the correspondence says.
func TestSeededTicketStates(t *testing.T) {
	d := shared(t)
	got := map[mail.TicketState]int{}
	for _, tc := range correspondence {
		tk, _ := articles(t, d, tc.subject)
		want := mail.TicketNew
		switch {
		case tc.closed:
			want = mail.TicketClosed
		case tc.pending:
			want = mail.TicketPending
		case len(tc.articles) > 1:
			want = mail.TicketOpen // answered
		}
		if tk.State != want {
			t.Errorf("%q: got %s, want %s", tc.subject, tk.State, want)
		}
		if (tk.Unread == 0) != tc.read {
			t.Errorf("%q: %d unread, read %v", tc.subject, tk.Unread, tc.read)
		}
		got[tk.State]++
	}
	for _, s := range mail.TicketStates {
		if got[s] == 0 {
			t.Errorf("no seeded ticket is %s (%v)", s, got)
		}
	}
}
