package trie

import (
	"bytes"
	"encoding/binary"

	"github.com/sift-intel/sift/internal/layout"
)

// The serialised Automaton, little-endian, every part 8-byte aligned:
//
//	magic "siftaco\x01", then 12 uint64: patterns, classes (stride),
//	states, longest pattern, dense depth, maximum dense depth and dense
//	budget (the build's layout choices), and the lengths in elements of
//	dense, denseOut, sparse, out and the pattern bytes
//	classes    256 bytes, a class per byte
//	dense      uint32 × classes × dense states
//	denseOut   uint32 × dense states
//	sparse     uint32 records
//	out        uint32 output blocks
//	patOff     uint32 × (patterns+1)
//	fold       uint64 × ⌈patterns/64⌉
//	patBytes   bytes
//
// The references inside the tables are checked as the scan uses them, not
// at Open; Verify checks everything.
const acHeader = 8 + 12*8

var acMagic = [8]byte{'s', 'i', 'f', 't', 'a', 'c', 'o', 1}

var emptyAutomaton = func() *Automaton {
	a, err := BuildAutomaton(nil, AutomatonConfig{})
	if err != nil {
		panic(err)
	}
	return a
}()

// AppendBinary appends the serialised automaton to dst. The zero
// Automaton serialises as an automaton without patterns.
func (a *Automaton) AppendBinary(dst []byte) ([]byte, error) {
	if a == nil || a.stride == 0 {
		a = emptyAutomaton
	}
	start := len(dst)
	dst = append(dst, acMagic[:]...)
	for _, v := range []int{
		a.n, int(a.stride), a.states, a.maxLen, a.denseDepth,
		int(a.params.maxDenseDepth), int(a.params.denseBudget),
		len(a.dense), len(a.denseOut), len(a.sparse), len(a.out), len(a.patBytes),
	} {
		dst = binary.LittleEndian.AppendUint64(dst, uint64(v))
	}
	pad := func(d []byte) []byte {
		for (len(d)-start)%8 != 0 {
			d = append(d, 0)
		}
		return d
	}
	dst = append(dst, a.classes[:]...)
	for _, s := range [][]uint32{a.dense, a.denseOut, a.sparse, a.out, a.patOff} {
		dst = pad(layout.AppendUint32s(dst, s))
	}
	dst = layout.AppendUint64s(dst, a.fold)
	dst = pad(append(dst, a.patBytes...))
	return dst, nil
}

