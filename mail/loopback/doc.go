// Package loopback runs, inside Siegel's own process and on 127.0.0.1,
// the two mail servers an account talks to: an IMAP server (go-imap's
// imapserver over imapmemserver, with one user whose folders are INBOX
// and Sent) and an SMTP server (go-smtp) that hands every message it
// accepts to its caller.
//
// It serves two callers, on purpose with the same code: the demo mailbox
// (package demo, which ships, so this is not test-only code) and the tests
// of the mail core, the command line and the UI (through mail/mailtest,
// which adds the test conveniences). What the demo shows is what the tests
// have exercised, and an option either of them needs — TLS, STARTTLS, no
// IDLE, no Sent folder, a required login, a size limit — exists once.
//
// The servers keep everything in memory and listen on a random loopback
// port; without TLS they accept plain logins, which package account
// allows on loopback only.
package loopback
