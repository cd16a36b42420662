// Package iptable maps IP addresses to values through a table of disjoint
// address ranges, built from possibly nested prefixes.
//
// # Model
//
// [Build] takes prefixes with values and flattens them: the address space is
// cut at every prefix's first address and after its last, and each resulting
// range gets one value, chosen by the caller's resolve function from the
// values of every prefix that covers the range. Precedence (which of several
// matching prefixes decides) is therefore settled once, at build time, and a
// lookup is a search for the range that holds the address: no walk over
// prefix lengths, no backtracking.
//
// The ranges of each family are kept as a sorted array of range starts. A
// top-level index, addressed by the leading bits of the address relative to
// the lowest range start, narrows the search to a few entries: the index of
// a 1M-prefix IPv4 table is 256 KiB and stays in the L2 cache, so a lookup
// costs one or two cache lines of the range array.
//
// # Concurrency
//
// A Table is immutable and safe for concurrent use.
package iptable

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/sift-intel/sift/internal/hugepage"
	"math/bits"
	"net/netip"
	"slices"

	"github.com/sift-intel/sift/internal/layout"
)

// None is the value of ranges that no prefix covers, and the value a resolve
// function returns to leave a range uncovered.
const None = ^uint32(0)

// maxIndexBits caps the top-level index at 2^16+1 entries: 256 KiB, which
// keeps it in L2 beside the range lines that lookups pull in.
const maxIndexBits = 16

// Entry is a prefix and its value.
type Entry struct {
	Prefix netip.Prefix
	Value  uint32
}

// Table maps addresses to the value of the range that holds them. The zero
// Table is empty.
type Table struct {
	// IPv4: each range start shifted left 32 bits, OR'd with its value,
	// so one uint64 comparison orders by start and one load gives both.
	v4 []uint64
	i4 index
	// IPv6: the high and low halves of range starts in separate arrays,
	// so that the search, which mostly decides on the high half, reads
	// eight starts per cache line; and their values.
	v6hi []uint64
	v6lo []uint64
	v6v  []uint32
	i6   index
}

// index narrows a search: for a key k >= base, the ranges starting in
// bucket (k-base)>>shift are top[b]..top[b+1].
type index struct {
	base  uint64
	shift uint8
	bits  uint8
	top   []uint32
}

func (x *index) bucket(k uint64) uint64 {
	b := (k - x.base) >> x.shift
	return min(b, uint64(len(x.top)-2))
}

// Build returns a Table for entries. resolve receives, for each range, the
// values of all entries that cover it, least specific first (entries with
// the same prefix in input order), and returns the range's value, or None.
// resolve must not keep the slice.
func Build(entries []Entry, resolve func(covering []uint32) uint32) *Table {
	var t Table
	var e4, e6 []span
	for _, e := range entries {
		p := e.Prefix.Masked()
		a := p.Addr()
		if a.Is4() {
			lo := uint64(binary.BigEndian.Uint32(a.AsSlice()))
			size := uint64(1) << (32 - p.Bits())
			e4 = append(e4, span{start: u128{0, lo}, end: u128{0, lo + size - 1}, bits: p.Bits(), order: len(e4), value: e.Value})
		} else {
			b := a.As16()
			lo := u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
			e6 = append(e6, span{start: lo, end: lo.or(hostMask(p.Bits())), bits: p.Bits(), order: len(e6), value: e.Value})
		}
	}
	for _, r := range flatten(e4, resolve) {
		if r.start.lo > 0xffffffff {
			break // the cut after 255.255.255.255
		}
		t.v4 = append(t.v4, r.start.lo<<32|uint64(r.value))
	}
	t.i4 = buildIndex(len(t.v4), func(i int) uint64 { return t.v4[i] >> 32 })
	for _, r := range flatten(e6, resolve) {
		t.v6hi = append(t.v6hi, r.start.hi)
		t.v6lo = append(t.v6lo, r.start.lo)
		t.v6v = append(t.v6v, r.value)
	}
	t.i6 = buildIndex(len(t.v6v), func(i int) uint64 { return t.v6hi[i] })
	hugepage.Advise(t.v4)
	hugepage.Advise(t.v6hi)
	hugepage.Advise(t.v6lo)
	return &t
}

type u128 struct{ hi, lo uint64 }

func (a u128) cmp(b u128) int {
	if c := cmp.Compare(a.hi, b.hi); c != 0 {
		return c
	}
	return cmp.Compare(a.lo, b.lo)
}

func (a u128) or(b u128) u128 { return u128{a.hi | b.hi, a.lo | b.lo} }

func (a u128) addOne() (u128, bool) {
	lo, c := bits.Add64(a.lo, 1, 0)
	hi, c := bits.Add64(a.hi, 0, c)
	return u128{hi, lo}, c != 0
}

