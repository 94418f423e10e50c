// Package cms reads and writes the CMS structures (RFC 5652) that S/MIME
// mail carries: SignedData, EnvelopedData and AuthEnvelopedData. It knows
// nothing of MIME and does no I/O; package smime calls it for every layer
// of a message, and for sealing.
//
// # Reading
//
//  1. ContentType tells the structure of a ContentInfo without parsing it.
//  2. ParseSignedData and ParseEnvelope first convert BER to DER (package
//     ber: indefinite lengths and constructed OCTET STRINGs, as Outlook,
//     Thunderbird and `openssl cms -stream` write them), then read the DER
//     with cryptobyte, without copying. Every length is checked against the
//     input before use, nesting is bounded (ber.MaxDepth), and no
//     allocation follows a declared size; malformed input gives
//     ErrMalformed, never a panic. Certificates reads only the
//     certificates of a SignedData, for .p7b bundles, with the same bounds.
//  3. SignedData.Verify checks one signer with a certificate the caller
//     chose (found in the message or in the store): the signature over the
//     signed attributes (RSA PKCS #1 v1.5, RSASSA-PSS with its parameters,
//     ECDSA, Ed25519), then the content digest (SHA-1 to SHA-512). Trust,
//     validity, usage and the weakness of SHA-1 are package smime's rules.
//  4. Envelope.Decrypt asks a KeyLookup for the key of each recipient
//     identifier (issuer and serial, or subject key identifier), wherever
//     ours stands, and opens the content key by RSA PKCS #1 v1.5 or
//     RSA-OAEP (hash, MGF1 hash and label from the parameters), or by
//     ephemeral-static ECDH (RFC 5753: X9.63 KDF with ECC-CMS-SharedInfo,
//     AES key wrap of RFC 3394) on P-256, P-384 and P-521; then the content
//     with AES-128/192/256-CBC, 3DES-CBC or AES-GCM (AuthEnvelopedData,
//     RFC 5083/5084). Failures after a key matched are all ErrDecrypt, with
//     constant-time padding and unwrap checks, so that no oracle tells them
//     apart; RSA PKCS #1 v1.5 uses a random key on bad padding (RFC 3218).
//
// # Writing
//
// SignDetached makes a detached SHA-256 signature with signingTime and
// SMIMECapabilities; Encrypt makes EnvelopedData (AES-CBC) or
// AuthEnvelopedData (AES-256-GCM) for RSA recipients (PKCS #1 v1.5, or
// OAEP with SHA-256 and its parameters written out) and EC recipients
// (ECDH). Both write DER in one pass: Encrypt encrypts straight into its
// output buffer.
//
// # Why not github.com/smallstep/pkcs7 alone
//
// smallstep/pkcs7 (v0.2.3) is the PKCS #7 package in Siegel's stack. It is
// right for plain cases: an issuer-and-serial RSA or ECDSA signature, RSA
// key transport with AES-CBC. Its tests here (pkcs7_test.go) hold this
// package to interoperate with it in both directions. But it cannot read
// much of what real mail contains, and some of its code is unsafe for
// hostile input, so this package does not call it at run time:
//
//   - BER: its ber2der recurses without a bound (deep nesting overflows the
//     stack, which recover cannot catch) and leaves constructed OCTET
//     STRINGs nested; its SignedData parser ignores the error when a
//     SignerInfo does not fit its struct, so signers identified by subject
//     key identifier silently vanish.
//   - Verification: issuer-and-serial signers only, the certificate must be
//     in the message, no RSASSA-PSS, and it enforces its own signing-time
//     policy.
//   - Decryption: key transport only (no ECDH key agreement, no subject key
//     identifiers), OAEP without the MGF1 hash and label, PKCS #1 v1.5
//     that reports bad padding (an oracle), a padding check that is not
//     constant-time and panics on a padding length beyond the data, CBC
//     that panics on a ciphertext that is not whole blocks, no AES-192, no
//     AuthEnvelopedData, GCM tag length without its default.
//   - Writing: the encryption algorithms are package variables (a data race
//     when set from concurrent code) defaulting to DES; its OAEP output does
//     not name the MGF1 hash it used, so OpenSSL cannot decrypt it; signing
//     defaults to SHA-1, always stamps the current time and copies the
//     content even when detached.
package cms
