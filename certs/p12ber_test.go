package certs

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"hash"
	"os/exec"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
	"software.sslmate.com/src/go-pkcs12"

	"siegel/crypto/ber"
	"siegel/crypto/testpki"
)

func TestRC2Vectors(t *testing.T) {
	// RFC 2268 section 5.
	tests := []struct {
		key, plain, cipher string
		bits               int
	}{
		{"0000000000000000", "0000000000000000", "ebb773f993278eff", 63},
		{"ffffffffffffffff", "ffffffffffffffff", "278b27e42e2f0d49", 64},
		{"3000000000000000", "1000000000000001", "30649edf9be7d2c2", 64},
		{"88", "0000000000000000", "61a8a244adacccf0", 64},
		{"88bca90e90875a", "0000000000000000", "6ccf4308974c267f", 64},
		{"88bca90e90875a7f0f79c384627bafb2", "0000000000000000", "1a807d272bbe5db1", 64},
		{"88bca90e90875a7f0f79c384627bafb2", "0000000000000000", "2269552ab0f85ca6", 128},
		{"88bca90e90875a7f0f79c384627bafb216f80a6f85920584c42fceb0be255daf1e", "0000000000000000", "5b78d3a43dfff1f1", 129},
	}
	for _, tc := range tests {
		key, _ := hex.DecodeString(tc.key)
		ct, _ := hex.DecodeString(tc.cipher)
		got := make([]byte, 8)
		newRC2(key, tc.bits).Decrypt(got, ct)
		if hex.EncodeToString(got) != tc.plain {
			t.Errorf("RC2 key %s/%d decrypts %s to %x, want %s", tc.key, tc.bits, tc.cipher, got, tc.plain)
		}
	}
}

// berify re-encodes DER the way NSS writes PKCS#12: indefinite lengths,
// OCTET STRINGs in chunks, and the encrypted content of an
// EncryptedContentInfo as a constructed [0].
func berify(t *testing.T, der []byte) []byte {
	t.Helper()
	out, err := appendBER(nil, der, false)
	if err != nil {
		t.Fatalf("berify: %v", err)
	}
	return out
}

// appendBER appends the BER form of the one DER element der.
func appendBER(out, der []byte, encryptedContent bool) ([]byte, error) {
	s := cryptobyte.String(der)
	var content cryptobyte.String
	var tag cbasn1.Tag
	if !s.ReadAnyASN1(&content, &tag) || !s.Empty() {
		return nil, errors.New("not one DER element")
	}
	tlv := func(out []byte, id byte, body []byte) []byte {
		return append(ber.AppendLength(append(out, id), len(body)), body...)
	}
	chunks := func(b []byte) []byte {
		half := len(b) / 2
		return tlv(tlv(nil, 0x04, b[:half]), 0x04, b[half:])
	}
	indefinite := func(id byte, body []byte) []byte {
		out = append(out, id|0x20, 0x80)
		out = append(out, body...)
		return append(out, 0, 0)
	}
	switch {
	case encryptedContent && tag&0x20 == 0:
		return indefinite(byte(tag), chunks(content)), nil
	case tag == cbasn1.OCTET_STRING && len(content) > 8:
		return indefinite(byte(tag), chunks(content)), nil
	case tag&0x20 == 0:
		return append(out, der...), nil
	}
	var children [][]byte
	for c := content; !c.Empty(); {
		var el cryptobyte.String
		var t cbasn1.Tag
		if !c.ReadAnyASN1Element(&el, &t) {
			return nil, errors.New("bad child element")
		}
		children = append(children, el)
	}
	var body []byte
	for i, c := range children {
		enc := tag == cbasn1.SEQUENCE && i == 2 && c[0] == 0x80 &&
			children[0][0] == 0x06 && children[1][0] == 0x30
		var err error
		if body, err = appendBER(body, c, enc); err != nil {
			return nil, err
		}
	}
	return indefinite(byte(tag), body), nil
}

// toBERP12 turns a DER PKCS#12 file into the BER NSS would write, safe
// contents in plain data parts included, and computes a new MAC over the
// re-encoded content with passphrase.
func toBERP12(t *testing.T, der []byte, passphrase string, newHash func() hash.Hash, macOID asn1.ObjectIdentifier) []byte {
	t.Helper()
	var pfx p12PFX
	if _, err := asn1.Unmarshal(der, &pfx); err != nil {
		t.Fatal(err)
	}
	var authSafe []byte
	if _, err := asn1.Unmarshal(pfx.AuthSafe.Content.Bytes, &authSafe); err != nil {
		t.Fatal(err)
	}
	var infos []p12ContentInfo
	if _, err := asn1.Unmarshal(authSafe, &infos); err != nil {
		t.Fatal(err)
	}
	var parts []byte
	for _, ci := range infos {
		oid, _ := asn1.Marshal(ci.ContentType)
		var inner []byte
		if ci.ContentType.Equal(oidData) {
			var bags []byte
			if _, err := asn1.Unmarshal(ci.Content.Bytes, &bags); err != nil {
				t.Fatal(err)
			}
			octets, _ := asn1.Marshal(berify(t, bags))
			inner = berify(t, octets)
		} else {
			inner = berify(t, ci.Content.Bytes)
		}
		explicit := append(append([]byte{0xa0, 0x80}, inner...), 0, 0)
		parts = append(parts, append(append(append([]byte{0x30, 0x80}, oid...), explicit...), 0, 0)...)
	}
	newAuthSafe := append(append([]byte{0x30, 0x80}, parts...), 0, 0)

	salt := make([]byte, 8)
	rand.Read(salt)
	key := pkcs12KDF(newHash, salt, bmpPassword([]byte(passphrase)), 2048, 3, newHash().Size())
	m := hmac.New(newHash, key)
	m.Write(newAuthSafe)
	var md p12MacData
	md.Mac.Algorithm = pkix.AlgorithmIdentifier{Algorithm: macOID, Parameters: asn1.NullRawValue}
	md.Mac.Digest = m.Sum(nil)
	md.MacSalt = salt
	md.Iterations = 2048
	macDER, err := asn1.Marshal(md)
	if err != nil {
		t.Fatal(err)
	}
	octets, _ := asn1.Marshal(newAuthSafe)
	dataOID, _ := asn1.Marshal(oidData)
	authSafeCI := append(append([]byte{0x30, 0x80}, dataOID...), 0xa0, 0x80)
	authSafeCI = append(append(authSafeCI, berify(t, octets)...), 0, 0, 0, 0)
	out := append([]byte{0x30, 0x80, 0x02, 0x01, 0x03}, authSafeCI...)
	out = append(out, macDER...)
	return append(out, 0, 0)
}

