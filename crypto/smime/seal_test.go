package smime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"siegel/crypto/certinfo"

	"siegel/message"
)

// binaryData has NUL, bare CR and LF, 8-bit bytes and a "From " line:
// everything a transport may alter.
var binaryData = []byte("\x00\x01\r\x80\xff\nFrom here\r\n\x7f binary \xfe")

// sealInput is a message with parts that are not transport-safe as they
// stand: an 8-bit text with an over-long line and trailing white space,
// and a binary attachment.
func sealInput(from string, to, cc []string, text string) []byte {
	long := strings.Repeat("long line ", 120) // 1200 characters
	h := fmt.Sprintf("From: %s\r\nTo: %s\r\n", from, strings.Join(to, ", "))
	if len(cc) > 0 {
		h += "Cc: " + strings.Join(cc, ", ") + "\r\n"
	}
	h += "Subject: Seal test\r\nDate: " + time.Now().Format(time.RFC1123Z) + "\r\nMessage-ID: <seal@example.com>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
		"--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
		text + "\nGrüße aus dem Helpdesk \t\n" + long + "\n" +
		"--b1\r\nContent-Type: application/octet-stream; name=x.bin\r\nContent-Disposition: attachment; filename=x.bin\r\n" +
		"Content-Transfer-Encoding: binary\r\n\r\n" + string(binaryData) + "\r\n--b1--\r\n"
	return []byte(h)
}

