package e2e

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"io"
	"mime"
	"net/mail"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-message"
)

// sentMail says how a message that left the app must look.
type sentMail struct {
	recipientPEM string // the customer's certificate and private key (PEM)
	caFile       string // the CA that vouches for the helpdesk (PEM)
	signer       string // the helpdesk's address, in the signer's certificate
	text         string // what the agent typed
}

// check opens raw as the customer would, with OpenSSL alone: it must be
// encrypted (and the text not readable without the key), decrypt with the
// customer's key, verify against the CA with a certificate of the
// helpdesk, and hold the typed text.
func (w sentMail) check(t *testing.T, art *artefacts, raw []byte) {
	t.Helper()
	in := art.write("sent.eml", raw)
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("the sent message does not parse: %v", err)
	}
	mt, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if mt != "application/pkcs7-mime" || !strings.HasSuffix(params["smime-type"], "enveloped-data") {
		t.Errorf("the sent message is %s (smime-type %q), want application/pkcs7-mime enveloped-data", mt, params["smime-type"])
	}
	if bytes.Contains(raw, []byte(firstWords(w.text))) {
		t.Errorf("the typed text %q can be read in the sent message without a key", firstWords(w.text))
	}
	decrypted := art.path("sent-decrypted.eml")
	openssl(t, "cms", "-decrypt", "-in", in, "-recip", w.recipientPEM, "-inkey", w.recipientPEM, "-out", decrypted)
	inner, signerFile := art.path("sent-verified.eml"), art.path("sent-signer.pem")
	openssl(t, "cms", "-verify", "-in", decrypted, "-CAfile", w.caFile, "-signer", signerFile, "-out", inner)

	signerPEM, err := os.ReadFile(signerFile)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(signerPEM)
	if block == nil {
		t.Fatalf("OpenSSL wrote no signer certificate")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(cert.EmailAddresses, w.signer) {
		t.Errorf("signed by %s %v, want a certificate of %s", cert.Subject, cert.EmailAddresses, w.signer)
	}
	data, err := os.ReadFile(inner)
	if err != nil {
		t.Fatal(err)
	}
	got := plainText(t, data)
	if !strings.Contains(squash(got), squash(w.text)) {
		t.Errorf("the decrypted and verified message says %q, want it to hold %q", got, w.text)
	}
}

// firstWords are the first three words of s: a piece of the text that the
// ciphertext must not show.
func firstWords(s string) string {
	f := strings.Fields(s)
	return strings.Join(f[:min(3, len(f))], " ")
}

func openssl(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("openssl", args...).CombinedOutput(); err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// plainText returns the text/plain parts of a MIME entity, decoded.
func plainText(t *testing.T, data []byte) string {
	t.Helper()
	e, err := message.Read(bytes.NewReader(data))
	if err != nil && !message.IsUnknownCharset(err) {
		t.Fatalf("the decrypted message does not parse: %v", err)
	}
	var b strings.Builder
	err = e.Walk(func(_ []int, part *message.Entity, err error) error {
		if err != nil {
			return err
		}
		if mt, _, _ := part.Header.ContentType(); mt == "text/plain" {
			body, err := io.ReadAll(part.Body)
			if err != nil {
				return err
			}
			b.Write(body)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("reading the decrypted message: %v", err)
	}
	return b.String()
}
