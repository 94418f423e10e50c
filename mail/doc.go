// Package mail is Siegel's helpdesk core: mail accounts, the IMAP sync that
// turns customer mail into tickets, the security analysis of every article,
// drafts, and the outbox that sends answers over SMTP without losing or
// repeating any. The UI and the command line use it through one facade,
// Desk; it owns the mail tables of the profile database.
//
// # Receiving
//
//  1. Sync (or, after Start, one watcher per account) connects with
//     mail/imapsync and syncs INBOX and the Sent folder. The first time a
//     folder is seen (or after its UIDVALIDITY changed) it is split at its
//     current top UID: new mail is what comes above it, UID-incremental
//     (the folder's last UID), and the history is everything up to it
//     within the account's window (account.Account.HistoryDays, default
//     365 days, found by SEARCH SINCE). The history is fetched newest
//     first, in batches of Options.HistoryBatch UIDs, each batch's end
//     committed with the folder's history cursor (history_low), so the
//     list fills from the top and a restart, even after SIGKILL, goes on
//     below the cursor (history.go). It runs in slices between which new
//     mail is fetched, and can be paused (PauseHistory, stored);
//     HistoryProgress and History report it. After a UIDVALIDITY change
//     messages already stored are recognised by Message-ID and only their
//     new location is recorded. A message larger than
//     imapsync.MaxMessageSize is not read: the pass reports it
//     (AccountSync.Refused), logs it, and moves past it.
//  2. The messages are analysed in parallel by the S/MIME engine (Analyzer)
//     while the next ones download, and stored in the order they came by
//     one writer, many per transaction: each message exactly as received
//     (one larger than Options.BlobThreshold in a file of the profile
//     folder named by its SHA-256, written by the pipeline and on disk
//     before the row that names it commits; blobs.go),
//     with its header data, its ticket (found by threading or opened), its
//     security result as JSON, its search entry (the text only for
//     unencrypted messages) and its IMAP location; the folder's cursor
//     moves on in the same transaction. A crash or a broken connection
//     leaves either all of a message or nothing, and a message is stored
//     once whatever order it comes in (an answer before its parent joins
//     it when the parent comes). The pipeline is bounded in messages and
//     in bytes, so memory stays flat however large the folder. A message
//     larger than the account's LargeMessage (default 25 MB) is analysed
//     once and stored without its raw bytes (Article.Remote): OpenArticle
//     and RawArticle fetch them from the server by folder and UID, under
//     the same UIDVALIDITY, and the stored verdict stays the one shown.
//     An answer that opens a ticket because its parent is older than the
//     history has that parent looked up by Message-ID on the server and
//     stored into its ticket (parents.go; a few per answer).
//  3. Valid signers that chain to a CA are offered to the certificate store
//     (CertStore.Collect). When the store changes, articles that failed for
//     want of a certificate or key are analysed again.
//  4. Between syncs the watcher waits in IDLE (or polls), and reconnects
//     with exponential backoff after a failure.
//
// Decrypted content is never stored: OpenArticle decrypts an article in
// memory for display.
//
// # Sending
//
//  1. A Draft is stored as it is written (sealed at rest when Encrypt is on).
//  2. Send builds it (message.Build), seals it with the engine (Sealer) as its
//     Encrypt and Sign say, and in one transaction puts the sealed bytes into
//     the outbox and marks the draft sent. If sealing fails nothing is queued
//     and the draft stays.
//  3. The outbox worker claims a message ("sending"), runs the SMTP
//     transaction (mail/submit over go-mail's client) with the bytes
//     unchanged, and marks it "committing" just before the final "." of the
//     data. After the server's 250 it is marked sent and filed as an article
//     of its ticket (with the security result of the sealed bytes), in one
//     transaction; then it is appended to the Sent folder. A 4xx reply or a
//     broken connection before the end of the data queues it again with
//     backoff; a 5xx reply leaves it "failed" with the server's words until
//     Resend.
//
// Nothing is sent twice without the agent's say: the one window where the
// server may have the message while the desk does not know is between the
// final "." and the recording of the reply (the reply lost on the wire, or
// the program killed). A message found "committing" (after a crash) or whose
// reply was lost is looked up by its Message-ID in the account's Sent
// folder (an attempt counts as interrupted once it is older than the
// longest an attempt can take, so the outbox of another process is never
// mistaken for a crashed one): found, it was delivered; not found on a server known to file sent
// mail itself, it was not, and is queued again; otherwise it waits as
// "uncertain" for Resend. Before the final "." the desk also listens briefly
// for a server that gave up during the data, so a dropped connection there
// is retried rather than taken for a lost confirmation.
//
// # OAuth2 accounts
//
// An account whose Auth is account.AuthOAuth2 (Microsoft 365, Google) logs
// in with a bearer token (mail/account/oauth). Its refresh token is sealed
// in the profile like a password; the access tokens live in memory, one
// token source per account shared by sync and the outbox, refreshed before
// they expire and once more when a server refuses one. When the provider
// refuses the refresh token (oauth.ErrSignInAgain) the account is marked
// "sign in again" (Account.NeedsSignIn, persisted) and AccountNeedsSignIn
// is announced: its watcher waits without retrying and its outbox
// messages stay queued, their attempt not counted, until SignIn runs the
// browser sign-in again; then AccountSignedIn, and both resume.
//
// # Events
//
// Subscribe delivers SyncProgress, SyncDone, HistoryProgress, ArticleAdded,
// ArticleChanged, TicketChanged, OutboxChanged, AccountNeedsSignIn and
// AccountSignedIn from the desk's goroutines; the UI hands them to its
// own. Start's goroutines end with Close.
package mail
