package main

import "github.com/ntfsedit/ntfsedit/volume"

// shortcutJSON is a decoded .lnk file.
type shortcutJSON struct{}

func shortcutOf(path string, f *volume.File) *shortcutJSON { return nil }

func printShortcut(kv func(k, format string, args ...any), s *shortcutJSON) {}
