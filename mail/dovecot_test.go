package mail

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"siegel/crypto/certinfo"
	"siegel/crypto/smime"
	"siegel/mail/account"
	"siegel/mail/imapsync"
	"siegel/mail/mailtest"
)

const dovecotBinary = "/usr/sbin/dovecot"

// dovecot is a real Dovecot IMAP server started for one test on loopback,
// with a temporary configuration, password file and Maildir.
type dovecot struct {
	dir       string
	imapsPort int // implicit TLS
	imapPort  int // STARTTLS
	cert      *mailtest.ServerCert
	user      string
	password  string
}

// sentName is the Sent folder's name on the test Dovecot: not one of the
// usual names, so only its \Sent SPECIAL-USE flag can find it.
const sentName = "Outgoing Archive"

func startDovecot(t *testing.T) *dovecot {
	t.Helper()
	if _, err := os.Stat(dovecotBinary); err != nil {
		t.Skipf("Dovecot is not installed (%s missing; Debian package dovecot-imapd): skipping the end-to-end test", dovecotBinary)
	}
	dir, err := os.MkdirTemp("", "siegel-dovecot-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	// The mail processes (not root) must reach the Maildir.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	d := &dovecot{dir: dir, cert: mailtest.NewServerCert(t, ""), user: mailtest.DeskAddress, password: "dovecot secret"}
	d.imapsPort, d.imapPort = freeTCPPort(t), freeTCPPort(t)

	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	// Dovecot runs as whoever runs the test. As root it needs its
	// unprivileged users, and refuses to touch mail as root.
	internalUser, loginUser, mailUser := me.Username, me.Username, me
	internalGroup := me.Gid
	if g, err := user.LookupGroupId(me.Gid); err == nil {
		internalGroup = g.Name
	}
	if me.Uid == "0" {
		internalUser, loginUser, internalGroup = "dovecot", "dovenull", "dovecot"
		if mailUser, err = user.Lookup("nobody"); err != nil {
			t.Skipf("no user nobody for Dovecot's mail processes: %v", err)
		}
	}
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(mailUser.Uid)
	gid, _ := strconv.Atoi(mailUser.Gid)
	if me.Uid == "0" {
		if err := os.Chown(home, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	certFile := write("cert.pem", string(d.cert.PEM), 0o644)
	keyFile := write("key.pem", string(mailtest.PrivateKeyPEM(t, d.cert)), 0o600)
	passwd := write("passwd", fmt.Sprintf("%s:{PLAIN}%s::::::\n", d.user, d.password), 0o644)
	conf := write("dovecot.conf", fmt.Sprintf(`
base_dir = %[1]s/run
state_dir = %[1]s/state
instance_name = siegel-test-%[2]d
log_path = %[1]s/dovecot.log
protocols = imap
listen = 127.0.0.1
default_internal_user = %[3]s
default_internal_group = %[14]s
default_login_user = %[4]s
first_valid_uid = 1
ssl = yes
ssl_cert = <%[5]s
ssl_key = <%[6]s
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain login
auth_failure_delay = 0
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%%u %[7]s
}
userdb {
  driver = static
  args = uid=%[8]d gid=%[9]d home=%[10]s/%%u
}
mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
  separator = /
  mailbox "%[11]s" {
    special_use = \Sent
    auto = subscribe
  }
  mailbox Drafts {
    special_use = \Drafts
    auto = subscribe
  }
}
service imap-login {
  inet_listener imap {
    port = %[12]d
  }
  inet_listener imaps {
    port = %[13]d
    ssl = yes
  }
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
`, dir, os.Getpid(), internalUser, loginUser, certFile, keyFile, passwd, uid, gid, home, sentName, d.imapPort, d.imapsPort, internalGroup), 0o644)

	cmd := exec.Command(dovecotBinary, "-F", "-c", conf)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting Dovecot: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", d.imapsPort), time.Second)
		if err == nil {
			c.Close()
			break
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "dovecot.log"))
			t.Fatalf("Dovecot exited: %s\n%s", out.String(), log)
		default:
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "dovecot.log"))
			t.Fatalf("Dovecot did not start listening: %s\n%s", out.String(), log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Cleanup(func() {
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(dir, "dovecot.log"))
			t.Logf("Dovecot log:\n%s", log)
		}
	})
	return d
}

func freeTCPPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// server is the account setting for this Dovecot.
func (d *dovecot) server(sec account.Security) account.Server {
	port := d.imapsPort
	if sec == account.StartTLS {
		port = d.imapPort
	}
	return account.Server{Host: "127.0.0.1", Port: port, Security: sec, User: d.user, Password: d.password}
}

