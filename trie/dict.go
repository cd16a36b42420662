package trie

import (
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/sift-intel/sift/internal/hugepage"

	"github.com/sift-intel/sift/bloom"
	"github.com/sift-intel/sift/hashset"
	"github.com/zeebo/xxh3"
)

// Dict is an immutable map from byte strings to uint32 values: the
// suffix-hashing structure behind sift's domain and URL sections. Every key
// a query could match is stored whole (a domain, a domain's subdomain
// marker, a URL expression), and a query walks its own suffixes or
// expressions, looking each one up.
//
// A lookup hashes the key with xxh3, asks a cache-line-blocked Bloom filter
// (most of a query's keys are absent, and the filter answers them from a
// cache line that tends to stay in cache), then the hash table, and
// confirms the key itself: a Dict never answers for a key it does not hold.
//
// The zero Dict is empty. A Dict is safe for concurrent use.
type Dict struct {
	filter *bloom.Filter
	index  *hashset.Set // fingerprint → offset of the entry in blob
	blob   []byte       // entries: value uint32, key length uint16, key
	n      int
}

// dictFilterRate is the false-positive rate of a Dict's filter: 10 bits
// per key.
const dictFilterRate = 0.01

// MaxKeyLength bounds the keys of a Dict.
const MaxKeyLength = 0xffff

// DictEntry is a key and its value, for [BuildDict].
type DictEntry struct {
	Key   []byte
	Value uint32
}

// BuildDict returns a Dict of entries, which must have distinct keys of at
// most MaxKeyLength bytes. It returns an error otherwise, or if the entries
// exceed 4 GiB.
func BuildDict(entries []DictEntry) (*Dict, error) {
	d := &Dict{n: len(entries)}
	if len(entries) == 0 {
		return d, nil
	}
	// The seed depends on every key, so that whoever controls only some
	// of them cannot aim them at one bucket, and the same keys always
	// build the same bytes.
	h := xxh3.New()
	size := 0
	for _, e := range entries {
		if len(e.Key) > MaxKeyLength {
			return nil, fmt.Errorf("trie: key of %d bytes exceeds %d", len(e.Key), MaxKeyLength)
		}
		h.Write(e.Key)
		h.Write([]byte{0})
		size += 6 + len(e.Key)
	}
	if size >= 1<<32 {
		return nil, errors.New("trie: keys exceed 4 GiB")
	}
	seed := h.Sum64()
	d.blob = make([]byte, 0, size)
	d.filter = bloom.New(len(entries), dictFilterRate)
	idx := make([]hashset.Entry, len(entries))
	for i, e := range entries {
		fp := hashset.Fingerprint(seed, e.Key)
		idx[i] = hashset.Entry{FP: fp, Value: uint32(len(d.blob))}
		d.filter.AddHash(fp)
		d.blob = binary.LittleEndian.AppendUint32(d.blob, e.Value)
		d.blob = binary.LittleEndian.AppendUint16(d.blob, uint16(len(e.Key)))
		d.blob = append(d.blob, e.Key...)
	}
	d.index = hashset.Build(seed, idx)
	hugepage.Advise(d.blob)
	// Distinct keys are the caller's promise; check it, since a
	// duplicate would make one of the values unreachable.
	for i, e := range entries {
		if v, ok := d.Lookup(e.Key); !ok || v != e.Value {
			return nil, fmt.Errorf("trie: key %q appears twice (entry %d)", e.Key, i)
		}
	}
	return d, nil
}

// Len returns the number of keys in d.
func (d *Dict) Len() int {
	if d == nil {
		return 0
	}
	return d.n
}

// SizeBytes returns the memory d's filter, table and keys take.
func (d *Dict) SizeBytes() int {
	if d == nil || d.n == 0 {
		return 0
	}
	return d.filter.SizeBytes() + d.index.SizeBytes() + len(d.blob)
}

// Lookup returns the value of key. It does not allocate.
func (d *Dict) Lookup(key []byte) (uint32, bool) {
	if d == nil || d.n == 0 {
		return 0, false
	}
	fp := hashset.Fingerprint(d.index.Seed(), key)
	if !d.filter.ContainsHash(fp) {
		return 0, false
	}
	c := d.index.Lookup(fp)
	for off, ok := c.Next(); ok; off, ok = c.Next() {
		// Offsets from opened data are checked here, so corrupt input
		// ends in a miss, not a panic.
		if uint64(off)+6 > uint64(len(d.blob)) {
			continue
		}
		e := d.blob[off:]
		n := int(binary.LittleEndian.Uint16(e[4:]))
		if n != len(key) || 6+n > len(e) || string(e[6:6+n]) != string(key) {
			continue
		}
		return binary.LittleEndian.Uint32(e), true
	}
	return 0, false
}

