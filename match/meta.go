package match

import (
	"encoding/binary"
	"errors"
	"slices"
	"time"
)

// The metadata a record does not hold itself (tags, first and last seen,
// reference, description) is encoded once per distinct value and shared by
// every record that has it:
//
//	uvarint  number of tags, then each tag as uvarint length + bytes
//	varint   first seen, Unix seconds (0: unknown)
//	varint   last seen, Unix seconds (0: unknown)
//	uvarint  length + bytes of the reference
//	uvarint  length + bytes of the description

// maxMetaString bounds every string in an encoded Meta, so that a corrupt
// length cannot ask for more than the blob holds.
const maxMetaString = 1 << 20

// hasMeta reports whether m has anything beyond the record's fields.
func hasMeta(m *Meta) bool {
	return len(m.Tags) > 0 || !m.FirstSeen.IsZero() || !m.LastSeen.IsZero() || m.Reference != "" || m.Description != ""
}

func appendMeta(dst []byte, m *Meta) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(m.Tags)))
	for _, t := range m.Tags {
		dst = appendString(dst, t)
	}
	dst = binary.AppendVarint(dst, unixOrZero(m.FirstSeen))
	dst = binary.AppendVarint(dst, unixOrZero(m.LastSeen))
	dst = appendString(dst, m.Reference)
	dst = appendString(dst, m.Description)
	return dst
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func timeOrZero(sec int64) time.Time {
	if sec == 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0).UTC()
}

var errMeta = errors.New("corrupt metadata")

// decodeMeta fills the fields of m that the encoded metadata at off holds.
func decodeMeta(blob []byte, off uint32, m *Meta) error {
	if uint64(off) >= uint64(len(blob)) {
		return errMeta
	}
	b := blob[off:]
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return errMeta
	}
	b = b[k:]
	if n > 0 {
		m.Tags = make([]string, 0, n)
	}
	for range n {
		var t string
		var err error
		if t, b, err = readString(b); err != nil {
			return err
		}
		m.Tags = append(m.Tags, t)
	}
	for _, p := range []*time.Time{&m.FirstSeen, &m.LastSeen} {
		v, k := binary.Varint(b)
		if k <= 0 {
			return errMeta
		}
		*p = timeOrZero(v)
		b = b[k:]
	}
	var err error
	if m.Reference, b, err = readString(b); err != nil {
		return err
	}
	m.Description, _, err = readString(b)
	return err
}

func readString(b []byte) (string, []byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > maxMetaString || n > uint64(len(b)-k) {
		return "", nil, errMeta
	}
	return string(b[k : k+int(n)]), b[k+int(n):], nil
}

// sameMeta reports whether a and b encode the same way.
func sameMeta(a, b *Meta) bool {
	return slices.Equal(a.Tags, b.Tags) && unixOrZero(a.FirstSeen) == unixOrZero(b.FirstSeen) &&
		unixOrZero(a.LastSeen) == unixOrZero(b.LastSeen) && a.Reference == b.Reference && a.Description == b.Description
}
