package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/ntfsedit/ntfsedit/volume"
)

func init() {
	register(&command{
		name:    "info",
		short:   "Describe the volume: label, version, geometry, $MFT, flags and warnings.",
		run:     runInfo,
		minArgs: 0, maxArgs: 0,
	})
}

// partitionJSON is the JSON form of a partition table entry (info,
// partitions).
type partitionJSON struct {
	Index    int    `json:"index"`
	Scheme   string `json:"scheme"`
	Start    int64  `json:"start"`
	Length   int64  `json:"length"`
	Type     string `json:"type"`
	Name     string `json:"name,omitempty"`
	GUID     string `json:"guid,omitempty"`
	Bootable bool   `json:"bootable,omitempty"`
}

func partitionOf(p volume.Partition) *partitionJSON {
	return &partitionJSON{Index: p.Index, Scheme: p.Scheme, Start: p.Start, Length: p.Length,
		Type: p.Type, Name: p.Name, GUID: p.GUID, Bootable: p.Bootable}
}

// infoJSON is volume.Info with the partition in lower-case JSON.
type infoJSON struct {
	volume.Info
	Partition *partitionJSON `json:"partition,omitempty"` // shadows Info.Partition
}

func runInfo(e *env, o *opts, args []string) error {
	v, err := openVolume(o)
	if err != nil {
		return err
	}
	defer v.Close()
	in := v.Info()
	if o.json {
		j := infoJSON{Info: in}
		if in.Partition != nil {
			j.Partition = partitionOf(*in.Partition)
		}
		if j.FlagNames == nil {
			j.FlagNames = []string{}
		}
		return jsonLine(e.stdout, j)
	}
	return printInfo(e.stdout, in, o.mftFile != "")
}

// printInfo prints the aligned "key: value" lines of info. A bare $MFT
// (mftOnly) has no boot sector, geometry or $MFTMirr to report.
func printInfo(w io.Writer, in volume.Info, mftOnly bool) error {
	yesNo := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	kvs := []kv{
		{"device", in.Device},
	}
	if in.Partition != nil {
		p := in.Partition
		desc := fmt.Sprintf("%d (%s, start %d, length %d, type %s", p.Index, p.Scheme, p.Start, p.Length, p.Type)
		if p.Name != "" {
			desc += fmt.Sprintf(", name %q", p.Name)
		}
		kvs = append(kvs, kv{"partition", desc + ")"})
	}
	if in.Offset != 0 {
		kvs = append(kvs, kv{"offset", fmt.Sprint(in.Offset)})
	}
	flags := strings.Join(in.FlagNames, ", ")
	if flags == "" {
		flags = "(none)"
	}
	mirror := "ok"
	if !in.MFTMirrOK {
		mirror = "MISMATCH (see warnings)"
	}
	if mftOnly {
		kvs = append(kvs, kv{"source", "bare $MFT file: no boot sector, $MFTMirr or clusters"},
			kv{"label", in.Label}, kv{"version", in.Version},
			kv{"record size", fmt.Sprint(in.RecordSize)}, kv{"MFT records", fmt.Sprint(in.MFTRecords)},
			kv{"upcase", in.UpCase})
		for _, w := range in.Warnings {
			kvs = append(kvs, kv{"warning", w})
		}
		return printKV(w, kvs)
	}
	kvs = append(kvs,
		kv{"label", in.Label},
		kv{"version", in.Version},
		kv{"serial", in.Serial},
		kv{"sector size", fmt.Sprint(in.SectorSize)},
		kv{"cluster size", fmt.Sprint(in.ClusterSize)},
		kv{"record size", fmt.Sprint(in.RecordSize)},
		kv{"index block size", fmt.Sprint(in.IndexBlockSize)},
		kv{"size", fmt.Sprintf("%d bytes", in.Size)},
		kv{"clusters", fmt.Sprint(in.Clusters)},
		kv{"$MFT cluster", fmt.Sprint(in.MFTCluster)},
		kv{"$MFTMirr cluster", fmt.Sprint(in.MFTMirrCluster)},
		kv{"MFT records", fmt.Sprint(in.MFTRecords)},
		kv{"MFT extents", fmt.Sprint(in.MFTExtents)},
		kv{"$MFTMirr", mirror},
		kv{"dirty", yesNo(in.Dirty)},
		kv{"flags", flags},
		kv{"upcase", in.UpCase},
	)
	for _, w := range in.Warnings {
		kvs = append(kvs, kv{"warning", w})
	}
	return printKV(w, kvs)
}

type kv struct{ k, v string }

// printKV prints key: value lines with the values aligned.
func printKV(w io.Writer, kvs []kv) error {
	width := 0
	for _, p := range kvs {
		width = max(width, len(p.k))
	}
	for _, p := range kvs {
		if _, err := fmt.Fprintf(w, "%-*s %s\n", width+1, p.k+":", p.v); err != nil {
			return err
		}
	}
	return nil
}
