// Package smime is Siegel's S/MIME engine: Open analyses a received message
// layer by layer into a Result, and Seal signs and encrypts an outgoing one.
// It finds certificates and keys through a Keyring and does no I/O of its
// own.
package smime
