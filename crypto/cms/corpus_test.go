package cms

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"siegel/crypto/certinfo"
)

// The Thunderbird S/MIME corpus (see its README): real CMS from NSS and
// OpenSSL, with BER indefinite lengths, ECDH and OAEP variants.
const thunderbirdDir = "../../../shared/interop/thunderbird"

func thunderbird(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(thunderbirdDir)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("Thunderbird corpus not present: %v", err)
	}
	return dir
}

// corpusKey is one identity of the corpus's P12 files.
type corpusKey struct {
	name string
	cert *x509.Certificate
	key  crypto.PrivateKey
}

func corpusKeys(t *testing.T, dir string) []corpusKey {
	t.Helper()
	needOpenSSL(t)
	var keys []corpusKey
	for _, f := range []string{"smime/Alice.p12", "smime/Bob.p12", "smime/Dave.p12", "smime/Eve.p12",
		"smime/Alice-ec.p12", "smime-interop/Fran.p12", "smime-interop/Fran-ec.p12"} {
		// NSS writes its P12 files in BER, also inside the encrypted
		// bags, which go-pkcs12 cannot read; the openssl command can.
		path := filepath.Join(dir, f)
		keyPEM := openssl(t, nil, "pkcs12", "-in", path, "-passin", "pass:nss", "-nodes", "-nocerts")
		certPEM := openssl(t, nil, "pkcs12", "-in", path, "-passin", "pass:nss", "-nokeys", "-clcerts")
		kb, _ := pem.Decode(keyPEM)
		cb, _ := pem.Decode(certPEM)
		if kb == nil || cb == nil {
			t.Fatalf("%s: no key or certificate", f)
		}
		key, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		cert, err := x509.ParseCertificate(cb.Bytes)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		name := strings.ToLower(strings.TrimSuffix(filepath.Base(f), ".p12"))
		keys = append(keys, corpusKey{name, cert, key})
	}
	return keys
}

func corpusLookup(keys []corpusKey) KeyLookup {
	return func(_ context.Context, id CertID) (*x509.Certificate, crypto.PrivateKey, error) {
		for _, k := range keys {
			if id.Matches(k.cert) {
				return k.cert, k.key, nil
			}
		}
		return nil, nil, nil
	}
}

// corpusLayer is what the CMS layer found in one S/MIME layer.
type corpusLayer struct {
	signed  bool
	errs    []error  // per signer: Verify's result
	signers []string // per signer: e-mail of the certificate found
	opener  string   // enveloped: whose key opened it
	err     error    // enveloped: Decrypt's error
}

// walkLayers unwraps the S/MIME layers of a MIME entity the way DESIGN §3
// describes, with the CMS work done by this package, and returns the
// layers and the innermost entity.
func walkLayers(t *testing.T, entity []byte, keys []corpusKey, depth int) ([]corpusLayer, []byte) {
	t.Helper()
	if depth > 8 {
		t.Fatalf("more than 8 layers")
	}
	msg, err := mail.ReadMessage(bytes.NewReader(entity))
	if err != nil {
		return nil, entity // a bare text, as in the interop messages
	}
	body, err := io.ReadAll(msg.Body)
	if err != nil {
		t.Fatal(err)
	}
	mediaType, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	switch mediaType {
	case "multipart/signed":
		first, second, err := splitSigned(body, params["boundary"])
		if err != nil {
			t.Fatalf("multipart/signed: %v", err)
		}
		if !strings.Contains(params["protocol"], "pkcs7-signature") {
			layers, inner := walkLayers(t, first, keys, depth+1)
			return layers, inner
		}
		sigMsg, err := mail.ReadMessage(bytes.NewReader(second))
		if err != nil {
			t.Fatalf("signature part: %v", err)
		}
		der := decodeBase64(t, sigMsg.Body)
		l := verifyLayer(t, der, canonicalCRLF(first))
		layers, inner := walkLayers(t, first, keys, depth+1)
		return append([]corpusLayer{l}, layers...), inner
	case "application/pkcs7-mime", "application/x-pkcs7-mime":
		der := decodeBase64(t, bytes.NewReader(body))
		ct, err := ContentType(der)
		if err != nil {
			t.Fatalf("ContentType: %v", err)
		}
		if ct.Equal(OIDSignedData) {
			sd, err := ParseSignedData(der)
			if err != nil {
				t.Fatalf("ParseSignedData: %v", err)
			}
			l := verifyLayer(t, der, sd.Content)
			layers, inner := walkLayers(t, sd.Content, keys, depth+1)
			return append([]corpusLayer{l}, layers...), inner
		}
		env, err := ParseEnvelope(der)
		if err != nil {
			t.Fatalf("ParseEnvelope: %v", err)
		}
		dec, err := env.Decrypt(context.Background(), corpusLookup(keys))
		l := corpusLayer{err: err}
		if err != nil {
			return []corpusLayer{l}, nil
		}
		for _, k := range keys {
			if k.cert == dec.Recipient {
				l.opener = k.name
			}
		}
		layers, inner := walkLayers(t, dec.Content, keys, depth+1)
		return append([]corpusLayer{l}, layers...), inner
	}
	return nil, entity
}

