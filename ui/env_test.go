package ui

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"siegel/crypto/certinfo"
	"siegel/crypto/testpki"
	"siegel/mail"
	"siegel/mail/account"
	"siegel/mail/mailtest"
	"siegel/profile"
)

// The views are tested over the real cores: a profile in a temporary
// folder, the certificate store, the S/MIME engine and the mail desk,
// filled through a real IMAP server (go-imap's imapmemserver) and sending
// to a real SMTP server (go-smtp), both on 127.0.0.1 in the test process
// (mail/loopback's, through mail/mailtest). The PKI is the UI's own,
// issued with crypto/testpki: fixed validity dates and serials keep the
// goldens stable, and it has identities mailtest's lacks (Erin's
// expiring certificate, the rogue CA's certificate to import).

// epoch is the fixed "now" of the fixtures, so goldens do not change.
var epoch = time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)

func TestMain(m *testing.M) {
	time.Local = time.UTC
	profile.AdminDelay = 50 * time.Millisecond
	os.Exit(m.Run())
}

// identity is a certificate with its private key.
type identity struct {
	email   string
	cert    *x509.Certificate
	key     crypto.Signer
	certPEM []byte
	keyPEM  []byte
}

func (id *identity) pem() []byte { return append(append([]byte{}, id.certPEM...), id.keyPEM...) }

// testPKI is the world of the fixtures: a CA the helpdesk trusts, the
// helpdesk, customers, and a CA nobody trusts.
type testPKI struct {
	ca, rogue *identity
	desk      *identity // help@siegel.example
	alice     *identity // in the desk's store
	bob       *identity // issued by the CA, not in the store
	mallory   *identity // issued by the rogue CA
	support   *identity // a desk address whose key the desk lacks
	expiring  *identity // alice's colleague, expires in 10 days
}

var (
	pkiOnce sync.Once
	pki     *testPKI
	pkiErr  error
)

func getPKI(t testing.TB) *testPKI {
	t.Helper()
	pkiOnce.Do(func() {
		var serial int64
		mk := func(cn, email string, issuer *identity, isCA bool, notBefore, notAfter time.Time) *identity {
			if pkiErr != nil {
				return nil
			}
			var id *identity
			serial++
			id, pkiErr = newIdentity(serial, cn, email, issuer, isCA, notBefore, notAfter)
			return id
		}
		from, until := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2045, 1, 1, 0, 0, 0, 0, time.UTC)
		p := &testPKI{}
		p.ca = mk("Siegel Test CA", "", nil, true, from, until)
		p.rogue = mk("Rogue CA", "", nil, true, from, until)
		p.desk = mk("Siegel Helpdesk", mailtest.DeskAddress, p.ca, false, from, until)
		p.alice = mk("Alice Example", "alice@example.org", p.ca, false, from, until)
		p.bob = mk("Bob Example", "bob@example.org", p.ca, false, from, until)
		p.mallory = mk("Mallory", "mallory@example.net", p.rogue, false, from, until)
		p.support = mk("Siegel Support", "support@siegel.example", p.ca, false, from, until)
		now := time.Now()
		p.expiring = mk("Erin Example", "erin@example.org", p.ca, false, now.Add(-24*time.Hour), now.Add(10*24*time.Hour))
		pki = p
	})
	if pkiErr != nil {
		t.Fatal(pkiErr)
	}
	return pki
}

func newIdentity(serial int64, cn, email string, issuer *identity, isCA bool, notBefore, notAfter time.Time) (*identity, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	spec := testpki.Spec{CN: cn, Org: "Siegel Tests", Key: key, CA: isCA, Serial: serial,
		NotBefore: notBefore, NotAfter: notAfter}
	if !isCA {
		spec.Emails = []string{email}
	}
	if issuer != nil {
		spec.Issuer = &testpki.Identity{Cert: issuer.cert, Key: issuer.key}
	}
	id, err := testpki.New(spec)
	if err != nil {
		return nil, err
	}
	keyPEM, err := id.KeyPEM()
	if err != nil {
		return nil, err
	}
	return &identity{email: email, cert: id.Cert, key: key, certPEM: id.CertPEM(), keyPEM: keyPEM}, nil
}

// cores is the helpdesk under test: the real profile, store, engine and
// desk over a temporary folder, with an account on the test servers.
type cores struct {
	t      testing.TB
	ctx    context.Context
	dir    string
	side   *mailtest.Side
	desk   *mail.Desk
	imap   *mailtest.IMAP
	smtp   *mailtest.SMTP
	acctID int64
}

// coreOptions choose what newCores sets up.
type coreOptions struct {
	// noDeskKey leaves the helpdesk's own certificate and key out of the
	// store (Sign is then impossible).
	noDeskKey bool
	// noAccount leaves out the account.
	noAccount bool
	// dir reuses a profile folder.
	dir string
	// account changes the account before it is added.
	account func(*account.Account)
}

