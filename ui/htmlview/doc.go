// Package htmlview turns the HTML body of a mail into Fyne rich text
// (widget.RichText segments) that shows it formatted — paragraphs,
// headings, emphasis, lists, block quotes, tables, links and the
// message's own inline images — without ever fetching, running or
// trusting anything in it (DESIGN.md §3).
//
// The flow of Render:
//
//  1. The input is cut to Options.MaxBytes and parsed with
//     golang.org/x/net/html, the same tree builder browsers specify, so
//     broken markup ends up in the tree a browser would build; no
//     regular expressions look at markup.
//  2. One walk over the tree (walker, render.go) keeps an inline buffer
//     for the paragraph being built (inline.go) and closes it into a
//     widget.ParagraphSegment at every block boundary. Block elements
//     (blocks.go) become headings, lists, quotes, separators and
//     preformatted text; tables (table.go) become a grid segment or, for
//     layout tables, plain blocks; links (links.go) show their text and
//     their real target; images (images.go) come only from the message
//     itself (cid:) or from small data: URIs.
//  3. Everything that would load or run something — remote images,
//     style sheets, fonts, CSS url(...), frames, objects, media — is
//     dropped and counted in Result.Blocked, so the caller can say "N
//     remote items were not loaded". Scripts, styles, forms, comments,
//     head, meta and <base> are dropped; style attributes are ignored.
//
// Every dimension is bounded: input bytes, tree depth walked (deeper
// content is kept as plain text, walked without recursion), text bytes
// and segments produced. Render is a pure function: no goroutines, no
// network, no files; a link tap only calls Options.OnLink.
package htmlview