func hostMask(prefixBits int) u128 {
	switch {
	case prefixBits >= 128:
		return u128{}
	case prefixBits >= 64:
		return u128{0, ^uint64(0) >> (prefixBits - 64)}
	case prefixBits == 0:
		return u128{^uint64(0), ^uint64(0)}
	default:
		return u128{^uint64(0) >> prefixBits, ^uint64(0)}
	}
}

type span struct {
	start, end u128
	bits       int
	order      int // input order, to keep equal prefixes in it
	value      uint32
}

type rangeStart struct {
	start u128
	value uint32
}

// flatten cuts the nested spans into disjoint ranges. Prefixes never
// partially overlap, so the spans covering a point form a stack ordered from
// least to most specific.
func flatten(spans []span, resolve func([]uint32) uint32) []rangeStart {
	if len(spans) == 0 {
		return nil
	}
	slices.SortFunc(spans, func(a, b span) int {
		if c := a.start.cmp(b.start); c != 0 {
			return c
		}
		return cmp.Or(cmp.Compare(a.bits, b.bits), cmp.Compare(a.order, b.order))
	})
	var (
		out    []rangeStart
		stack  []span
		values []uint32
		last   = None
	)
	emit := func(at u128) {
		values = values[:0]
		for _, s := range stack {
			values = append(values, s.value)
		}
		v := None
		if len(values) > 0 {
			v = resolve(values)
		}
		if v != last {
			out = append(out, rangeStart{at, v})
			last = v
		}
	}
	i := 0
	for i < len(spans) || len(stack) > 0 {
		// The next cut is the nearest of the next span's start and the
		// point after the innermost open span's end.
		var next u128
		closing := false
		if len(stack) > 0 {
			end, wrapped := stack[len(stack)-1].end.addOne()
			if wrapped {
				// A span reaching the top of the space never closes.
				if i == len(spans) {
					break
				}
			} else if i == len(spans) || end.cmp(spans[i].start) <= 0 {
				next, closing = end, true
			}
		}
		if !closing {
			next = spans[i].start
		}
		for len(stack) > 0 {
			end, wrapped := stack[len(stack)-1].end.addOne()
			if wrapped || end.cmp(next) > 0 {
				break
			}
			stack = stack[:len(stack)-1]
		}
		for i < len(spans) && spans[i].start == next {
			stack = append(stack, spans[i])
			i++
		}
		emit(next)
	}
	// A leading uncovered range is implicit.
	if len(out) > 0 && out[0].value == None {
		out = out[1:]
	}
	return out
}

func buildIndex(n int, key func(int) uint64) index {
	if n == 0 {
		return index{}
	}
	base, last := key(0), key(n-1)
	nbits := min(maxIndexBits, max(0, bits.Len(uint(n))-2))
	shift := max(0, bits.Len64(last-base)-nbits)
	x := index{base: base, shift: uint8(shift), bits: uint8(nbits), top: make([]uint32, 1<<nbits+1)}
	// top[b] = first range whose bucket is >= b.
	j := 0
	for b := range x.top {
		for j < n && (key(j)-base)>>shift < uint64(b) {
			j++
		}
		x.top[b] = uint32(j)
	}
	x.top[len(x.top)-1] = uint32(n)
	return x
}

// Lookup returns the value of the range holding a, or None and false.
// IPv4-mapped IPv6 addresses are looked up as IPv4.
func (t *Table) Lookup(a netip.Addr) (uint32, bool) {
	if t == nil {
		return None, false
	}
	if a.Is4In6() {
		a = a.Unmap()
	}
	if a.Is4() {
		b := a.As4()
		return t.Lookup4(binary.BigEndian.Uint32(b[:]))
	}
	if a.Is6() {
		b := a.As16()
		return t.lookup6(binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:]))
	}
	return None, false
}

// Lookup4 is Lookup for an IPv4 address as a big-endian integer.
func (t *Table) Lookup4(a uint32) (uint32, bool) {
	ent := t.v4
	if len(ent) == 0 || uint64(a) < t.i4.base {
		return None, false
	}
	b := t.i4.bucket(uint64(a))
	lo, hi := int(t.i4.top[b]), int(t.i4.top[b+1])
	key := uint64(a)<<32 | 0xffffffff
	// Find the last range starting at or before a. Opened tables have
	// their index checked against len(ent), so these slices stay in
	// bounds.
	s := ent[lo:hi]
	for len(s) > 0 {
		half := len(s) / 2
		if s[half] <= key {
			lo += half + 1
			s = s[half+1:]
		} else {
			s = s[:half]
		}
	}
	if lo == 0 {
		return None, false
	}
	v := uint32(ent[lo-1])
	return v, v != None
}

