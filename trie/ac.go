package trie

import (
	"errors"
	"fmt"
	"io"
)

// Pattern is a literal byte pattern for [BuildAutomaton]. Its ID is its
// index in the slice passed to BuildAutomaton.
type Pattern struct {
	// Bytes is the literal. It must not be empty.
	Bytes []byte
	// Fold makes the pattern ASCII case-insensitive: A–Z and a–z match
	// each other, every other byte matches only itself. It applies to this
	// pattern only; a pattern without Fold on the same letters still
	// matches their exact case.
	Fold bool
}

// AutomatonConfig holds the caps that [BuildAutomaton] enforces, so that a
// hostile or mistaken pattern set is refused with a [*CapError] instead of
// exhausting memory. The zero value applies the defaults.
type AutomatonConfig struct {
	// MaxStates caps the number of states. Zero means
	// DefaultMaxStates; the format allows at most 1<<30.
	MaxStates int
	// MaxBytes caps the size of the automaton in bytes, as
	// [Automaton.SizeBytes] reports it (and as it serialises). Zero means
	// DefaultMaxBytes. The build itself uses about twice this at its peak.
	MaxBytes int
}

// The caps that a zero AutomatonConfig applies.
const (
	DefaultMaxStates = 1 << 24
	DefaultMaxBytes  = 1 << 30
)

// CapError reports a pattern set whose automaton would pass a cap of its
// [AutomatonConfig]. The build stops as soon as it passes the cap, so
// Reached is a lower bound of what the whole set would need.
type CapError struct {
	Cap     string // "MaxStates" or "MaxBytes"
	Limit   int    // the cap in force
	Reached int    // the value the build reached when it stopped
}

func (e *CapError) Error() string {
	unit := "states"
	if e.Cap == "MaxBytes" {
		unit = "bytes"
	}
	return fmt.Sprintf("trie: pattern set exceeds the automaton cap %s=%d: reached %d %s", e.Cap, e.Limit, e.Reached, unit)
}

// ErrEmptyPattern is wrapped by the error of [BuildAutomaton] for an empty
// pattern, which would match at every offset.
var ErrEmptyPattern = errors.New("trie: empty pattern")

// Automaton is an Aho-Corasick automaton over literal byte patterns: one
// pass over a text reports every occurrence of every pattern, overlapping
// ones included, with the pattern's ID and the match's start and end
// offsets. See the package documentation for its layout and the reasons.
//
// An Automaton is immutable and safe for concurrent use; each goroutine
// that streams keeps its own [Scanner]. The zero Automaton has no patterns
// and matches nothing.
type Automaton struct {
	classes [256]uint8 // byte → equivalence class
	stride  uint32     // number of classes: the width of a dense row

	// dense holds the rows of the states near the root, one uint32 per
	// class: a state reference (see acSparse, acMatch) premultiplied by
	// stride, so that the next state is dense[s+class]. The root is row 0.
	dense []uint32
	// denseOut gives, per dense row, the offset in out of the row's
	// outputs (acNone: none).
	denseOut []uint32
	// sparse holds the deeper states, one record each (see sparseStep).
	sparse []uint32
	// out holds output blocks: count, next block (the dictionary suffix
	// link, acNone at the end), then count pattern IDs.
	out []uint32

	patOff   []uint32 // pattern i is patBytes[patOff[i]:patOff[i+1]]
	fold     []uint64 // bit i: pattern i is case-insensitive
	patBytes []byte

	n          int // patterns
	states     int
	maxLen     int
	denseDepth int    // states at depth ≤ denseDepth are dense
	denseMax   uint32 // len(dense)-stride: the last dense state's offset
	params     acParams
}

// acParams are the layout choices a build makes; they are serialised so
// that Verify can rebuild the same bytes.
type acParams struct {
	maxDenseDepth uint32
	denseBudget   uint32 // bytes
}

// State references, as they appear in dense rows, sparse records and a
// Scanner. The low 30 bits are an offset: premultiplied into dense, or of
// a record in sparse.
const (
	acSparse  = 1 << 31 // the state is a record in sparse
	acMatch   = 1 << 30 // the state has outputs (only in transitions)
	acOffMask = acMatch - 1
	acSpecial = acMatch // a reference ≥ this is sparse or a match
	acNone    = ^uint32(0)
)

// Len returns the number of patterns.
func (a *Automaton) Len() int {
	if a == nil {
		return 0
	}
	return a.n
}

