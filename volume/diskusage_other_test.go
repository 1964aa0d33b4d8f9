//go:build !unix

package volume

import "os"

// diskUsage is unknown where the system gives no block count.
func diskUsage(os.FileInfo) (int64, bool) { return 0, false }
