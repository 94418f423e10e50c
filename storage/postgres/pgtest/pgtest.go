// Package pgtest starts a real PostgreSQL server for tests: a cluster made
// by initdb in a temporary folder, the server in the foreground on a
// loopback port, stopped when the test ends. PostgreSQL refuses to run as
// root, so when the tests do (CI), the cluster belongs to the unprivileged
// "postgres" user that Debian's package makes (else "nobody") and the
// server runs as that user.
//
// Logins over TCP use passwords (SCRAM-SHA-256), as a team's desks do;
// the superuser is Superuser with the password of Server.Password.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Superuser is the cluster's superuser.
const Superuser = "siegel_super"

// Server is a running PostgreSQL server.
type Server struct {
	Host     string
	Port     int
	Password string // Superuser's
	dir      string
	log      string
}

// binDir is the newest installed PostgreSQL's program folder (Debian
// keeps them out of PATH, one folder per major version), or "".
func binDir() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p)
	}
	return ""
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// Start makes a cluster and starts its server; the test is skipped when
// PostgreSQL is not installed (Debian package postgresql).
func Start(t testing.TB) *Server {
	t.Helper()
	bin := binDir()
	if bin == "" {
		t.Skip("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb; Debian package postgresql): skipping")
	}
	dir, err := os.MkdirTemp("", "siegel-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	owner, err := clusterOwner()
	if err != nil {
		t.Fatal(err)
	}
	if err := owner.own(dir); err != nil {
		t.Fatal(err)
	}
	s := &Server{Host: "127.0.0.1", Port: freePort(t), Password: randomHex(16), dir: dir, log: filepath.Join(dir, "server.log")}
	pwfile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwfile, []byte(s.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := owner.own(pwfile); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", Superuser, "--pwfile", pwfile,
		"--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync")
	owner.runAs(initdb)
	if out, err := initdb.CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	server := exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-p", strconv.Itoa(s.Port), "-k", dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
		"-c", "full_page_writes=off", "-c", "max_connections=200",
		"-c", "logging_collector=off", "-c", "log_min_messages=warning")
	owner.runAs(server)
	logFile, err := os.Create(s.log)
	if err != nil {
		t.Fatal(err)
	}
	server.Stdout, server.Stderr = logFile, logFile
	if err := server.Start(); err != nil {
		t.Fatalf("starting PostgreSQL: %v", err)
	}
	exited := make(chan struct{})
	go func() { server.Wait(); logFile.Close(); close(exited) }()
	t.Cleanup(func() {
		// SIGINT: the fast shutdown, which ends the sessions.
		server.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			server.Process.Kill()
			<-exited
		}
	})
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("PostgreSQL log:\n%s", s.Log())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		c, err := pgx.Connect(ctx, s.URL(Superuser, s.Password, "postgres"))
		if err == nil {
			c.Close(ctx)
			cancel()
			return s
		}
		cancel()
		select {
		case <-exited:
			t.Fatalf("PostgreSQL exited: %s", s.Log())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("PostgreSQL does not answer: %v\n%s", err, s.Log())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// URL is the connection URL of a database for a login, as `siegel team`
// takes it (with the password, which the command line reads from a file).
func (s *Server) URL(login, password, db string) string {
	u := url.URL{Scheme: "postgres", Host: net.JoinHostPort(s.Host, strconv.Itoa(s.Port)), Path: "/" + db}
	if password != "" {
		u.User = url.UserPassword(login, password)
	} else {
		u.User = url.User(login)
	}
	return u.String()
}

// Admin connects as the superuser to the database db.
func (s *Server) Admin(t testing.TB, db string) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, s.URL(Superuser, s.Password, db))
	if err != nil {
		t.Fatalf("connecting to %s as %s: %v", db, Superuser, err)
	}
	t.Cleanup(func() { c.Close(ctx) })
	return c
}

// CreateDatabase makes an empty database, named after the test, and
// returns its name.
func (s *Server) CreateDatabase(t testing.TB) string {
	t.Helper()
	name := "t_" + randomHex(6)
	if _, err := s.Admin(t, "postgres").Exec(context.Background(), "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	return name
}

// Log is the server's log so far.
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.log)
	return string(b)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// owner is who the cluster's files and server belong to.
type owner struct {
	uid, gid int
	root     bool // we run as root and hand the cluster to uid
}

// clusterOwner is the running user, or, for root, "postgres" (Debian's
// package makes it) or else "nobody".
func clusterOwner() (owner, error) {
	if os.Geteuid() != 0 {
		return owner{uid: os.Getuid(), gid: os.Getgid()}, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return owner{uid: uid, gid: gid, root: true}, nil
	}
	return owner{}, fmt.Errorf("pgtest: running as root and there is neither a postgres nor a nobody user to run PostgreSQL as")
}

// own gives path to the owner (only needed when running as root).
func (o owner) own(path string) error {
	if !o.root {
		return nil
	}
	if err := os.Chown(path, o.uid, o.gid); err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	return nil
}

// env is the environment of PostgreSQL's programs: without the test's
// PG* variables, which would point them elsewhere.
func env() []string {
	var out []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "PG") {
			out = append(out, e)
		}
	}
	return append(out, "LC_ALL=C")
}
