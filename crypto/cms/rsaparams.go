package cms

import (
	"crypto"
	"encoding/asn1"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// The RSASSA-PSS and RSAES-OAEP parameters (RFC 4055, RFC 8017 A.2) share
// their first fields: hashAlgorithm [0] (default SHA-1) and
// maskGenAlgorithm [1] (default MGF1 with SHA-1). smallstep/pkcs7 reads only
// the OAEP hash and ignores the MGF1 hash and the label.

// readHashAlgorithm reads a digest AlgorithmIdentifier whose parameters are
// absent or NULL.
func readHashAlgorithm(s *cryptobyte.String) (crypto.Hash, error) {
	var oid asn1.ObjectIdentifier
	var params cryptobyte.String
	if !readAlgorithm(s, &oid, &params) {
		return 0, fmt.Errorf("%w: bad hash algorithm", ErrMalformed)
	}
	h, _, ok := digestByOID(oid)
	if !ok || h == crypto.MD5 {
		return 0, fmt.Errorf("%w: hash algorithm %s", ErrUnsupported, oid)
	}
	return h, nil
}

// readRSAHashes reads the optional [0] hashAlgorithm and [1]
// maskGenAlgorithm fields shared by PSS and OAEP parameters.
func readRSAHashes(s *cryptobyte.String) (hash, mgfHash crypto.Hash, err error) {
	hash, mgfHash = crypto.SHA1, crypto.SHA1
	var f cryptobyte.String
	var present bool
	if !s.ReadOptionalASN1(&f, &present, cbasn1.Tag(0).ContextSpecific().Constructed()) {
		return 0, 0, fmt.Errorf("%w: bad RSA parameters", ErrMalformed)
	}
	if present {
		if hash, err = readHashAlgorithm(&f); err != nil {
			return 0, 0, err
		}
		if !f.Empty() {
			return 0, 0, fmt.Errorf("%w: bad RSA hash parameter", ErrMalformed)
		}
	}
	if !s.ReadOptionalASN1(&f, &present, cbasn1.Tag(1).ContextSpecific().Constructed()) {
		return 0, 0, fmt.Errorf("%w: bad RSA parameters", ErrMalformed)
	}
	if present {
		var mgf cryptobyte.String
		var oid asn1.ObjectIdentifier
		if !f.ReadASN1(&mgf, cbasn1.SEQUENCE) || !f.Empty() || !mgf.ReadASN1ObjectIdentifier(&oid) {
			return 0, 0, fmt.Errorf("%w: bad mask generation function", ErrMalformed)
		}
		if !oid.Equal(oidMGF1) {
			return 0, 0, fmt.Errorf("%w: mask generation function %s", ErrUnsupported, oid)
		}
		if mgfHash, err = readHashAlgorithm(&mgf); err != nil {
			return 0, 0, err
		}
		if !mgf.Empty() {
			return 0, 0, fmt.Errorf("%w: bad mask generation function", ErrMalformed)
		}
	}
	return hash, mgfHash, nil
}

// parsePSSParams reads RSASSA-PSS-params. Go's rsa.VerifyPSS uses the
// signature hash for MGF1 as well; other combinations are unsupported (no
// implementation seen in mail uses them).
func parsePSSParams(params cryptobyte.String) (crypto.Hash, int, error) {
	if len(params) == 0 {
		return crypto.SHA1, 20, nil
	}
	var seq cryptobyte.String
	if !params.ReadASN1(&seq, cbasn1.SEQUENCE) || !params.Empty() {
		return 0, 0, fmt.Errorf("%w: bad RSASSA-PSS parameters", ErrMalformed)
	}
	hash, mgfHash, err := readRSAHashes(&seq)
	if err != nil {
		return 0, 0, err
	}
	if hash != mgfHash {
		return 0, 0, fmt.Errorf("%w: RSASSA-PSS with %s and MGF1-%s", ErrUnsupported, hashName(hash), hashName(mgfHash))
	}
	salt, trailer := 20, 1
	var f cryptobyte.String
	var present bool
	if !seq.ReadOptionalASN1(&f, &present, cbasn1.Tag(2).ContextSpecific().Constructed()) {
		return 0, 0, fmt.Errorf("%w: bad RSASSA-PSS salt length", ErrMalformed)
	}
	if present && (!f.ReadASN1Integer(&salt) || !f.Empty() || salt < 0 || salt > 1024) {
		return 0, 0, fmt.Errorf("%w: bad RSASSA-PSS salt length", ErrMalformed)
	}
	if !seq.ReadOptionalASN1(&f, &present, cbasn1.Tag(3).ContextSpecific().Constructed()) {
		return 0, 0, fmt.Errorf("%w: bad RSASSA-PSS trailer", ErrMalformed)
	}
	if present && (!f.ReadASN1Integer(&trailer) || !f.Empty()) {
		return 0, 0, fmt.Errorf("%w: bad RSASSA-PSS trailer", ErrMalformed)
	}
	if trailer != 1 {
		return 0, 0, fmt.Errorf("%w: RSASSA-PSS trailer field %d", ErrUnsupported, trailer)
	}
	if !seq.Empty() {
		return 0, 0, fmt.Errorf("%w: bad RSASSA-PSS parameters", ErrMalformed)
	}
	return hash, salt, nil
}

// oaepParams are the RSAES-OAEP parameters of a key transport.
type oaepParams struct {
	hash, mgfHash crypto.Hash
	label         []byte
}

// parseOAEPParams reads RSAES-OAEP-params; absent parameters mean all
// defaults (SHA-1, MGF1-SHA-1, empty label).
func parseOAEPParams(params cryptobyte.String) (oaepParams, error) {
	p := oaepParams{hash: crypto.SHA1, mgfHash: crypto.SHA1}
	if len(params) == 0 {
		return p, nil
	}
	if params.PeekASN1Tag(cbasn1.NULL) {
		return p, nil
	}
	var seq cryptobyte.String
	if !params.ReadASN1(&seq, cbasn1.SEQUENCE) || !params.Empty() {
		return p, fmt.Errorf("%w: bad RSAES-OAEP parameters", ErrMalformed)
	}
	var err error
	if p.hash, p.mgfHash, err = readRSAHashes(&seq); err != nil {
		return p, err
	}
	var f cryptobyte.String
	var present bool
	if !seq.ReadOptionalASN1(&f, &present, cbasn1.Tag(2).ContextSpecific().Constructed()) {
		return p, fmt.Errorf("%w: bad RSAES-OAEP label", ErrMalformed)
	}
	if present {
		var src cryptobyte.String
		var oid asn1.ObjectIdentifier
		var label cryptobyte.String
		if !f.ReadASN1(&src, cbasn1.SEQUENCE) || !f.Empty() || !src.ReadASN1ObjectIdentifier(&oid) {
			return p, fmt.Errorf("%w: bad RSAES-OAEP label", ErrMalformed)
		}
		if !oid.Equal(oidPSpecified) {
			return p, fmt.Errorf("%w: OAEP label source %s", ErrUnsupported, oid)
		}
		if !src.Empty() && (!src.ReadASN1(&label, cbasn1.OCTET_STRING) || !src.Empty()) {
			return p, fmt.Errorf("%w: bad RSAES-OAEP label", ErrMalformed)
		}
		if len(label) > 0 {
			p.label = label
		}
	}
	if !seq.Empty() {
		return p, fmt.Errorf("%w: bad RSAES-OAEP parameters", ErrMalformed)
	}
	return p, nil
}

// name describes the parameters as RecipientInfo.KeyTransport does.
func (p oaepParams) name() string {
	s := "RSA-OAEP (" + hashName(p.hash) + ", MGF1-" + hashName(p.mgfHash)
	if len(p.label) > 0 {
		s += ", label"
	}
	return s + ")"
}

// addOAEPParams writes the RSAES-OAEP-params we produce: SHA-256 and
// MGF1-SHA-256, both written out (they differ from the defaults), no label.
// The hash AlgorithmIdentifiers carry no parameters, as OpenSSL writes them
// (RFC 5754 §2).
func addOAEPParams(b *cryptobyte.Builder) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
			addAlgorithm(b, oidSHA256, nil)
		})
		b.AddASN1(cbasn1.Tag(1).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
			addAlgorithm(b, oidMGF1, func(b *cryptobyte.Builder) { addAlgorithm(b, oidSHA256, nil) })
		})
	})
}

// addAlgorithm writes an AlgorithmIdentifier; params may be nil.
func addAlgorithm(b *cryptobyte.Builder, oid asn1.ObjectIdentifier, params func(*cryptobyte.Builder)) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		if params != nil {
			params(b)
		}
	})
}
