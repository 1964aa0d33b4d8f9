package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/ntfsedit/ntfsedit/mft"
	"github.com/ntfsedit/ntfsedit/volume"
)

// deletedJSON is one name of a deleted file (find --deleted --json): the
// fields of find --json plus where the name came from and whether the
// file's clusters are still free.
type deletedJSON struct {
	entryJSON
	Deleted    bool   `json:"deleted"`
	Orphan     bool   `json:"orphan,omitempty"`      // the parent chain breaks: path under /$Orphan
	ViaDeleted bool   `json:"via_deleted,omitempty"` // a parent directory is deleted too
	Parent     uint64 `json:"parent"`
	ParentSeq  uint16 `json:"parent_seq"`
	Namespace  string `json:"namespace"`
	// Clusters counts the clusters of the $DATA streams; ClustersInUse
	// those that $Bitmap marks allocated again. Recoverable: none is.
	// Both are left out for a bare $MFT (no $Bitmap).
	Clusters      *int64 `json:"clusters,omitempty"`
	ClustersInUse *int64 `json:"clusters_in_use,omitempty"`
	Recoverable   *bool  `json:"recoverable,omitempty"`
	Error         string `json:"error,omitempty"`
}

// pathFilter returns a test for paths at or below the PATH argument.
func pathFilter(args []string) func(string) bool {
	if len(args) == 0 {
		return func(string) bool { return true }
	}
	prefix := cleanStart(args[0])
	if prefix == "/" {
		return func(string) bool { return true }
	}
	return func(p string) bool { return p == prefix || strings.HasPrefix(p, prefix+"/") }
}

// typeMatches applies --type to an entry.
func typeMatches(typ string, isDir, isLink bool) bool {
	switch typ {
	case "f":
		return !isDir && !isLink
	case "d":
		return isDir && !isLink
	case "l":
		return isLink
	}
	return true
}

// streamClusters counts the clusters of f's $DATA streams and those
// allocated again in bm.
func streamClusters(f *volume.File, bm *volume.Bitmap) (n, inUse int64, err error) {
	for _, si := range f.Streams() {
		if si.Resident {
			continue
		}
		s, err := f.Stream(si.Name)
		if err != nil {
			return n, inUse, err
		}
		a, b := bm.Usage(s)
		n, inUse = n+a, inUse+b
	}
	return n, inUse, nil
}

func runFindDeleted(e *env, o *opts, args []string, typ string) error {
	v, err := openVolume(o)
	if err != nil {
		return err
	}
	defer v.Close()
	bm, err := v.ClusterBitmap()
	if err != nil && !errors.Is(err, volume.ErrNoClusters) {
		e.errorf("%v (cluster reuse not checked)", err)
	}
	keep := pathFilter(args)
	out := bufio.NewWriterSize(e.stdout, 64<<10)
	defer out.Flush()
	prog := newProgress(e, o.quiet, "records")
	defer prog.done()
	return v.ScanDeleted(func(d volume.Deleted, err error) error {
		if err != nil {
			prog.done()
			e.errorf("%v", err)
			return nil
		}
		f := d.File
		for _, n := range d.Names {
			if !keep(n.Path) {
				continue
			}
			base := describe(n.Path, f)
			if !typeMatches(typ, base.Type == "dir", base.isLink()) {
				continue
			}
			if !o.json {
				out.WriteString(n.Path)
				if err := out.WriteByte('\n'); err != nil {
					return err
				}
				continue
			}
			j := deletedJSON{entryJSON: base, Deleted: true, Orphan: n.Orphan, ViaDeleted: n.ViaDeleted,
				Parent: uint64(n.FileName.Parent.Record()), ParentSeq: n.FileName.Parent.Seq(),
				Namespace: namespaceName(n.FileName.Namespace)}
			if bm != nil {
				c, u, err := streamClusters(f, bm)
				if err != nil {
					j.Error = err.Error()
				} else {
					ok := u == 0
					j.Clusters, j.ClustersInUse, j.Recoverable = &c, &u, &ok
				}
			}
			if err := jsonLine(out, j); err != nil {
				return err
			}
		}
		return nil
	}, prog.update)
}

