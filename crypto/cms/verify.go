package cms

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/subtle"
	"crypto/x509"
	"errors"
	"fmt"
	"hash"
)

// Verify checks signer i over content (pass the detached content, or
// sd.Content for encapsulated content) with cert's public key. It returns
// nil, or an error wrapping ErrDigestMismatch (the content changed),
// ErrBadSignature (the signature over the signed attributes does not verify
// with this key, or the attributes name another content type),
// ErrUnsupported or ErrMalformed.
//
// Verify does NOT check trust, validity, key usage or the strength of the
// digest: SHA-1 signatures verify here, and package smime judges them.
func (sd *SignedData) Verify(i int, content []byte, cert *x509.Certificate) (err error) {
	defer recoverMalformed(&err)
	if i < 0 || i >= len(sd.Signers) {
		return fmt.Errorf("%w: no signer %d", ErrMalformed, i)
	}
	si := &sd.Signers[i]
	if si.err != nil {
		return si.err
	}
	if cert == nil {
		return fmt.Errorf("%w: no certificate", ErrBadSignature)
	}
	if !si.hash.Available() {
		return fmt.Errorf("%w: digest %s", ErrUnsupported, si.DigestAlgorithm)
	}
	if si.attrs == nil {
		// The signature covers the content directly: a failure means
		// that the content (or the signature) changed.
		err := si.checkSignature(cert, content, nil)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, ErrUnsupported):
			return err
		case errors.Is(err, errKeyMismatch):
			return fmt.Errorf("%w: %w", ErrBadSignature, err)
		}
		return fmt.Errorf("%w: signature over the content does not verify: %w", ErrDigestMismatch, err)
	}
	if si.attrCType != nil && !si.attrCType.Equal(sd.ContentType) {
		return fmt.Errorf("%w: contentType attribute %s differs from eContentType %s", ErrBadSignature, si.attrCType, sd.ContentType)
	}
	// As OpenSSL does: first the signature over the attributes, then the
	// content digest, so that a wrong certificate is never "tampered".
	if err := si.checkSignature(cert, nil, si.attrs); errors.Is(err, ErrUnsupported) {
		return err
	} else if err != nil {
		return fmt.Errorf("%w: %w", ErrBadSignature, err)
	}
	h := si.hash.New()
	h.Write(content)
	if subtle.ConstantTimeCompare(h.Sum(nil), si.digest) != 1 {
		return fmt.Errorf("%w: %s of the content differs from the signed messageDigest", ErrDigestMismatch, si.DigestAlgorithm)
	}
	return nil
}

// checkSignature verifies the signature over the signed attributes (attrs,
// the [0] IMPLICIT element, signed as a SET) or, when attrs is nil, over
// content.
func (si *SignerInfo) checkSignature(cert *x509.Certificate, content, attrs []byte) error {
	signed := func(h hash.Hash) {
		if attrs != nil {
			h.Write([]byte{0x31})
			h.Write(attrs[1:])
		} else {
			h.Write(content)
		}
	}
	switch pub := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		switch si.sig.kind {
		case sigRSA:
			h := si.hash.New()
			signed(h)
			return rsa.VerifyPKCS1v15(pub, si.hash, h.Sum(nil), si.signature)
		case sigPSS:
			if !si.sig.pssHash.Available() {
				return fmt.Errorf("%w: RSASSA-PSS hash %s", ErrUnsupported, hashName(si.sig.pssHash))
			}
			h := si.sig.pssHash.New()
			signed(h)
			return rsa.VerifyPSS(pub, si.sig.pssHash, h.Sum(nil), si.signature,
				&rsa.PSSOptions{SaltLength: si.sig.pssSalt, Hash: si.sig.pssHash})
		}
	case *ecdsa.PublicKey:
		if si.sig.kind == sigECDSA {
			h := si.hash.New()
			signed(h)
			if !ecdsa.VerifyASN1(pub, h.Sum(nil), si.signature) {
				return fmt.Errorf("ECDSA verification error")
			}
			return nil
		}
	case ed25519.PublicKey:
		if si.sig.kind == sigEd25519 {
			msg := content
			if attrs != nil {
				msg = make([]byte, len(attrs))
				copy(msg, attrs)
				msg[0] = 0x31
			}
			if !ed25519.Verify(pub, msg, si.signature) {
				return fmt.Errorf("Ed25519 verification error")
			}
			return nil
		}
	}
	return fmt.Errorf("%w: a %s signature cannot be made by the certificate's %s key", errKeyMismatch, si.SignatureAlgorithm, cert.PublicKeyAlgorithm)
}

// errKeyMismatch says that the certificate's key type does not fit the
// signature algorithm: a wrong certificate, not a changed content.
var errKeyMismatch = errors.New("key type mismatch")
