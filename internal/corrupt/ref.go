package corrupt

import (
	"testing"

	"github.com/ntfsedit/ntfsedit/internal/oracle"
)

// RefScript builds the reference image the corruption tests start from
// (mkntfs + ntfs-3g; its header lists the contents), relative to the
// repository root.
const RefScript = "internal/corrupt/testdata/mkref.sh"

// RefImage returns the cached reference image (read-only: corrupt a copy
// made with oracle.CopyImage). It skips t, or fails it under CI=true, when
// mkntfs, ntfs-3g or setfattr is missing.
func RefImage(t testing.TB) string {
	t.Helper()
	return oracle.Image(t, RefScript)
}
