package revocation_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"siegel/certs/revocation"
	"siegel/profile"
)

// pki is a root CA, an intermediate CA under it and the leaves it issues,
// all made by the openssl command with its own CA database, so that
// revocations and CRLs are OpenSSL's. Leaves point at OpenSSL's OCSP
// responder on ocspPort (started by startResponder) and at CRLs served by
// srv, which also proxies /ocsp to the responder so a test can count the
// OCSP requests.
type pki struct {
	t           testing.TB
	dir         string
	srv         *httptest.Server
	ocspPort    int
	ocspURL     string
	root, inter *testCA
	responder   *exec.Cmd

	mu    sync.Mutex
	files map[string][]byte // path → body
	hits  map[string]int    // path → requests
}

type testCA struct {
	name string
	dir  string
	cnf  string
	cert *x509.Certificate
}

func newPKI(t testing.TB) *pki {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("the openssl command is not on PATH; these tests need it to make the PKI and run the OCSP responder")
	}
	p := &pki{t: t, dir: t.TempDir(), files: map[string][]byte{}, hits: map[string]int{}}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	p.ocspPort = freePort(t)
	p.ocspURL = "http://127.0.0.1:" + strconv.Itoa(p.ocspPort)
	t.Cleanup(p.stopResponder)

	p.root = p.newCA("root")
	p.run("req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
		"-keyout", p.root.path("ca.key"), "-out", p.root.path("ca.pem"), "-subj", "/CN=Test Root",
		"-days", "3650", "-config", p.root.cnf, "-extensions", "self_ca")
	p.root.cert = readCert(t, p.root.path("ca.pem"))

	p.inter = p.newCA("inter")
	p.run("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
		"-keyout", p.inter.path("ca.key"), "-out", p.inter.path("ca.csr"), "-subj", "/CN=Test Intermediate", "-config", p.inter.cnf)
	p.run("ca", "-config", p.root.cnf, "-batch", "-notext", "-extensions", "sub_ca", "-days", "3650",
		"-in", p.inter.path("ca.csr"), "-out", p.inter.path("ca.pem"))
	p.inter.cert = readCert(t, p.inter.path("ca.pem"))
	return p
}

func (p *pki) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.hits[r.URL.Path]++
	body, ok := p.files[r.URL.Path]
	p.mu.Unlock()
	if r.URL.Path == "/ocsp" {
		// Forward to the responder, so a leaf that names /ocsp is counted.
		req, _ := io.ReadAll(r.Body)
		resp, err := http.Post(p.ocspURL, "application/ocsp-request", bytes.NewReader(req))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Write(body)
}

func (p *pki) hitsOf(path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hits[path]
}

func (p *pki) publish(path string, body []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.files[path] = body
}

func (ca *testCA) path(name string) string { return filepath.Join(ca.dir, name) }

// newCA writes the folder and configuration of an OpenSSL CA.
func (p *pki) newCA(name string) *testCA {
	ca := &testCA{name: name, dir: filepath.Join(p.dir, name)}
	ca.cnf = ca.path("ca.cnf")
	if err := os.MkdirAll(ca.path("new"), 0o700); err != nil {
		p.t.Fatal(err)
	}
	write(p.t, ca.path("index.txt"), "")
	write(p.t, ca.path("serial"), "1000\n")
	write(p.t, ca.path("crlnumber"), "1000\n")
	cnf := strings.NewReplacer("@DIR@", ca.dir, "@HTTP@", p.srv.URL, "@OCSP@", p.ocspURL).Replace(caConfig)
	write(p.t, ca.cnf, cnf)
	return ca
}

