package certs

import (
	"bytes"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"siegel/crypto/certinfo"
	"siegel/crypto/cms"
)

// Bundle is what Parse found in one input: certificates and private keys,
// each once, end-entity certificates before CA certificates, otherwise in
// the order they appear. Nothing in it has been checked
// against the S/MIME rules or the store yet; Add does that.
type Bundle struct {
	Name  string              // the file name given to Parse, for messages
	Certs []*x509.Certificate // end-entity and CA certificates
	Keys  []crypto.Signer     // *rsa.PrivateKey or *ecdsa.PrivateKey
}

// Summaries describes the bundle's certificates for an import preview;
// HasKey is set when the bundle holds the matching private key.
func (b *Bundle) Summaries() []Summary {
	out := make([]Summary, len(b.Certs))
	for i, c := range b.Certs {
		out[i] = Describe(c)
		id := publicKeyID(c.PublicKey)
		for _, k := range b.Keys {
			if id != "" && publicKeyID(k.Public()) == id {
				out[i].HasKey = true
			}
		}
	}
	return out
}

// Parse reads certificates and private keys from data, the content of a
// file or pasted text. It detects the format by content — PEM (any number
// of CERTIFICATE, TRUSTED CERTIFICATE, PKCS7, PRIVATE KEY, RSA PRIVATE KEY,
// EC PRIVATE KEY and ENCRYPTED PRIVATE KEY blocks, legacy-encrypted ones
// included), DER certificates, DER private keys, PKCS#7 certificate
// bundles, PKCS#12, and base64 without PEM lines. The file name is only a
// hint: a damaged file called .p12 or .pfx is reported as ErrMalformed
// rather than ErrNothingFound.
//
// passphrase opens encrypted PKCS#12 files and keys; nil or empty tries the
// empty passphrase. Parse touches no store. It returns ErrNothingFound,
// ErrMalformed (also wrapping ErrTooDeep for absurdly nested input),
// ErrPassphraseRequired, ErrWrongPassphrase, ErrUnsupportedEncryption,
// ErrUnsupportedKey or, for data beyond MaxImportSize, ErrTooLarge
// (wrapped, with details). A single bad part fails the whole input.
func Parse(data []byte, filename string, passphrase []byte) (*Bundle, error) {
	if len(data) > MaxImportSize {
		// Pasted text and Store.Import come here without ReadImport.
		return nil, tooLarge()
	}
	p := &parser{
		b:    &Bundle{Name: filename},
		pw:   passphrase,
		hint: strings.ToLower(filepath.Ext(filename)),
		seen: map[string]bool{},
	}
	if err := p.parse(data, true); err != nil {
		return nil, err
	}
	if len(p.b.Certs) == 0 && len(p.b.Keys) == 0 {
		return nil, ErrNothingFound
	}
	// Identities first, then the CAs, whatever the order in the file.
	slices.SortStableFunc(p.b.Certs, func(a, b *x509.Certificate) int {
		switch {
		case a.IsCA == b.IsCA:
			return 0
		case b.IsCA:
			return -1
		default:
			return 1
		}
	})
	return p.b, nil
}

type parser struct {
	b    *Bundle
	pw   []byte
	hint string
	seen map[string]bool // fingerprints and key ids already in b
}

func (p *parser) parse(data []byte, top bool) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if bytes.Contains(data, []byte("-----BEGIN ")) {
		return p.parsePEM(data)
	}
	switch sniffDER(data) {
	case derP12:
		return p.parseP12(data)
	case derCert:
		certs, err := x509.ParseCertificates(data)
		if err != nil {
			return certError(data, err)
		}
		for _, c := range certs {
			p.addCert(c)
		}
		return nil
	case derPKCS7:
		return p.parsePKCS7(data)
	case derPKCS8:
		return p.addKey(parsePKCS8(data))
	case derEncPKCS8:
		return p.addKey(p.decryptPKCS8(data))
	case derPKCS1:
		return p.addKey(parsePKCS1(data))
	case derSEC1:
		return p.addKey(parseSEC1(data))
	}
	if top {
		if der, ok := bareBase64(data); ok {
			return p.parse(der, false)
		}
	}
	if p.hint == ".p12" || p.hint == ".pfx" {
		return fmt.Errorf("%w: not a readable PKCS#12 file", ErrMalformed)
	}
	return nil
}

