package cms

import (
	"crypto"
	"encoding/asn1"
)

// Content types of a ContentInfo.
var (
	OIDData              = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	OIDSignedData        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	OIDEnvelopedData     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 3}
	OIDAuthEnvelopedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 23}
)

// Attributes.
var (
	oidAttrContentType       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidAttrMessageDigest     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidAttrSigningTime       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidAttrSMIMECapabilities = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 15}
)

// Digest algorithms.
var (
	oidMD5    = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 5}
	oidSHA1   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA224 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}
	oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
)

// Signature and key transport algorithms.
var (
	oidRSAEncryption   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidMD5WithRSA      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 4}
	oidSHA1WithRSA     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}
	oidRSAESOAEP       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 7}
	oidMGF1            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	oidPSpecified      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 9}
	oidRSASSAPSS       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidSHA256WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA384WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	oidSHA224WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 14}
	oidECPublicKey     = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidECDSAWithSHA1   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}
	oidECDSAWithSHA224 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 1}
	oidECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSAWithSHA384 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSAWithSHA512 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	oidEd25519         = asn1.ObjectIdentifier{1, 3, 101, 112}
)

// Content encryption and key wrap algorithms.
var (
	oidDESEDE3CBC = asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}
	oidAES128CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	oidAES256CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidAES128GCM  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 6}
	oidAES192GCM  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 26}
	oidAES256GCM  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 46}
	oidAES128Wrap = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 5}
	oidAES192Wrap = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 25}
	oidAES256Wrap = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 45}
)

// ECDH key agreement schemes (RFC 5753 §7.1.4, RFC 8418 names them too):
// the KDF hash is part of the scheme. Cofactor DH equals standard DH on the
// NIST curves, whose cofactor is 1.
var (
	oidECDHStdSHA1KDF       = asn1.ObjectIdentifier{1, 3, 133, 16, 840, 63, 0, 2}
	oidECDHStdSHA224KDF     = asn1.ObjectIdentifier{1, 3, 132, 1, 11, 0}
	oidECDHStdSHA256KDF     = asn1.ObjectIdentifier{1, 3, 132, 1, 11, 1}
	oidECDHStdSHA384KDF     = asn1.ObjectIdentifier{1, 3, 132, 1, 11, 2}
	oidECDHStdSHA512KDF     = asn1.ObjectIdentifier{1, 3, 132, 1, 11, 3}
	oidECDHCofSHA1KDF       = asn1.ObjectIdentifier{1, 3, 133, 16, 840, 63, 0, 3}
	oidECDHCofSHA224KDF     = asn1.ObjectIdentifier{1, 3, 132, 1, 14, 0}
	oidECDHCofSHA256KDF     = asn1.ObjectIdentifier{1, 3, 132, 1, 14, 1}
	oidECDHCofSHA384KDF     = asn1.ObjectIdentifier{1, 3, 132, 1, 14, 2}
	oidECDHCofSHA512KDF     = asn1.ObjectIdentifier{1, 3, 132, 1, 14, 3}
	oidCurveP256            = asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}
	oidCurveP384            = asn1.ObjectIdentifier{1, 3, 132, 0, 34}
	oidCurveP521            = asn1.ObjectIdentifier{1, 3, 132, 0, 35}
	oidSMIMECapPreferBinary = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 11}
)

// digestByOID maps a digest AlgorithmIdentifier to its hash and name. The
// signature OIDs with a digest are accepted as digest algorithms too: some
// old implementations wrote them there.
func digestByOID(oid asn1.ObjectIdentifier) (crypto.Hash, string, bool) {
	switch {
	case oid.Equal(oidSHA256), oid.Equal(oidSHA256WithRSA), oid.Equal(oidECDSAWithSHA256):
		return crypto.SHA256, "SHA-256", true
	case oid.Equal(oidSHA384), oid.Equal(oidSHA384WithRSA), oid.Equal(oidECDSAWithSHA384):
		return crypto.SHA384, "SHA-384", true
	case oid.Equal(oidSHA512), oid.Equal(oidSHA512WithRSA), oid.Equal(oidECDSAWithSHA512):
		return crypto.SHA512, "SHA-512", true
	case oid.Equal(oidSHA1), oid.Equal(oidSHA1WithRSA), oid.Equal(oidECDSAWithSHA1):
		return crypto.SHA1, "SHA-1", true
	case oid.Equal(oidSHA224), oid.Equal(oidSHA224WithRSA), oid.Equal(oidECDSAWithSHA224):
		return crypto.SHA224, "SHA-224", true
	case oid.Equal(oidMD5), oid.Equal(oidMD5WithRSA):
		return crypto.MD5, "MD5", true
	}
	return 0, "", false
}

// digestOID is the AlgorithmIdentifier OID of a hash we produce.
func digestOID(h crypto.Hash) (asn1.ObjectIdentifier, bool) {
	switch h {
	case crypto.SHA256:
		return oidSHA256, true
	case crypto.SHA384:
		return oidSHA384, true
	case crypto.SHA512:
		return oidSHA512, true
	}
	return nil, false
}

// hashName names a hash as the Go constants' String does not ("SHA-256").
func hashName(h crypto.Hash) string {
	switch h {
	case crypto.SHA1:
		return "SHA-1"
	case crypto.SHA224:
		return "SHA-224"
	case crypto.SHA256:
		return "SHA-256"
	case crypto.SHA384:
		return "SHA-384"
	case crypto.SHA512:
		return "SHA-512"
	case crypto.MD5:
		return "MD5"
	}
	return h.String()
}
