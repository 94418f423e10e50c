package smime

import (
	"time"

	"siegel/crypto/certinfo"
	"siegel/message"
)

// SignatureState is an article's (or one layer's) signature verdict, named
// as in DESIGN.md §3 and in the `inspect --json` contract.
type SignatureState string

// The signature states, listed from worst to best after SigNone.
const (
	SigNone            SignatureState = "none"
	SigMalformed       SignatureState = "malformed"
	SigTampered        SignatureState = "tampered"
	SigRevoked         SignatureState = "revoked"
	SigCertNotFound    SignatureState = "cert-not-found"
	SigUntrusted       SignatureState = "untrusted"
	SigExpired         SignatureState = "expired"
	SigSenderMismatch  SignatureState = "sender-mismatch"
	SigWeak            SignatureState = "weak"
	SigArrivalMismatch SignatureState = "arrival-mismatch"
	SigDateMismatch    SignatureState = "date-mismatch"
	SigValid           SignatureState = "valid"
)

// sigSeverity orders the states of signed layers, worst first.
var sigSeverity = []SignatureState{
	SigMalformed, SigTampered, SigRevoked, SigCertNotFound, SigUntrusted, SigExpired,
	SigSenderMismatch, SigWeak, SigArrivalMismatch, SigDateMismatch, SigValid,
}

// Worse reports whether s is a worse verdict than t. SigNone (no signature
// at all) is never worse than a signed state.
func (s SignatureState) Worse(t SignatureState) bool {
	return s.rank() < t.rank()
}

func (s SignatureState) rank() int {
	for i, v := range sigSeverity {
		if v == s {
			return i
		}
	}
	return len(sigSeverity) // SigNone and unknown values rank last
}

// MessageKey is the translation key of the state's text in DESIGN.md §3,
// e.g. "signature.valid". The texts live in assets/translations.
func (s SignatureState) MessageKey() string { return "signature." + string(s) }

// Failed reports whether the state is a signature failure, shown with a
// banner and Retry security check.
func (s SignatureState) Failed() bool { return s != SigNone && s != SigValid }

// EncryptionState says whether the shown content came out of a decrypted
// layer.
type EncryptionState string

// The encryption states.
const (
	EncNone      EncryptionState = "none"
	EncDecrypted EncryptionState = "decrypted"
	EncNoKey     EncryptionState = "no-key"
	EncFailed    EncryptionState = "failed"
)

// MessageKey is the translation key of the state's text, e.g.
// "encryption.no-key".
func (s EncryptionState) MessageKey() string { return "encryption." + string(s) }

// Failed reports whether the state is a decryption failure.
func (s EncryptionState) Failed() bool { return s == EncNoKey || s == EncFailed }

// LayerKind names one S/MIME layer as in the `inspect --json` contract.
type LayerKind string

// The layer kinds.
const (
	LayerSigned        LayerKind = "signed"         // multipart/signed, detached
	LayerOpaqueSigned  LayerKind = "opaque-signed"  // application/pkcs7-mime signed-data
	LayerEnveloped     LayerKind = "enveloped"      // enveloped-data
	LayerAuthEnveloped LayerKind = "auth-enveloped" // authEnveloped-data (AES-GCM)
)

// Layer is one unwrapped layer, outermost first in Result.Layers.
type Layer struct {
	Kind LayerKind `json:"kind"`
	// State is the layer's own verdict: a SignatureState for signed kinds,
	// an EncryptionState for enveloped kinds.
	State string `json:"state"`
	// Reason is the technical detail behind State, in English, for logs and
	// the details dialog (e.g. "digest mismatch", "SHA-1 digest").
	Reason string `json:"reason,omitempty"`

	// Signed layers.
	Signers []Signer `json:"signers,omitempty"`

	// Enveloped layers.
	Recipient    *certinfo.Info `json:"recipient,omitempty"` // our certificate whose key opened it
	Cipher       string         `json:"cipher,omitempty"`    // "AES-256-CBC", "AES-128-GCM", "3DES-CBC"
	KeyTransport string         `json:"key_transport,omitempty"`
	Recipients   int            `json:"recipients,omitempty"` // RecipientInfos in the structure
}