func (p *parser) parsePEM(data []byte) error {
	blocks := 0
	for rest := data; ; {
		blk, r := pem.Decode(rest)
		if blk == nil {
			break
		}
		rest = r
		blocks++
		if err := p.parseBlock(blk); err != nil {
			return err
		}
	}
	// pem.Decode skips blocks it cannot read (no END line, bad base64);
	// a skipped block means the input was cut off or damaged.
	begins := bytes.Count(data, []byte("\n-----BEGIN "))
	if bytes.HasPrefix(data, []byte("-----BEGIN ")) {
		begins++
	}
	if begins > blocks {
		return fmt.Errorf("%w: a PEM block is cut off or damaged", ErrMalformed)
	}
	return nil
}

func (p *parser) parseBlock(blk *pem.Block) error {
	switch blk.Type {
	case "CERTIFICATE", "X509 CERTIFICATE":
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return certError(blk.Bytes, err)
		}
		p.addCert(c)
	case "TRUSTED CERTIFICATE":
		// OpenSSL's form: the certificate, then its trust settings.
		var first asn1.RawValue
		if _, err := asn1.Unmarshal(blk.Bytes, &first); err != nil {
			return fmt.Errorf("%w: trusted certificate: %v", ErrMalformed, err)
		}
		c, err := x509.ParseCertificate(first.FullBytes)
		if err != nil {
			return certError(first.FullBytes, err)
		}
		p.addCert(c)
	case "PKCS7", "CMS":
		return p.parsePKCS7(blk.Bytes)
	case "PRIVATE KEY":
		return p.addKey(parsePKCS8(blk.Bytes))
	case "ENCRYPTED PRIVATE KEY":
		return p.addKey(p.decryptPKCS8(blk.Bytes))
	case "RSA PRIVATE KEY", "EC PRIVATE KEY":
		der := blk.Bytes
		if x509.IsEncryptedPEMBlock(blk) { // deprecated as a way to protect keys, still a format to read
			var err error
			if der, err = p.decryptLegacyPEM(blk); err != nil {
				return err
			}
		}
		if blk.Type == "RSA PRIVATE KEY" {
			return p.addKey(parsePKCS1(der))
		}
		return p.addKey(parseSEC1(der))
	case "DSA PRIVATE KEY":
		return fmt.Errorf("%w: DSA", ErrUnsupportedKey)
	case "OPENSSH PRIVATE KEY":
		return fmt.Errorf("%w: OpenSSH key format (convert it to PKCS#8 first)", ErrUnsupportedKey)
	}
	// Public keys, requests, CRLs and parameters are not for the store.
	return nil
}

func (p *parser) parseP12(der []byte) error {
	keys, certs, err := decodeP12(der, p.pw)
	if err != nil {
		return err
	}
	for _, c := range certs {
		p.addCert(c)
	}
	for _, k := range keys {
		if err := p.addKey(k, nil); err != nil {
			return err
		}
	}
	return nil
}

// parsePKCS7 reads the certificates of a PKCS#7 bundle (.p7b, .p7c, a
// PEM PKCS7 block, a .p7s signature) with package cms, whose BER
// conversion is bounded: these files come from anywhere, and an unbounded
// reader dies of a stack overflow on deeply nested input.
func (p *parser) parsePKCS7(der []byte) error {
	if oid, err := cms.ContentType(der); err == nil && !oid.Equal(cms.OIDSignedData) {
		return nil // enveloped or other content: nothing for the store
	}
	raws, err := cms.Certificates(der)
	if err != nil {
		return derError("PKCS#7", err)
	}
	for _, raw := range raws {
		c, err := x509.ParseCertificate(raw)
		if err != nil {
			return certError(raw, err)
		}
		p.addCert(c)
	}
	return nil
}

// decryptPKCS8 opens an encrypted PKCS#8 key with the passphrase, or the
// empty one when none was given.
func (p *parser) decryptPKCS8(der []byte) (any, error) {
	plain, err := decryptPKCS8(der, p.pw)
	if err != nil && !errors.Is(err, errBadPadding) {
		return nil, err
	}
	if err == nil {
		if key, perr := parsePKCS8(plain); perr == nil || errors.Is(perr, ErrUnsupportedKey) {
			return key, perr
		}
	}
	return nil, p.passphraseError()
}

