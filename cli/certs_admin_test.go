package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"siegel/crypto/vault"
	"siegel/profile"
)

// With an administrator password set, import, delete and export need it
// (SIEGEL_ADMIN_PASSWORD here; a terminal prompt otherwise); list does
// not.
func TestCertsAdminLock(t *testing.T) {
	defer func(d time.Duration) { profile.AdminDelay = d }(profile.AdminDelay)
	profile.AdminDelay = 10 * time.Millisecond
	f := newCertsFixture(t)
	data := t.TempDir()
	ctx := context.Background()
	p, err := profile.Open(ctx, data, nil, &profile.Options{Cost: vault.Cost{Time: 1, MemoryKiB: 1024, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.SetAdmin(ctx, nil, []byte("admin secret")); err != nil {
		t.Fatal(err)
	}
	p.Close()

	run := func(adminPW string, args ...string) (string, string, int) {
		t.Helper()
		var out, errOut bytes.Buffer
		env := Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut,
			Getenv: func(k string) string {
				switch k {
				case "SIEGEL_PASSPHRASE":
					return "profile pass"
				case "SIEGEL_ADMIN_PASSWORD":
					return adminPW
				}
				return ""
			},
			VaultCost: vault.Cost{Time: 1, MemoryKiB: 1024, Threads: 1}}
		code := Run(ctx, env, append([]string{"certs", "--data-dir", data}, args...))
		return out.String(), errOut.String(), code
	}

	for _, tt := range []struct {
		pw   string
		want string
	}{
		{"", "an administrator password protects the certificate store: set SIEGEL_ADMIN_PASSWORD or run in a terminal"},
		{"guess", "wrong administrator password"},
	} {
		if _, errOut, code := run(tt.pw, "import", f.caFile); code != 1 || !strings.Contains(errOut, tt.want) {
			t.Errorf("import with admin password %q = %d, %q; want 1 and %q", tt.pw, code, errOut, tt.want)
		}
	}
	if out, _, _ := run("", "list"); strings.Contains(out, "CLI Test CA") {
		t.Fatal("a refused import stored the CA")
	}
	if _, errOut, code := run("admin secret", "import", f.caFile, f.aliceFile); code != 0 {
		t.Fatalf("import with the right admin password = %d: %s", code, errOut)
	}
	fpAlice := fp(f.alice)
	if _, errOut, code := run("", "export", fpAlice[:12]); code != 1 || !strings.Contains(errOut, "SIEGEL_ADMIN_PASSWORD") {
		t.Errorf("export without the admin password = %d, %q", code, errOut)
	}
	if out, errOut, code := run("admin secret", "export", fpAlice[:12]); code != 0 || !strings.Contains(out, "BEGIN CERTIFICATE") {
		t.Errorf("export with it = %d, %q", code, errOut)
	}
	if _, errOut, code := run("guess", "delete", fpAlice[:12]); code != 1 || !strings.Contains(errOut, "wrong administrator password") {
		t.Errorf("delete with a wrong admin password = %d, %q", code, errOut)
	}
	if out, _, code := run("", "list"); code != 0 || !strings.Contains(out, "alice@example.com") {
		t.Errorf("list needs no admin password; after a refused delete Alice is listed: %d\n%s", code, out)
	}
	if _, errOut, code := run("admin secret", "delete", fpAlice[:12]); code != 0 {
		t.Errorf("delete with the admin password = %d, %q", code, errOut)
	}
}
