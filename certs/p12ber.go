package certs

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"siegel/crypto/ber"
)

// A second PKCS#12 reader for the files go-pkcs12 rejects because they are
// BER, not DER: NSS (Thunderbird, Firefox) writes indefinite lengths and
// chunked OCTET STRINGs. It checks the MAC over the content exactly as
// stored, then normalises every structure to DER before reading it, and
// decrypts with the schemes of pbe.go plus RC2.

var (
	oidKeyBag          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 1}
	oidCertBag         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 3}
	oidSafeContentsBag = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 6}
	oidX509Cert        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 22, 1}
	oidPBEWithSHARC2   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 5} // 128-bit RC2
	oidPBEWithSHARC240 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 6} // 40-bit RC2

	macHashes = map[string]func() hash.Hash{
		"1.3.14.3.2.26":          sha1.New,
		"2.16.840.1.101.3.4.2.4": sha256.New224,
		"2.16.840.1.101.3.4.2.1": sha256.New,
		"2.16.840.1.101.3.4.2.2": sha512.New384,
		"2.16.840.1.101.3.4.2.3": sha512.New,
	}
)

type p12CertBag struct {
	ID   asn1.ObjectIdentifier
	Data []byte `asn1:"tag:0,explicit"`
}

// pbmac1Params are RFC 9579's PBMAC1 parameters.
type pbmac1Params struct {
	KDF pkix.AlgorithmIdentifier
	MAC pkix.AlgorithmIdentifier
}

// decodeP12BER reads a PKCS#12 file in BER. It returns the same errors as
// decodeP12.
func decodeP12BER(data, passphrase []byte) (keys []any, certs []*x509.Certificate, err error) {
	der, err := toDER(data, "PKCS#12")
	if err != nil {
		return nil, nil, err
	}
	var pfx p12PFX
	if _, err := asn1.Unmarshal(der, &pfx); err != nil {
		return nil, nil, fmt.Errorf("%w: PKCS#12: %v", ErrMalformed, err)
	}
	if pfx.Version != 3 || !pfx.AuthSafe.ContentType.Equal(oidData) {
		return nil, nil, fmt.Errorf("%w: PKCS#12 version %d with %s content", ErrUnsupportedEncryption, pfx.Version, pfx.AuthSafe.ContentType)
	}
	if err := p12Cost(der); err != nil {
		return nil, nil, err
	}
	var authSafe []byte
	if _, err := asn1.Unmarshal(pfx.AuthSafe.Content.Bytes, &authSafe); err != nil {
		return nil, nil, fmt.Errorf("%w: PKCS#12 content: %v", ErrMalformed, err)
	}
	pw := passphrase
	if len(pfx.MacData.Mac.Algorithm.Algorithm) > 0 {
		candidates := [][]byte{passphrase}
		if len(passphrase) > 0 {
			candidates = append(candidates, nil)
		}
		pw = nil
		verified := false
		for _, c := range candidates {
			ok, err := p12MACMatches(pfx.MacData, authSafe, c)
			if err != nil {
				return nil, nil, err
			}
			if ok {
				pw, verified = c, true
				break
			}
		}
		if !verified {
			if len(passphrase) == 0 {
				return nil, nil, ErrPassphraseRequired
			}
			return nil, nil, ErrWrongPassphrase
		}
	}
	authDER, err := toDER(authSafe, "PKCS#12 content")
	if err != nil {
		return nil, nil, err
	}
	var infos []p12ContentInfo
	if _, err := asn1.Unmarshal(authDER, &infos); err != nil {
		return nil, nil, fmt.Errorf("%w: PKCS#12 content: %v", ErrMalformed, err)
	}
	r := &p12Reader{pw: pw, macVerified: len(pfx.MacData.Mac.Algorithm.Algorithm) > 0}
	for _, ci := range infos {
		var bags []byte
		switch {
		case ci.ContentType.Equal(oidData):
			if _, err := asn1.Unmarshal(ci.Content.Bytes, &bags); err != nil {
				return nil, nil, fmt.Errorf("%w: PKCS#12 data: %v", ErrMalformed, err)
			}
		case ci.ContentType.Equal(oidEncryptedData):
			var ed p12EncryptedData
			if _, err := asn1.Unmarshal(ci.Content.Bytes, &ed); err != nil {
				return nil, nil, fmt.Errorf("%w: PKCS#12 encrypted data: %v", ErrMalformed, err)
			}
			ct, err := encryptedContent(ed.Info.Content)
			if err != nil {
				return nil, nil, err
			}
			if bags, err = r.decrypt(ed.Info.Algorithm, ct); err != nil {
				return nil, nil, err
			}
		default:
			return nil, nil, fmt.Errorf("%w: PKCS#12 part of type %s", ErrUnsupportedEncryption, ci.ContentType)
		}
		if err := r.readBags(bags, 0); err != nil {
			return nil, nil, err
		}
	}
	return r.keys, r.certs, nil
}

