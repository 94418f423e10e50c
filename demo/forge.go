package demo

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// The seeded failures are made here, by hand, the way a broken mail client
// or an attacker would make them: the S/MIME engine never produces them.
// Each function works on a message as message.Build builds it (CRLF, 7-bit,
// short lines), so its Content-* fields and body are already the
// transport-safe entity a signature covers.

// splitMessage separates a message into its outer header (every field but
// MIME-Version and the Content-* fields, which stay outside any S/MIME
// layer) and its entity (the Content-* fields, a blank line and the body).
func splitMessage(raw []byte) (outer, entity []byte, err error) {
	end := bytes.Index(raw, []byte("\r\n\r\n"))
	if end < 0 {
		return nil, nil, errors.New("demo: message without a header")
	}
	head, body := raw[:end+2], raw[end+4:]
	var content []byte
	for len(head) > 0 {
		// A field runs to the first line end not followed by folding
		// white space.
		n := 0
		for {
			i := bytes.Index(head[n:], []byte("\r\n"))
			if i < 0 {
				n = len(head)
				break
			}
			n += i + 2
			if n >= len(head) || (head[n] != ' ' && head[n] != '\t') {
				break
			}
		}
		f := head[:n]
		head = head[n:]
		name, _, _ := strings.Cut(string(f), ":")
		name = strings.ToLower(strings.TrimSpace(name))
		switch {
		case name == "mime-version":
		case strings.HasPrefix(name, "content-"):
			content = append(content, f...)
		default:
			outer = append(outer, f...)
		}
	}
	entity = append(append(content, "\r\n"...), body...)
	return outer, entity, nil
}

// joinMessage puts an outer header in front of an entity.
func joinMessage(outer, entity []byte) []byte {
	out := append([]byte{}, outer...)
	out = append(out, "MIME-Version: 1.0\r\n"...)
	return append(out, entity...)
}

// multipartSigned makes a detached multipart/signed entity of entity and a
// signature over exactly its bytes.
func multipartSigned(entity, sig []byte, micalg string) []byte {
	var b [12]byte
	_, _ = rand.Read(b[:])
	boundary := "----demo-signed-" + hex.EncodeToString(b[:])
	var out bytes.Buffer
	fmt.Fprintf(&out, "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=%s;\r\n"+
		"\tboundary=\"%s\"\r\n\r\n"+
		"This is a cryptographically signed message in MIME format.\r\n\r\n--%s\r\n", micalg, boundary, boundary)
	out.Write(entity)
	fmt.Fprintf(&out, "\r\n--%s\r\n"+
		"Content-Type: application/pkcs7-signature; name=smime.p7s\r\n"+
		"Content-Transfer-Encoding: base64\r\n"+
		"Content-Disposition: attachment; filename=smime.p7s\r\n\r\n", boundary)
	out.Write(base64Lines(sig))
	fmt.Fprintf(&out, "--%s--\r\n", boundary)
	return out.Bytes()
}

// pkcs7Mime wraps a CMS EnvelopedData (or, auth, AuthEnvelopedData)
// as an application/pkcs7-mime entity.
func pkcs7Mime(der []byte, auth bool) []byte {
	typ := "enveloped-data"
	if auth {
		typ = "authEnveloped-data"
	}
	head := "Content-Type: application/pkcs7-mime; smime-type=" + typ + "; name=smime.p7m\r\n" +
		"Content-Transfer-Encoding: base64\r\n" +
		"Content-Disposition: attachment; filename=smime.p7m\r\n\r\n"
	return append([]byte(head), base64Lines(der)...)
}

// base64Lines encodes b in lines of 76 characters, each ending in CRLF.
func base64Lines(b []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(b)
	out := make([]byte, 0, len(enc)+len(enc)/76*2+2)
	for len(enc) > 76 {
		out = append(out, enc[:76]...)
		out = append(out, "\r\n"...)
		enc = enc[76:]
	}
	out = append(out, enc...)
	return append(out, "\r\n"...)
}