func (p *parser) decryptLegacyPEM(blk *pem.Block) ([]byte, error) {
	der, err := x509.DecryptPEMBlock(blk, p.pw)
	switch {
	case err == nil:
		// A wrong passphrase passes the padding check now and then; the
		// key parser catches those.
		var perr error
		if blk.Type == "RSA PRIVATE KEY" {
			_, perr = x509.ParsePKCS1PrivateKey(der)
		} else {
			_, perr = x509.ParseECPrivateKey(der)
		}
		if perr != nil {
			return nil, p.passphraseError()
		}
		return der, nil
	case errors.Is(err, x509.IncorrectPasswordError):
		return nil, p.passphraseError()
	case strings.Contains(err.Error(), "unknown encryption mode"):
		cipher, _, _ := strings.Cut(blk.Headers["DEK-Info"], ",")
		return nil, fmt.Errorf("%w: %s", ErrUnsupportedEncryption, cipher)
	default:
		return nil, fmt.Errorf("%w: encrypted PEM key: %v", ErrMalformed, err)
	}
}

func (p *parser) passphraseError() error {
	if len(p.pw) == 0 {
		return ErrPassphraseRequired
	}
	return ErrWrongPassphrase
}

func (p *parser) addCert(c *x509.Certificate) {
	fp := certinfo.Fingerprint(c)
	if !p.seen[fp] {
		p.seen[fp] = true
		p.b.Certs = append(p.b.Certs, c)
	}
}

// addKey takes the result of a key parser.
func (p *parser) addKey(key any, err error) error {
	if err != nil {
		return err
	}
	s, err := signer(key)
	if err != nil {
		return err
	}
	id := "key:" + publicKeyID(s.Public())
	if !p.seen[id] {
		p.seen[id] = true
		p.b.Keys = append(p.b.Keys, s)
	}
	return nil
}

// signer accepts the key types Siegel can use for S/MIME.
func signer(key any) (crypto.Signer, error) {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return k, nil
	case *ecdsa.PrivateKey:
		return k, nil
	case ed25519.PrivateKey:
		return nil, fmt.Errorf("%w: Ed25519", ErrUnsupportedKey)
	case *ecdh.PrivateKey:
		return nil, fmt.Errorf("%w: %s key agreement key", ErrUnsupportedKey, k.Curve())
	default:
		return nil, fmt.Errorf("%w: %T", ErrUnsupportedKey, key)
	}
}

func parsePKCS1(der []byte) (any, error) {
	k, err := x509.ParsePKCS1PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("%w: RSA private key: %v", ErrMalformed, err)
	}
	return k, nil
}

func parseSEC1(der []byte) (any, error) {
	k, err := x509.ParseECPrivateKey(der)
	if err != nil {
		var ec struct {
			Version    int
			PrivateKey []byte
			Curve      asn1.ObjectIdentifier `asn1:"optional,explicit,tag:0"`
		}
		if _, uerr := asn1.Unmarshal(der, &ec); uerr == nil && len(ec.Curve) > 0 {
			if params, merr := asn1.Marshal(ec.Curve); merr == nil {
				if name, ok := keyAlgorithm(oidECKey, params); !ok {
					return nil, fmt.Errorf("%w: %s", ErrUnsupportedKey, name)
				}
			}
		}
		return nil, fmt.Errorf("%w: EC private key: %v", ErrMalformed, err)
	}
	return k, nil
}

// pkcs8Info is the outer PrivateKeyInfo, read to name the algorithm of a
// key crypto/x509 refuses.
type pkcs8Info struct {
	Version    int
	Algorithm  pkix.AlgorithmIdentifier
	PrivateKey []byte
}

func parsePKCS8(der []byte) (any, error) {
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err == nil {
		return k, nil
	}
	var info pkcs8Info
	if _, uerr := asn1.Unmarshal(der, &info); uerr == nil {
		if name, ok := keyAlgorithm(info.Algorithm.Algorithm, info.Algorithm.Parameters.FullBytes); !ok {
			return nil, fmt.Errorf("%w: %s", ErrUnsupportedKey, name)
		}
	}
	return nil, fmt.Errorf("%w: private key: %v", ErrMalformed, err)
}

