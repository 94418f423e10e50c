package certs

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"
	"math/big"
	"unicode/utf16"

	"golang.org/x/crypto/scrypt"
)

// Password-based encryption of PKCS#8 keys (RFC 8018 PBES2, and the PKCS#12
// scheme pbeWithSHAAnd3-KeyTripleDES-CBC that `openssl pkcs8 -v1` and old
// tools write), which the standard library does not read. PKCS#12 files are
// decrypted by go-pkcs12; costOf guards both against absurd work factors.

// maxIterations bounds PBKDF2 and PKCS#12 KDF iteration counts, so a
// crafted file cannot keep the import busy for hours. Real files use 2048
// to a few hundred thousand.
const maxIterations = 2_000_000

// maxScryptMemory bounds the memory scrypt parameters may ask for
// (OpenSSL's default needs 16 MiB).
const maxScryptMemory = 128 << 20

var (
	oidPBES2          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidPBMAC1         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 14}
	oidScrypt         = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11591, 4, 11}
	oidHMACSHA1       = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACSHA224     = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 8}
	oidHMACSHA256     = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidHMACSHA384     = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 10}
	oidHMACSHA512     = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}
	oidAES128CBC      = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC      = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	oidAES256CBC      = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidDESEDE3CBC     = asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}
	oidPKCS12PBE      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1} // arc of the PKCS#12 PBE schemes
	oidPBEWithSHA3DES = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 3}
)

// legacyPBENames names the old schemes Siegel does not read (56-bit DES,
// RC2, RC4), for the error message.
var legacyPBENames = map[string]string{
	"1.2.840.113549.1.5.1":    "pbeWithMD2AndDES-CBC",
	"1.2.840.113549.1.5.3":    "pbeWithMD5AndDES-CBC",
	"1.2.840.113549.1.5.4":    "pbeWithMD2AndRC2-CBC",
	"1.2.840.113549.1.5.6":    "pbeWithMD5AndRC2-CBC",
	"1.2.840.113549.1.5.10":   "pbeWithSHA1AndDES-CBC",
	"1.2.840.113549.1.5.11":   "pbeWithSHA1AndRC2-CBC",
	"1.2.840.113549.1.12.1.1": "pbeWithSHAAnd128BitRC4",
	"1.2.840.113549.1.12.1.2": "pbeWithSHAAnd40BitRC4",
	"1.2.840.113549.1.12.1.4": "pbeWithSHAAnd2-KeyTripleDES-CBC",
	"1.2.840.113549.1.12.1.5": "pbeWithSHAAnd128BitRC2-CBC",
	"1.2.840.113549.1.12.1.6": "pbeWithSHAAnd40BitRC2-CBC",
}

type encryptedPrivateKeyInfo struct {
	Algorithm pkix.AlgorithmIdentifier
	Data      []byte
}

type pbes2Params struct {
	KDF    pkix.AlgorithmIdentifier
	Scheme pkix.AlgorithmIdentifier
}

type pbkdf2Params struct {
	Salt       []byte
	Iterations int
	KeyLength  int                      `asn1:"optional"`
	PRF        pkix.AlgorithmIdentifier `asn1:"optional"`
}

type scryptParams struct {
	Salt      []byte
	N         int
	R         int
	P         int
	KeyLength int `asn1:"optional"`
}

// pkcs12PBEParams are the parameters of the PKCS#12 PBE schemes.
type pkcs12PBEParams struct {
	Salt       []byte
	Iterations int
}

// errBadPadding means decryption produced no valid padding: the usual
// sign of a wrong passphrase.
var errBadPadding = errors.New("bad padding")

// decryptPKCS8 decrypts the DER of an EncryptedPrivateKeyInfo to the DER of
// a PrivateKeyInfo. A wrong passphrase usually shows as errBadPadding; the
// caller confirms by parsing the result.
func decryptPKCS8(der, passphrase []byte) ([]byte, error) {
	var epki encryptedPrivateKeyInfo
	if rest, err := asn1.Unmarshal(der, &epki); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("%w: encrypted private key structure", ErrMalformed)
	}
	return decryptWith(epki.Algorithm, epki.Data, passphrase)
}