func (t *Table) lookup6(ahi, alo uint64) (uint32, bool) {
	n := len(t.v6v)
	if n == 0 || ahi < t.i6.base {
		return None, false
	}
	b := t.i6.bucket(ahi)
	lo, hi := int(t.i6.top[b]), int(t.i6.top[b+1])
	// Find the first range whose high half is above the address's: the
	// answer is the last range before it that starts at or below the
	// address, found by stepping back over starts with the same high half
	// and a larger low half (rare: only nested prefixes longer than /64
	// share a high half). Open checked the index against n, and the three
	// arrays have n entries.
	his := t.v6hi[lo:hi]
	for len(his) > 0 {
		half := len(his) / 2
		if his[half] <= ahi {
			lo += half + 1
			his = his[half+1:]
		} else {
			his = his[:half]
		}
	}
	for lo > 0 && t.v6hi[lo-1] == ahi && t.v6lo[lo-1] > alo {
		lo--
	}
	if lo == 0 {
		return None, false
	}
	v := t.v6v[lo-1]
	return v, v != None
}

// Ranges returns the number of IPv4 and IPv6 ranges in the table.
func (t *Table) Ranges() (v4, v6 int) {
	if t == nil {
		return 0, 0
	}
	return len(t.v4), len(t.v6v)
}

// SizeBytes returns the memory the table's arrays take.
func (t *Table) SizeBytes() int {
	if t == nil {
		return 0
	}
	return 8*len(t.v4) + 4*len(t.i4.top) + 16*len(t.v6v) + 4*len(t.v6v) + 4*len(t.i6.top)
}

// All calls yield with each range's first address and value, IPv4 first,
// until yield returns false. Uncovered ranges have the value None.
func (t *Table) All(yield func(start netip.Addr, value uint32) bool) {
	if t == nil {
		return
	}
	for _, e := range t.v4 {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], uint32(e>>32))
		if !yield(netip.AddrFrom4(b), uint32(e)) {
			return
		}
	}
	for i, v := range t.v6v {
		var b [16]byte
		binary.BigEndian.PutUint64(b[:8], t.v6hi[i])
		binary.BigEndian.PutUint64(b[8:], t.v6lo[i])
		if !yield(netip.AddrFrom16(b), v) {
			return
		}
	}
}

// Serialised layout, little-endian, every array starting 8-byte aligned:
//
//	magic "siftip\x00\x01"
//	v4 ranges n4 (uint64), index base4 (uint64), shift4, bits4 (uint8), 6 zero bytes
//	v6 ranges n6 (uint64), index base6 (uint64), shift6, bits6 (uint8), 6 zero bytes
//	top4  [2^bits4+1]uint32, padded to 8
//	v4    [n4]uint64            start<<32 | value
//	top6  [2^bits6+1]uint32, padded to 8   (absent when n6 == 0)
//	v6hi  [n6]uint64            high halves of the starts
//	v6lo  [n6]uint64            low halves
//	v6v   [n6]uint32, padded to 8
const headerSize = 8 + 2*24

var magic = [8]byte{'s', 'i', 'f', 't', 'i', 'p', 0, 1}

// ErrFormat is wrapped by the errors of [Open] and [Table.Verify].
var ErrFormat = errors.New("iptable: invalid format")

func formatError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrFormat}, args...)...)
}

// AppendBinary appends the serialised table to dst.
func (t *Table) AppendBinary(dst []byte) ([]byte, error) {
	if t == nil {
		t = &Table{}
	}
	dst = append(dst, magic[:]...)
	hdr := func(n int, x index) {
		dst = binary.LittleEndian.AppendUint64(dst, uint64(n))
		dst = binary.LittleEndian.AppendUint64(dst, x.base)
		dst = append(dst, x.shift, x.bits, 0, 0, 0, 0, 0, 0)
	}
	hdr(len(t.v4), t.i4)
	hdr(len(t.v6v), t.i6)
	start := len(dst) - headerSize
	pad := func() {
		for (len(dst)-start)%8 != 0 {
			dst = append(dst, 0)
		}
	}
	dst = layout.AppendUint32s(dst, t.i4.top)
	pad()
	dst = layout.AppendUint64s(dst, t.v4)
	dst = layout.AppendUint32s(dst, t.i6.top)
	pad()
	dst = layout.AppendUint64s(dst, t.v6hi)
	dst = layout.AppendUint64s(dst, t.v6lo)
	dst = layout.AppendUint32s(dst, t.v6v)
	pad()
	return dst, nil
}

