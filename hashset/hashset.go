package hashset

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"unsafe"

	"github.com/zeebo/xxh3"
)

const (
	slots = 5 // fingerprints per bucket: 5*8 + 5*4 + 4 = 64 bytes

	// flagOverflow marks a bucket that entries homed at or before it have
	// spilled past: a lookup must continue into the next bucket.
	flagOverflow = 1

	// load is the target fraction of slots in use. At 0.85 a bucket holds
	// 4.25 entries on average: 64/4.25 = 15 bytes per entry, and the
	// overflow flag still stops most misses at their home bucket.
	load = 0.85

	headerSize = 64
	bucketSize = 64
)

var magic = [8]byte{'s', 'i', 'f', 't', 'h', 's', 0, 1}

type bucket struct {
	fp    [slots]uint64
	val   [slots]uint32
	flags uint32
}

// Entry is one fingerprint and the value stored under it.
type Entry struct {
	FP    uint64
	Value uint32
}

// Set is an immutable map from 64-bit fingerprints to uint32 values.
//
// The zero Set is empty: every lookup finds nothing. A Set is safe for
// concurrent use.
type Set struct {
	buckets []bucket
	home    uint64
	seed    uint64
	n       int
}

// Fingerprint returns the fingerprint of key under seed: xxh3 with the seed,
// with 0 (the empty-slot marker) mapped to 1.
func Fingerprint(seed uint64, key []byte) uint64 {
	return nonzero(xxh3.HashSeed(key, seed))
}

// FingerprintString is [Fingerprint] for a string key.
func FingerprintString(seed uint64, key string) uint64 {
	return nonzero(xxh3.HashStringSeed(key, seed))
}

func nonzero(fp uint64) uint64 {
	if fp == 0 {
		return 1
	}
	return fp
}

// Build returns a Set holding entries. It sorts entries in place. The seed is
// stored in the Set for the caller's use with [Fingerprint]; Build does not
// hash anything itself. Entries with equal fingerprints are all kept, in
// their input order.
func Build(seed uint64, entries []Entry) *Set {
	s := &Set{seed: seed, n: len(entries)}
	if len(entries) == 0 {
		return s
	}
	s.home = uint64(float64(len(entries))/(slots*load)) + 1
	// Counting sort by home bucket: fastrange is monotonic in the
	// fingerprint, but a counting sort is linear and stable, which keeps
	// equal fingerprints in input order.
	count := make([]uint32, s.home+1)
	for i := range entries {
		entries[i].FP = nonzero(entries[i].FP)
		count[homeOf(entries[i].FP, s.home)+1]++
	}
	for i := 1; i < len(count); i++ {
		count[i] += count[i-1]
	}
	sorted := make([]Entry, len(entries))
	for _, e := range entries {
		h := homeOf(e.FP, s.home)
		sorted[count[h]] = e
		count[h]++
	}
	copy(entries, sorted)
	sorted = nil

	// Place entries in home order, each in the first free slot at or after
	// its home bucket. The result is what linear probing would produce.
	buckets := make([]bucket, s.home, s.home+s.home/64+1)
	var pos, slot uint64 // next free slot
	var marked uint64    // buckets below this already carry flagOverflow where needed
	for _, e := range entries {
		h := homeOf(e.FP, s.home)
		if pos < h {
			pos, slot = h, 0
		}
		for pos >= uint64(len(buckets)) {
			buckets = append(buckets, bucket{})
		}
		b := &buckets[pos]
		b.fp[slot] = e.FP
		b.val[slot] = e.Value
		if pos > h {
			for i := max(h, marked); i < pos; i++ {
				buckets[i].flags |= flagOverflow
			}
			marked = max(marked, pos)
		}
		slot++
		if slot == slots {
			pos, slot = pos+1, 0
		}
	}
	s.buckets = buckets
	return s
}

func homeOf(fp, home uint64) uint64 {
	hi, _ := bits.Mul64(fp, home)
	return hi
}

// Len returns the number of entries in s.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return s.n
}

// Seed returns the seed given to [Build].
func (s *Set) Seed() uint64 {
	if s == nil {
		return 0
	}
	return s.seed
}

// SizeBytes returns the size of the table in memory, which is also the size
// of its serialised form without the header.
func (s *Set) SizeBytes() int {
	if s == nil {
		return 0
	}
	return len(s.buckets) * bucketSize
}

// Cursor walks the values stored under one fingerprint. Its zero value has
// no values.
type Cursor struct {
	buckets []bucket
	fp      uint64
	b       uint64
	i       int
}

// Lookup returns a Cursor over the values stored under fp, in the order they
// were given to [Build]. It does not allocate.
func (s *Set) Lookup(fp uint64) Cursor {
	if s == nil || s.home == 0 {
		return Cursor{}
	}
	fp = nonzero(fp)
	return Cursor{buckets: s.buckets, fp: fp, b: homeOf(fp, s.home)}
}

// Next returns the next value stored under the cursor's fingerprint, or
// false when there are no more.
func (c *Cursor) Next() (uint32, bool) {
	// The bucket index is checked against the slice on every step, so a
	// corrupt flag word in opened bytes ends the walk instead of a panic.
	for c.b < uint64(len(c.buckets)) {
		b := &c.buckets[c.b]
		for c.i < slots {
			i := c.i
			c.i++
			if b.fp[i] == c.fp {
				return b.val[i], true
			}
		}
		if b.flags&flagOverflow == 0 {
			break
		}
		c.b++
		c.i = 0
	}
	c.b = uint64(len(c.buckets))
	return 0, false
}