// attachment returns the decoded body of the part named name.
func attachment(t *testing.T, entity []byte, name string) []byte {
	t.Helper()
	e := message.ParseEntity(entity)
	mt, p := e.MediaType()
	if !strings.HasPrefix(mt, "multipart/") {
		if _, dp := e.Disposition(); dp["filename"] == name {
			b, err := e.DecodedBody(1 << 20)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		return nil
	}
	parts, _ := message.SplitMultipart(e.Body, p["boundary"])
	for _, part := range parts {
		if b := attachment(t, part, name); b != nil {
			return b
		}
	}
	return nil
}

func TestSealOpenSSL(t *testing.T) {
	needOpenSSL(t)
	p := getPKI(t)
	k := p.keyring()
	k.add(p.inter.cert, nil) // imported with the agent's P12: the chain is sent along
	e := NewEngine(k)
	type combo struct {
		name string
		opts SealOptions
		from *identity
	}
	var combos []combo
	combos = append(combos, combo{"sign RSA", SealOptions{Sign: true}, p.agent},
		combo{"sign ECDSA", SealOptions{Sign: true}, p.bob})
	for _, sign := range []bool{false, true} {
		for _, c := range []Cipher{AES256CBC, AES256GCM} {
			for _, kt := range []KeyTransport{RSAPKCS1v15, RSAOAEP} {
				name := fmt.Sprintf("encrypt cipher=%d oaep=%v", c, kt == RSAOAEP)
				if sign {
					name = "sign and " + name
				}
				combos = append(combos, combo{name, SealOptions{Sign: sign, Encrypt: true, Cipher: c, KeyTransport: kt}, p.agent})
			}
		}
	}
	for _, c := range combos {
		t.Run(c.name, func(t *testing.T) {
			text := "Sealed by Siegel: " + c.name
			from := c.from.cert.EmailAddresses[0]
			in := sealInput("Sender <"+from+">", []string{"Alice <alice@example.org>"}, []string{"bob@example.org", "carol@example.org"}, text)
			out, err := e.Seal(context.Background(), in, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			checkSealedShape(t, out, c.opts)
			dir := t.TempDir()
			file := writeTemp(t, dir, "out.eml", out)

			signedFile := file
			if c.opts.Encrypt {
				// Every recipient and the sender can decrypt it.
				var first []byte
				for _, r := range []*identity{p.alice, p.bob, p.carol, p.agent} {
					dec := openssl(t, nil, "cms", "-decrypt", "-in", file, "-recip", r.certFile, "-inkey", r.keyFile)
					if first == nil {
						first = dec
					} else if !bytes.Equal(dec, first) {
						t.Errorf("%s decrypts other content than alice", r.cert.EmailAddresses[0])
					}
				}
				if !c.opts.Sign {
					checkContent(t, first, text)
				}
				signedFile = writeTemp(t, dir, "dec.eml", first)
			}
			if c.opts.Sign {
				content := openssl(t, nil, "cms", "-verify", "-in", signedFile, "-CAfile", p.root.certFile, "-purpose", "smimesign")
				checkContent(t, content, text)
			}

			// And Siegel opens its own message (the sender's copy).
			res, content := e.Open(context.Background(), out)
			wantSig, wantEnc := SigNone, EncNone
			if c.opts.Sign {
				wantSig = SigValid
			}
			if c.opts.Encrypt {
				wantEnc = EncDecrypted
			}
			if res.Signature != wantSig || res.Encryption != wantEnc {
				t.Errorf("Open: got %s/%s, want %s/%s", res.Encryption, res.Signature, wantEnc, wantSig)
				for _, l := range res.Layers {
					t.Logf("layer %s %s: %s", l.Kind, l.State, l.Reason)
				}
			}
			if !strings.Contains(message.Extract(content).Text, text) {
				t.Errorf("Open: text missing in %q", message.Extract(content).Text)
			}
			if c.opts.Encrypt && c.opts.Cipher == AES256GCM && res.Cipher != "AES-256-GCM" ||
				c.opts.Encrypt && c.opts.Cipher == AES256CBC && res.Cipher != "AES-256-CBC" {
				t.Errorf("cipher: got %q", res.Cipher)
			}
			if c.opts.Encrypt && (c.opts.KeyTransport == RSAOAEP) != strings.Contains(res.KeyTransport, "OAEP") {
				t.Errorf("key transport: got %q", res.KeyTransport)
			}
		})
	}
}

// checkContent checks the text and the attachment of a verified or
// decrypted entity.
func checkContent(t *testing.T, entity []byte, text string) {
	t.Helper()
	body := message.Extract(entity).Text
	for _, want := range []string{text, "Grüße aus dem Helpdesk \t\n", strings.Repeat("long line ", 120)} {
		if !strings.Contains(body, want) {
			t.Errorf("text %q missing in %q", want, body)
		}
	}
	if got := attachment(t, entity, "x.bin"); !bytes.Equal(got, binaryData) {
		t.Errorf("attachment: got %q, want %q", got, binaryData)
	}
}

// checkSealedShape checks the form of a sealed message: outer fields kept,
// CRLF and 7-bit throughout, the S/MIME type fields.
func checkSealedShape(t *testing.T, out []byte, opts SealOptions) {
	t.Helper()
	top := message.ParseEntity(out)
	for _, f := range []string{"From", "To", "Cc", "Subject", "Date", "Message-ID"} {
		if top.Get(f) == "" {
			t.Errorf("outer field %s missing", f)
		}
	}
	if n := bytes.Count(out, []byte("\n")); n != bytes.Count(out, []byte("\r\n")) {
		t.Errorf("%d bare LF", n-bytes.Count(out, []byte("\r\n")))
	}
	if !message.TransportSafe(out) {
		t.Errorf("sealed message is not transport-safe")
	}
	ct := top.Get("Content-Type")
	switch {
	case opts.Encrypt:
		want := "application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m"
		if opts.Cipher == AES256GCM {
			want = "application/pkcs7-mime; smime-type=authEnveloped-data; name=smime.p7m"
		}
		if ct != want {
			t.Errorf("Content-Type: got %q, want %q", ct, want)
		}
		if top.Get("Content-Disposition") != "attachment; filename=smime.p7m" {
			t.Errorf("Content-Disposition: got %q", top.Get("Content-Disposition"))
		}
		for i, l := range bytes.Split(bytes.TrimSuffix(top.Body, []byte("\r\n")), []byte("\r\n")) {
			if len(l) != 76 && i < bytes.Count(top.Body, []byte("\r\n"))-1 {
				t.Errorf("base64 line %d has %d characters", i, len(l))
				break
			}
		}
	default:
		if !strings.HasPrefix(ct, `multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary=`) {
			t.Errorf("Content-Type: got %q", ct)
		}
	}
	if bytes.Contains(out, []byte("Grüße")) {
		t.Errorf("8-bit text left in the sealed message")
	}
}

func TestSealErrors(t *testing.T) {
	p := getPKI(t)
	k := p.keyring()
	k.add(p.expired.cert, p.expired.key) // alice's old certificate must not block
	e := NewEngine(k)
	ctx := context.Background()
	msg := func(from string, to ...string) []byte {
		return sealInput(from, to, nil, "hello")
	}
	tests := []struct {
		name    string
		in      []byte
		opts    SealOptions
		want    error
		missing []string
	}{
		{"recipient without certificate", msg("agent@example.com", "alice@example.org", "Stranger <stranger@example.net>", "x@example.net"),
			SealOptions{Encrypt: true}, nil, []string{"stranger@example.net", "x@example.net"}},
		{"sender without certificate", msg("stranger@example.net", "alice@example.org"), SealOptions{Encrypt: true}, nil, []string{"stranger@example.net"}},
		{"sign without key", msg("stranger@example.net", "alice@example.org"), SealOptions{Sign: true}, ErrNoSignerKey, nil},
		{"sign and encrypt without key", msg("stranger@example.net", "alice@example.org"), SealOptions{Sign: true, Encrypt: true}, ErrNoSignerKey, nil},
		{"no From", []byte("To: alice@example.org\r\nSubject: x\r\n\r\nhi\r\n"), SealOptions{Sign: true}, ErrMessage, nil},
		{"no header", []byte("just text\r\n"), SealOptions{Encrypt: true}, ErrMessage, nil},
		{"bad To", []byte("From: agent@example.com\r\nTo: <<<\r\n\r\nhi\r\n"), SealOptions{Encrypt: true}, ErrMessage, nil},
		{"unknown cipher", msg("agent@example.com", "alice@example.org"), SealOptions{Encrypt: true, Cipher: 7}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := e.Seal(ctx, tt.in, tt.opts)
			if out != nil {
				t.Errorf("got output with error %v", err)
			}
			if tt.missing != nil {
				var me *MissingCertError
				if !errors.As(err, &me) || strings.Join(me.Addresses, ",") != strings.Join(tt.missing, ",") {
					t.Fatalf("got error %v, want MissingCertError for %v", err, tt.missing)
				}
				return
			}
			if tt.want == nil && err == nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("got error %v, want %v", err, tt.want)
			}
		})
	}

	// Alice's extra expired certificate does not block: the valid one is
	// chosen.
	if _, err := e.Seal(ctx, msg("agent@example.com", "alice@example.org"), SealOptions{Sign: true, Encrypt: true}); err != nil {
		t.Errorf("Seal to alice with an extra expired certificate: %v", err)
	}
	// Neither option: the message in CRLF form.
	out, err := e.Seal(ctx, []byte("From: a@b\nTo: c@d\n\nhi\n"), SealOptions{})
	if err != nil || string(out) != "From: a@b\r\nTo: c@d\r\n\r\nhi\r\n" {
		t.Errorf("Seal without options: got %q, %v", out, err)
	}
}

