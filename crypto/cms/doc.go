// Package cms reads and writes the CMS structures (RFC 5652) of S/MIME:
// SignedData, EnvelopedData and AuthEnvelopedData. It knows nothing of
// MIME; package smime calls it.
package cms