// OpenAutomaton returns the automaton serialised in data, using data in
// place (data must not change while the automaton is in use). It checks
// the header, the lengths, the patterns and the dense rows' references
// (a pass over the dense rows, which a build keeps to a few MiB), so that
// scanning never reads out of bounds whatever data holds;
// [Automaton.Verify] checks the rest.
func OpenAutomaton(data []byte) (*Automaton, error) {
	if len(data) < acHeader {
		return nil, formatError("automaton: %d bytes, shorter than the header", len(data))
	}
	if [8]byte(data[:8]) != acMagic {
		return nil, formatError("automaton: bad magic %q", data[:8])
	}
	var h [12]uint64
	for i := range h {
		h[i] = binary.LittleEndian.Uint64(data[8+8*i:])
	}
	n, stride, states, maxLen, denseDepth, maxDense, budget := h[0], h[1], h[2], h[3], h[4], h[5], h[6]
	nDense, nDenseOut, nSparse, nOut, nPat := h[7], h[8], h[9], h[10], h[11]
	rest := uint64(len(data) - acHeader)
	// Every count is bounded by the data before any product is formed,
	// so the sums below cannot overflow.
	for _, v := range []uint64{n, nDense, nDenseOut, nSparse, nOut, nPat} {
		if v > rest {
			return nil, formatError("automaton: a count of %d exceeds the %d bytes", v, rest)
		}
	}
	if stride == 0 || stride > 256 || nDenseOut == 0 || nDense != nDenseOut*stride {
		return nil, formatError("automaton: %d dense entries for %d rows of %d classes", nDense, nDenseOut, stride)
	}
	if states < nDenseOut || states > acOffMask || maxLen > acOffMask || denseDepth > acOffMask || maxDense > acOffMask || budget > 1<<32 {
		return nil, formatError("automaton: implausible header")
	}
	foldWords := (n + 63) / 64
	want := 256 + pad8(4*nDense) + pad8(4*nDenseOut) + pad8(4*nSparse) + pad8(4*nOut) + pad8(4*(n+1)) + 8*foldWords + pad8(nPat)
	if want != rest {
		return nil, formatError("automaton: parts of %d bytes do not fill %d bytes", want, rest)
	}
	a := &Automaton{
		n: int(n), stride: uint32(stride), states: int(states), maxLen: int(maxLen), denseDepth: int(denseDepth),
		params: acParams{maxDenseDepth: uint32(maxDense), denseBudget: uint32(budget)},
	}
	p := data[acHeader:]
	copy(a.classes[:], p[:256])
	for c, cl := range a.classes {
		if uint64(cl) >= stride {
			return nil, formatError("automaton: byte %#x in class %d of %d", c, cl, stride)
		}
	}
	p = p[256:]
	a.denseMax = uint32(nDense - stride)
	u32 := func(count uint64) []uint32 {
		s, err := layout.Uint32s(p[:4*count])
		if err != nil {
			panic(err) // the length is a multiple of 4
		}
		p = p[pad8(4*count):]
		return s
	}
	a.dense = u32(nDense)
	a.denseOut = u32(nDenseOut)
	a.sparse = u32(nSparse)
	a.out = u32(nOut)
	a.patOff = u32(n + 1)
	fold, err := layout.Uint64s(p[:8*foldWords])
	if err != nil {
		panic(err)
	}
	a.fold = fold
	p = p[8*foldWords:]
	a.patBytes = p[:nPat:nPat]

	// The scan's dense steps load without bounds checks (see ac_scan.go);
	// they rely on this.
	for i, v := range a.dense {
		if v&acSparse == 0 && v&acOffMask > a.denseMax {
			return nil, formatError("automaton: dense entry %d refers to offset %d, past the last row at %d", i, v&acOffMask, a.denseMax)
		}
	}

	// The patterns: Pattern slices them, and the scan takes their
	// lengths, so their offsets must be in order and in bounds.
	if a.patOff[0] != 0 || uint64(a.patOff[n]) != nPat {
		return nil, formatError("automaton: pattern offsets do not span the %d pattern bytes", nPat)
	}
	longest := uint32(0)
	for i := range a.n {
		l := a.patOff[i+1] - a.patOff[i]
		if a.patOff[i+1] < a.patOff[i] || l == 0 {
			return nil, formatError("automaton: pattern %d has offsets %d to %d", i, a.patOff[i], a.patOff[i+1])
		}
		longest = max(longest, l)
	}
	if uint64(longest) != maxLen {
		return nil, formatError("automaton: the longest pattern has %d bytes, header says %d", longest, maxLen)
	}
	return a, nil
}

// Verify checks the whole automaton: it rebuilds it from its patterns with
// the same layout choices and compares the tables, so a nil error means
// that a scans exactly as a fresh build would. It costs about as much as
// the build.
func (a *Automaton) Verify() error {
	if a == nil || a.stride == 0 {
		return nil
	}
	ps := make([]Pattern, a.n)
	for i := range ps {
		ps[i] = a.Pattern(i)
	}
	// The rebuild may take no more than the automaton does: corrupt data
	// cannot make Verify build something larger than what it checks.
	size := a.SizeBytes()
	fresh, err := buildAutomaton(ps, AutomatonConfig{MaxStates: size/8 + 1, MaxBytes: size}, a.params)
	if err != nil {
		return formatError("automaton: its patterns do not build: %v", err)
	}
	if a.classes != fresh.classes {
		return formatError("automaton: byte classes differ from a fresh build")
	}
	if a.stride != fresh.stride || a.states != fresh.states || a.maxLen != fresh.maxLen || a.denseDepth != fresh.denseDepth {
		return formatError("automaton: header (%d classes, %d states, depth %d) differs from a fresh build (%d, %d, %d)",
			a.stride, a.states, a.denseDepth, fresh.stride, fresh.states, fresh.denseDepth)
	}
	for _, t := range []struct {
		name      string
		got, want []uint32
	}{
		{"dense", a.dense, fresh.dense},
		{"denseOut", a.denseOut, fresh.denseOut},
		{"sparse", a.sparse, fresh.sparse},
		{"out", a.out, fresh.out},
	} {
		if len(t.got) != len(t.want) {
			return formatError("automaton: %s has %d entries, a fresh build %d", t.name, len(t.got), len(t.want))
		}
		for i := range t.got {
			if t.got[i] != t.want[i] {
				return formatError("automaton: %s[%d] = %#x, a fresh build has %#x", t.name, i, t.got[i], t.want[i])
			}
		}
	}
	for i := range a.fold {
		if a.fold[i] != fresh.fold[i] {
			return formatError("automaton: fold flags differ")
		}
	}
	if !bytes.Equal(a.patBytes, fresh.patBytes) {
		return formatError("automaton: pattern bytes differ")
	}
	return nil
}