// certError classifies a certificate crypto/x509 cannot parse: a public
// key of an unknown curve or algorithm is ErrUnsupportedKey, anything else
// ErrMalformed.
func certError(der []byte, err error) error {
	if oid, params, ok := certKeyAlgorithm(der); ok {
		if name, supported := keyAlgorithm(oid, params); !supported {
			return fmt.Errorf("%w: certificate key %s", ErrUnsupportedKey, name)
		}
	}
	return fmt.Errorf("%w: certificate: %v", ErrMalformed, err)
}

// certKeyAlgorithm reads the public key algorithm of a DER certificate.
func certKeyAlgorithm(der []byte) (oid asn1.ObjectIdentifier, params []byte, ok bool) {
	in := cryptobyte.String(der)
	var cert, tbs, spki, alg cryptobyte.String
	if !in.ReadASN1(&cert, cbasn1.SEQUENCE) || !cert.ReadASN1(&tbs, cbasn1.SEQUENCE) ||
		!tbs.SkipOptionalASN1(cbasn1.Tag(0).Constructed().ContextSpecific()) ||
		!tbs.SkipASN1(cbasn1.INTEGER) {
		return nil, nil, false
	}
	for range 4 { // signature algorithm, issuer, validity, subject
		if !tbs.SkipASN1(cbasn1.SEQUENCE) {
			return nil, nil, false
		}
	}
	if !tbs.ReadASN1(&spki, cbasn1.SEQUENCE) || !spki.ReadASN1(&alg, cbasn1.SEQUENCE) ||
		!alg.ReadASN1ObjectIdentifier(&oid) {
		return nil, nil, false
	}
	return oid, alg, true
}

var (
	oidRSA     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidECKey   = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidKeyName = map[string]string{
		"1.2.840.10040.4.1":     "DSA",
		"1.2.840.113549.1.1.10": "RSASSA-PSS",
		"1.3.101.110":           "X25519",
		"1.3.101.111":           "X448",
		"1.3.101.112":           "Ed25519",
		"1.3.101.113":           "Ed448",
		"1.2.840.10046.2.1":     "Diffie-Hellman",
	}
	curveNames = map[string]string{
		"1.3.132.0.33":        "P-224",
		"1.2.840.10045.3.1.7": "P-256",
		"1.3.132.0.34":        "P-384",
		"1.3.132.0.35":        "P-521",
	}
	otherCurves = map[string]string{
		"1.2.840.10045.3.1.1":   "P-192",
		"1.3.132.0.10":          "secp256k1",
		"1.3.36.3.3.2.8.1.1.7":  "brainpoolP256r1",
		"1.3.36.3.3.2.8.1.1.11": "brainpoolP384r1",
		"1.3.36.3.3.2.8.1.1.13": "brainpoolP512r1",
	}
)

// keyAlgorithm names a public key algorithm (with its parameters, for the
// EC curve) and says whether crypto/x509 can read it.
func keyAlgorithm(oid asn1.ObjectIdentifier, params []byte) (name string, supported bool) {
	switch {
	case oid.Equal(oidRSA):
		return "RSA", true
	case oid.Equal(oidECKey):
		var curve asn1.ObjectIdentifier
		if _, err := asn1.Unmarshal(params, &curve); err != nil {
			return "EC with explicit parameters", false
		}
		if n := curveNames[curve.String()]; n != "" {
			return "EC " + n, true
		}
		if n := otherCurves[curve.String()]; n != "" {
			return "EC " + n, false
		}
		return "EC curve " + curve.String(), false
	}
	if n := oidKeyName[oid.String()]; n != "" {
		return n, n == "Ed25519" || n == "X25519"
	}
	return "algorithm " + oid.String(), false
}

// publicKeyID identifies a public key independently of how a certificate
// or key file encodes it: the SHA-256 of its canonical SubjectPublicKeyInfo.
func publicKeyID(pub crypto.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return ""
	}
	return fingerprintOf(der)
}

// bareBase64 decodes pasted base64 without PEM lines.
func bareBase64(data []byte) ([]byte, bool) {
	s := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, string(data))
	if len(s) < 64 {
		return nil, false
	}
	der, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, false
	}
	return der, true
}
