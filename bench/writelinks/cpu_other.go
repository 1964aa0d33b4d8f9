//go:build !unix

package main

import "time"

// cpuTime is not measured here.
func cpuTime() time.Duration { return -1 }

// faults is not measured here.
func faults() int64 { return -1 }

// userSys is not measured here.
func userSys() (user, sys time.Duration) { return -1, -1 }
