package demo

import (
	"context"
	"crypto/x509"
	"errors"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"siegel/certs"
	"siegel/crypto/certinfo"
	"siegel/crypto/cms"
)

// TestFolderFiles: the files the demo leaves are what they say, and the
// PKCS#12 files open with Passphrase.
func TestFolderFiles(t *testing.T) {
	d := shared(t)
	ca, err := certs.Parse(mustRead(t, d.Path(CAFile)), CAFile, nil)
	if err != nil || len(ca.Certs) != 1 || !ca.Certs[0].Equal(d.PKI.CA.Cert) || !ca.Certs[0].IsCA {
		t.Errorf("%s: %v, %v; want the demo CA", CAFile, ca, err)
	}
	jonasFile, err := certs.Parse(mustRead(t, d.Path(MissingCertFile)), MissingCertFile, nil)
	if err != nil || len(jonasFile.Certs) != 1 || !jonasFile.Certs[0].Equal(d.PKI.Jonas.Cert) || len(jonasFile.Keys) != 0 {
		t.Errorf("%s: %v, %v; want Jonas's certificate without key", MissingCertFile, jonasFile, err)
	}
	if entries, _ := d.Store.Lookup(context.Background(), jonas.email, 0, d.PKI.Jonas.Cert.NotBefore); len(entries) != 0 {
		t.Errorf("the store has %d certificates for %s, want none", len(entries), jonas.email)
	}
	for _, p := range []*person{helpdesk, anna, james, priya, jonas, mustermann} {
		name := d.Path(KeysDir + "/" + p.slug + ".p12")
		b, err := certs.Parse(mustRead(t, name), name, []byte(Passphrase))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		id := d.PKI.identity(p)
		if !b.Certs[0].Equal(id.Cert) || len(b.Keys) != 1 || certinfo.Emails(b.Certs[0])[0] != p.email {
			t.Errorf("%s holds %d certificates and %d keys, want %s's with its key", name, len(b.Certs), len(b.Keys), p.name)
		}
		if _, err := certs.Parse(mustRead(t, name), name, []byte("wrong")); !errors.Is(err, certs.ErrWrongPassphrase) {
			t.Errorf("%s with a wrong passphrase: %v, want ErrWrongPassphrase", name, err)
		}
	}
}

// TestSMTPNeedsLogin: the demo SMTP server takes mail only from the demo
// account.
func TestSMTPNeedsLogin(t *testing.T) {
	d := shared(t)
	c, err := smtp.Dial(d.SMTPAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var se *smtp.SMTPError
	if err := c.Mail(HelpdeskAddress, nil); !errors.As(err, &se) || se.Code != 530 {
		t.Errorf("MAIL without login: %v, want 530", err)
	}
	if err := c.Auth(sasl.NewPlainClient("", HelpdeskAddress, "guess")); !errors.As(err, &se) || se.Code != 535 {
		t.Errorf("login with a wrong password: %v, want 535", err)
	}
	if n := len(received(t, d)); n != 0 {
		t.Errorf("%d messages received", n)
	}
}

// TestStripCertificates: the signature keeps verifying, without the
// certificates.
func TestStripCertificates(t *testing.T) {
	k, err := newPKI(time.Now(), "http://127.0.0.1:9/")
	if err != nil {
		t.Fatal(err)
	}
	content := []byte("Content-Type: text/plain\r\n\r\nHallo\r\n")
	sig, err := cms.SignDetached(content, k.Jonas.Cert, k.Jonas.Key, []*x509.Certificate{k.CA.Cert}, nil)
	if err != nil {
		t.Fatal(err)
	}
	stripped, err := stripCertificates(sig)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		der   []byte
		certs int
	}{{"signed", sig, 2}, {"stripped", stripped, 0}} {
		sd, err := cms.ParseSignedData(tt.der)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if len(sd.Certificates) != tt.certs {
			t.Errorf("%s: %d certificates, want %d", tt.name, len(sd.Certificates), tt.certs)
		}
		if err := sd.Verify(0, content, k.Jonas.Cert); err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	if _, err := stripCertificates([]byte{0x30, 0x03, 0x02, 0x01, 0x01}); err == nil {
		t.Error("stripCertificates of a non-SignedData gave no error")
	}
}