const caConfig = `
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ ca ]
default_ca = this_ca
[ this_ca ]
dir = @DIR@
database = $dir/index.txt
new_certs_dir = $dir/new
serial = $dir/serial
crlnumber = $dir/crlnumber
certificate = $dir/ca.pem
private_key = $dir/ca.key
default_md = sha256
default_days = 365
default_crl_days = 30
policy = any
unique_subject = no
email_in_dn = no
[ any ]
commonName = supplied
[ self_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ sub_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
crlDistributionPoints = URI:@HTTP@/root.crl
[ leaf ]
basicConstraints = CA:FALSE
keyUsage = digitalSignature, keyEncipherment
extendedKeyUsage = emailProtection
authorityInfoAccess = OCSP;URI:@OCSP@
crlDistributionPoints = URI:@HTTP@/inter.crl
[ leaf_crl ]
basicConstraints = CA:FALSE
keyUsage = digitalSignature, keyEncipherment
extendedKeyUsage = emailProtection
crlDistributionPoints = URI:@HTTP@/inter.crl
[ leaf_ocsp ]
basicConstraints = CA:FALSE
keyUsage = digitalSignature, keyEncipherment
extendedKeyUsage = emailProtection
authorityInfoAccess = OCSP;URI:@OCSP@
[ leaf_proxy ]
basicConstraints = CA:FALSE
keyUsage = digitalSignature, keyEncipherment
extendedKeyUsage = emailProtection
authorityInfoAccess = OCSP;URI:@HTTP@/ocsp
[ leaf_none ]
basicConstraints = CA:FALSE
keyUsage = digitalSignature, keyEncipherment
extendedKeyUsage = emailProtection
authorityInfoAccess = caIssuers;URI:@HTTP@/inter.pem
crlDistributionPoints = URI:ldap://127.0.0.1/cn=Test%20Intermediate?certificateRevocationList
[ responder ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = OCSPSigning
[ responder_noeku ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = emailProtection
`

// leaf issues a certificate from the intermediate with the extension
// section ext and returns it; its file is name.pem in the CA folder.
func (p *pki) leaf(name, ext string) *x509.Certificate {
	p.t.Helper()
	return readCert(p.t, p.issue(name, ext))
}

func (p *pki) issue(name, ext string) string {
	p.t.Helper()
	csr := p.inter.path(name + ".csr")
	p.run("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
		"-keyout", p.inter.path(name+".key"), "-out", csr, "-subj", "/CN="+name, "-config", p.inter.cnf)
	out := p.inter.path(name + ".pem")
	p.run("ca", "-config", p.inter.cnf, "-batch", "-notext", "-extensions", ext, "-in", csr, "-out", out)
	return out
}

// leaves issues n certificates for one key in one run of openssl ca.
func (p *pki) leaves(n int, ext string) []*x509.Certificate {
	p.t.Helper()
	csr := p.inter.path("many.csr")
	p.run("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
		"-keyout", p.inter.path("many.key"), "-out", csr, "-subj", "/CN=many", "-config", p.inter.cnf)
	serial, err := os.ReadFile(p.inter.path("serial"))
	if err != nil {
		p.t.Fatal(err)
	}
	first, err := strconv.ParseInt(strings.TrimSpace(string(serial)), 16, 64)
	if err != nil {
		p.t.Fatal(err)
	}
	args := []string{"ca", "-config", p.inter.cnf, "-batch", "-notext", "-extensions", ext, "-out", p.inter.path("many.pem"), "-infiles"}
	for range n {
		args = append(args, csr)
	}
	p.run(args...)
	// -out keeps only the last; each is in the CA's folder by serial.
	var certs []*x509.Certificate
	for i := range int64(n) {
		certs = append(certs, readCert(p.t, p.inter.path(fmt.Sprintf("new/%X.pem", first+i))))
	}
	return certs
}

// revoke revokes the certificate in file with OpenSSL's CA database.
func (p *pki) revoke(ca *testCA, file, reason string) {
	p.t.Helper()
	p.run("ca", "-config", ca.cnf, "-revoke", file, "-crl_reason", reason)
}

