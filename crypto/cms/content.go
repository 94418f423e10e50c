package cms

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/subtle"
	"encoding/asn1"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// encryptedContent is a parsed EncryptedContentInfo with what its
// decryption needs.
type encryptedContent struct {
	name       string // Envelope.Cipher
	err        error  // unsupported cipher
	gcm        bool
	des3       bool
	keyLen     int
	iv         []byte // CBC IV or GCM nonce
	icvLen     int
	ciphertext []byte
	mac        []byte // AuthEnvelopedData mac (GCM tag)
	aad        []byte // AuthEnvelopedData authAttrs as a SET
	auth       bool
}

func (c *encryptedContent) parse(eci cryptobyte.String, auth bool) error {
	bad := func(what string) error {
		return fmt.Errorf("%w: bad EncryptedContentInfo %s", ErrMalformed, what)
	}
	c.auth = auth
	var ctype, alg asn1.ObjectIdentifier
	var params cryptobyte.String
	if !eci.ReadASN1ObjectIdentifier(&ctype) || !readAlgorithm(&eci, &alg, &params) {
		return bad("")
	}
	switch {
	case eci.PeekASN1Tag(cbasn1.Tag(0).ContextSpecific()):
		var ct cryptobyte.String
		if !eci.ReadASN1(&ct, cbasn1.Tag(0).ContextSpecific()) {
			return bad("content")
		}
		c.ciphertext = ct
	case eci.PeekASN1Tag(cbasn1.Tag(0).ContextSpecific().Constructed()):
		// A BER constructed [0] IMPLICIT OCTET STRING: its segments were
		// merged by toDER into OCTET STRINGs, which are joined here.
		var segs cryptobyte.String
		if !eci.ReadASN1(&segs, cbasn1.Tag(0).ContextSpecific().Constructed()) {
			return bad("content")
		}
		size := 0
		for s := segs; !s.Empty(); {
			var seg cryptobyte.String
			if !s.ReadASN1(&seg, cbasn1.OCTET_STRING) {
				return bad("content segment")
			}
			size += len(seg)
		}
		ct := make([]byte, 0, size)
		for !segs.Empty() {
			var seg cryptobyte.String
			segs.ReadASN1(&seg, cbasn1.OCTET_STRING)
			ct = append(ct, seg...)
		}
		c.ciphertext = ct
	default:
		return fmt.Errorf("%w: encrypted content is missing (detached)", ErrUnsupported)
	}
	if !eci.Empty() {
		return bad("")
	}

	switch {
	case alg.Equal(oidAES128CBC):
		c.name, c.keyLen = "AES-128-CBC", 16
	case alg.Equal(oidAES192CBC):
		c.name, c.keyLen = "AES-192-CBC", 24
	case alg.Equal(oidAES256CBC):
		c.name, c.keyLen = "AES-256-CBC", 32
	case alg.Equal(oidDESEDE3CBC):
		c.name, c.keyLen, c.des3 = "3DES-CBC", 24, true
	case alg.Equal(oidAES128GCM):
		c.name, c.keyLen, c.gcm = "AES-128-GCM", 16, true
	case alg.Equal(oidAES192GCM):
		c.name, c.keyLen, c.gcm = "AES-192-GCM", 24, true
	case alg.Equal(oidAES256GCM):
		c.name, c.keyLen, c.gcm = "AES-256-GCM", 32, true
	default:
		c.name = alg.String()
		c.err = fmt.Errorf("%w: content encryption algorithm %s", ErrUnsupported, alg)
		return nil
	}
	if !c.gcm {
		if auth {
			return fmt.Errorf("%w: AuthEnvelopedData with %s", ErrMalformed, c.name)
		}
		bs := aes.BlockSize
		if c.des3 {
			bs = des.BlockSize
		}
		var iv cryptobyte.String
		if !params.ReadASN1(&iv, cbasn1.OCTET_STRING) || !params.Empty() || len(iv) != bs {
			return bad("IV")
		}
		c.iv = iv
		if len(c.ciphertext) == 0 || len(c.ciphertext)%bs != 0 {
			return bad(fmt.Sprintf("length %d for %s", len(c.ciphertext), c.name))
		}
		return nil
	}
	// GCMParameters (RFC 5084 §3.2).
	var seq, nonce cryptobyte.String
	c.icvLen = 12
	if !params.ReadASN1(&seq, cbasn1.SEQUENCE) || !params.Empty() ||
		!seq.ReadASN1(&nonce, cbasn1.OCTET_STRING) || len(nonce) == 0 {
		return bad("GCM parameters")
	}
	if !seq.Empty() && (!seq.ReadASN1Integer(&c.icvLen) || !seq.Empty()) {
		return bad("GCM parameters")
	}
	if c.icvLen < 12 || c.icvLen > 16 {
		return bad(fmt.Sprintf("GCM tag length %d", c.icvLen))
	}
	if len(nonce) != 12 && c.icvLen != 16 {
		c.err = fmt.Errorf("%w: GCM with a %d-byte nonce and a %d-byte tag", ErrUnsupported, len(nonce), c.icvLen)
	}
	c.iv = nonce
	if auth {
		return nil // decrypt checks the mac, read later in ParseEnvelope
	}
	// GCM inside plain EnvelopedData, as smallstep/pkcs7 writes it: the
	// tag follows the ciphertext.
	if len(c.ciphertext) < c.icvLen {
		return bad("GCM ciphertext shorter than its tag")
	}
	return nil
}

