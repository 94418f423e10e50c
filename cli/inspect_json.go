package cli

import (
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
	j := signatureJSON{State: string(r.Signature), Message: assets.Text("en", r.Signature.MessageKey()), Digest: r.Digest}
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
