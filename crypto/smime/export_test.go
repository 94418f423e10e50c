package smime

// Test helpers for the external test package (smime_test), which runs the
// corpora through the real certificate store.
var (
	InteropDir     = interopDir
	RunThunderbird = runThunderbird
	RunZammad      = runZammad
	ZammadCAs      = zammadCAs
)
