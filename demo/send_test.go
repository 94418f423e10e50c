package demo

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"io"
	"mime/quotedprintable"
	netmail "net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"siegel/crypto/smime"
	"siegel/mail"
	"siegel/message"
)

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

// reply writes and sends an answer in the ticket with this subject.
func reply(t testing.TB, d *Demo, subject, text string, encrypt, sign bool) mail.OutboxItem {
	t.Helper()
	ctx := context.Background()
	tk, _ := articles(t, d, subject)
	dr, err := d.Desk.ReplyDraft(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	dr.Text, dr.Encrypt, dr.Sign = text, encrypt, sign
	id, err := d.Desk.SaveDraft(ctx, dr)
	if err != nil {
		t.Fatal(err)
	}
	item, err := d.Desk.Send(ctx, id)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	return item
}

// received returns the files of the SMTP server's folder, oldest first.
func received(t testing.TB, d *Demo) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(d.Path(ReceivedDir), "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func openssl(t testing.TB, args ...string) []byte {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command("openssl", args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return out
}

func needOpenSSL(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl is not installed")
	}
}

// TestSendReachesServerEncryptedAndSigned sends an encrypted and signed
// answer through the desk: the demo SMTP server writes it as received,
// OpenSSL decrypts it with the helpdesk's key and with the customer's key
// from the PKCS#12 file in the demo folder and verifies its signature
// against the demo CA file, and the answer is an article of its ticket.
func TestSendReachesServerEncryptedAndSigned(t *testing.T) {
	needOpenSSL(t)
	ctx := context.Background()
	d := start(t, nil)
	const subject = "Zugang zum Mandantenportal gesperrt"
	text := "Sehr geehrte Frau Schmidt,\n\nFrau Yılmaz erhält einen eigenen Zugang; die Einladung kommt heute noch.\n\nMit freundlichen Grüßen\nIhr Siegel-Helpdesk\n"
	item := reply(t, d, subject, text, true, true)
	if err := d.Desk.DeliverOutbox(ctx); err != nil {
		t.Fatal(err)
	}
	files := received(t, d)
	if len(files) != 1 || filepath.Base(files[0]) != "0001.eml" {
		t.Fatalf("received files %v, want [0001.eml]", files)
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("Einladung")) {
		t.Fatal("the text went out in the clear")
	}
	hdr, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if ct := hdr.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/pkcs7-mime") {
		t.Errorf("Content-Type %q, want application/pkcs7-mime", ct)
	}

	tmp := t.TempDir()
	helpdeskPEM := filepath.Join(tmp, "helpdesk.pem")
	writePEM(t, helpdeskPEM, d.PKI.Helpdesk)
	annaPEM := filepath.Join(tmp, "anna.pem")
	openssl(t, "pkcs12", "-in", d.Path(KeysDir+"/anna-schmidt.p12"), "-passin", "pass:"+Passphrase, "-nodes", "-out", annaPEM)
	for _, key := range []string{helpdeskPEM, annaPEM} {
		t.Run(filepath.Base(key), func(t *testing.T) {
			dec := filepath.Join(t.TempDir(), "decrypted.eml")
			openssl(t, "cms", "-decrypt", "-in", files[0], "-recip", key, "-inkey", key, "-out", dec)
			content := openssl(t, "cms", "-verify", "-in", dec, "-CAfile", d.Path(CAFile), "-purpose", "smimesign")
			if got := bodyText(t, content); !strings.Contains(got, "Frau Yılmaz erhält einen eigenen Zugang") {
				t.Errorf("verified content %q lacks the answer", got)
			}
		})
	}

	tk, arts := articles(t, d, subject)
	last := arts[len(arts)-1]
	if !last.Outgoing || last.ID != outboxArticle(t, d, item.ID) {
		t.Fatalf("the newest article of #%d is %+v, want the sent answer", tk.Number, last)
	}
	if last.Security.Encryption != smime.EncDecrypted || last.Security.Signature != smime.SigValid {
		t.Errorf("sent answer: %s/%s, want decrypted/valid", last.Security.Encryption, last.Security.Signature)
	}
	if mail.TicketTag(last.Subject) != tk.Number {
		t.Errorf("sent answer subject %q, want the tag of #%d", last.Subject, tk.Number)
	}
	v, err := d.Desk.OpenArticle(ctx, last.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(v.Text, "Frau Yılmaz erhält einen eigenen Zugang") {
		t.Errorf("the answer shows %q", v.Text)
	}
}

