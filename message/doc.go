// Package message is the one reader and writer of mail in Siegel: the
// S/MIME engine, the desk, the window and the command line all see a
// message through it, so that no two of them can disagree about what it
// says — two readers that disagree about a header are a spoof.
//
// Reading, from the raw bytes up:
//   - ParseEntity splits an entity into its header fields and body exactly
//     as they stand (byte for byte: the engine verifies what it reads), and
//     SplitMultipart its parts; DecodedBody undoes the transfer encoding.
//   - ReadEnvelope (EnvelopeOf for an entity already read) gives the
//     Envelope: From, Sender, To, Cc, Date, Subject, Message-ID,
//     In-Reply-To, References, and the From policy's verdict — Author, the
//     one address the message is from, and FromProblem, why the header
//     names none or more than one. The engine judges a signature against
//     the Author and hands the Envelope on in its result; the views show
//     that Envelope (Shown), never a reading of their own.
//   - Extract gives the text and the attachments of the entity the engine
//     unwrapped, following only the entity's own structure (EFAIL): HTML
//     becomes text, nothing is fetched.
//
// Writing: Build makes an outgoing message from a Draft; the transfer
// encodings (AppendQuotedPrintable, AppendBase64Lines) and
// AppendSafeEntity make what the engine signs survive transport unchanged.
//
// Readers are lenient and never fail or panic (fuzzed): mail from the wild
// is often malformed, and a broken field is left empty. Every input is
// bounded: at most 1000 header fields read, 16 levels and 500 parts of
// MIME structure, MaxText of text.
package message