// Pattern returns pattern id as it was built. Its Bytes alias the
// automaton's memory and must not be modified.
func (a *Automaton) Pattern(id int) Pattern {
	if a == nil || id < 0 || id >= a.n {
		return Pattern{}
	}
	return Pattern{
		Bytes: a.patBytes[a.patOff[id]:a.patOff[id+1]:a.patOff[id+1]],
		Fold:  a.fold[id/64]&(1<<(id%64)) != 0,
	}
}

// AutomatonStats describes an automaton's shape.
type AutomatonStats struct {
	Patterns    int
	States      int // including the root
	DenseStates int // states with a full row of transitions
	DenseDepth  int // states this deep or shallower are dense
	Classes     int // byte equivalence classes
	MaxLen      int // longest pattern
	Bytes       int // SizeBytes
}

// Stats returns the automaton's shape.
func (a *Automaton) Stats() AutomatonStats {
	if a == nil || a.stride == 0 {
		return AutomatonStats{}
	}
	return AutomatonStats{
		Patterns:    a.n,
		States:      a.states,
		DenseStates: len(a.denseOut),
		DenseDepth:  a.denseDepth,
		Classes:     int(a.stride),
		MaxLen:      a.maxLen,
		Bytes:       a.SizeBytes(),
	}
}

// SizeBytes returns the memory the automaton's tables and patterns take,
// which is also the size of its serialised form, give or take the header
// and padding.
func (a *Automaton) SizeBytes() int {
	if a == nil {
		return 0
	}
	return 256 + 4*(len(a.dense)+len(a.denseOut)+len(a.sparse)+len(a.out)+len(a.patOff)) + 8*len(a.fold) + len(a.patBytes)
}

// Scan reports every occurrence of every pattern in text, in order of end
// offset and, at one end offset, longest pattern first (then by ID), by
// calling fn with the pattern's ID and the match's start and end offsets
// (text[start:end] is the occurrence). It stops early, and returns false,
// when fn returns false. Scan does not allocate.
func (a *Automaton) Scan(text []byte, fn func(id, start, end int) bool) bool {
	if a == nil || len(a.dense) == 0 {
		return true
	}
	var pace acPace
	_, _, ok := a.run(0, text, 0, fn, &pace)
	return ok
}

// Contains reports whether any pattern occurs in text.
func (a *Automaton) Contains(text []byte) bool {
	found := false
	a.Scan(text, func(int, int, int) bool { found = true; return false })
	return found
}

// Scanner scans a text that arrives in chunks: it carries the automaton's
// state and the absolute offset across calls to Write, so that the
// matches, with their absolute offsets, are exactly those of one Scan over
// the concatenated chunks, including matches that span chunks. It holds
// no buffer: memory stays bounded however long the text.
//
// A Scanner is a small value; get one from [Automaton.Scanner]. The zero
// Scanner has no automaton and matches nothing. A Scanner must not be used
// by several goroutines at once; the automaton may be shared.
type Scanner struct {
	a     *Automaton
	state uint32
	off   int
	pace  acPace
}

// Scanner returns a Scanner at offset 0.
func (a *Automaton) Scanner() Scanner { return Scanner{a: a} }

// Write scans the next chunk of the text and reports its matches as
// [Automaton.Scan] does, with offsets counted from the start of the text;
// a match's start may lie in an earlier chunk. It returns false when fn
// stopped it; the Scanner is then positioned just after the byte where the
// last reported match ends (Offset says where), so that writing the rest
// of the chunk resumes the scan; matches ending at that same byte that
// were not yet reported are skipped. Write does not allocate.
func (s *Scanner) Write(chunk []byte, fn func(id, start, end int) bool) bool {
	if s.a == nil || len(s.a.dense) == 0 {
		s.off += len(chunk)
		return true
	}
	st, n, ok := s.a.run(s.state, chunk, s.off, fn, &s.pace)
	s.state = st
	s.off += n
	return ok
}

// Offset returns the number of bytes written so far: the absolute offset
// of the next chunk.
func (s *Scanner) Offset() int { return s.off }

// Reset returns the Scanner to offset 0 and the automaton's start state.
func (s *Scanner) Reset() { s.state, s.off, s.pace = 0, 0, acPace{} }

// ScanReader scans r through buf (64 KiB are allocated if buf is empty) in
// bounded memory, reporting matches as Scan does. It returns the number of
// bytes read and the first read error other than io.EOF; it stops early,
// without error, when fn returns false.
func (a *Automaton) ScanReader(r io.Reader, buf []byte, fn func(id, start, end int) bool) (int64, error) {
	if len(buf) == 0 {
		buf = make([]byte, 64<<10)
	}
	sc := a.Scanner()
	var n int64
	for {
		m, err := r.Read(buf)
		n += int64(m)
		if m > 0 && !sc.Write(buf[:m], fn) {
			return n, nil
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}