// encryptedContent is the ciphertext of an EncryptedContentInfo, a
// [0] IMPLICIT OCTET STRING. NSS sends it in segments; ber.ToDER keeps the
// [0] constructed (it cannot know the tag is implicit) around primitive
// OCTET STRINGs, which are joined here.
func encryptedContent(v asn1.RawValue) ([]byte, error) {
	if !v.IsCompound {
		return v.Bytes, nil
	}
	var out []byte
	for s := cryptobyte.String(v.Bytes); !s.Empty(); {
		var seg cryptobyte.String
		if !s.ReadASN1(&seg, cbasn1.OCTET_STRING) {
			return nil, fmt.Errorf("%w: PKCS#12 encrypted data in bad segments", ErrMalformed)
		}
		out = append(out, seg...)
	}
	return out, nil
}

type p12Reader struct {
	pw          []byte
	macVerified bool // the passphrase is known to be right
	keys        []any
	certs       []*x509.Certificate
}

func (r *p12Reader) readBags(data []byte, depth int) error {
	der, err := toDER(data, "PKCS#12 bags")
	if err != nil {
		return err
	}
	var bags []p12SafeBag
	if _, err := asn1.Unmarshal(der, &bags); err != nil {
		return fmt.Errorf("%w: PKCS#12 bags: %v", ErrMalformed, err)
	}
	for _, bag := range bags {
		switch {
		case bag.ID.Equal(oidCertBag):
			var cb p12CertBag
			if _, err := asn1.Unmarshal(bag.Value.Bytes, &cb); err != nil {
				return fmt.Errorf("%w: PKCS#12 certificate: %v", ErrMalformed, err)
			}
			if !cb.ID.Equal(oidX509Cert) {
				continue
			}
			c, err := x509.ParseCertificate(cb.Data)
			if err != nil {
				return certError(cb.Data, err)
			}
			r.certs = append(r.certs, c)
		case bag.ID.Equal(oidKeyBag):
			k, err := parsePKCS8(bag.Value.Bytes)
			if err != nil {
				return err
			}
			r.keys = append(r.keys, k)
		case bag.ID.Equal(oidShroudedKey):
			var epki encryptedPrivateKeyInfo
			if _, err := asn1.Unmarshal(bag.Value.Bytes, &epki); err != nil {
				return fmt.Errorf("%w: PKCS#12 key: %v", ErrMalformed, err)
			}
			plain, err := r.decrypt(epki.Algorithm, epki.Data)
			if err != nil {
				return err
			}
			if der, err := ber.ToDER(plain); err == nil {
				plain = der
			}
			k, err := parsePKCS8(plain)
			if err != nil {
				return err
			}
			r.keys = append(r.keys, k)
		case bag.ID.Equal(oidSafeContentsBag):
			if depth >= 4 {
				return fmt.Errorf("%w: PKCS#12 bags nested too deeply", ErrMalformed)
			}
			if err := r.readBags(bag.Value.Bytes, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// decrypt opens an encrypted part. The MAC has already confirmed the
// passphrase, so a padding error means damage — or a file without MAC and
// a wrong passphrase.
func (r *p12Reader) decrypt(alg pkix.AlgorithmIdentifier, data []byte) ([]byte, error) {
	var plain []byte
	var err error
	switch {
	case alg.Algorithm.Equal(oidPBEWithSHARC2), alg.Algorithm.Equal(oidPBEWithSHARC240):
		if err := costOf(alg); err != nil {
			return nil, err
		}
		var p pkcs12PBEParams
		if _, err := asn1.Unmarshal(alg.Parameters.FullBytes, &p); err != nil {
			return nil, fmt.Errorf("%w: PBE parameters", ErrMalformed)
		}
		size := 16
		if alg.Algorithm.Equal(oidPBEWithSHARC240) {
			size = 5
		}
		bmp := bmpPassword(r.pw)
		key := pkcs12KDF(sha1.New, p.Salt, bmp, p.Iterations, 1, size)
		iv := pkcs12KDF(sha1.New, p.Salt, bmp, p.Iterations, 2, 8)
		plain, err = cbcDecrypt(newRC2(key, size*8), iv, data)
	default:
		plain, err = decryptWith(alg, data, r.pw)
	}
	if err == nil && !r.macVerified {
		// Without a MAC, a wrong passphrase passes the padding check now
		// and then; the result is then no ASN.1 at all.
		if _, perr := ber.ToDER(plain); perr != nil {
			err = errBadPadding
		}
	}
	if errors.Is(err, errBadPadding) {
		if len(r.pw) == 0 {
			return nil, ErrPassphraseRequired
		}
		return nil, ErrWrongPassphrase
	}
	return plain, err
}

// p12MACMatches checks the MAC of a PKCS#12 file: the classic HMAC keyed by
// the PKCS#12 KDF, or PBMAC1. An empty passphrase is tried in both of its
// encodings (two zero bytes, as the standard says, or none).
func p12MACMatches(md p12MacData, content, passphrase []byte) (bool, error) {
	alg := md.Mac.Algorithm
	if alg.Algorithm.Equal(oidPBMAC1) {
		var p pbmac1Params
		var kp pbkdf2Params
		if _, err := asn1.Unmarshal(alg.Parameters.FullBytes, &p); err != nil || !p.KDF.Algorithm.Equal(oidPBKDF2) {
			return false, fmt.Errorf("%w: PBMAC1 parameters", ErrUnsupportedEncryption)
		}
		if _, err := asn1.Unmarshal(p.KDF.Parameters.FullBytes, &kp); err != nil || kp.KeyLength <= 0 || kp.KeyLength > 64 {
			return false, fmt.Errorf("%w: PBMAC1 parameters", ErrMalformed)
		}
		prf, err := prfHash(kp.PRF)
		if err != nil {
			return false, err
		}
		macHash, err := prfHash(p.MAC)
		if err != nil {
			return false, err
		}
		key, err := pbkdf2.Key(prf, string(passphrase), kp.Salt, kp.Iterations, kp.KeyLength)
		if err != nil {
			return false, fmt.Errorf("%w: PBMAC1: %v", ErrMalformed, err)
		}
		m := hmac.New(macHash, key)
		m.Write(content)
		return hmac.Equal(m.Sum(nil), md.Mac.Digest), nil
	}
	newHash := macHashes[alg.Algorithm.String()]
	if newHash == nil {
		return false, fmt.Errorf("%w: PKCS#12 MAC %s", ErrUnsupportedEncryption, alg.Algorithm)
	}
	encodings := [][]byte{bmpPassword(passphrase)}
	if len(passphrase) == 0 {
		encodings = append(encodings, nil)
	}
	for _, pw := range encodings {
		key := pkcs12KDF(newHash, md.MacSalt, pw, md.Iterations, 3, newHash().Size())
		m := hmac.New(newHash, key)
		m.Write(content)
		if hmac.Equal(m.Sum(nil), md.Mac.Digest) {
			return true, nil
		}
	}
	return false, nil
}
