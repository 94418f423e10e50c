// Package demo is Siegel's demo mailbox (DESIGN.md §7): a separate demo
// profile whose account talks to an IMAP and an SMTP server inside the
// process, filled with helpdesk correspondence in German and English that
// shows every security state of DESIGN.md §3 at once, and a partner's
// signed HTML newsletter with a table, an inline image and a remote one
// that stays blocked (newsletter.go). It is what `siegel --demo` opens,
// and `siegel` when no account is configured.
//
// Start does it all, in this order:
//
//  1. The demo folder is wiped and made anew (never a folder the demo did
//     not make: ErrNotDemoFolder).
//  2. A demo PKI is generated (pki.go): "Siegel Demo CA", the helpdesk's
//     identity (support@helpdesk.example, RSA), four customers with
//     certificates (Anna: RSA; James, Priya: P-256; Jonas: P-384), an
//     expired certificate of Priya's, an old one of the helpdesk's whose
//     key is gone, Max's self-signed one, and Lena's, which the CA revoked
//     after her key was stolen; Klaus has none; Northwind's newsletter
//     address signs with a P-256 certificate of the CA. Every certificate the CA
//     issued names the demo's own OCSP responder on 127.0.0.1 (ocsp.go),
//     which says "good", and "revoked (key compromise)" for Lena's. Only the two
//     RSA keys take time, so they are made in parallel while the profile
//     opens.
//  3. The profile opens with the public Passphrase (no prompt), with the
//     real certificate store, S/MIME engine and mail desk, wired as main
//     wires them for a real profile.
//  4. The store gets the CA, the helpdesk's key, Anna's and Priya's
//     certificates. James's certificate is collected from his first valid
//     signature; Jonas's is left in the folder (MissingCertFile), so an
//     administrator can import it and press Retry.
//  5. The correspondence (correspondence.go) is built: messages that are
//     meant to be right are sealed by the real engine over an in-memory
//     keyring of the customers' mail clients (keyring.go), with the clock
//     at each message's date; the broken ones — tampered, certificate left
//     out, expired, foreign signer, SHA-1, skewed clock, cut signature,
//     encrypted for a lost key, damaged ciphertext — are made by hand with
//     package cms (forge.go). They go into INBOX, our answers into Sent.
//  6. The servers start on 127.0.0.1 with random ports and a random
//     password — mail/loopback's IMAP and SMTP servers, the same ones the
//     tests of the mail core run against; the demo account points at them;
//     one sync pass files the tickets.
//
// While it runs, whatever the desk sends reaches the demo SMTP server,
// which writes it as received to ReceivedDir, and the customer it was for
// thanks the helpdesk a few seconds later with a signed and encrypted
// message into INBOX (thanks.go), which a started desk picks up at once.
//
// The folder keeps, besides the profile: CAFile, MissingCertFile, KeysDir
// (every identity with its key as PKCS#12, encrypted with Passphrase) and
// ReceivedDir. All addresses are in the reserved .example domain.
package demo
