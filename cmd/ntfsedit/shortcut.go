package main

import (
	"fmt"
	"strings"

	"github.com/ntfsedit/ntfsedit/internal/shllink"
	"github.com/ntfsedit/ntfsedit/volume"
)

// shortcutMax bounds the .lnk files decoded (real ones are a few KiB).
const shortcutMax = 1 << 20

// shortcutJSON is a decoded Windows shortcut (.lnk) in stat and readlink.
type shortcutJSON struct {
	Target            string `json:"target"`
	LocalPath         string `json:"local_path,omitempty"`
	NetworkPath       string `json:"network_path,omitempty"`
	IDListPath        string `json:"idlist_path,omitempty"`
	EnvironmentTarget string `json:"environment_target,omitempty"`
	RelativePath      string `json:"relative_path,omitempty"`
	WorkingDir        string `json:"working_dir,omitempty"`
	Arguments         string `json:"arguments,omitempty"`
	Name              string `json:"name,omitempty"`
	Icon              string `json:"icon,omitempty"`
	VolumeLabel       string `json:"volume_label,omitempty"`
	VolumeSerial      string `json:"volume_serial,omitempty"` // XXXX-XXXX as dir shows it
	DriveType         string `json:"drive_type,omitempty"`
	Error             string `json:"error,omitempty"`
}

// isShortcutName reports whether a path names a .lnk file.
func isShortcutName(p string) bool { return strings.HasSuffix(strings.ToLower(p), ".lnk") }

// shortcutOf decodes f when its path ends in .lnk; nil otherwise.
func shortcutOf(path string, f *volume.File) *shortcutJSON {
	if f.IsDir() || !isShortcutName(path) {
		return nil
	}
	if f.Size() > shortcutMax {
		return &shortcutJSON{Error: fmt.Sprintf("%d bytes: too large for a shortcut", f.Size())}
	}
	s, err := f.Stream("")
	if err != nil {
		return &shortcutJSON{Error: err.Error()}
	}
	b, err := s.ReadAll()
	if err != nil {
		return &shortcutJSON{Error: err.Error()}
	}
	l, err := shllink.Decode(b)
	if err != nil {
		return &shortcutJSON{Error: err.Error()}
	}
	j := &shortcutJSON{Target: l.Target(), IDListPath: l.IDListPath(), EnvironmentTarget: l.EnvironmentTarget(),
		RelativePath: l.RelativePath, WorkingDir: l.WorkingDir, Arguments: l.Arguments, Name: l.Name, Icon: l.IconLocation}
	if e := l.IconEnvironment(); e != "" {
		j.Icon = e
	}
	if li := l.Info; li != nil {
		j.LocalPath, j.NetworkPath = li.LocalPath(), li.NetworkPath()
		if v := li.Volume; v != nil {
			j.VolumeLabel = v.Label
			j.VolumeSerial = fmt.Sprintf("%04X-%04X", v.SerialNumber>>16, v.SerialNumber&0xFFFF)
			j.DriveType = shllink.DriveTypeName(v.DriveType)
		}
	}
	return j
}

func printShortcut(kv func(k, format string, args ...any), s *shortcutJSON) {
	if s == nil {
		return
	}
	if s.Error != "" {
		kv("shortcut", "error: %s", s.Error)
		return
	}
	kv("shortcut", "%s", orDash(s.Target))
	opt := func(k, v string) {
		if v != "" {
			kv(k, "%s", v)
		}
	}
	opt("  relative", s.RelativePath)
	opt("  work dir", s.WorkingDir)
	opt("  arguments", s.Arguments)
	opt("  name", s.Name)
	opt("  icon", s.Icon)
	if s.VolumeSerial != "" {
		kv("  volume", "%q serial %s %s", s.VolumeLabel, s.VolumeSerial, s.DriveType)
	}
	opt("  network", s.NetworkPath)
}
