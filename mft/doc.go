// Package mft decodes and encodes the structures stored in NTFS master file
// table records: the FILE record header and its update sequence array
// (fixups), attribute headers, resident values, non-resident runlists
// (mapping pairs), and the typed attribute values $STANDARD_INFORMATION,
// $FILE_NAME, $ATTRIBUTE_LIST, $VOLUME_NAME and $VOLUME_INFORMATION, plus the
// LZNT1 compression used by compressed $DATA streams.
//
// The package is a pure codec: it turns bytes into values and values back into
// the same bytes, and never performs I/O. Decoders validate every offset and
// length taken from disk and report problems as *CorruptError values that
// match ErrCorrupt with errors.Is.
//
// References: the Linux-NTFS project's "NTFS Documentation" (flatcap),
// https://flatcap.github.io/linux-ntfs/ntfs/ (FILE records, attributes,
// runlists); [MS-FSCC] for file attribute flags,
// https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-fscc/;
// and [MS-XCA] section 2.5 for LZNT1,
// https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-xca/.
package mft
