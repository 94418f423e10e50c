package imapsync

// SetMaxMessageSize lowers the bound on one message for a test, so that
// the test server need not hold 64 MiB.
func SetMaxMessageSize(n int64) (restore func()) {
	old := maxMessageSize
	maxMessageSize = n
	return func() { maxMessageSize = old }
}