func outboxArticle(t testing.TB, d *Demo, id int64) int64 {
	t.Helper()
	item, err := d.Desk.OutboxItem(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if item.State != mail.OutboxSent {
		t.Fatalf("outbox message %d is %s (%s), want sent", id, item.State, item.LastError)
	}
	return item.ArticleID
}

func writePEM(t testing.TB, name string, id *Identity) {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(id.Key)
	if err != nil {
		t.Fatal(err)
	}
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: id.Cert.Raw})
	b = append(b, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})...)
	if err := os.WriteFile(name, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// bodyText decodes the quoted-printable text of a MIME entity.
func bodyText(t testing.TB, entity []byte) string {
	t.Helper()
	_, body, ok := bytes.Cut(entity, []byte("\r\n\r\n"))
	if !ok {
		t.Fatalf("entity without a header: %q", entity)
	}
	b, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
	if err != nil {
		t.Fatalf("quoted-printable: %v", err)
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}

// TestCustomerThanks: a started desk sends an answer, the customer's
// signed and encrypted thanks arrives by itself in the same ticket.
func TestCustomerThanks(t *testing.T) {
	ctx := context.Background()
	d := start(t, &Options{ReplyDelay: 50 * time.Millisecond})
	if err := d.Desk.Start(ctx); err != nil {
		t.Fatal(err)
	}
	const subject = "Invoice 2024-117 is missing our VAT ID"
	// James's certificate was collected from his signature: the answer
	// can be encrypted to him.
	reply(t, d, subject, "Dear Mr Miller,\n\nnoted: from next month on, invoices go to accounts@northwind.example.\n", true, true)
	var arts []mail.Article
	waitFor(t, "the customer's thanks", func() bool {
		_, arts = articles(t, d, subject)
		return len(arts) == 5
	})
	ours, thanks := arts[3], arts[4]
	if !ours.Outgoing || thanks.Outgoing {
		t.Fatalf("articles 4 and 5 outgoing %v, %v; want our answer, then the customer's", ours.Outgoing, thanks.Outgoing)
	}
	if thanks.From.Address != james.email || thanks.Security.Encryption != smime.EncDecrypted || thanks.Security.Signature != smime.SigValid {
		t.Errorf("thanks from %s: %s/%s, want %s decrypted/valid", thanks.From.Address, thanks.Security.Encryption, thanks.Security.Signature, james.email)
	}
	if len(thanks.InReplyTo) != 1 || thanks.InReplyTo[0] != ours.MessageID {
		t.Errorf("thanks In-Reply-To %v, want [%s]", thanks.InReplyTo, ours.MessageID)
	}
	if want := "RE: " + mail.ReplySubject(d.Tickets[subject], subject)[len("Re: "):]; thanks.Subject != want {
		t.Errorf("thanks subject %q, want %q", thanks.Subject, want)
	}
	if got := len(received(t, d)); got != 1 {
		t.Errorf("%d messages received by the SMTP server, want 1 (the thanks comes by IMAP)", got)
	}
}

// TestThanksStates: each customer's mail client answers as it wrote
// before, read by the helpdesk's engine.
func TestThanksStates(t *testing.T) {
	d := shared(t)
	r := newResponder(time.Millisecond, &seeder{now: time.Now(), pki: d.PKI, world: newWorld(d.PKI)}, nil, nil)
	defer r.close()
	tests := []struct {
		p    *person
		enc  smime.EncryptionState
		sig  smime.SignatureState
		text string
	}{
		{anna, smime.EncDecrypted, smime.SigValid, "vielen Dank"},
		{james, smime.EncDecrypted, smime.SigValid, "thank you"},
		{priya, smime.EncDecrypted, smime.SigValid, "thank you"},
		{jonas, smime.EncDecrypted, smime.SigCertNotFound, "vielen Dank"},
		{mustermann, smime.EncDecrypted, smime.SigUntrusted, "vielen Dank"},
		{klaus, smime.EncNone, smime.SigNone, "vielen Dank"},
	}
	if len(tests) != len(customers) {
		t.Errorf("%d cases for %d customers", len(tests), len(customers))
	}
	for _, tt := range tests {
		t.Run(tt.p.name, func(t *testing.T) {
			raw, err := r.thanks(tt.p, "Re: [Ticket#10042] Drucker", "x.1@helpdesk.example", []string{"x.1@helpdesk.example"}, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			res, content := d.Engine.Open(context.Background(), raw)
			if res.Encryption != tt.enc || res.Signature != tt.sig {
				t.Errorf("got %s/%s, want %s/%s", res.Encryption, res.Signature, tt.enc, tt.sig)
			}
			if got := message.Extract(content).Text; !strings.Contains(got, tt.text) || !strings.Contains(got, tt.p.name) {
				t.Errorf("text %q, want %q and the name", got, tt.text)
			}
			hdr, err := netmail.ReadMessage(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			// Encrypted, the Subject travels inside; outside it reads
			// "[...]" (RFC 9788).
			if s := res.Header().Subject; !strings.HasSuffix(s, ": [Ticket#10042] Drucker") || strings.Contains(s, "Re:") {
				t.Errorf("subject %q", s)
			}
			if s, want := hdr.Header.Get("Subject"), "[...]"; tt.enc == smime.EncDecrypted && tt.sig == smime.SigValid && s != want {
				t.Errorf("outer subject %q, want %q", s, want)
			}
		})
	}
}