// slackJSON is one carved $I30 entry (find --slack --json).
type slackJSON struct {
	Path      string `json:"path"`
	Slack     bool   `json:"slack"`
	Dir       string `json:"dir"`
	DirRecord uint64 `json:"dir_record"`
	// Source is root, block, unused-block or record (see volume.SlackRoot…);
	// VCN names the INDX block, Offset the entry's place in the root
	// value, block or MFT record.
	Source  string `json:"source"`
	VCN     *int64 `json:"vcn,omitempty"`
	Offset  int    `json:"offset"`
	Unfixed bool   `json:"unfixed,omitempty"`
	// Record and Seq come from the entry header; when only the
	// $FILE_NAME key survived, RefLost is set and they are left out.
	Record    *uint64 `json:"record,omitempty"`
	Seq       *uint16 `json:"seq,omitempty"`
	RefLost   bool    `json:"ref_lost,omitempty"`
	State     string  `json:"state"` // what became of the record: live, deleted, reused, unreadable, unknown
	Parent    uint64  `json:"parent"`
	ParentSeq uint16  `json:"parent_seq"`
	Type      string  `json:"type"` // from the entry's $FILE_NAME
	Size      int64   `json:"size"`
	Namespace string  `json:"namespace"`
	Created   string  `json:"created"`
	Modified  string  `json:"modified"`
	Changed   string  `json:"mft_modified"`
	Accessed  string  `json:"accessed"`
}

func runFindSlack(e *env, o *opts, args []string, typ string) error {
	v, err := openVolume(o)
	if err != nil {
		return err
	}
	defer v.Close()
	if len(args) == 1 {
		if _, err := lookup(v, args[0]); err != nil {
			return err
		}
	}
	keep := pathFilter(args)
	out := bufio.NewWriterSize(e.stdout, 64<<10)
	defer out.Flush()
	prog := newProgress(e, o.quiet, "records")
	defer prog.done()
	return v.ScanDirs(func(f *volume.File, err error) error {
		if err != nil {
			prog.done()
			e.errorf("%v", err)
			return nil
		}
		dir := displayPath(v, fmt.Sprintf("#%d", f.Number()), f)
		if !keep(dir) {
			return nil
		}
		es, err := f.IndexSlack()
		if err != nil {
			prog.done()
			e.errorf("%s: %v", dir, err)
		}
		for _, s := range es {
			fn := &s.FileName
			isLink := fn.Attributes&mft.FileReparsePoint != 0
			if !typeMatches(typ, fn.IsDir(), isLink) {
				continue
			}
			p := volume.JoinPath(dir, fn.NameString())
			if !o.json {
				out.WriteString(p)
				if err := out.WriteByte('\n'); err != nil {
					return err
				}
				continue
			}
			j := slackJSON{Path: p, Slack: true, Dir: dir, DirRecord: uint64(f.Number()), Source: s.Source,
				Offset: s.Offset, Unfixed: s.Unfixed, RefLost: !s.HasRef, State: "unknown",
				Parent: uint64(fn.Parent.Record()), ParentSeq: fn.Parent.Seq(), Type: "file", Size: fn.DataSize, Namespace: namespaceName(fn.Namespace),
				Created: timeString(fn.Created), Modified: timeString(fn.Modified), Changed: timeString(fn.MFTModified),
				Accessed: timeString(fn.Accessed)}
			if s.HasRef {
				r, q := uint64(s.Ref.Record()), s.Ref.Seq()
				j.Record, j.Seq, j.State = &r, &q, v.SlackState(s.Ref)
			}
			if fn.IsDir() {
				j.Type, j.Size = "dir", 0
			}
			if s.Source == volume.SlackBlock || s.Source == volume.SlackUnusedBlock {
				vcn := int64(s.VCN)
				j.VCN = &vcn
			}
			b, err := json.Marshal(j)
			if err != nil {
				return err
			}
			if _, err := out.Write(append(b, '\n')); err != nil {
				return err
			}
		}
		return nil
	}, prog.update)
}

// checkDeletedClusters refuses to read a deleted file's stream when
// $Bitmap marks some of its clusters allocated again: they may hold
// another file's bytes now. force reads them anyway, with a warning.
func checkDeletedClusters(e *env, v *volume.Volume, shown string, s *volume.Stream, force bool) error {
	if s.Resident() {
		return nil
	}
	bm, err := v.ClusterBitmap()
	if errors.Is(err, volume.ErrNoClusters) {
		return nil // reading fails anyway, saying why
	}
	if err != nil {
		return fmt.Errorf("%s: deleted file: cannot check whether its clusters were reused: %w", shown, err)
	}
	n, used := bm.Usage(s)
	if used == 0 {
		return nil
	}
	msg := fmt.Sprintf("%s: deleted file: %d of its %d clusters are allocated again in $Bitmap (reused by another file)", shown, used, n)
	if !force {
		return fmt.Errorf("%s; --force reads them anyway", msg)
	}
	fmt.Fprintf(e.stderr, "ntfsedit cat: warning: %s; reading them anyway (--force)\n", msg)
	return nil
}
