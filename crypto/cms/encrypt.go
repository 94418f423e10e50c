package cms

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Cipher is a content encryption algorithm for Encrypt.
type Cipher int

// The ciphers Encrypt offers.
const (
	AES256CBC Cipher = iota // the default: the widest compatibility
	AES256GCM               // AuthEnvelopedData (RFC 5083, RFC 5084)
	AES128CBC
)

// KeyTransport is the RSA key transport for Encrypt.
type KeyTransport int

// The RSA key transports Encrypt offers.
const (
	RSAPKCS1v15 KeyTransport = iota // the default
	RSAOAEP                         // SHA-256, MGF1-SHA-256, no label
)

// EncryptOptions are the options of Encrypt; nil means the defaults.
type EncryptOptions struct {
	Cipher       Cipher
	KeyTransport KeyTransport
}

// Encrypt makes EnvelopedData, or AuthEnvelopedData for AES256GCM (a
// 12-byte nonce and a 16-byte tag), as a DER ContentInfo of the content for
// every recipient: RSA keys by key transport (PKCS #1 v1.5, or RSAES-OAEP
// with SHA-256 and MGF1-SHA-256 and its parameters written out), EC keys
// (P-256, P-384, P-521) by ephemeral-static ECDH (RFC 5753,
// dhSinglePass-stdDH-sha256kdf/sha384kdf/sha512kdf by curve, AES key wrap
// of the content key's size). Recipients are identified by issuer and
// serial. Errors wrap ErrUnsupported for a recipient key that cannot be
// used, naming the certificate.
//
// smallstep/pkcs7's Encrypt takes its algorithms from package variables
// (unsafe to set from concurrent code) with DES as the default, and writes
// OAEP parameters that do not say which MGF1 hash it used, so that OpenSSL
// cannot decrypt its output.
//
// The output is written once: the ciphertext is encrypted directly into
// the result, so memory stays near the size of the content.
func Encrypt(content []byte, recipients []*x509.Certificate, opts *EncryptOptions) ([]byte, error) {
	var o EncryptOptions
	if opts != nil {
		o = *opts
	}
	if len(recipients) == 0 {
		return nil, fmt.Errorf("encrypt: no recipients")
	}
	var keyLen int
	var algOID asn1.ObjectIdentifier
	switch o.Cipher {
	case AES256CBC:
		keyLen, algOID = 32, oidAES256CBC
	case AES128CBC:
		keyLen, algOID = 16, oidAES128CBC
	case AES256GCM:
		keyLen, algOID = 32, oidAES256GCM
	default:
		return nil, fmt.Errorf("%w: cipher %d", ErrUnsupported, o.Cipher)
	}
	if o.KeyTransport != RSAPKCS1v15 && o.KeyTransport != RSAOAEP {
		return nil, fmt.Errorf("%w: key transport %d", ErrUnsupported, o.KeyTransport)
	}
	gcm := o.Cipher == AES256GCM
	cek := make([]byte, keyLen)
	iv := make([]byte, 16)
	if gcm {
		iv = iv[:12]
	}
	if _, err := rand.Read(cek); err != nil {
		return nil, err
	}
	if _, err := rand.Read(iv); err != nil {
		return nil, err
	}

	// Everything before the ciphertext: version, recipientInfos and the
	// head of the EncryptedContentInfo.
	var head cryptobyte.Builder
	version := int64(0)
	for _, c := range recipients {
		if _, ok := c.PublicKey.(*ecdsa.PublicKey); ok && !gcm {
			version = 2 // a kari (version 3) is present (RFC 5652 §6.1)
		}
	}
	head.AddASN1Int64(version)
	var recipErr error
	head.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
		for _, c := range recipients {
			if err := addRecipientInfo(b, c, cek, o.KeyTransport); err != nil && recipErr == nil {
				recipErr = err
			}
		}
	})
	if recipErr != nil {
		return nil, recipErr
	}
	var eciHead cryptobyte.Builder
	eciHead.AddASN1ObjectIdentifier(OIDData)
	addAlgorithm(&eciHead, algOID, func(b *cryptobyte.Builder) {
		if gcm {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1OctetString(iv)
				b.AddASN1Int64(16)
			})
		} else {
			b.AddASN1OctetString(iv)
		}
	})
	headBytes, err := head.Bytes()
	if err != nil {
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	eciHeadBytes := eciHead.BytesOrPanic()

	ctLen := len(content) + aes.BlockSize - len(content)%aes.BlockSize
	tail := 0 // the mac OCTET STRING after the EncryptedContentInfo
	if gcm {
		ctLen = len(content)
		tail = 2 + 16
	}
	eciLen := len(eciHeadBytes) + 1 + lengthSize(ctLen) + ctLen
	edLen := len(headBytes) + 1 + lengthSize(eciLen) + eciLen + tail
	explicitLen := 1 + lengthSize(edLen) + edLen
	typeOID := OIDEnvelopedData
	if gcm {
		typeOID = OIDAuthEnvelopedData
	}
	var oid cryptobyte.Builder
	oid.AddASN1ObjectIdentifier(typeOID)
	oidBytes := oid.BytesOrPanic()
	ciLen := len(oidBytes) + 1 + lengthSize(explicitLen) + explicitLen
	total := 1 + lengthSize(ciLen) + ciLen

	out := make([]byte, 0, total)
	out = appendLength(append(out, 0x30), ciLen)
	out = append(out, oidBytes...)
	out = appendLength(append(out, 0xa0), explicitLen)
	out = appendLength(append(out, 0x30), edLen)
	out = append(out, headBytes...)
	out = appendLength(append(out, 0x30), eciLen)
	out = append(out, eciHeadBytes...)
	out = appendLength(append(out, 0x80), ctLen) // [0] IMPLICIT OCTET STRING
	start := len(out)
	out = out[:start+ctLen+tail]
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	if gcm {
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		sealed := aead.Seal(out[start:start], iv, content, nil)
		// Move the tag behind the mac OCTET STRING header.
		copy(out[start+ctLen+2:], sealed[ctLen:])
		out[start+ctLen], out[start+ctLen+1] = 0x04, 16
	} else {
		mode := cipher.NewCBCEncrypter(block, iv)
		full := len(content) - len(content)%aes.BlockSize
		mode.CryptBlocks(out[start:start+full], content[:full])
		var last [aes.BlockSize]byte
		n := copy(last[:], content[full:])
		for i := n; i < aes.BlockSize; i++ {
			last[i] = byte(aes.BlockSize - n)
		}
		mode.CryptBlocks(out[start+full:start+ctLen], last[:])
	}
	if len(out) != total {
		return nil, fmt.Errorf("encrypt: internal length error")
	}
	return out, nil
}

