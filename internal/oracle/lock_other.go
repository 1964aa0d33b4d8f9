//go:build !unix

package oracle

import "testing"

// lockFile is a no-op where flock is unavailable: builds may then race.
func lockFile(t testing.TB, path string) func() { return func() {} }
