package mailtest

import (
	"context"
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

	"siegel/mail/account"
	"siegel/mail/imapsync"
)

// dovecotBinary is where Debian installs Dovecot.
const dovecotBinary = "/usr/sbin/dovecot"

// Dovecot is a real Dovecot IMAP server started for one test on loopback,
// with a temporary configuration, password file and Maildir. It has one
// user, DeskAddress, whose Sent folder is DovecotSentName.
type Dovecot struct {
	Dir       string
	IMAPSPort int // implicit TLS
	IMAPPort  int // STARTTLS
	Cert      *ServerCert
	User      string
	Password  string
}

// DovecotSentName is the Sent folder's name on the test Dovecot: not one
// of the usual names, so only its \Sent SPECIAL-USE flag can find it.
const DovecotSentName = "Outgoing Archive"

// StartDovecot starts Dovecot (Debian package dovecot-imapd) on two free
// loopback ports, as root or as any other user; it stops with the test.
// The test is skipped when Dovecot is not installed.
func StartDovecot(t testing.TB) *Dovecot {
	t.Helper()
	return StartDovecotWith(t, DovecotOptions{})
}

// DovecotOptions choose how the test Dovecot logs users in.
type DovecotOptions struct {
	// IntrospectionURL, when set, adds Dovecot's oauth2 passdb, which
	// asks this token introspection endpoint (RFC 7662, POST) about the
	// bearer tokens of OAuth2Mechanisms. The password still works for
	// PLAIN (Deliver uses it).
	IntrospectionURL string
	// OAuth2Mechanisms are the SASL mechanisms offered for tokens
	// (default xoauth2 and oauthbearer).
	OAuth2Mechanisms []string
}

// StartDovecotWith is StartDovecot with options.
func StartDovecotWith(t testing.TB, o DovecotOptions) *Dovecot {
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
	d := &Dovecot{Dir: dir, Cert: NewServerCert(t, ""), User: DeskAddress, Password: "dovecot secret"}
	d.IMAPSPort, d.IMAPPort = freeTCPPort(t), freeTCPPort(t)

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
	certFile := write("cert.pem", string(d.Cert.PEM), 0o644)
	keyFile := write("key.pem", string(PrivateKeyPEM(t, d.Cert)), 0o600)
	passwd := write("passwd", fmt.Sprintf("%s:{PLAIN}%s::::::\n", d.User, d.Password), 0o644)
	mechs, oauthPassdb := "plain login", ""
	if o.IntrospectionURL != "" {
		om := o.OAuth2Mechanisms
		if len(om) == 0 {
			om = []string{"xoauth2", "oauthbearer"}
		}
		mechs += " " + strings.Join(om, " ")
		oauthConf := write("dovecot-oauth2.conf.ext", fmt.Sprintf(`introspection_mode = post
introspection_url = %s
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
`, o.IntrospectionURL), 0o644)
		oauthPassdb = fmt.Sprintf(`passdb {
  driver = oauth2
  mechanisms = %s
  args = %s
}
`, strings.Join(om, " "), oauthConf)
	}
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
auth_mechanisms = %[15]s
auth_failure_delay = 0
auth_verbose = yes
passdb {
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%%u %[7]s
}
%[16]s
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
`, dir, os.Getpid(), internalUser, loginUser, certFile, keyFile, passwd, uid, gid, home, DovecotSentName, d.IMAPPort, d.IMAPSPort, internalGroup, mechs, oauthPassdb), 0o644)

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
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", d.IMAPSPort), time.Second)
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

func freeTCPPort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Server is the account setting for this Dovecot: implicit TLS on
// IMAPSPort, STARTTLS on IMAPPort.
func (d *Dovecot) Server(sec account.Security) account.Server {
	port := d.IMAPSPort
	if sec != account.TLS {
		port = d.IMAPPort
	}
	return account.Server{Host: "127.0.0.1", Port: port, Security: sec, User: d.User, Password: d.Password}
}

// Log is Dovecot's log so far (a test sees there which mechanism a login
// used: "method=XOAUTH2").
func (d *Dovecot) Log() string {
	b, _ := os.ReadFile(filepath.Join(d.Dir, "dovecot.log"))
	return string(b)
}

// Deliver puts messages into INBOX, as the mail server's delivery would.
func (d *Dovecot) Deliver(t testing.TB, raws ...[]byte) {
	t.Helper()
	a := &account.Account{Address: DeskAddress, IMAP: d.Server(account.TLS), Trust: account.Trust{RootsPEM: d.Cert.PEM}}
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
