package smime

import (
	"bytes"
	"context"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestProtectedHeaders: Seal protects the header (RFC 9788), OpenSSL still
// verifies and decrypts it, and Open shows the protected copy and names
// what differs outside.
func TestProtectedHeaders(t *testing.T) {
	needOpenSSL(t)
	p := getPKI(t)
	k := p.keyring()
	k.add(p.inter.cert, nil)
	e := NewEngine(k)
	ctx := context.Background()
	in := sealInput("Helpdesk <agent@example.com>", []string{"Alice <alice@example.org>"}, nil, "Your access is restored.")
	replaceOuter := func(msg []byte, old, new string) []byte {
		h, b, _ := bytes.Cut(msg, []byte("\r\n\r\n"))
		if !bytes.Contains(h, []byte(old)) {
			t.Fatalf("no %q in the outer header:\n%s", old, h)
		}
		return append(append(bytes.Replace(h, []byte(old), []byte(new), 1), "\r\n\r\n"...), b...)
	}

	tests := []struct {
		name     string
		opts     SealOptions
		change   [2]string // in the outer header after sealing
		mode     string
		state    SignatureState
		outerSub string
		differs  []string
		obscured []string
	}{
		{"signed", SealOptions{Sign: true}, [2]string{}, "clear", SigValid, "Re: [Ticket#10001] Access", nil, nil},
		{"signed, outer Subject changed", SealOptions{Sign: true}, [2]string{"Subject: Re: [Ticket#10001] Access", "Subject: You are fired"},
			"clear", SigValid, "You are fired", []string{"Subject"}, nil},
		{"signed, outer From changed", SealOptions{Sign: true}, [2]string{"From: Helpdesk <agent@example.com>", "From: Boss <alice@example.org>"},
			"clear", SigSenderMismatch, "Re: [Ticket#10001] Access", []string{"From"}, nil},
		{"signed and encrypted", SealOptions{Sign: true, Encrypt: true}, [2]string{}, "cipher", SigValid, ObscuredSubject, nil, []string{"Subject"}},
		{"signed and encrypted, subject kept", SealOptions{Sign: true, Encrypt: true, KeepSubject: true}, [2]string{}, "cipher", SigValid,
			"Re: [Ticket#10001] Access", nil, nil},
		{"encrypted only", SealOptions{Encrypt: true}, [2]string{}, "cipher", SigNone, ObscuredSubject, nil, []string{"Subject"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := bytes.Replace(in, []byte("Subject: Seal test"), []byte("Subject: Re: [Ticket#10001] Access"), 1)
			out, err := e.Seal(ctx, msg, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if tt.change[0] != "" {
				out = replaceOuter(out, tt.change[0], tt.change[1])
			}
			// OpenSSL reads it as before: the protected copy is part of the
			// signed entity.
			dir := t.TempDir()
			signed := writeTemp(t, dir, "out.eml", out)
			if tt.opts.Encrypt {
				signed = writeTemp(t, dir, "dec.eml", openssl(t, nil, "cms", "-decrypt", "-in", signed, "-recip", p.alice.certFile, "-inkey", p.alice.keyFile))
			}
			inner, _ := os.ReadFile(signed)
			if tt.opts.Sign {
				inner = openssl(t, nil, "cms", "-verify", "-in", signed, "-CAfile", p.root.certFile, "-purpose", "smimesign")
			}
			for _, want := range []string{`hp="` + tt.mode + `"`, "Subject: Re: [Ticket#10001] Access\r\n", "From: Helpdesk <agent@example.com>\r\n"} {
				if !strings.Contains(string(inner), want) {
					t.Errorf("the protected entity lacks %q:\n%s", want, inner)
				}
			}
			if tt.opts.Encrypt && !tt.opts.KeepSubject && !strings.Contains(string(inner), "HP-Outer: Subject: [...]\r\n") {
				t.Errorf("no HP-Outer for the obscured Subject:\n%s", inner)
			}

			res, content := e.Open(ctx, out)
			if res.Signature != tt.state {
				t.Errorf("got %s (%v), want %s", res.Signature, res.Layers, tt.state)
			}
			if res.Envelope.Subject != tt.outerSub {
				t.Errorf("outer Subject: got %q, want %q", res.Envelope.Subject, tt.outerSub)
			}
			pr := res.Protected
			if pr == nil {
				t.Fatal("no protected header")
			}
			if pr.Mode != tt.mode || pr.Signed != tt.opts.Sign || !reflect.DeepEqual(pr.Differs, tt.differs) || !reflect.DeepEqual(pr.Obscured, tt.obscured) {
				t.Errorf("got %+v, want mode %s, signed %v, differs %v, obscured %v", pr, tt.mode, tt.opts.Sign, tt.differs, tt.obscured)
			}
			if h := res.Header(); h.Subject != "Re: [Ticket#10001] Access" || h.Author != res.Envelope.Author {
				t.Errorf("shown header: got %q from %s", h.Subject, h.Author.Address)
			}
			if !strings.Contains(string(content), "Your access is restored.") {
				t.Errorf("content: got %q", content)
			}
			if tt.state == SigSenderMismatch && !strings.Contains(res.Layers[len(res.Layers)-1].Reason,
				"the From inside the signature (agent@example.com) differs from the From outside (alice@example.org)") {
				t.Errorf("reason: got %q", res.Layers[len(res.Layers)-1].Reason)
			}
		})
	}

	// A signature made without protected headers (OpenSSL's): nothing is
	// protected, the card says the Subject is not covered.
	res, _ := e.Open(ctx, withHeader("alice@example.org", time.Now(), sslSign(t, p, []byte("Content-Type: text/plain\r\n\r\nhi\r\n"), p.alice)))
	if res.Signature != SigValid || res.Protected != nil || res.Header().Subject != "OpenSSL test" {
		t.Errorf("unprotected: got %s, %+v", res.Signature, res.Protected)
	}

	// The legacy form: the whole message wrapped as message/rfc822 inside
	// the signature. The wrapped message is what is shown.
	wrapped := []byte("Content-Type: message/rfc822\r\n\r\nFrom: alice@example.org\r\nTo: agent@example.com\r\nSubject: The real subject\r\n" +
		"Content-Type: text/plain\r\n\r\nwrapped body\r\n")
	res, content := e.Open(ctx, withHeader("alice@example.org", time.Now(), sslSign(t, p, wrapped, p.alice)))
	if res.Signature != SigValid || res.Protected == nil || res.Protected.Mode != "wrapped" || res.Header().Subject != "The real subject" ||
		!reflect.DeepEqual(res.Protected.Differs, []string{"Subject"}) {
		t.Errorf("wrapped: got %s, %+v", res.Signature, res.Protected)
	}
	if !strings.Contains(string(content), "wrapped body") || strings.Contains(string(content), "message/rfc822") {
		t.Errorf("wrapped content: got %q", content)
	}
	if got := e.Reveal(ctx, withHeader("alice@example.org", time.Now(), sslSign(t, p, wrapped, p.alice))); !bytes.Equal(got, content) {
		t.Errorf("Reveal shows %q, Open %q", got, content)
	}
}