// crl makes a CRL of ca with openssl ca -gencrl (more options in extra)
// and returns it as DER.
func (p *pki) crl(ca *testCA, extra ...string) (der, pemText []byte) {
	p.t.Helper()
	out := ca.path("ca.crl")
	p.run(append([]string{"ca", "-config", ca.cnf, "-gencrl", "-out", out}, extra...)...)
	pemText, err := os.ReadFile(out)
	if err != nil {
		p.t.Fatal(err)
	}
	b, _ := pem.Decode(pemText)
	if b == nil || b.Type != "X509 CRL" {
		p.t.Fatalf("openssl -gencrl wrote no CRL:\n%s", pemText)
	}
	return b.Bytes, pemText
}

// publishCRL makes a CRL of ca and serves it where its certificates say.
func (p *pki) publishCRL(ca *testCA, extra ...string) []byte {
	der, _ := p.crl(ca, extra...)
	p.publish("/"+ca.name+".crl", der)
	return der
}

// Kinds of OCSP responder signer.
const (
	delegated = "responder"       // issued by the intermediate for OCSP signing
	noEKU     = "responder_noeku" // issued by the intermediate, for e-mail only
	rogue     = "rogue"           // self-signed: not the CA's
)

// startResponder runs openssl ocsp for the intermediate, signing with a
// responder certificate of the given kind, and waits until it answers.
func (p *pki) startResponder(kind string) {
	p.t.Helper()
	p.stopResponder()
	cert, key := p.inter.path(kind+".pem"), p.inter.path(kind+".key")
	if _, err := os.Stat(cert); err != nil {
		if kind == rogue {
			p.run("req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
				"-keyout", key, "-out", cert, "-subj", "/CN=Rogue Responder", "-days", "30",
				"-config", p.inter.cnf, "-extensions", "responder")
		} else {
			p.issue(kind, kind)
		}
	}
	cmd := exec.Command("openssl", "ocsp", "-index", p.inter.path("index.txt"), "-port", strconv.Itoa(p.ocspPort),
		"-rsigner", cert, "-rkey", key, "-CA", p.inter.path("ca.pem"), "-nmin", "5", "-ignore_err")
	if err := cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	p.responder = cmd
	// A bare connection would hang OpenSSL's one-at-a-time responder, so
	// the probe is an HTTP request, which it answers with 400 Bad Request.
	probe := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := probe.Post(p.ocspURL, "application/ocsp-request", strings.NewReader("\x30\x00"))
		if err == nil {
			resp.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("the OCSP responder does not answer on port %d: %v", p.ocspPort, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (p *pki) stopResponder() {
	if p.responder == nil {
		return
	}
	p.responder.Process.Kill()
	p.responder.Wait()
	p.responder = nil
}

func (p *pki) run(args ...string) {
	p.t.Helper()
	cmd := exec.Command("openssl", args...)
	cmd.Dir = p.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		p.t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func write(t testing.TB, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

func readCert(t testing.TB, path string) *x509.Certificate {
	t.Helper()
	certs := readCerts(t, path)
	if len(certs) != 1 {
		t.Fatalf("%s holds %d certificates, want 1", path, len(certs))
	}
	return certs[0]
}

func readCerts(t testing.TB, path string) []*x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var certs []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return certs
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		certs = append(certs, c)
	}
}

// openProfile opens a profile in a fresh folder, or in dir when given.
func openProfile(t testing.TB, dir string) *profile.Profile {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	p, err := profile.Open(context.Background(), dir, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func newChecker(t testing.TB, p *profile.Profile, o *revocation.Options) *revocation.Checker {
	t.Helper()
	c, err := revocation.New(context.Background(), p, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// lookup is an IssuerLookup over a few CA certificates.
func lookup(cas ...*x509.Certificate) revocation.IssuerLookup {
	return func(_ context.Context, raw []byte) ([]*x509.Certificate, error) {
		var out []*x509.Certificate
		for _, c := range cas {
			if bytes.Equal(c.RawSubject, raw) {
				out = append(out, c)
			}
		}
		return out, nil
	}
}