// decrypt decrypts the content with the content-encryption key. Every
// failure that depends on the key is ErrDecrypt, without detail.
func (c *encryptedContent) decrypt(key []byte) ([]byte, error) {
	if c.err != nil {
		return nil, c.err
	}
	if len(key) != c.keyLen {
		return nil, ErrDecrypt
	}
	var block cipher.Block
	var err error
	if c.des3 {
		block, err = des.NewTripleDESCipher(key)
	} else {
		block, err = aes.NewCipher(key)
	}
	if err != nil {
		return nil, ErrDecrypt
	}
	if c.gcm {
		var aead cipher.AEAD
		if len(c.iv) == 12 {
			aead, err = cipher.NewGCMWithTagSize(block, c.icvLen)
		} else {
			aead, err = cipher.NewGCMWithNonceSize(block, len(c.iv))
		}
		if err != nil {
			return nil, ErrDecrypt
		}
		buf := c.ciphertext
		if c.auth {
			buf = make([]byte, len(c.ciphertext)+len(c.mac))
			copy(buf, c.ciphertext)
			copy(buf[len(c.ciphertext):], c.mac)
			out, err := aead.Open(buf[:0], c.iv, buf, c.aad)
			if err != nil {
				return nil, ErrDecrypt
			}
			return out, nil
		}
		out, err := aead.Open(nil, c.iv, buf, c.aad)
		if err != nil {
			return nil, ErrDecrypt
		}
		return out, nil
	}
	out := make([]byte, len(c.ciphertext))
	cipher.NewCBCDecrypter(block, c.iv).CryptBlocks(out, c.ciphertext)
	n, ok := unpad(out, block.BlockSize())
	if !ok {
		return nil, ErrDecrypt
	}
	return out[:n], nil
}

// unpad checks the PKCS #7 padding of b (a whole number of blocks) in
// constant time and returns the length without it.
func unpad(b []byte, blockSize int) (int, bool) {
	n := len(b)
	if n == 0 || n%blockSize != 0 {
		return 0, false
	}
	pad := int(b[n-1])
	good := subtle.ConstantTimeLessOrEq(1, pad) & subtle.ConstantTimeLessOrEq(pad, blockSize)
	for i := 0; i < blockSize; i++ {
		inPad := subtle.ConstantTimeLessOrEq(i+1, pad)
		eq := subtle.ConstantTimeByteEq(b[n-1-i], byte(pad))
		good &= subtle.ConstantTimeSelect(inPad, eq, 1)
	}
	if good != 1 {
		return 0, false
	}
	return n - pad, true
}