func newCores(t testing.TB, o *coreOptions) *cores {
	t.Helper()
	if o == nil {
		o = &coreOptions{}
	}
	k := getPKI(t)
	imports := [][]byte{k.ca.certPEM, k.alice.certPEM}
	if !o.noDeskKey {
		imports = append(imports, k.desk.pem())
	}
	dir := o.dir
	if dir == "" {
		dir = t.TempDir()
	}
	c := &cores{t: t, ctx: context.Background(), dir: dir}
	c.side = mailtest.OpenSide(t, dir, imports...)
	d, err := mail.Open(c.ctx, c.side.Profile, c.side.Store, c.side.Engine,
		&mail.Options{RetryMin: 10 * time.Millisecond, RetryMax: 100 * time.Millisecond, PollInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	c.desk = d
	c.imap = mailtest.NewIMAP(t, nil)
	c.smtp = mailtest.NewSMTP(t, nil)
	if !o.noAccount {
		a := account.Account{
			Address: mailtest.DeskAddress, Name: "Siegel Helpdesk",
			IMAP: c.imap.Server(), SMTP: c.smtp.Server(),
			// The fixtures arrive at the epoch, before any window.
			HistoryDays: account.HistoryAll,
		}
		if o.account != nil {
			o.account(&a)
		}
		c.acctID, err = d.AddAccount(c.ctx, a)
		if err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// deliver puts messages into the INBOX and syncs them into tickets.
func (c *cores) deliver(raws ...[]byte) {
	c.t.Helper()
	for i, raw := range raws {
		c.imap.AppendAt(c.t, "INBOX", raw, arrival(c, i, raw))
	}
	if _, err := c.desk.Sync(c.ctx); err != nil {
		c.t.Fatalf("sync: %v", err)
	}
}

// arrival is when message i of a delivery reaches the server: an hour
// apart from the epoch on (the fixtures sign message i at epoch + i
// hours), and never before the message was signed — the engine checks
// certificates at the arrival, and mail does not arrive before it is sent.
func arrival(c *cores, i int, raw []byte) time.Time {
	at := epoch.Add(time.Duration(i)*time.Hour + time.Minute)
	res, _ := c.side.Engine.Open(c.ctx, raw)
	for _, l := range res.Layers {
		for _, s := range l.Signers {
			if st := s.SigningTime.Add(time.Minute); !s.SigningTime.IsZero() && st.After(at) {
				at = st.Truncate(time.Second)
			}
		}
	}
	return at
}

// ticket returns the ticket with number n.
func (c *cores) ticket(n int64) mail.Ticket {
	c.t.Helper()
	tk, err := c.desk.TicketByNumber(c.ctx, n)
	if err != nil {
		c.t.Fatalf("ticket %d: %v", n, err)
	}
	return tk
}

func (c *cores) articles(ticketID int64) []mail.Article {
	c.t.Helper()
	arts, err := c.desk.Articles(c.ctx, ticketID)
	if err != nil {
		c.t.Fatal(err)
	}
	return arts
}

// customer is the mail client of a customer: it holds the customer's key
// and the certificates of the CA and the helpdesk.
func customer(t testing.TB, id *identity, extra ...[]byte) *mailtest.Side {
	t.Helper()
	k := getPKI(t)
	imports := append([][]byte{k.ca.certPEM, id.pem(), k.desk.certPEM, k.support.certPEM}, extra...)
	return mailtest.NewSide(t, imports...)
}

// tamper changes the signed text of a multipart/signed message after the
// signature was made.
func tamper(t testing.TB, raw []byte, from, to string) []byte {
	t.Helper()
	out := bytes.Replace(raw, []byte(from), []byte(to), 1)
	if bytes.Equal(out, raw) {
		t.Fatalf("tamper: %q not found", from)
	}
	return out
}

// signWithoutCerts signs raw as OpenSSL does with -nocerts: the signer's
// certificate is not in the message, so a desk without it cannot verify.
// OpenSSL stamps the signing time with its clock: faketime sets it to at.
func signWithoutCerts(t testing.TB, raw []byte, id *identity, at time.Time) []byte {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed (make deps-test installs it)")
	}
	if _, err := exec.LookPath("faketime"); err != nil {
		t.Skip("faketime not installed (make deps-test installs it)")
	}
	dir := t.TempDir()
	cert, key, in := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem"), filepath.Join(dir, "in.eml")
	for name, data := range map[string][]byte{cert: id.certPEM, key: id.keyPEM, in: raw} {
		if err := os.WriteFile(name, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// OpenSSL signs the body; the outer headers come from the original.
	hdr, body, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
	if !ok {
		t.Fatal("signWithoutCerts: no header")
	}
	var outer, inner bytes.Buffer
	for _, line := range bytes.Split(hdr, []byte("\r\n")) {
		l := bytes.ToLower(line)
		if bytes.HasPrefix(l, []byte("content-")) || bytes.HasPrefix(l, []byte("mime-version")) || bytes.HasPrefix(l, []byte(" ")) && inner.Len() > 0 {
			inner.Write(line)
			inner.WriteString("\r\n")
			continue
		}
		outer.Write(line)
		outer.WriteString("\r\n")
	}
	inner.WriteString("\r\n")
	inner.Write(body)
	if err := os.WriteFile(in, inner.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("faketime", at.UTC().Format("2006-01-02 15:04:05"),
		"openssl", "smime", "-sign", "-signer", cert, "-inkey", key, "-in", in, "-nocerts", "-md", "sha256", "-binary")
	cmd.Env = append(os.Environ(), "TZ=UTC")
	signed, err := cmd.Output()
	if err != nil {
		t.Fatalf("openssl smime -sign: %v", err)
	}
	signed = bytes.ReplaceAll(bytes.ReplaceAll(signed, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
	return append(outer.Bytes(), signed...)
}

// waitFor polls cond until it holds or the time is up.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// fingerprint is an identity's certificate fingerprint.
func fingerprint(id *identity) string { return certinfo.Fingerprint(id.cert) }
