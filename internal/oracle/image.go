package oracle

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// CacheDir returns where built images are kept: $NTFSEDIT_ORACLE_CACHE, or
// ntfsedit-oracle under the user cache directory.
func CacheDir() (string, error) {
	if d := os.Getenv("NTFSEDIT_ORACLE_CACHE"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "ntfsedit-oracle"), nil
}

// Image runs a builder script (bash SCRIPT OUT.img, e.g. fixtures/mkinterop.sh,
// relative to the repository root unless absolute) once and caches the image,
// keyed by the SHA-256 of the script's contents: editing the script rebuilds.
// A lock file serialises builders across parallel test binaries.
//
// The returned path is the shared cached file, made read-only (0444). Tests
// must never write to it: use it with read-only tools (ntfsedit's read-only
// commands, MountRO, fls) or take a private copy with CopyImage.
func Image(t testing.TB, script string) string {
	t.Helper()
	Require(t, "bash", "mkntfs", "ntfs-3g", "setfattr", "python3")
	if !filepath.IsAbs(script) {
		script = filepath.Join(RepoRoot(t), script)
	}
	src, err := os.ReadFile(script)
	if err != nil {
		t.Fatalf("oracle: builder script: %v", err)
	}
	sum := sha256.Sum256(src)
	dir, err := CacheDir()
	if err != nil {
		t.Fatalf("oracle: cache dir: %v", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("oracle: %v", err)
	}
	base := strings.TrimSuffix(filepath.Base(script), filepath.Ext(script))
	out := filepath.Join(dir, fmt.Sprintf("%s-%s.img", base, hex.EncodeToString(sum[:8])))

	unlock := lockFile(t, out+".lock")
	defer unlock()
	if _, err := os.Stat(out); err == nil {
		return out
	}
	tmp := out + ".tmp"
	os.Remove(tmp)
	start := time.Now()
	var log bytes.Buffer
	cmd := exec.Command("bash", script, tmp)
	cmd.Stdout = &log
	cmd.Stderr = &log
	if err := cmd.Run(); err != nil {
		os.Remove(tmp)
		t.Fatalf("oracle: bash %s: %v\n%s", script, err, log.Bytes())
	}
	if err := os.Chmod(tmp, 0o444); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out+".log", log.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, out); err != nil {
		t.Fatal(err)
	}
	t.Logf("oracle: built %s in %v (log: %s.log)", out, time.Since(start).Round(time.Millisecond), out)
	return out
}

// CopyImage copies img into t.TempDir() (keeping holes, so a 96 MiB sparse
// image stays small) and returns the writable copy's path.
func CopyImage(t testing.TB, img string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(img))
	if err := copySparse(dst, img); err != nil {
		t.Fatalf("oracle: copy image: %v", err)
	}
	return dst
}

func copySparse(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	buf := make([]byte, 64<<10)
	var size int64
	for {
		n, err := io.ReadFull(in, buf)
		if n > 0 {
			chunk := buf[:n]
			if allZero(chunk) {
				if _, err := out.Seek(int64(n), io.SeekCurrent); err != nil {
					out.Close()
					return err
				}
			} else if _, err := out.Write(chunk); err != nil {
				out.Close()
				return err
			}
			size += int64(n)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			out.Close()
			return err
		}
	}
	if err := out.Truncate(size); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// SHA256File returns the hex SHA-256 of a file's contents.
func SHA256File(t testing.TB, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}
