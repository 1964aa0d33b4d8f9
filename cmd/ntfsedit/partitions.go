package main

import (
	"fmt"
	"os"

	"github.com/ntfsedit/ntfsedit/volume"
)

func init() {
	register(&command{
		name:    "partitions",
		short:   "List the partition table (MBR with logical partitions, or GPT) of a disk image or device.\nColumns: index (as in IMAGE@N), scheme, start and length in bytes, type and name.",
		run:     runPartitions,
		minArgs: 0, maxArgs: 0,
	})
}

func runPartitions(e *env, o *opts, args []string) error {
	if o.mftFile != "" {
		return usagef("partitions reads a disk image or device, not --mft-file")
	}
	dev, err := volume.OpenDevice(o.image, false)
	if err != nil {
		return err
	}
	defer dev.Close()
	if o.offset != 0 {
		if o.offset < 0 || o.offset >= dev.Size() {
			return usagef("--offset %d is outside %s (%d bytes)", o.offset, o.image, dev.Size())
		}
		dev = volume.SubDevice(dev, o.offset, dev.Size()-o.offset)
	}
	// An image file does not know the sector size of the disk it copies:
	// let ReadPartitions try 512 and 4096 for GPT. Devices know theirs.
	ss := dev.SectorSize()
	if fi, err := os.Stat(o.image); err == nil && fi.Mode().IsRegular() {
		ss = 0
	}
	parts, perr := volume.ReadPartitions(dev, dev.Size(), ss)
	if len(parts) == 0 && perr == nil && !o.json {
		fmt.Fprintf(e.stdout, "%s: no partition table\n", o.image)
		return nil
	}
	if !o.json && len(parts) > 0 {
		fmt.Fprintf(e.stdout, "%-3s %-6s %14s %14s  %s\n", "#", "scheme", "start", "length", "type")
	}
	for _, p := range parts {
		j := partitionOf(p)
		if o.json {
			err = jsonLine(e.stdout, j)
		} else {
			line := fmt.Sprintf("%-3d %-6s %14d %14d  %s", j.Index, j.Scheme, j.Start, j.Length, j.Type)
			if j.Name != "" {
				line += fmt.Sprintf("  name %q", j.Name)
			}
			if j.Bootable {
				line += "  bootable"
			}
			_, err = fmt.Fprintln(e.stdout, line)
		}
		if err != nil {
			return err
		}
	}
	if perr != nil {
		return fmt.Errorf("%s: %w", o.image, perr)
	}
	return nil
}
