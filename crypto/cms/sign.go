package cms

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"slices"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// SignOptions are the options of SignDetached; nil means all defaults.
type SignOptions struct {
	Hash        crypto.Hash // zero means SHA-256; SHA-384 and SHA-512 are accepted
	SigningTime time.Time   // zero means time.Now()
}

// SignDetached makes a detached SignedData (a DER ContentInfo) over content:
// digest SHA-256 (or opts.Hash), signed attributes contentType,
// signingTime, messageDigest and SMIMECapabilities (AES-256-GCM,
// AES-256-CBC, AES-128-CBC, RSAES-OAEP with SHA-256), the signer identified
// by issuer and serial, cert and chain included. key is RSA (PKCS #1 v1.5
// signature) or ECDSA and must belong to cert. Errors wrap ErrUnsupported
// for other keys or hashes.
//
// smallstep/pkcs7 signs too, but always with the current time, and copies
// the content into the structure even when it is detached afterwards.
func SignDetached(content []byte, cert *x509.Certificate, key crypto.Signer, chain []*x509.Certificate, opts *SignOptions) ([]byte, error) {
	if cert == nil || key == nil {
		return nil, fmt.Errorf("sign: no certificate or key")
	}
	hash := crypto.SHA256
	signingTime := time.Now()
	if opts != nil {
		if opts.Hash != 0 {
			hash = opts.Hash
		}
		if !opts.SigningTime.IsZero() {
			signingTime = opts.SigningTime
		}
	}
	hashOID, ok := digestOID(hash)
	if !ok {
		return nil, fmt.Errorf("%w: signing with %s", ErrUnsupported, hashName(hash))
	}
	type publicKey interface{ Equal(crypto.PublicKey) bool }
	if pub, ok := key.Public().(publicKey); !ok || !pub.Equal(cert.PublicKey) {
		return nil, fmt.Errorf("sign: the private key does not belong to the certificate %q", cert.Subject.CommonName)
	}
	var sigAlg asn1.ObjectIdentifier
	var sigNull bool
	switch key.Public().(type) {
	case *rsa.PublicKey:
		sigAlg, sigNull = oidRSAEncryption, true
	case *ecdsa.PublicKey:
		sigAlg = map[crypto.Hash]asn1.ObjectIdentifier{
			crypto.SHA256: oidECDSAWithSHA256, crypto.SHA384: oidECDSAWithSHA384, crypto.SHA512: oidECDSAWithSHA512,
		}[hash]
	default:
		return nil, fmt.Errorf("%w: signing with a %T key", ErrUnsupported, key.Public())
	}

	h := hash.New()
	h.Write(content)
	attrs := signedAttributes(h.Sum(nil), signingTime)
	h = hash.New()
	h.Write(attrs)
	signature, err := key.Sign(rand.Reader, h.Sum(nil), hash)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}

	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(OIDSignedData)
		b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1Int64(1)
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { addAlgorithm(b, hashOID, nil) })
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(OIDData) })
				b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
					b.AddBytes(cert.Raw)
					for _, c := range chain {
						if c != nil && !bytes.Equal(c.Raw, cert.Raw) {
							b.AddBytes(c.Raw)
						}
					}
				})
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1Int64(1)
						addIssuerAndSerial(b, cert)
						addAlgorithm(b, hashOID, nil)
						// The same bytes as signed, tagged [0] IMPLICIT.
						b.AddUint8(0xa0)
						b.AddBytes(attrs[1:])
						addAlgorithm(b, sigAlg, func(b *cryptobyte.Builder) {
							if sigNull {
								b.AddASN1NULL()
							}
						})
						b.AddASN1OctetString(signature)
					})
				})
			})
		})
	})
	return b.Bytes()
}

// signedAttributes returns the DER SET OF the signed attributes, sorted by
// their encoding as DER requires; the signature is made over this SET.
func signedAttributes(digest []byte, signingTime time.Time) []byte {
	attr := func(oid asn1.ObjectIdentifier, value func(*cryptobyte.Builder)) []byte {
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oid)
			b.AddASN1(cbasn1.SET, value)
		})
		return b.BytesOrPanic()
	}
	t := signingTime.UTC().Truncate(time.Second)
	list := [][]byte{
		attr(oidAttrContentType, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(OIDData) }),
		attr(oidAttrSigningTime, func(b *cryptobyte.Builder) {
			// RFC 5652 §11.3: UTCTime for 1950 to 2049.
			if y := t.Year(); y >= 1950 && y < 2050 {
				b.AddASN1UTCTime(t)
			} else {
				b.AddASN1GeneralizedTime(t)
			}
		}),
		attr(oidAttrMessageDigest, func(b *cryptobyte.Builder) { b.AddASN1OctetString(digest) }),
		attr(oidAttrSMIMECapabilities, addSMIMECapabilities),
	}
	slices.SortFunc(list, bytes.Compare)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
		for _, a := range list {
			b.AddBytes(a)
		}
	})
	return b.BytesOrPanic()
}

// addSMIMECapabilities writes our preferences (RFC 8551 §2.5.2), strongest
// first.
func addSMIMECapabilities(b *cryptobyte.Builder) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		addAlgorithm(b, oidAES256GCM, nil)
		addAlgorithm(b, oidAES256CBC, nil)
		addAlgorithm(b, oidAES128CBC, nil)
		addAlgorithm(b, oidRSAESOAEP, addOAEPParams)
	})
}