// addRecipientInfo writes the RecipientInfo of one certificate.
func addRecipientInfo(b *cryptobyte.Builder, c *x509.Certificate, cek []byte, kt KeyTransport) error {
	switch pub := c.PublicKey.(type) {
	case *rsa.PublicKey:
		var ek []byte
		var err error
		if kt == RSAOAEP {
			ek, err = rsa.EncryptOAEP(sha256.New(), rand.Reader, pub, cek, nil)
		} else {
			ek, err = rsa.EncryptPKCS1v15(rand.Reader, pub, cek)
		}
		if err != nil {
			return fmt.Errorf("%w: recipient %q: %w", ErrUnsupported, c.Subject.CommonName, err)
		}
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1Int64(0)
			addIssuerAndSerial(b, c)
			if kt == RSAOAEP {
				addAlgorithm(b, oidRSAESOAEP, addOAEPParams)
			} else {
				addAlgorithm(b, oidRSAEncryption, func(b *cryptobyte.Builder) { b.AddASN1NULL() })
			}
			b.AddASN1OctetString(ek)
		})
		return nil
	case *ecdsa.PublicKey:
		return addKeyAgreeRecipientInfo(b, c, pub, cek)
	}
	return fmt.Errorf("%w: recipient %q has a %s key", ErrUnsupported, c.Subject.CommonName, c.PublicKeyAlgorithm)
}

// addKeyAgreeRecipientInfo writes a kari with a fresh ephemeral key.
func addKeyAgreeRecipientInfo(b *cryptobyte.Builder, c *x509.Certificate, pub *ecdsa.PublicKey, cek []byte) error {
	static, err := pub.ECDH()
	if err != nil {
		return fmt.Errorf("%w: recipient %q: %w", ErrUnsupported, c.Subject.CommonName, err)
	}
	var scheme asn1.ObjectIdentifier
	var kdf crypto.Hash
	switch static.Curve() {
	case ecdh.P256():
		scheme, kdf = oidECDHStdSHA256KDF, crypto.SHA256
	case ecdh.P384():
		scheme, kdf = oidECDHStdSHA384KDF, crypto.SHA384
	case ecdh.P521():
		scheme, kdf = oidECDHStdSHA512KDF, crypto.SHA512
	default:
		return fmt.Errorf("%w: recipient %q: curve %s", ErrUnsupported, c.Subject.CommonName, pub.Curve.Params().Name)
	}
	wrap := oidAES256Wrap
	if len(cek) == 16 {
		wrap = oidAES128Wrap
	}
	eph, err := static.Curve().GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	z, err := eph.ECDH(static)
	if err != nil {
		return err
	}
	kek := x963KDF(kdf, z, eccSharedInfo(wrap, nil, len(cek)*8), len(cek))
	wrapped, err := aesWrap(kek, cek)
	if err != nil {
		return err
	}
	b.AddASN1(cbasn1.Tag(1).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
		b.AddASN1Int64(3)
		b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.Tag(1).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
				addAlgorithm(b, oidECPublicKey, nil)
				b.AddASN1BitString(eph.PublicKey().Bytes())
			})
		})
		addAlgorithm(b, scheme, func(b *cryptobyte.Builder) { addAlgorithm(b, wrap, nil) })
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				addIssuerAndSerial(b, c)
				b.AddASN1OctetString(wrapped)
			})
		})
	})
	return nil
}