// stripCertificates removes the certificates from a SignedData
// ContentInfo, as a mail client does that sends signatures without its
// certificate: the recipient must have it already.
func stripCertificates(der []byte) ([]byte, error) {
	in := cryptobyte.String(der)
	var ci, explicit, sd cryptobyte.String
	var oid cryptobyte.String
	if !in.ReadASN1(&ci, cbasn1.SEQUENCE) || !ci.ReadASN1Element(&oid, cbasn1.OBJECT_IDENTIFIER) ||
		!ci.ReadASN1(&explicit, cbasn1.Tag(0).ContextSpecific().Constructed()) || !explicit.ReadASN1(&sd, cbasn1.SEQUENCE) {
		return nil, errors.New("demo: not a SignedData")
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(oid)
		b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				for !sd.Empty() {
					var el cryptobyte.String
					var tag cbasn1.Tag
					if !sd.ReadAnyASN1Element(&el, &tag) {
						b.SetError(errors.New("demo: malformed SignedData"))
						return
					}
					if tag == cbasn1.Tag(0).ContextSpecific().Constructed() {
						continue // certificates [0] IMPLICIT
					}
					b.AddBytes(el)
				}
			})
		})
	})
	return b.Bytes()
}

// signSHA1 makes a detached signature with SHA-1, as old mail clients and
// appliances still do. Package cms refuses to sign with SHA-1 (and must),
// so the SignedData (RFC 5652 §5) is written here by hand: one signer by
// issuer and serial, signed attributes contentType, signingTime (now) and
// messageDigest, RSA PKCS #1 v1.5 or ECDSA over SHA-1.
func signSHA1(entity []byte, id *Identity, chain []*x509.Certificate) ([]byte, error) {
	var sigAlg asn1.ObjectIdentifier
	switch id.Key.Public().(type) {
	case *rsa.PublicKey:
		sigAlg = oidRSAEncryption
	case *ecdsa.PublicKey:
		sigAlg = oidECDSAWithSHA1
	default:
		return nil, fmt.Errorf("demo: no SHA-1 signature for a %T key", id.Key.Public())
	}
	digest := sha1.Sum(entity)
	attrs := [][]byte{
		attribute(oidContentType, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidData) }),
		attribute(oidSigningTime, func(b *cryptobyte.Builder) { b.AddASN1UTCTime(time.Now().UTC().Truncate(time.Second)) }),
		attribute(oidMessageDigest, func(b *cryptobyte.Builder) { b.AddASN1OctetString(digest[:]) }),
	}
	slices.SortFunc(attrs, bytes.Compare) // DER: a SET OF in the order of its encodings
	signedAttrs := cryptobyte.NewBuilder(nil)
	signedAttrs.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
		for _, a := range attrs {
			b.AddBytes(a)
		}
	})
	toSign, err := signedAttrs.Bytes()
	if err != nil {
		return nil, err
	}
	h := sha1.Sum(toSign)
	sig, err := id.Key.Sign(rand.Reader, h[:], crypto.SHA1)
	if err != nil {
		return nil, fmt.Errorf("demo: sign: %w", err)
	}
	algID := func(b *cryptobyte.Builder, oid asn1.ObjectIdentifier, null bool) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oid)
			if null {
				b.AddASN1NULL()
			}
		})
	}
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ContentInfo
		b.AddASN1ObjectIdentifier(oidSignedData)
		b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SignedData
				b.AddASN1Int64(1)
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { algID(b, oidSHA1, true) })
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidData) })
				b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
					b.AddBytes(id.Cert.Raw)
					for _, c := range chain {
						b.AddBytes(c.Raw)
					}
				})
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SignerInfo
						b.AddASN1Int64(1)
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddBytes(id.Cert.RawIssuer)
							b.AddASN1BigInt(id.Cert.SerialNumber)
						})
						algID(b, oidSHA1, true)
						b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
							for _, a := range attrs {
								b.AddBytes(a)
							}
						})
						algID(b, sigAlg, sigAlg.Equal(oidRSAEncryption))
						b.AddASN1OctetString(sig)
					})
				})
			})
		})
	})
	return b.Bytes()
}

// attribute is one CMS Attribute with one value.
func attribute(oid asn1.ObjectIdentifier, value func(*cryptobyte.Builder)) []byte {
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		b.AddASN1(cbasn1.SET, value)
	})
	return b.BytesOrPanic() // fixed shapes: never fails
}

var (
	oidData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningTime   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidSHA1          = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidECDSAWithSHA1 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}
)
