package submit

import "time"

// SetTimeout shortens the exchange timeout for a test.
func SetTimeout(d time.Duration) (restore func()) {
	old := timeout
	timeout = d
	return func() { timeout = old }
}
