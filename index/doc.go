// Package index decodes and encodes NTFS index structures: the
// $INDEX_ROOT value, INDX blocks of $INDEX_ALLOCATION, their entries, and
// the $UpCase collation of $I30 directory indexes. It also walks and
// searches an index B-tree through a caller-supplied block loader, so that
// the package itself performs no I/O.
//
// References: the Linux-NTFS project's "NTFS Documentation" (flatcap) for
// the $INDEX_ROOT, $INDEX_ALLOCATION and INDX layouts,
// https://flatcap.github.io/linux-ntfs/ntfs/concepts/index_record.html;
// [MS-FSCC] for the collation rules,
// https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-fscc/.
package index
