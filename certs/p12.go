package certs

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"strings"

	"software.sslmate.com/src/go-pkcs12"
)

var (
	oidData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidEncryptedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}
	oidShroudedKey   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 2}
)

// The outer structures of a PKCS#12 file (RFC 7292), as far as needed to
// read the work factors before decrypting anything.
type p12PFX struct {
	Version  int
	AuthSafe p12ContentInfo
	MacData  p12MacData `asn1:"optional"`
}

type p12ContentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"tag:0,explicit,optional"`
}

type p12MacData struct {
	Mac struct {
		Algorithm pkix.AlgorithmIdentifier
		Digest    []byte
	}
	MacSalt    []byte
	Iterations int `asn1:"optional,default:1"`
}

type p12EncryptedData struct {
	Version int
	Info    struct {
		ContentType asn1.ObjectIdentifier
		Algorithm   pkix.AlgorithmIdentifier
		Content     asn1.RawValue `asn1:"tag:0,optional"`
	}
}

type p12SafeBag struct {
	ID         asn1.ObjectIdentifier
	Value      asn1.RawValue `asn1:"tag:0,explicit"`
	Attributes asn1.RawValue `asn1:"optional"`
}

// decodeP12 reads a PKCS#12 file with pkcs12.DecodeChain (Decode refuses
// files with a chain). With no passphrase it tries the empty one, which
// also opens files without a MAC; a given passphrase that fails is retried
// as empty before it is called wrong. Files DecodeChain cannot read —
// BER-encoded ones as NSS writes them, or ones without a key — go through
// decodeP12BER.
func decodeP12(der, passphrase []byte) (keys []any, certs []*x509.Certificate, err error) {
	if err := p12Cost(der); err != nil {
		return nil, nil, err
	}
	try := func(pw string) (any, []*x509.Certificate, error) {
		key, leaf, chain, err := pkcs12.DecodeChain(der, pw)
		if err != nil {
			return nil, nil, err
		}
		return key, append([]*x509.Certificate{leaf}, chain...), nil
	}
	key, all, err := try(string(passphrase))
	if err != nil && len(passphrase) > 0 {
		if k, a, e := try(""); e == nil {
			key, all, err = k, a, nil
		}
	}
	if err == nil {
		return []any{key}, all, nil
	}
	err = p12Error(err, passphrase)
	if errors.Is(err, ErrMalformed) || errors.Is(err, ErrUnsupportedEncryption) {
		k, c, berr := decodeP12BER(der, passphrase)
		if berr == nil {
			return k, c, nil
		}
		if !errors.Is(berr, ErrMalformed) {
			return nil, nil, berr
		}
	}
	return nil, nil, err
}

// p12Error classifies an error of pkcs12.DecodeChain.
func p12Error(err error, passphrase []byte) error {
	switch {
	case errors.Is(err, pkcs12.ErrIncorrectPassword) || errors.Is(err, pkcs12.ErrDecryption):
		if len(passphrase) == 0 {
			return ErrPassphraseRequired
		}
		return ErrWrongPassphrase
	case unsupportedKeyMessage(err):
		return fmt.Errorf("%w: %v", ErrUnsupportedKey, err)
	}
	var ni pkcs12.NotImplementedError
	if errors.As(err, &ni) {
		return fmt.Errorf("%w: %v", ErrUnsupportedEncryption, err)
	}
	return fmt.Errorf("%w: PKCS#12: %v", ErrMalformed, err)
}

// p12Cost walks the unencrypted structure of a PKCS#12 file and rejects it
// when a MAC, an encrypted part or a shrouded key asks for more work than
// costOf allows. Structures it cannot read are left to DecodeChain.
func p12Cost(der []byte) error {
	var pfx p12PFX
	if _, err := asn1.Unmarshal(der, &pfx); err != nil {
		return nil
	}
	if pfx.MacData.Iterations > maxIterations {
		return fmt.Errorf("%w: MAC iteration count of %d exceeds the limit", ErrUnsupportedEncryption, pfx.MacData.Iterations)
	}
	if err := costOf(pfx.MacData.Mac.Algorithm); err != nil {
		return err
	}
	var authSafe []byte
	if _, err := asn1.Unmarshal(pfx.AuthSafe.Content.Bytes, &authSafe); err != nil {
		return nil
	}
	var infos []p12ContentInfo
	if _, err := asn1.Unmarshal(authSafe, &infos); err != nil {
		return nil
	}
	for _, ci := range infos {
		switch {
		case ci.ContentType.Equal(oidEncryptedData):
			var ed p12EncryptedData
			if _, err := asn1.Unmarshal(ci.Content.Bytes, &ed); err == nil {
				if err := costOf(ed.Info.Algorithm); err != nil {
					return err
				}
			}
		case ci.ContentType.Equal(oidData):
			var data []byte
			if _, err := asn1.Unmarshal(ci.Content.Bytes, &data); err != nil {
				continue
			}
			var bags []p12SafeBag
			if _, err := asn1.Unmarshal(data, &bags); err != nil {
				continue
			}
			for _, bag := range bags {
				if !bag.ID.Equal(oidShroudedKey) {
					continue
				}
				var epki encryptedPrivateKeyInfo
				if _, err := asn1.Unmarshal(bag.Value.Bytes, &epki); err == nil {
					if err := costOf(epki.Algorithm); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// unsupportedKeyMessage recognises the crypto/x509 errors for keys of an
// unknown algorithm or curve, which DecodeChain passes on as text only.
// Anything else stays ErrMalformed.
func unsupportedKeyMessage(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "unknown algorithm") || strings.Contains(msg, "elliptic curve") ||
		strings.Contains(msg, "unknown public key algorithm")
}
