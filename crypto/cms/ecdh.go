package cms

import (
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"encoding/asn1"
	"encoding/binary"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// ECDH key agreement for CMS (RFC 5753 §3.1, ephemeral-static): the
// shared secret Z of the originator's ephemeral key and the recipient's
// static key runs through the ANSI X9.63 KDF with ECC-CMS-SharedInfo, and
// the derived key-encryption key unwraps (AES key wrap) the content key.
// smallstep/pkcs7 has no key agreement at all.

// eccSharedInfo is the DER of ECC-CMS-SharedInfo: keyInfo is the key wrap
// algorithm with absent parameters (RFC 5753 §7.2, and what OpenSSL
// writes), entityUInfo the optional ukm, suppPubInfo the KEK size in bits.
func eccSharedInfo(wrap asn1.ObjectIdentifier, ukm []byte, kekBits int) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		addAlgorithm(b, wrap, nil)
		if ukm != nil {
			b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
				b.AddASN1OctetString(ukm)
			})
		}
		b.AddASN1(cbasn1.Tag(2).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
			var bits [4]byte
			binary.BigEndian.PutUint32(bits[:], uint32(kekBits))
			b.AddASN1OctetString(bits[:])
		})
	})
	return b.BytesOrPanic()
}

// x963KDF derives size bytes from the shared secret z (ANSI X9.63 §3.6.1,
// as in SEC 1 §3.6.1): Hash(z || counter || sharedInfo) for counter 1, 2, …
func x963KDF(h crypto.Hash, z, sharedInfo []byte, size int) []byte {
	out := make([]byte, 0, size+h.Size())
	var counter [4]byte
	for i := uint32(1); len(out) < size; i++ {
		binary.BigEndian.PutUint32(counter[:], i)
		d := h.New()
		d.Write(z)
		d.Write(counter[:])
		d.Write(sharedInfo)
		out = d.Sum(out)
	}
	return out[:size]
}

// ecdhPrivateKey returns the crypto/ecdh form of an EC private key.
func ecdhPrivateKey(key crypto.PrivateKey) (*ecdh.PrivateKey, bool) {
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		e, err := k.ECDH()
		return e, err == nil
	case *ecdh.PrivateKey:
		return k, true
	}
	return nil, false
}

// agree computes the content-encryption key of a kari recipient with our
// static private key. Failures that depend on the key are ErrDecrypt.
func (r *recipient) agree(key crypto.PrivateKey) ([]byte, error) {
	priv, ok := ecdhPrivateKey(key)
	if !ok {
		return nil, fmt.Errorf("%w: key agreement needs an EC key, have %T", ErrDecrypt, key)
	}
	pub, err := priv.Curve().NewPublicKey(r.ephemeral)
	if err != nil {
		return nil, fmt.Errorf("%w: the originator's ephemeral key is not a point on our key's curve", ErrDecrypt)
	}
	z, err := priv.ECDH(pub)
	if err != nil {
		return nil, ErrDecrypt
	}
	kek := x963KDF(r.kdfHash, z, eccSharedInfo(r.wrapOID, r.ukm, r.wrapKeyLen*8), r.wrapKeyLen)
	cek, err := aesUnwrap(kek, r.encryptedKey)
	if err != nil {
		return nil, ErrDecrypt
	}
	return cek, nil
}
