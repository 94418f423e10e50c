// Package storage is the database under the desk and the certificate
// store: SQLite, the embedded default of one agent's profile, or
// PostgreSQL, the database a team shares. Both are reached through one API
// of database/sql's shape (DB, Tx), so a query is written once: with ?
// placeholders, which DB rebinds to PostgreSQL's $1, $2, … (Rebind), and
// in the SQL both understand (ON CONFLICT … DO NOTHING, RETURNING,
// booleans as TRUE/FALSE). The few constructs that differ are named by
// the Dialect, for the callers to choose.
//
// Errors keep the driver's; IsUnique and IsRetryable tell the two kinds a
// caller acts on, whichever database gave them.
package storage
