package cli

import (
	"time"

	"siegel/assets"
	"siegel/crypto/smime"
)

// The JSON objects of `inspect --json` (DESIGN.md §8), a stable contract
// for scripts. `show --json` uses the same encryption and signature objects
// per article. Field order is the contract's.

type inspectJSON struct {
	File    string `json:"file"`
	From    string `json:"from"`
	Subject string `json:"subject"`
	// FromProblem is the From policy's objection (message.Envelope), when
	// it has one: an addition to the contract, absent when empty.
	FromProblem string         `json:"from_problem,omitempty"`
	Encryption  encryptionJSON `json:"encryption"`
	Signature   signatureJSON  `json:"signature"`
	Layers      []layerJSON    `json:"layers"`
	Text        string         `json:"text"`
}

type encryptionJSON struct {
	State     string `json:"state"`
	Message   string `json:"message"`
	Recipient string `json:"recipient"` // SHA-256 fingerprint of our certificate, or empty
	Cipher    string `json:"cipher"`
}

type signatureJSON struct {
	State   string     `json:"state"`
	Message string     `json:"message"`
	Signer  signerJSON `json:"signer"`
	Digest  string     `json:"digest"`
	// Revocation is what the signer's CA says (issue 12's addition).
	Revocation revocationJSON `json:"revocation"`
}

// revocationJSON is the revocation object: status good, revoked, unknown
// or not-checked ("checking" never shows here: the command line waits for
// the answer); the times RFC 3339, empty when unknown.
type revocationJSON struct {
	Status    string `json:"status"`
	Source    string `json:"source"`
	RevokedAt string `json:"revoked_at"`
	Reason    string `json:"reason"`
	CheckedAt string `json:"checked_at"`
	// Subject names the issuing CA the answer concerns, when it is not
	// the signer's own certificate (absent otherwise).
	Subject string `json:"subject,omitempty"`
}

func newRevocationJSON(r *smime.Revocation) revocationJSON {
	if r == nil {
		return revocationJSON{Status: string(smime.RevNotChecked)}
	}
	j := revocationJSON{Status: string(r.Status), Source: r.Source, Reason: r.Reason, Subject: r.Subject,
		RevokedAt: rfc3339(r.RevokedAt), CheckedAt: rfc3339(r.CheckedAt)}
	if j.Status == "" {
		j.Status = string(smime.RevNotChecked)
	}
	return j
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

type signerJSON struct {
	Email       string `json:"email"`
	Subject     string `json:"subject"`
	Fingerprint string `json:"fingerprint"`
}

type layerJSON struct {
	Kind  string `json:"kind"`
	State string `json:"state"`
	// Reason is the technical detail behind State (an addition to the
	// contract, absent when empty).
	Reason string `json:"reason,omitempty"`
}

// newEncryptionJSON is the encryption object of a result, with the
// message in English.
func newEncryptionJSON(r *smime.Result) encryptionJSON {
	j := encryptionJSON{State: string(r.Encryption), Message: assets.Text("en", r.Encryption.MessageKey()), Cipher: r.Cipher}
	if r.Recipient != nil {
		j.Recipient = r.Recipient.Fingerprint
	}
	return j
}

// newSignatureJSON is the signature object of a result, with the message
// in English. The signer is the one behind the state (of the worst layer);
// its fields are empty when there is none.
func newSignatureJSON(r *smime.Result) signatureJSON {
	j := signatureJSON{State: string(r.Signature), Message: assets.Text("en", r.Signature.MessageKey()), Digest: r.Digest,
		Revocation: newRevocationJSON(r.Revocation)}
	if r.Signer != nil {
		j.Signer = signerJSON{Subject: r.Signer.Subject, Fingerprint: r.Signer.Fingerprint}
		if len(r.Signer.Emails) > 0 {
			j.Signer.Email = r.Signer.Emails[0]
		}
	}
	return j
}

func newLayersJSON(r *smime.Result) []layerJSON {
	out := make([]layerJSON, 0, len(r.Layers))
	for _, l := range r.Layers {
		out = append(out, layerJSON{Kind: string(l.Kind), State: l.State, Reason: l.Reason})
	}
	return out
}
