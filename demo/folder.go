package demo

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"software.sslmate.com/src/go-pkcs12"
)

// The files the demo leaves in its folder, relative to it.
const (
	// CAFile is the demo CA's certificate (PEM): the trust anchor for
	// `openssl cms -verify -CAfile`.
	CAFile = "certificates/siegel-demo-ca.pem"
	// MissingCertFile is Jonas Becker's certificate (PEM), which the store
	// lacks: import it (Settings → Certificates, or `siegel --data-dir
	// DIR certs import FILE`) and Retry turns his ticket's cert-not-found
	// into a valid signature.
	MissingCertFile = "certificates/jonas-becker.pem"
	// KeysDir holds one PKCS#12 file per identity with its private key
	// (helpdesk.p12, anna-schmidt.p12, …), encrypted with Passphrase: to
	// read the demo's mail with OpenSSL or another mail client.
	KeysDir = "keys"
	// ReceivedDir holds every message the demo SMTP server accepted,
	// exactly as received, as 0001.eml, 0002.eml, … in the order of
	// arrival.
	ReceivedDir = "outbox-received"
	// markerFile marks a folder as the demo's, so Start wipes nothing
	// else.
	markerFile = ".siegel-demo"
)

// ErrNotDemoFolder is returned by Start for a folder that has files but
// was not made by the demo: it is never wiped.
var ErrNotDemoFolder = errors.New("demo: the folder is not empty and not a demo folder")

// prepareFolder wipes a folder the demo made before (or accepts a missing
// or empty one) and creates it anew with its marker.
func prepareFolder(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("demo: %w", err)
	case len(entries) == 0:
	default:
		if _, err := os.Stat(filepath.Join(dir, markerFile)); err != nil {
			return fmt.Errorf("%w: %s", ErrNotDemoFolder, dir)
		}
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("demo: wipe %s: %w", dir, err)
		}
	}
	for _, d := range []string{dir, filepath.Join(dir, "certificates"), filepath.Join(dir, KeysDir), filepath.Join(dir, ReceivedDir)} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	if err := writeFile(filepath.Join(dir, markerFile), []byte("Siegel demo folder: wiped at every start of the demo\n")); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}

const folderReadme = `This folder is Siegel's demo mailbox. It is wiped and made anew at every
start of the demo (siegel --demo); nothing in it is your data.

siegel.db                       the demo profile (passphrase: ` + Passphrase + `)
certificates/siegel-demo-ca.pem the demo CA, trusted by the demo profile
certificates/jonas-becker.pem    a customer certificate the profile lacks:
                                import it and press "Retry security check"
keys/*.p12                      the demo identities with their private keys
                                (passphrase: ` + Passphrase + `)
outbox-received/NNNN.eml        every message the demo SMTP server received,
                                exactly as sent
`

// writeFiles leaves the demo's certificates and keys in its folder.
func writeFiles(dir string, k *PKI) error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	add(writeFile(filepath.Join(dir, "README.txt"), []byte(folderReadme)))
	add(writeFile(filepath.Join(dir, CAFile), certPEM(k.CA.Cert)))
	add(writeFile(filepath.Join(dir, MissingCertFile), certPEM(k.Jonas.Cert)))
	for _, p := range []*person{helpdesk, anna, james, priya, jonas, mustermann} {
		id := k.identity(p)
		var chain []*x509.Certificate
		if !id.Cert.Equal(k.Max.Cert) {
			chain = []*x509.Certificate{k.CA.Cert}
		}
		p12, err := pkcs12.Modern.Encode(id.Key, id.Cert, chain, Passphrase)
		if err != nil {
			add(fmt.Errorf("%s: %w", p.slug, err))
			continue
		}
		add(writeFile(filepath.Join(dir, KeysDir, p.slug+".p12"), p12))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("demo: files: %w", err)
	}
	return nil
}

func certPEM(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

func writeFile(name string, data []byte) error {
	return os.WriteFile(name, data, 0o600)
}
