// Package smime is Siegel's S/MIME engine: Open analyses a received message
// layer by layer into a Result, Seal signs and encrypts an outgoing one, and
// Check tells the composer what Seal can do. It works on MIME (RFC 5322,
// RFC 2045–2049, RFC 1847, RFC 8551), calls package cms for the CMS
// structures, finds certificates and keys through a Keyring (the
// certificate store), and does no I/O of its own.
//
// Opening (Engine.Open), step by step:
//  1. The outer header gives From and Date, which every signature is
//     checked against.
//  2. Layers are detected by structure and unwrapped outside-in, at most 8,
//     in any order: multipart/signed with a (x-)pkcs7-signature (the first
//     part is verified exactly as it stands, in canonical CRLF form, and is
//     what is shown — never an eContent hidden in the signature);
//     application/(x-)pkcs7-mime, or a whole-message .p7m, holding
//     signed-data (verified; its encapsulated content goes on),
//     enveloped-data or authEnveloped-data (decrypted with the key its
//     recipient identifier names; the plaintext goes on). The CMS content
//     type decides, not the smime-type parameter.
//  3. Any other entity ends the chain. An S/MIME part inside multipart/mixed
//     or multipart/alternative is an attachment, never a layer: it is not
//     decrypted or verified into the message (EFAIL).
//  4. Each signer is checked by every rule of DESIGN.md §3 (digest,
//     certificate in the message or store, chain to a stored CA or pinned,
//     validity when the message arrived (OpenAt), usage, SHA-256 or stronger, From address,
//     Date within an hour of signingTime); a layer takes its worst signer,
//     the article its worst layer. Every problem is named in a Reason.
//  5. Malformed input of any kind gives the malformed (signature) or failed
//     (encryption) state; Open never returns an error and never panics.
//
// Sealing (Engine.Seal) takes a message as message.Build builds it: the
// Content-* fields and the body become the protected entity, made
// transport-safe (CRLF, 7-bit, short lines) so that the signature verifies
// after any transport; it is signed (detached multipart/signed, SHA-256)
// and then encrypted (AES-256-CBC or AES-256-GCM) to every To and Cc
// address and the sender. A missing certificate or key is an error
// (*MissingCertError, ErrNoSignerKey), never a plaintext fallback.
//
// An Engine is safe for concurrent use and caches what does not change
// while the Keyring's Generation stays the same: the pool of trust anchors,
// verified certificate chains (with the period in which they are valid) and
// certificate descriptions. Checks that depend on the message — the
// signature itself, the signing time, the From address — run every time.
package smime
