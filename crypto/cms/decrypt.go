package cms

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
)

// KeyLookup finds the certificate and private key for a recipient
// identifier; it returns nil, nil, nil when we have none. Package smime
// builds it from its Keyring.
type KeyLookup func(ctx context.Context, id CertID) (*x509.Certificate, crypto.PrivateKey, error)

// Decrypted is the opened content of an envelope.
type Decrypted struct {
	Content      []byte
	Recipient    *x509.Certificate // ours, whose key opened it
	KeyTransport string            // as in RecipientInfo.KeyTransport
}

// Decrypt tries every RecipientInfo (ours need not be first) for which
// lookup finds a key, until one opens the envelope. When none does, the
// error wraps, in this order: ErrDecrypt (a key matched but key transport,
// unwrap, padding or the GCM tag failed), ErrUnsupported (a key matched but
// an algorithm is one this package does not support), the first lookup
// error, or ErrNoKey (no RecipientInfo names a certificate we have a key
// for).
//
// With RSA PKCS #1 v1.5 key transport a wrong padding yields a random
// content key, as RFC 3218 §2.3.2 advises, so that the failure shows only
// as ErrDecrypt of the content; with CBC such a key passes the padding check
// with a chance of 1 in 256 and gives garbage content, as in OpenSSL.
func (e *Envelope) Decrypt(ctx context.Context, lookup KeyLookup) (_ *Decrypted, err error) {
	defer recoverMalformed(&err)
	var decryptErr, unsupportedErr, lookupErr error
	for i := range e.recipients {
		ri, r := &e.Recipients[i], &e.recipients[i]
		if ri.Kind != "ktri" && ri.Kind != "kari" {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		cert, key, err := lookup(ctx, ri.ID)
		if err != nil {
			if lookupErr == nil {
				lookupErr = fmt.Errorf("looking up the key for %s: %w", ri.ID, err)
			}
			continue
		}
		if cert == nil || key == nil {
			continue
		}
		content, err := e.open(r, ri, key)
		if err == nil {
			return &Decrypted{Content: content, Recipient: cert, KeyTransport: ri.KeyTransport}, nil
		}
		switch {
		case errors.Is(err, ErrUnsupported):
			if unsupportedErr == nil {
				unsupportedErr = err
			}
		default:
			if decryptErr == nil {
				decryptErr = fmt.Errorf("with the key of %s: %w", ri.ID, err)
			}
		}
	}
	switch {
	case decryptErr != nil:
		return nil, decryptErr
	case unsupportedErr != nil:
		return nil, unsupportedErr
	case lookupErr != nil:
		return nil, lookupErr
	}
	return nil, fmt.Errorf("%w: none of %d recipients", ErrNoKey, len(e.Recipients))
}

// open decrypts the content key of one recipient and with it the content.
func (e *Envelope) open(r *recipient, ri *RecipientInfo, key crypto.PrivateKey) ([]byte, error) {
	if r.err != nil {
		return nil, r.err
	}
	if e.content.err != nil {
		return nil, e.content.err
	}
	var cek []byte
	var err error
	if ri.Kind == "kari" {
		cek, err = r.agree(key)
	} else {
		cek, err = r.transport(key, e.content.keyLen)
	}
	if err != nil {
		return nil, err
	}
	return e.content.decrypt(cek)
}

// transport decrypts the content key of a ktri recipient with RSA.
func (r *recipient) transport(key crypto.PrivateKey, keyLen int) ([]byte, error) {
	if r.oaep {
		d, ok := key.(crypto.Decrypter)
		if !ok {
			return nil, fmt.Errorf("%w: RSA-OAEP needs an RSA key, have %T", ErrDecrypt, key)
		}
		if _, isRSA := d.Public().(*rsa.PublicKey); !isRSA {
			return nil, fmt.Errorf("%w: RSA-OAEP needs an RSA key, have %T", ErrDecrypt, d.Public())
		}
		if !r.oaepPar.hash.Available() || !r.oaepPar.mgfHash.Available() {
			return nil, fmt.Errorf("%w: OAEP hash", ErrUnsupported)
		}
		cek, err := d.Decrypt(rand.Reader, r.encryptedKey, &rsa.OAEPOptions{
			Hash: r.oaepPar.hash, MGFHash: r.oaepPar.mgfHash, Label: r.oaepPar.label,
		})
		if err != nil {
			return nil, ErrDecrypt
		}
		return cek, nil
	}
	// PKCS #1 v1.5: on bad padding (or a key of the wrong length) the
	// random cek stays, in constant time, so that no padding oracle
	// exists; the content decryption fails instead.
	cek := make([]byte, keyLen)
	if _, err := rand.Read(cek); err != nil {
		return nil, err
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if err := rsa.DecryptPKCS1v15SessionKey(nil, k, r.encryptedKey, cek); err != nil {
			return nil, ErrDecrypt // ciphertext of the wrong size: public information
		}
		return cek, nil
	case crypto.Decrypter:
		if _, isRSA := k.Public().(*rsa.PublicKey); !isRSA {
			return nil, fmt.Errorf("%w: RSA key transport needs an RSA key, have %T", ErrDecrypt, k.Public())
		}
		out, err := k.Decrypt(rand.Reader, r.encryptedKey, &rsa.PKCS1v15DecryptOptions{SessionKeyLen: keyLen})
		if err != nil {
			return nil, ErrDecrypt
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: RSA key transport needs an RSA key, have %T", ErrDecrypt, key)
}