// Signer is one SignerInfo of a signed layer with its own verdict.
type Signer struct {
	State       SignatureState  `json:"state"`
	Reason      string          `json:"reason,omitempty"`
	Cert        *certinfo.Info  `json:"cert,omitempty"`  // nil when not found
	Chain       []certinfo.Info `json:"chain,omitempty"` // signer first, up to the trust anchor
	Digest      string          `json:"digest,omitempty"`
	Signature   string          `json:"signature,omitempty"`   // "RSA PKCS#1 v1.5", "RSASSA-PSS", "ECDSA"
	SigningTime time.Time       `json:"signing_time,omitzero"` // the sender's claim
	// ExpiredSince is when the certificate (or one of its chain) expired,
	// when it was valid at the message's arrival but is no longer: a note,
	// not a failure.
	ExpiredSince time.Time `json:"expired_since,omitzero"`
	// Revocation is the worst revocation answer about the certificate and
	// its issuing CAs below the trust anchor; nil when the chain was not
	// established (nothing to ask about).
	Revocation *Revocation `json:"revocation,omitempty"`
	CertDER    []byte      `json:"cert_der,omitempty"` // for auto-collection and the details dialog
}

// Result is the security analysis of one message. It is plain data: the mail
// core stores it as JSON beside the raw message, and the UI and the CLI
// render it as it is. It never carries decrypted text: Open returns the
// content apart from it.
type Result struct {
	Encryption EncryptionState `json:"encryption"`
	Signature  SignatureState  `json:"signature"`
	Layers     []Layer         `json:"layers,omitempty"`

	// Signer is the signer behind Signature: of the worst signature layer,
	// the outermost one among equals. Chain runs from it to its anchor.
	Signer      *certinfo.Info  `json:"signer,omitempty"`
	Chain       []certinfo.Info `json:"chain,omitempty"`
	Digest      string          `json:"digest,omitempty"`
	SigningTime time.Time       `json:"signing_time,omitzero"`
	// ExpiredSince is the signer's note: valid when the message arrived,
	// expired since then.
	ExpiredSince time.Time `json:"expired_since,omitzero"`
	// Revocation is the signer's revocation answer (Signer.Revocation).
	Revocation *Revocation `json:"revocation,omitempty"`

	// Recipient is our certificate whose key opened the innermost decrypted
	// layer; Cipher and KeyTransport are that layer's algorithms.
	Recipient    *certinfo.Info `json:"recipient,omitempty"`
	Cipher       string         `json:"cipher,omitempty"`
	KeyTransport string         `json:"key_transport,omitempty"`

	// Analysed is when the analysis ran; Arrived the time certificates
	// were checked at (OpenAt).
	Analysed time.Time `json:"analysed"`
	Arrived  time.Time `json:"arrived,omitzero"`

	// Envelope is the outer header the signatures were judged against:
	// its Author is the sender a valid signature vouches for, and the one
	// every view shows beside the verdict.
	Envelope message.Envelope `json:"envelope"`
	// Protected is the header the sender protected inside the message
	// (RFC 9788), when it has one; Header merges it for display.
	Protected *Protected `json:"protected,omitempty"`
}

// Retryable reports whether a later analysis may give another result once
// the administrator adds a certificate or key.
func (r *Result) Retryable() bool {
	return r.Signature == SigCertNotFound || r.Encryption == EncNoKey
}

// RevocationPending reports whether a revocation answer is still to come
// (checking) or may come later (unknown): the desk analyses such an
// article again when the revocation checker learns something new.
func (r *Result) RevocationPending() bool {
	for _, l := range r.Layers {
		for _, s := range l.Signers {
			if s.Revocation != nil && (s.Revocation.Status == RevChecking || s.Revocation.Status == RevUnknown) {
				return true
			}
		}
	}
	return false
}