// decryptWith decrypts data with a password-based encryption scheme
// (PBES2, or the PKCS#12 scheme with 3DES), after checking its cost.
// passphrase is UTF-8; the PKCS#12 scheme gets it as bmpPassword.
func decryptWith(alg pkix.AlgorithmIdentifier, data, passphrase []byte) ([]byte, error) {
	if err := costOf(alg); err != nil {
		return nil, err
	}
	switch {
	case alg.Algorithm.Equal(oidPBES2):
		return decryptPBES2(alg, data, passphrase)
	case alg.Algorithm.Equal(oidPBEWithSHA3DES):
		var p pkcs12PBEParams
		if _, err := asn1.Unmarshal(alg.Parameters.FullBytes, &p); err != nil {
			return nil, fmt.Errorf("%w: PBE parameters", ErrMalformed)
		}
		pw := bmpPassword(passphrase)
		key := pkcs12KDF(sha1.New, p.Salt, pw, p.Iterations, 1, 24)
		iv := pkcs12KDF(sha1.New, p.Salt, pw, p.Iterations, 2, 8)
		block, err := des.NewTripleDESCipher(key)
		if err != nil {
			return nil, err
		}
		return cbcDecrypt(block, iv, data)
	default:
		name := legacyPBENames[alg.Algorithm.String()]
		if name == "" {
			name = alg.Algorithm.String()
		}
		return nil, fmt.Errorf("%w: key encryption %s", ErrUnsupportedEncryption, name)
	}
}

func decryptPBES2(alg pkix.AlgorithmIdentifier, data, passphrase []byte) ([]byte, error) {
	var p pbes2Params
	if _, err := asn1.Unmarshal(alg.Parameters.FullBytes, &p); err != nil {
		return nil, fmt.Errorf("%w: PBES2 parameters", ErrMalformed)
	}
	var keyLen int
	var newCipher func([]byte) (cipher.Block, error)
	switch {
	case p.Scheme.Algorithm.Equal(oidAES128CBC):
		keyLen, newCipher = 16, aes.NewCipher
	case p.Scheme.Algorithm.Equal(oidAES192CBC):
		keyLen, newCipher = 24, aes.NewCipher
	case p.Scheme.Algorithm.Equal(oidAES256CBC):
		keyLen, newCipher = 32, aes.NewCipher
	case p.Scheme.Algorithm.Equal(oidDESEDE3CBC):
		keyLen, newCipher = 24, des.NewTripleDESCipher
	default:
		return nil, fmt.Errorf("%w: cipher %s", ErrUnsupportedEncryption, p.Scheme.Algorithm)
	}
	var iv []byte
	if _, err := asn1.Unmarshal(p.Scheme.Parameters.FullBytes, &iv); err != nil {
		return nil, fmt.Errorf("%w: cipher parameters", ErrMalformed)
	}
	var key []byte
	switch {
	case p.KDF.Algorithm.Equal(oidPBKDF2):
		var kp pbkdf2Params
		if _, err := asn1.Unmarshal(p.KDF.Parameters.FullBytes, &kp); err != nil {
			return nil, fmt.Errorf("%w: PBKDF2 parameters", ErrMalformed)
		}
		if kp.KeyLength != 0 && kp.KeyLength != keyLen {
			return nil, fmt.Errorf("%w: PBKDF2 key length %d", ErrMalformed, kp.KeyLength)
		}
		h, err := prfHash(kp.PRF)
		if err != nil {
			return nil, err
		}
		if key, err = pbkdf2.Key(h, string(passphrase), kp.Salt, kp.Iterations, keyLen); err != nil {
			return nil, fmt.Errorf("%w: PBKDF2: %v", ErrMalformed, err)
		}
	case p.KDF.Algorithm.Equal(oidScrypt):
		var sp scryptParams
		if _, err := asn1.Unmarshal(p.KDF.Parameters.FullBytes, &sp); err != nil {
			return nil, fmt.Errorf("%w: scrypt parameters", ErrMalformed)
		}
		var err error
		if key, err = scrypt.Key(passphrase, sp.Salt, sp.N, sp.R, sp.P, keyLen); err != nil {
			return nil, fmt.Errorf("%w: scrypt: %v", ErrMalformed, err)
		}
	default:
		return nil, fmt.Errorf("%w: key derivation %s", ErrUnsupportedEncryption, p.KDF.Algorithm)
	}
	block, err := newCipher(key)
	if err != nil {
		return nil, err
	}
	return cbcDecrypt(block, iv, data)
}

func prfHash(prf pkix.AlgorithmIdentifier) (func() hash.Hash, error) {
	switch {
	case len(prf.Algorithm) == 0 || prf.Algorithm.Equal(oidHMACSHA1):
		return sha1.New, nil
	case prf.Algorithm.Equal(oidHMACSHA224):
		return sha256.New224, nil
	case prf.Algorithm.Equal(oidHMACSHA256):
		return sha256.New, nil
	case prf.Algorithm.Equal(oidHMACSHA384):
		return sha512.New384, nil
	case prf.Algorithm.Equal(oidHMACSHA512):
		return sha512.New, nil
	default:
		return nil, fmt.Errorf("%w: PBKDF2 function %s", ErrUnsupportedEncryption, prf.Algorithm)
	}
}