func TestCheck(t *testing.T) {
	p := getPKI(t)
	k := p.keyring()
	k.add(p.expired.cert, p.expired.key)
	k.add(p.stranger.cert, nil) // stored without key: can be encrypted to, cannot sign
	e := NewEngine(k)
	ctx := context.Background()
	now := time.Now()

	c := e.Check(ctx, "Helpdesk <agent@example.com>", []string{"Alice <alice@example.org>", "bob@example.org"}, now)
	if !c.CanSign || c.Signer == nil || c.Signer.Fingerprint != certinfo.Fingerprint(p.agent.cert) {
		t.Errorf("CanSign: got %v %+v", c.CanSign, c.Signer)
	}
	if !c.CanEncrypt || len(c.Missing) != 0 || len(c.Recipients) != 2 || c.Own == nil {
		t.Errorf("CanEncrypt: got %+v", c)
	}
	if len(c.Recipients) == 2 && (c.Recipients[0].Address != "alice@example.org" || c.Recipients[0].Cert.Fingerprint != certinfo.Fingerprint(p.alice.cert)) {
		t.Errorf("recipient 0: got %+v, want alice's valid certificate", c.Recipients[0])
	}

	c = e.Check(ctx, "stranger@example.net", []string{"alice@example.org", "nobody@example.net"}, now)
	if c.CanSign || c.Err != nil {
		t.Errorf("stranger can sign: %+v", c)
	}
	if c.CanEncrypt || strings.Join(c.Missing, ",") != "nobody@example.net" {
		t.Errorf("Missing: got %v, want [nobody@example.net]", c.Missing)
	}

	// In 2020 only alice's old certificate was valid: it is chosen then.
	c = e.Check(ctx, "agent@example.com", []string{"alice@example.org"}, time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC))
	if c.CanSign || len(c.Recipients) != 1 || c.Recipients[0].Cert.Fingerprint != certinfo.Fingerprint(p.expired.cert) {
		t.Errorf("2020: got %+v", c)
	}
}

func TestSealNeedsExactlyOneSender(t *testing.T) {
	p := getPKI(t)
	e := NewEngine(p.keyring())
	for _, from := range []string{"agent@example.com, mallory@example.net", ""} {
		msg := sealInput(from, []string{"alice@example.org"}, nil, "text")
		if _, err := e.Seal(context.Background(), msg, SealOptions{Sign: true}); !errors.Is(err, ErrMessage) {
			t.Errorf("From %q: got %v, want ErrMessage", from, err)
		}
	}
}