// All calls yield with each key and value, in an unspecified order, until
// yield returns false. The key is valid only during the call.
func (d *Dict) All(yield func(key []byte, value uint32) bool) {
	if d == nil {
		return
	}
	for off := 0; off+6 <= len(d.blob); {
		n := int(binary.LittleEndian.Uint16(d.blob[off+4:]))
		if off+6+n > len(d.blob) {
			return
		}
		if !yield(d.blob[off+6:off+6+n], binary.LittleEndian.Uint32(d.blob[off:])) {
			return
		}
		off += 6 + n
	}
}

// The serialised Dict, little-endian, every part 8-byte aligned:
//
//	magic "siftdct\x01", keys (uint64), filter length f, index length x,
//	blob length b (uint64 each)
//	filter  package bloom layout, f bytes
//	index   package hashset layout, x bytes
//	blob    b bytes, padded to 8: per key, value uint32, length uint16, key
const dictHeader = 8 + 4*8

var dictMagic = [8]byte{'s', 'i', 'f', 't', 'd', 'c', 't', 1}

// ErrFormat is wrapped by the errors of [OpenDict] and [Dict.Verify].
var ErrFormat = errors.New("trie: invalid format")

func formatError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrFormat}, args...)...)
}

// AppendBinary appends the serialised Dict to dst.
func (d *Dict) AppendBinary(dst []byte) ([]byte, error) {
	if d == nil {
		d = &Dict{}
	}
	var f, x []byte
	if d.n > 0 {
		var err error
		if f, err = d.filter.AppendBinary(nil); err != nil {
			return nil, err
		}
		if x, err = d.index.AppendBinary(nil); err != nil {
			return nil, err
		}
	}
	dst = append(dst, dictMagic[:]...)
	for _, v := range []int{d.n, len(f), len(x), len(d.blob)} {
		dst = binary.LittleEndian.AppendUint64(dst, uint64(v))
	}
	for _, part := range [][]byte{f, x, d.blob} {
		dst = append(dst, part...)
		dst = append(dst, make([]byte, pad8(uint64(len(part)))-uint64(len(part)))...)
	}
	return dst, nil
}

func pad8(n uint64) uint64 { return (n + 7) &^ 7 }

// OpenDict returns the Dict serialised in data, using data in place where
// it can. Lookups on it stay in bounds whatever data holds; [Dict.Verify]
// checks that every key is found.
func OpenDict(data []byte) (*Dict, error) {
	if len(data) < dictHeader {
		return nil, formatError("%d bytes, shorter than the header", len(data))
	}
	if [8]byte(data[:8]) != dictMagic {
		return nil, formatError("bad magic %q", data[:8])
	}
	var v [4]uint64
	for i := range v {
		v[i] = binary.LittleEndian.Uint64(data[8+8*i:])
	}
	n, fl, xl, bl := v[0], v[1], v[2], v[3]
	rest := uint64(len(data) - dictHeader)
	if fl > rest || xl > rest || bl > rest || pad8(fl)+pad8(xl)+pad8(bl) != rest {
		return nil, formatError("parts of %d, %d and %d bytes do not fill %d bytes", fl, xl, bl, rest)
	}
	d := &Dict{n: int(n)}
	if n == 0 {
		if fl|xl|bl != 0 {
			return nil, formatError("an empty dict with content")
		}
		return d, nil
	}
	if n > bl/6 {
		return nil, formatError("%d keys do not fit %d bytes", n, bl)
	}
	p := data[dictHeader:]
	var err error
	if d.filter, err = bloom.Open(p[:fl]); err != nil {
		return nil, formatError("filter: %v", err)
	}
	p = p[pad8(fl):]
	if d.index, err = hashset.Open(p[:xl]); err != nil {
		return nil, formatError("index: %v", err)
	}
	if d.index.Len() != int(n) {
		return nil, formatError("index holds %d keys, header says %d", d.index.Len(), n)
	}
	p = p[pad8(xl):]
	d.blob = p[:bl:bl]
	return d, nil
}

// Verify checks that the blob holds exactly the declared keys and that
// every key is found through the filter and the index with its value.
func (d *Dict) Verify() error {
	if d == nil || d.n == 0 {
		return nil
	}
	if err := d.index.Verify(); err != nil {
		return err
	}
	count, off := 0, 0
	var err error
	d.All(func(key []byte, value uint32) bool {
		v, ok := d.Lookup(key)
		if !ok || v != value {
			err = formatError("key %q at %d is not found with its value", key, off)
			return false
		}
		count++
		off += 6 + len(key)
		return true
	})
	if err != nil {
		return err
	}
	if count != d.n || off != len(d.blob) {
		return formatError("blob holds %d keys in %d of %d bytes, header says %d keys", count, off, len(d.blob), d.n)
	}
	return nil
}
