// Package ui is Siegel's desktop interface (DESIGN.md §3, §4, §6): the main
// window with the ticket list, the ticket with its article cards, security
// bars and certificate tooltips, the composer with its Encrypt and Sign
// toggles, and the settings window with accounts, certificates, security
// and appearance.
//
// The package knows the core only through the small interfaces in
// core.go (the mail desk, the certificate store, the engine's Check and
// the profile's settings and administrator lock); main wires the concrete
// types, and the tests wire the same real cores over temporary databases.
// It renders the core's result types as they are: a smime.Result becomes a
// security bar, a tooltip and a details dialog without being reinterpreted.
// A card shows the header the sender protected inside the message (RFC
// 9788, smime.Result.Header) and notes beside it, never inside the text,
// each outer field that reads otherwise; the seal says which fields its
// signature covers. A long display name is cut, its address never.
//
// The flow is:
//
//  1. main opens the profile with a Prompter as its PassphraseFunc, so the
//     first use of a secret (a private key, an account password) shows a
//     passphrase dialog; the Prompter is called from worker goroutines and
//     waits for the dialog.
//  2. New builds the main window. Nothing touches the database on the UI
//     goroutine: every view loads on a job goroutine (jobs.run) and applies
//     its result with fyne.Do; the ticket list asks for pages of 100
//     tickets as rows scroll into view and keeps at most a few pages.
//  3. The desk's events (new articles, changed tickets, sync progress, the
//     outbox) and the store's changes are queued and applied on the UI
//     goroutine, coalesced so a sync of thousands of messages redraws the
//     list a few times a second at most.
//  4. In the demo (Options.Real), the banner's "Add your account…" opens
//     the account dialog of Settings for the real profile: saving opens it
//     with a new Prompter (a new profile asks for its passphrase twice),
//     adds the account, and a new UI takes over the same window on the
//     real cores while the demo's UI lets go and the demo closes
//     (realprofile.go). A failed or cancelled save leaves the demo as it
//     was and no new profile on disk.
//  5. Texts come from the translations in package assets through
//     fyne.io/fyne/v2/lang; switching the language adjusts the process
//     locale, reloads the translations and rebuilds the windows.
//
// Tests run the same code in Fyne's test driver with jobs inline (see
// jobs.go), over real profiles, stores, engines and desks.
package ui