// verifyLayer verifies every signer of a SignedData with the certificate
// it carries.
func verifyLayer(t *testing.T, der, content []byte) corpusLayer {
	t.Helper()
	sd, err := ParseSignedData(der)
	if err != nil {
		t.Fatalf("ParseSignedData: %v", err)
	}
	l := corpusLayer{signed: true}
	for i, si := range sd.Signers {
		var cert *x509.Certificate
		for _, c := range sd.Certificates {
			if si.ID.Matches(c) {
				cert = c
			}
		}
		if cert == nil {
			l.errs = append(l.errs, fmt.Errorf("certificate %s not in the message", si.ID))
			l.signers = append(l.signers, "?")
			continue
		}
		l.errs = append(l.errs, sd.Verify(i, content, cert))
		emails := certinfo.Emails(cert)
		l.signers = append(l.signers, strings.ToLower(strings.Join(emails, "+")))
	}
	return l
}

// splitSigned returns the two parts of a multipart/signed body exactly as
// they stand (the first one is what was signed).
func splitSigned(body []byte, boundary string) (first, second []byte, err error) {
	if boundary == "" {
		return nil, nil, errors.New("no boundary")
	}
	var parts [][]byte
	delim := []byte("--" + boundary)
	lines := bytes.SplitAfter(body, []byte("\n"))
	start := -1
	offset := 0
	for _, line := range lines {
		trimmed := bytes.TrimRight(line, " \t\r\n")
		if bytes.HasPrefix(trimmed, delim) && (len(trimmed) == len(delim) || bytes.Equal(trimmed[len(delim):], []byte("--"))) {
			if start >= 0 {
				end := offset
				// The line break before the delimiter belongs to it.
				if end > start && body[end-1] == '\n' {
					end--
					if end > start && body[end-1] == '\r' {
						end--
					}
				}
				parts = append(parts, body[start:end])
			}
			start = offset + len(line)
		}
		offset += len(line)
	}
	if len(parts) < 2 {
		return nil, nil, fmt.Errorf("%d parts", len(parts))
	}
	return parts[0], parts[1], nil
}

func canonicalCRLF(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
}

func decodeBase64(t *testing.T, r io.Reader) []byte {
	t.Helper()
	raw, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	clean := bytes.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, raw)
	der, err := base64.StdEncoding.DecodeString(string(clean))
	if err != nil {
		t.Fatalf("base64: %v", err)
	}
	return der
}