// Get returns the first value stored under fp.
func (s *Set) Get(fp uint64) (uint32, bool) {
	c := s.Lookup(fp)
	return c.Next()
}

// All calls yield for every entry in table order until yield returns false.
func (s *Set) All(yield func(Entry) bool) {
	if s == nil {
		return
	}
	for i := range s.buckets {
		b := &s.buckets[i]
		for j := range slots {
			if b.fp[j] != 0 && !yield(Entry{FP: b.fp[j], Value: b.val[j]}) {
				return
			}
		}
	}
}

// AppendBinary appends the serialised Set to dst. It implements
// [encoding.BinaryAppender].
func (s *Set) AppendBinary(dst []byte) ([]byte, error) {
	if s == nil {
		s = &Set{}
	}
	dst = append(dst, magic[:]...)
	dst = binary.LittleEndian.AppendUint64(dst, s.seed)
	dst = binary.LittleEndian.AppendUint64(dst, s.home)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(len(s.buckets)))
	dst = binary.LittleEndian.AppendUint64(dst, uint64(s.n))
	dst = append(dst, make([]byte, headerSize-40)...)
	if littleEndian && len(s.buckets) > 0 {
		return append(dst, unsafe.Slice((*byte)(unsafe.Pointer(&s.buckets[0])), len(s.buckets)*bucketSize)...), nil
	}
	for i := range s.buckets {
		b := &s.buckets[i]
		for _, fp := range b.fp {
			dst = binary.LittleEndian.AppendUint64(dst, fp)
		}
		for _, v := range b.val {
			dst = binary.LittleEndian.AppendUint32(dst, v)
		}
		dst = binary.LittleEndian.AppendUint32(dst, b.flags)
	}
	return dst, nil
}

var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// ErrFormat is wrapped by every error that [Open] and [Set.Verify] return
// for bytes that are not a valid Set.
var ErrFormat = errors.New("hashset: invalid format")

func formatError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrFormat}, args...)...)
}

// Open returns the Set serialised in data. It checks the header and that the
// length of data matches it exactly; [Set.Verify] checks the whole table.
// When data is 8-byte aligned on a little-endian machine the Set uses data in
// place, and data must not be modified while the Set is in use; otherwise
// the table is copied.
func Open(data []byte) (*Set, error) {
	if len(data) < headerSize {
		return nil, formatError("%d bytes, shorter than the %d-byte header", len(data), headerSize)
	}
	if [8]byte(data[:8]) != magic {
		return nil, formatError("bad magic %q", data[:8])
	}
	seed := binary.LittleEndian.Uint64(data[8:])
	home := binary.LittleEndian.Uint64(data[16:])
	total := binary.LittleEndian.Uint64(data[24:])
	n := binary.LittleEndian.Uint64(data[32:])
	body := uint64(len(data) - headerSize)
	switch {
	case body%bucketSize != 0 || total != body/bucketSize:
		return nil, formatError("header declares %d buckets, data holds %d bytes of buckets", total, body)
	case home > total:
		return nil, formatError("%d home buckets exceed %d buckets", home, total)
	case home == 0 && total != 0:
		return nil, formatError("no home buckets but %d buckets", total)
	case n > total*slots:
		return nil, formatError("%d entries do not fit %d buckets", n, total)
	}
	s := &Set{home: home, seed: seed, n: int(n)}
	if total == 0 {
		return s, nil
	}
	raw := data[headerSize:]
	if littleEndian && uintptr(unsafe.Pointer(&raw[0]))%8 == 0 {
		// Aligned, native order: alias the bytes.
		s.buckets = unsafe.Slice((*bucket)(unsafe.Pointer(&raw[0])), total)
		return s, nil
	}
	s.buckets = make([]bucket, total)
	for i := range s.buckets {
		p := raw[i*bucketSize:]
		b := &s.buckets[i]
		for j := range slots {
			b.fp[j] = binary.LittleEndian.Uint64(p[8*j:])
			b.val[j] = binary.LittleEndian.Uint32(p[8*slots+4*j:])
		}
		b.flags = binary.LittleEndian.Uint32(p[60:])
	}
	return s, nil
}

// Verify checks the whole table: every entry sits at or after its home
// bucket with the overflow flags on the way set, the entry count matches the
// header, and no flag word has unknown bits. A Set that passes Verify finds
// every entry it holds.
func (s *Set) Verify() error {
	if s == nil {
		return nil
	}
	var n int
	gap := -1 // the last bucket before i whose overflow flag is clear
	for i := range s.buckets {
		b := &s.buckets[i]
		if b.flags&^flagOverflow != 0 {
			return formatError("bucket %d: unknown flags %#x", i, b.flags)
		}
		for j, fp := range b.fp {
			if fp == 0 {
				if b.val[j] != 0 {
					return formatError("bucket %d: empty slot %d has value %d", i, j, b.val[j])
				}
				continue
			}
			n++
			h := homeOf(fp, s.home)
			if h > uint64(i) {
				return formatError("bucket %d: entry %#x belongs at bucket %d or later", i, fp, h)
			}
			if int(h) <= gap {
				return formatError("bucket %d: entry %#x from bucket %d is unreachable", i, fp, h)
			}
		}
		if b.flags&flagOverflow == 0 {
			gap = i
		}
	}
	if n != s.n {
		return formatError("header declares %d entries, table holds %d", s.n, n)
	}
	return nil
}