func cbcDecrypt(block cipher.Block, iv, data []byte) ([]byte, error) {
	bs := block.BlockSize()
	if len(iv) != bs {
		return nil, fmt.Errorf("%w: IV length %d", ErrMalformed, len(iv))
	}
	if len(data) == 0 || len(data)%bs != 0 {
		return nil, fmt.Errorf("%w: encrypted key length %d", ErrMalformed, len(data))
	}
	out := make([]byte, len(data))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, data)
	n := int(out[len(out)-1])
	if n == 0 || n > bs {
		return nil, errBadPadding
	}
	for _, b := range out[len(out)-n:] {
		if int(b) != n {
			return nil, errBadPadding
		}
	}
	return out[:len(out)-n], nil
}

// costOf rejects password-based schemes whose work factor exceeds the
// limits above. Unknown algorithms pass: they fail later with a specific
// error, and only the known ones have a cost.
func costOf(alg pkix.AlgorithmIdentifier) error {
	tooMuch := func(what string, n int) error {
		return fmt.Errorf("%w: %s of %d exceeds the limit", ErrUnsupportedEncryption, what, n)
	}
	switch {
	case alg.Algorithm.Equal(oidPBES2) || alg.Algorithm.Equal(oidPBMAC1):
		// PBMAC1 has the same shape: a KDF, then a MAC scheme.
		var p pbes2Params
		if _, err := asn1.Unmarshal(alg.Parameters.FullBytes, &p); err != nil {
			return nil
		}
		return costOf(p.KDF)
	case alg.Algorithm.Equal(oidPBKDF2):
		var p pbkdf2Params
		if _, err := asn1.Unmarshal(alg.Parameters.FullBytes, &p); err == nil && p.Iterations > maxIterations {
			return tooMuch("PBKDF2 iteration count", p.Iterations)
		}
	case alg.Algorithm.Equal(oidScrypt):
		var p scryptParams
		if _, err := asn1.Unmarshal(alg.Parameters.FullBytes, &p); err == nil {
			if p.N < 0 || p.R < 0 || p.P < 0 || p.R > 64 || p.P > 16 || p.N > maxScryptMemory/128 ||
				p.N*p.R*128 > maxScryptMemory || p.N*p.R*p.P > 1<<22 {
				return tooMuch("scrypt cost", p.N)
			}
		}
	case len(alg.Algorithm) == len(oidPKCS12PBE)+1 && alg.Algorithm[:len(oidPKCS12PBE)].Equal(oidPKCS12PBE):
		var p pkcs12PBEParams
		if _, err := asn1.Unmarshal(alg.Parameters.FullBytes, &p); err == nil && p.Iterations > maxIterations {
			return tooMuch("PBE iteration count", p.Iterations)
		}
	}
	return nil
}

// bmpPassword is the password encoding of PKCS#12: UTF-16 big-endian with a
// terminating zero character.
func bmpPassword(pw []byte) []byte {
	units := utf16.Encode([]rune(string(pw)))
	out := make([]byte, 0, 2*len(units)+2)
	for _, u := range units {
		out = append(out, byte(u>>8), byte(u))
	}
	return append(out, 0, 0)
}

// pkcs12KDF is the key derivation of RFC 7292 appendix B.2; id 1 derives
// keys, 2 IVs, 3 MAC keys. password is in the form bmpPassword makes.
func pkcs12KDF(newHash func() hash.Hash, salt, password []byte, iterations int, id byte, size int) []byte {
	v := newHash().BlockSize()
	if iterations < 1 {
		iterations = 1
	}
	diversifier := bytes.Repeat([]byte{id}, v)
	fill := func(in []byte) []byte {
		if len(in) == 0 {
			return nil
		}
		out := make([]byte, v*((len(in)+v-1)/v))
		for i := range out {
			out[i] = in[i%len(in)]
		}
		return out
	}
	input := append(fill(salt), fill(password)...)
	var out []byte
	one := big.NewInt(1)
	for {
		h := newHash()
		h.Write(diversifier)
		h.Write(input)
		a := h.Sum(nil)
		for j := 1; j < iterations; j++ {
			h.Reset()
			h.Write(a)
			a = h.Sum(a[:0])
		}
		out = append(out, a...)
		if len(out) >= size {
			return out[:size]
		}
		// Each block of the input becomes (block + B + 1) mod 2^(8v).
		b := new(big.Int).SetBytes(fill(a))
		b.Add(b, one)
		for j := 0; j < len(input); j += v {
			sum := new(big.Int).SetBytes(input[j : j+v])
			sum.Add(sum, b)
			sb := sum.Bytes()
			if len(sb) > v {
				sb = sb[len(sb)-v:]
			}
			clear(input[j : j+v])
			copy(input[j+v-len(sb):j+v], sb)
		}
	}
}