func TestDecodeP12BER(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatalf("the openssl command is needed: %v", err)
	}
	dir := t.TempDir()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	nina, err := testpki.New(testpki.Spec{CN: "Nina", Emails: []string{"nina@example.com"}, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	certDER := nina.Cert.Raw
	certFile, keyFile, err := nina.WriteFiles(dir, "nina", ".pem")
	if err != nil {
		t.Fatal(err)
	}
	const pw = "nss"
	p12 := func(extra ...string) []byte {
		cmd := exec.Command("openssl", append([]string{"pkcs12", "-export", "-in", certFile, "-inkey", keyFile, "-passout", "pass:" + pw}, extra...)...)
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("openssl: %v", err)
		}
		return out
	}
	sha1OID := asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	sha256OID := asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	tests := []struct {
		name    string
		der     []byte
		newHash func() hash.Hash
		macOID  asn1.ObjectIdentifier
	}{
		{"AES-256 and SHA-256 MAC, as NSS writes today", p12(), sha256.New, sha256OID},
		{"RC2-40 certificates and 3DES key (legacy)", p12("-legacy"), sha1.New, sha1OID},
		{"3DES", p12("-certpbe", "PBE-SHA1-3DES", "-keypbe", "PBE-SHA1-3DES"), sha1.New, sha1OID},
		{"key and certificate unencrypted", p12("-certpbe", "NONE", "-keypbe", "NONE"), sha256.New, sha256OID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ber := toBERP12(t, tc.der, pw, tc.newHash, tc.macOID)
			if _, _, _, err := pkcs12.DecodeChain(ber, pw); err == nil {
				t.Fatalf("go-pkcs12 reads the BER file; the test does not exercise the BER reader")
			}
			keys, certs, err := decodeP12(ber, []byte(pw))
			if err != nil {
				t.Fatalf("decodeP12(BER) = %v", err)
			}
			if len(certs) != 1 || !bytes.Equal(certs[0].Raw, certDER) || len(keys) != 1 || !key.Equal(keys[0]) {
				t.Errorf("decodeP12(BER) found %d certificates and %d keys, want Nina's certificate and key", len(certs), len(keys))
			}
			if _, _, err := decodeP12(ber, []byte("wrong")); !errors.Is(err, ErrWrongPassphrase) {
				t.Errorf("decodeP12(BER, wrong passphrase) = %v, want ErrWrongPassphrase", err)
			}
			if _, _, err := decodeP12(ber, nil); !errors.Is(err, ErrPassphraseRequired) {
				t.Errorf("decodeP12(BER, no passphrase) = %v, want ErrPassphraseRequired", err)
			}
			if _, _, err := decodeP12(ber[:len(ber)-200], []byte(pw)); !errors.Is(err, ErrMalformed) {
				t.Errorf("decodeP12(truncated BER) = %v, want ErrMalformed", err)
			}
		})
	}
}

// TestPBMAC1 checks the BER reader's PBMAC1 (RFC 9579) MAC against
// go-pkcs12's Modern2026 encoder, the one implementation at hand that
// writes it.
func TestPBMAC1(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pia, err := testpki.New(testpki.Spec{CN: "Pia", Emails: []string{"pia@example.com"}, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	cert := pia.Cert
	der, err := pkcs12.Modern2026.Encode(key, cert, nil, "pw")
	if err != nil {
		t.Fatal(err)
	}
	var pfx p12PFX
	if _, err := asn1.Unmarshal(der, &pfx); err != nil {
		t.Fatal(err)
	}
	if !pfx.MacData.Mac.Algorithm.Algorithm.Equal(oidPBMAC1) {
		t.Fatalf("Modern2026 MAC is %s, not PBMAC1", pfx.MacData.Mac.Algorithm.Algorithm)
	}
	var authSafe []byte
	if _, err := asn1.Unmarshal(pfx.AuthSafe.Content.Bytes, &authSafe); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		pw   string
		want bool
	}{{"pw", true}, {"wrong", false}, {"", false}} {
		if ok, err := p12MACMatches(pfx.MacData, authSafe, []byte(tc.pw)); ok != tc.want || err != nil {
			t.Errorf("p12MACMatches(%q) = %v, %v; want %v", tc.pw, ok, err, tc.want)
		}
	}
	keys, certs, err := decodeP12BER(der, []byte("pw"))
	if err != nil || len(keys) != 1 || len(certs) != 1 || !certs[0].Equal(cert) {
		t.Errorf("decodeP12BER(Modern2026) = %d keys, %d certificates, %v; want Pia's", len(keys), len(certs), err)
	}
}