// TestThunderbirdCorpus runs every message of EXPECTED.tsv through the CMS
// layer and compares what this layer decides: which key opens each
// envelope, whether every signature is cryptographically intact (digest
// and signature value), who signed, and the innermost text. Trust,
// validity, addresses and digest strength are package smime's business.
func TestThunderbirdCorpus(t *testing.T) {
	dir := thunderbird(t)
	keys := corpusKeys(t, dir)
	table, err := os.ReadFile(filepath.Join(dir, "EXPECTED.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSpace(string(table)), "\n")[1:]
	if len(rows) != 88 {
		t.Errorf("EXPECTED.tsv has %d rows, want 88", len(rows))
	}
	for _, row := range rows {
		f := strings.Split(row, "\t")
		file, layersCol, encrypted, decryptKey, signature, signer, text := f[0], f[1], f[2], f[3], f[4], f[5], f[7]
		t.Run(file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, file))
			if err != nil {
				t.Fatal(err)
			}
			layers, inner := walkLayers(t, data, keys, 0)

			var openers, signers []string
			var noKey, intact, broken int
			for _, l := range layers {
				switch {
				case l.signed:
					signers = append(signers, l.signers...)
					for _, err := range l.errs {
						switch {
						case err == nil:
							intact++
						case errors.Is(err, ErrDigestMismatch), errors.Is(err, ErrBadSignature):
							broken++
						default:
							t.Errorf("signature layer: unexpected error %v", err)
						}
					}
				case l.err == nil:
					openers = append(openers, l.opener)
				case errors.Is(l.err, ErrNoKey):
					noKey++
				default:
					t.Errorf("enveloped layer: %v", l.err)
				}
			}
			switch {
			case decryptKey != "-":
				if len(openers) != 1 || openers[0] != decryptKey {
					t.Errorf("opened by %v, want %s", openers, decryptKey)
				}
			case encrypted == "yes":
				if noKey == 0 {
					t.Errorf("got no ErrNoKey layer, want one (layers %s)", layersCol)
				}
			default:
				if len(openers) != 0 || noKey != 0 {
					t.Errorf("got envelopes opened by %v and %d without key, want none", openers, noKey)
				}
			}
			switch signature {
			case "none":
				if intact+broken != 0 {
					t.Errorf("got %d signatures, want none", intact+broken)
				}
			case "tampered":
				if broken == 0 {
					t.Errorf("all %d signatures intact, want a digest or signature failure", intact)
				}
			default: // valid, weak, sender-mismatch, date-mismatch, untrusted: intact
				if broken != 0 || intact == 0 {
					t.Errorf("got %d intact and %d broken signatures, want all intact", intact, broken)
				}
			}
			if signer != "-" && broken == 0 {
				if got := strings.Join(signers, ","); got != signer {
					t.Errorf("signers: got %s, want %s", got, signer)
				}
			}
			if text != "-" && inner != nil && !containsText(t, inner, text) {
				t.Errorf("innermost content lacks %q", text)
			}
		})
	}
}

// containsText looks for text in an entity, decoding a base64 or
// quoted-printable body.
func containsText(t *testing.T, entity []byte, text string) bool {
	if bytes.Contains(entity, []byte(text)) {
		return true
	}
	msg, err := mail.ReadMessage(bytes.NewReader(entity))
	if err != nil {
		return false
	}
	body, _ := io.ReadAll(msg.Body)
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "base64") {
		body = decodeBase64(t, bytes.NewReader(body))
	}
	return bytes.Contains(body, []byte(text))
}

// TestThunderbirdRaw runs the raw CMS files of RAW.tsv (an earlier key
// generation: no key opens the envelopes) through the CMS layer.
func TestThunderbirdRaw(t *testing.T) {
	dir := thunderbird(t)
	keys := corpusKeys(t, dir)
	table, err := os.ReadFile(filepath.Join(dir, "RAW.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSpace(string(table)), "\n")[1:]
	if len(rows) != 31 {
		t.Errorf("RAW.tsv has %d rows, want 31", len(rows))
	}
	detached, err := os.ReadFile(filepath.Join(dir, "smime/alice.mime"))
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		f := strings.Split(row, "\t")
		file, format, kind, digest, text := f[0], f[1], f[2], f[3], f[7]
		t.Run(file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, file))
			if err != nil {
				t.Fatal(err)
			}
			var layers []corpusLayer
			var inner []byte
			switch {
			case kind == "none":
				return
			case format != "DER":
				layers, inner = walkLayers(t, data, keys, 0)
			case strings.HasPrefix(kind, "enveloped"):
				env, err := ParseEnvelope(data)
				if err != nil {
					t.Fatalf("ParseEnvelope: %v", err)
				}
				if _, err := env.Decrypt(context.Background(), corpusLookup(keys)); !errors.Is(err, ErrNoKey) {
					t.Errorf("Decrypt: got %v, want ErrNoKey", err)
				}
				return
			case strings.HasPrefix(kind, "signed-detached"):
				layers = []corpusLayer{verifyLayer(t, data, detached)}
			default:
				sd, err := ParseSignedData(data)
				if err != nil {
					t.Fatalf("ParseSignedData: %v", err)
				}
				layers, inner = []corpusLayer{verifyLayer(t, data, sd.Content)}, sd.Content
			}
			if len(layers) != 1 || !layers[0].signed || len(layers[0].errs) != 1 {
				t.Fatalf("got %d layers, want one signature", len(layers))
			}
			err = layers[0].errs[0]
			switch digest {
			case "ok":
				if err != nil {
					t.Errorf("Verify: %v", err)
				}
			case "mismatch":
				if !errors.Is(err, ErrDigestMismatch) {
					t.Errorf("Verify: got %v, want ErrDigestMismatch", err)
				}
			}
			if text != "-" && inner != nil && !containsText(t, inner, text) {
				t.Errorf("content lacks %q", text)
			}
		})
	}
}
