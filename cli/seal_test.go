package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealCommand(t *testing.T) {
	dir := t.TempDir()
	ca, agent, customer := testPeople(t, dir)
	attachment := filepath.Join(dir, "Bericht März.txt")
	if err := os.WriteFile(attachment, []byte("attached data\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	body := "Guten Tag,\n\nIhre Anfrage ist erledigt. Grüße\n"

	env, out, errOut := testEnv(t, body)
	importFiles(t, env, "", ca.certFile, agent.bothFile, customer.certFile)

	for _, tc := range []struct {
		name string
		args []string
	}{
		{"sign and encrypt", []string{"--sign", "--encrypt"}},
		{"sign and encrypt, GCM and OAEP", []string{"--sign", "--encrypt", "--cipher", "aes256-gcm", "--oaep"}},
		{"sign only", []string{"--sign"}},
		{"encrypt only", []string{"--encrypt"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out.Reset()
			errOut.Reset()
			env.Stdin = strings.NewReader(body)
			args := append([]string{"seal"}, tc.args...)
			args = append(args, "--from", "Helpdesk <agent@example.com>", "--to", "customer@example.org",
				"--subject", "Re: [Ticket#10001] Grüße", "--attach", attachment)
			if code := Run(context.Background(), env, args); code != 0 {
				t.Fatalf("seal: exit %d: %s", code, errOut)
			}
			sealed := filepath.Join(t.TempDir(), "out.eml")
			if err := os.WriteFile(sealed, out.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
			signedFile := sealed
			encrypt := strings.Contains(tc.name, "encrypt")
			if encrypt {
				// OpenSSL decrypts for the customer and for the sender's copy.
				dec := opensslCmd(t, "cms", "-decrypt", "-in", sealed, "-recip", customer.certFile, "-inkey", customer.keyFile)
				opensslCmd(t, "cms", "-decrypt", "-in", sealed, "-recip", agent.certFile, "-inkey", agent.keyFile)
				signedFile = filepath.Join(t.TempDir(), "dec.eml")
				if err := os.WriteFile(signedFile, dec, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			content, _ := os.ReadFile(signedFile)
			if strings.Contains(tc.name, "sign") {
				content = opensslCmd(t, "cms", "-verify", "-in", signedFile, "-CAfile", ca.certFile)
			}
			if !strings.Contains(string(content), "Ihre Anfrage ist erledigt. Gr=C3=BC=C3=9Fe") ||
				!strings.Contains(string(content), "YXR0YWNoZWQgZGF0YQo=") {
				t.Errorf("OpenSSL's content lacks the text or the attachment:\n%s", content)
			}
			if strings.Contains(out.String(), "Ihre Anfrage") && encrypt {
				t.Errorf("plaintext in the encrypted message")
			}
			// Encrypted, the Subject travels inside and reads "[...]"
			// outside (RFC 9788); the protected copy is in the signed or
			// encrypted entity either way.
			subject := "Subject: Re: [Ticket#10001] =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n"
			outerSubject := subject
			if encrypt {
				outerSubject = "Subject: [...]\r\n"
			}
			if !strings.Contains(string(content), subject) && strings.Contains(tc.name, "sign") {
				t.Errorf("the signed entity lacks the protected %q", subject)
			}
			for _, h := range []string{"From: \"Helpdesk\" <agent@example.com>\r\n", "To: <customer@example.org>\r\n",
				outerSubject, "Message-ID: <", "Date: "} {
				if !strings.Contains(out.String(), h) {
					t.Errorf("outer header lacks %q", h)
				}
			}

			// inspect reads it back as the sender's own copy.
			out.Reset()
			if code := Run(context.Background(), env, []string{"inspect", "--json", sealed}); code != 0 {
				t.Fatalf("inspect: exit %d: %s", code, errOut)
			}
			got := decodeInspect(t, out.Bytes())[0]
			wantEnc, wantSig := "none", "none"
			if encrypt {
				wantEnc = "decrypted"
			}
			if strings.Contains(tc.name, "sign") {
				wantSig = "valid"
			}
			if got.Encryption.State != wantEnc || got.Signature.State != wantSig {
				t.Errorf("inspect: got %s/%s, want %s/%s", got.Encryption.State, got.Signature.State, wantEnc, wantSig)
			}
			if !strings.Contains(got.Text, "Ihre Anfrage ist erledigt. Grüße") {
				t.Errorf("inspect text: got %q", got.Text)
			}
		})
	}
}

func TestSealCommandErrors(t *testing.T) {
	dir := t.TempDir()
	ca, agent, customer := testPeople(t, dir)
	env, out, errOut := testEnv(t, "hello\n")
	importFiles(t, env, "", ca.certFile, customer.certFile)

	tests := []struct {
		name   string
		args   []string
		code   int
		stderr []string
	}{
		{"no recipient", []string{"--from", "agent@example.com"}, 2, []string{"usage"}},
		{"bad cipher", []string{"--cipher", "rc4", "--from", "agent@example.com", "--to", "customer@example.org"}, 2, []string{"rc4"}},
		{"recipient without certificate", []string{"--encrypt", "--from", "customer@example.org", "--to", "customer@example.org, nobody@example.net"},
			1, []string{"nobody@example.net", "Ask your administrator to add the recipient's certificate"}},
		{"sign without key", []string{"--sign", "--from", "agent@example.com", "--to", "customer@example.org"},
			1, []string{"agent@example.com", "Ask your administrator to check your organisation's private key"}},
		{"bad address", []string{"--from", "agent@", "--to", "customer@example.org"}, 1, []string{"invalid address"}},
		{"missing attachment", []string{"--from", "agent@example.com", "--to", "customer@example.org", "--attach", filepath.Join(dir, "nope")}, 1, []string{"nope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out.Reset()
			errOut.Reset()
			env.Stdin = strings.NewReader("hello\n")
			if code := Run(context.Background(), env, append([]string{"seal"}, tt.args...)); code != tt.code {
				t.Errorf("exit: got %d, want %d (%s)", code, tt.code, errOut)
			}
			if out.Len() != 0 {
				t.Errorf("output written on error: %q", out)
			}
			for _, s := range tt.stderr {
				if !strings.Contains(errOut.String(), s) {
					t.Errorf("stderr %q lacks %q", errOut, s)
				}
			}
		})
	}
	_ = agent

	// Neither --sign nor --encrypt: the plain message, as Send would send it.
	out.Reset()
	env.Stdin = strings.NewReader("plain text\n")
	if code := Run(context.Background(), env, []string{"seal", "--from", "x@example.com", "--to", "y@example.org"}); code != 0 {
		t.Fatalf("plain seal: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out.String(), "\r\n\r\nplain text\r\n") {
		t.Errorf("plain message: got %q", out)
	}
}