// deliver puts a message into INBOX, as the mail server's delivery would.
func (d *dovecot) deliver(t *testing.T, raws ...[]byte) {
	t.Helper()
	a := &account.Account{Address: mailtest.DeskAddress, IMAP: d.server(account.TLS), Trust: account.Trust{RootsPEM: d.cert.PEM}}
	c, err := imapsync.Dial(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, raw := range raws {
		if err := c.Append(context.Background(), "INBOX", raw, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDovecotEndToEnd(t *testing.T) {
	dc := startDovecot(t)
	ctx := context.Background()
	k := mailtest.TestPKI(t)
	bob := mailtest.CustomerSide(t, k.Bob)
	alice := mailtest.CustomerSide(t, k.Alice)

	side := mailtest.DeskSide(t)
	smtpServer := mailtest.NewSMTP(t, &mailtest.SMTPOptions{Security: account.StartTLS})
	d, err := Open(ctx, side.Profile, side.Store, side.Engine, &Options{PollInterval: time.Minute, RetryMin: 20 * time.Millisecond, RetryMax: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	acct := account.Account{
		Address: mailtest.DeskAddress, Name: "Siegel Helpdesk",
		IMAP: dc.server(account.TLS), SMTP: smtpServer.Server(),
		// The Dovecot certificate is pinned; the SMTP server's CA trusted.
		Trust: account.Trust{Pins: []string{certinfo.Fingerprint(dc.cert.Cert)}, RootsPEM: smtpServer.Cert.PEM},
	}

	// Test connection: implicit TLS and STARTTLS, and the wrong password.
	rep, err := d.TestConnection(ctx, acct)
	if err != nil || !rep.Idle || rep.Sent != sentName {
		t.Fatalf("TestConnection = %+v, %v; want IDLE and the Sent folder %q found by SPECIAL-USE", rep, err, sentName)
	}
	starttls := acct
	starttls.IMAP = dc.server(account.StartTLS)
	if _, err := d.TestConnection(ctx, starttls); err != nil {
		t.Errorf("TestConnection over STARTTLS: %v", err)
	}
	wrong := acct
	wrong.IMAP.Password = "wrong"
	if _, err := d.TestConnection(ctx, wrong); !errors.Is(err, account.ErrAuth) {
		t.Errorf("TestConnection with a wrong password = %v, want ErrAuth", err)
	}
	untrusted := acct
	untrusted.Trust = account.Trust{RootsPEM: smtpServer.Cert.PEM}
	if _, err := d.TestConnection(ctx, untrusted); !errors.Is(err, account.ErrCertificate) {
		t.Errorf("TestConnection without trusting Dovecot's certificate = %v, want ErrCertificate", err)
	}

	if acct.ID, err = d.AddAccount(ctx, acct); err != nil {
		t.Fatal(err)
	}
	dc.deliver(t,
		mailtest.Message(t, "Alice Example <alice@example.org>", mailtest.DeskAddress, "Drucker kaputt", "Der Drucker druckt nicht.",
			mailtest.WithID("d1@example.org")),
		bob.Seal(t, mailtest.Message(t, "bob@example.org", mailtest.DeskAddress, "Vertrag", "Vertraulich.", mailtest.WithID("d2@example.org")), true, true),
	)
	sync, err := d.Sync(ctx)
	if err != nil || sync.Accounts[0].New != 2 {
		t.Fatalf("first sync: %+v, %v; want 2 new", sync, err)
	}
	t2, err := d.TicketByNumber(ctx, 10001)
	if err != nil || t2.Encryption != smime.EncDecrypted || t2.Signature != smime.SigValid {
		t.Errorf("Bob's ticket = %+v, %v; want decrypted and valid", t2, err)
	}

	// IDLE: the running desk picks up new mail by itself.
	if err := d.Start(ctx); err != nil {
		t.Fatal(err)
	}
	dc.deliver(t, alice.Seal(t, mailtest.Message(t, "alice@example.org", mailtest.DeskAddress, "Re: Drucker kaputt", "Immer noch.",
		mailtest.WithID("d3@example.org"), mailtest.ReplyTo("d1@example.org")), true, false))
	waitFor(t, "IDLE to bring Alice's answer", func() bool {
		t1, err := d.TicketByNumber(ctx, 10000)
		return err == nil && t1.Articles == 2
	})

	// An encrypted and signed answer: delivered over SMTP unchanged,
	// appended to Dovecot's Sent folder, filed once in the ticket.
	t1, _ := d.TicketByNumber(ctx, 10000)
	dr, err := d.ReplyDraft(ctx, t1.ID)
	if err != nil {
		t.Fatal(err)
	}
	dr.Text, dr.Sign, dr.Encrypt = "Bitte neu starten.", true, true
	id, err := d.SaveDraft(ctx, dr)
	if err != nil {
		t.Fatal(err)
	}
	item, err := d.Send(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the answer to be sent and appended to Sent", func() bool {
		var appended int
		d.db.QueryRow(`SELECT appended FROM outbox WHERE id = ?`, item.ID).Scan(&appended)
		return appended == 1
	})
	if got := smtpServer.Received(); len(got) != 1 {
		t.Fatalf("SMTP server received %d messages, want 1", len(got))
	} else if res := alice.Engine.Open(ctx, got[0].Data); res.Encryption != smime.EncDecrypted || res.Signature != smime.SigValid {
		t.Errorf("Alice opens the answer as %s/%s", res.Encryption, res.Signature)
	}
	c, err := imapsync.Dial(ctx, &account.Account{Address: acct.Address, IMAP: acct.IMAP, Trust: acct.Trust})
	if err != nil {
		t.Fatal(err)
	}
	has, err := c.HasMessageID(ctx, sentName, item.MessageID)
	c.Close()
	if err != nil || !has {
		t.Errorf("answer in Dovecot's %q folder: %v, %v", sentName, has, err)
	}
	if _, err := d.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	t1, _ = d.TicketByNumber(ctx, 10000)
	if t1.Articles != 3 || t1.State != TicketOpen {
		t.Errorf("ticket 10000 has %d articles, state %s; want 3 (the answer once), open", t1.Articles, t1.State)
	}
	checkConsistent(t, d.db, nil)
}