// Open returns the table serialised in data, using data in place where it
// can (see package layout). It checks every count and every index entry
// against the size of data before use, so a lookup on an opened table never
// reads out of bounds; [Table.Verify] checks the order of the ranges.
func Open(data []byte) (*Table, error) {
	if len(data) < headerSize {
		return nil, formatError("%d bytes, shorter than the %d-byte header", len(data), headerSize)
	}
	if [8]byte(data[:8]) != magic {
		return nil, formatError("bad magic %q", data[:8])
	}
	var t Table
	rest := data[headerSize:]
	take := func(n uint64, size uint64, what string) ([]byte, error) {
		if n > uint64(len(rest))/size {
			return nil, formatError("%s: %d entries do not fit in %d bytes", what, n, len(rest))
		}
		b := rest[:n*size]
		adv := (n*size + 7) &^ 7
		if adv > uint64(len(rest)) {
			return nil, formatError("%s: padding runs past the end", what)
		}
		rest = rest[adv:]
		return b, nil
	}
	readHdr := func(off int) (n uint64, x index, err error) {
		n = binary.LittleEndian.Uint64(data[off:])
		x.base = binary.LittleEndian.Uint64(data[off+8:])
		x.shift, x.bits = data[off+16], data[off+17]
		if x.bits > maxIndexBits || x.shift > 63 {
			return 0, x, formatError("index shift %d, bits %d out of range", x.shift, x.bits)
		}
		return n, x, nil
	}
	n4, i4, err := readHdr(8)
	if err != nil {
		return nil, err
	}
	n6, i6, err := readHdr(32)
	if err != nil {
		return nil, err
	}
	topOf := func(n uint64, x *index, what string) error {
		if n == 0 {
			x.top = nil
			return nil
		}
		b, err := take(uint64(1)<<x.bits+1, 4, what+" index")
		if err != nil {
			return err
		}
		if x.top, err = layout.Uint32s(b); err != nil {
			return formatError("%s index: %v", what, err)
		}
		// Lookups index ranges through top without further checks: it
		// must be non-decreasing, end at n, and start at 0.
		prev := uint32(0)
		for i, v := range x.top {
			if v < prev || uint64(v) > n {
				return formatError("%s index entry %d (%d) out of order or past %d ranges", what, i, v, n)
			}
			prev = v
		}
		if x.top[0] != 0 || uint64(x.top[len(x.top)-1]) != n {
			return formatError("%s index does not span the %d ranges", what, n)
		}
		return nil
	}
	if err := topOf(n4, &i4, "v4"); err != nil {
		return nil, err
	}
	b, err := take(n4, 8, "v4 ranges")
	if err != nil {
		return nil, err
	}
	if t.v4, err = layout.Uint64s(b); err != nil {
		return nil, formatError("v4 ranges: %v", err)
	}
	if err := topOf(n6, &i6, "v6"); err != nil {
		return nil, err
	}
	for _, half := range []*[]uint64{&t.v6hi, &t.v6lo} {
		if b, err = take(n6, 8, "v6 ranges"); err != nil {
			return nil, err
		}
		if *half, err = layout.Uint64s(b); err != nil {
			return nil, formatError("v6 ranges: %v", err)
		}
	}
	if b, err = take(n6, 4, "v6 values"); err != nil {
		return nil, err
	}
	if t.v6v, err = layout.Uint32s(b); err != nil {
		return nil, formatError("v6 values: %v", err)
	}
	if len(rest) != 0 {
		return nil, formatError("%d trailing bytes", len(rest))
	}
	t.i4, t.i6 = i4, i6
	return &t, nil
}

// Verify checks what Open does not: that ranges are strictly increasing, and
// that the index puts each range in its bucket. It calls check with every
// value other than None, so the caller can validate them.
func (t *Table) Verify(check func(uint32) error) error {
	for i, e := range t.v4 {
		if i > 0 && e>>32 <= t.v4[i-1]>>32 {
			return formatError("v4 range %d out of order", i)
		}
		if err := t.verifyBucket(&t.i4, i, e>>32); err != nil {
			return err
		}
		if v := uint32(e); v != None {
			if err := check(v); err != nil {
				return err
			}
		}
	}
	for i, v := range t.v6v {
		k := u128{t.v6hi[i], t.v6lo[i]}
		if i > 0 && k.cmp(u128{t.v6hi[i-1], t.v6lo[i-1]}) <= 0 {
			return formatError("v6 range %d out of order", i)
		}
		if err := t.verifyBucket(&t.i6, i, k.hi); err != nil {
			return err
		}
		if v != None {
			if err := check(v); err != nil {
				return err
			}
		}
	}
	return nil
}

func (t *Table) verifyBucket(x *index, i int, k uint64) error {
	if k < x.base {
		return formatError("range %d starts below the index base", i)
	}
	b := x.bucket(k)
	if uint64(i) < uint64(x.top[b]) || uint64(i) >= uint64(x.top[b+1]) {
		return formatError("range %d is outside its index bucket %d", i, b)
	}
	return nil
}
