package trie

import "unsafe"

// The scanning loops.
//
// Bounds. The hot path, a step from a dense state, loads dense[s+c]
// without a bounds check (through unsafe): it relies on two invariants
// that the build establishes and OpenAutomaton checks, so that they hold
// for any input bytes:
//
//   - every class is below stride, and
//   - every dense entry that refers to a dense state (acSparse clear) has
//     its offset at most denseMax = len(dense)-stride;
//
// and on one that the scan keeps: a state reached through a sparse record
// (whose words Open does not check) is replaced by the root when it
// refers to a dense state beyond denseMax. So s+c < len(dense) at every
// dense step. Everywhere else an index from the tables is compared with
// the table's length before use; where a comparison fails, which only
// corrupt data can cause, the scan goes on from the root. An automaton
// opened from any bytes thus scans in bounds and in time linear in the
// text (no loop follows references); it may then report wrong matches,
// and Verify finds the corruption.

// A sparse record, at offset o of sparse, for a state deeper than the
// dense rows reach:
//
//	o+0  class 0 (bits 0–8), class 1 (bits 9–17), n (bits 18–26),
//	     hasOut (bit 27); an unused class field holds acNoClass
//	o+1  fallback: a dense state (premultiplied, no flags)
//	o+2  target of class 0
//	o+3  target of class 1
//	o+4  offset of the outputs in out, only if hasOut
//	     classes 2…n-1, four to a word, low byte first: ⌈(n-2)/4⌉ words
//	     targets 2…n-1
//
// A state with one such class and no outputs, most deep states, has a
// short record of two words instead, when its fallback's offset fits:
//
//	o+0  1 (bit 31) | class (bits 22–30) | fallback (bits 0–21)
//	o+1  target of the class
//
// The n classes are those where the state's transition differs from its
// fallback's, which is the nearest dense state along its Aho-Corasick
// failure chain: so a step is one record and, failing its classes, one
// dense row. Most deep states have one or two such classes, and their
// step reads only the first four words. Targets carry acMatch and
// acSparse like dense entries do.
const (
	acNoClass   = 0x1ff
	acRecHasOut = 1 << 27
	acShort     = 1 << 31
	acShortFB   = 1<<22 - 1
)

// acRecWords returns the length in words of a record with n classes.
func acRecWords(n int, hasOut bool) int {
	w := 4 + acPackedWords(n) + max(n-2, 0)
	if hasOut {
		w++
	}
	return w
}

// acPackedWords returns the words holding classes 2…n-1.
func acPackedWords(n int) int {
	if n <= 2 {
		return 0
	}
	return (n + 1) / 4
}

// sparseStep returns the transition of sparse state s on class c.
func (a *Automaton) sparseStep(s, c uint32) uint32 {
	o := uint(s & acOffMask)
	sp := a.sparse
	if o+2 > uint(len(sp)) {
		return 0
	}
	var t uint32
	switch h := sp[o]; {
	case h >= acShort:
		if h>>22&acNoClass != c {
			if i := uint(h&acShortFB) + uint(c); i < uint(len(a.dense)) {
				return a.dense[i]
			}
			return 0
		}
		t = sp[o+1]
	case o+4 > uint(len(sp)):
		return 0
	case h&acNoClass == c:
		t = sp[o+2]
	case h>>9&acNoClass == c:
		t = sp[o+3]
	case h>>18&acNoClass > 2:
		t = a.sparseMore(o, h, c)
	default:
		if i := uint(sp[o+1]) + uint(c); i < uint(len(a.dense)) {
			return a.dense[i]
		}
		return 0
	}
	if t&acSparse == 0 && t&acOffMask > a.denseMax {
		return 0
	}
	return t
}

// sparseMore looks c up among classes 2…n-1 of the record at o.
func (a *Automaton) sparseMore(o uint, h, c uint32) uint32 {
	sp := a.sparse
	n := uint(h >> 18 & acNoClass)
	p := o + 4 // packed classes
	if h&acRecHasOut != 0 {
		p++
	}
	t := p + uint(acPackedWords(int(n))) - 2 // targets, indexed from 2
	if t+n > uint(len(sp)) {
		return 0
	}
	for j := uint(2); j < n; j++ {
		if sp[p+(j-2)/4]>>(8*((j-2)%4))&0xff == c {
			if r := sp[t+j]; r&acSparse != 0 || r&acOffMask <= a.denseMax {
				return r
			}
			return 0
		}
	}
	if i := uint(sp[o+1]) + uint(c); i < uint(len(a.dense)) {
		return a.dense[i]
	}
	return 0
}

// acPace carries the scan's choice between lanes and one stream across
// the blocks of a text and, in a Scanner, across chunks.
type acPace struct {
	seg     int // the lanes' segment length to try next; 0: acLaneMax
	single  int // bytes left to scan as one stream before trying lanes again
	backoff int // blocks' worth of one stream after the next slow block
}

// run scans text from state s, reporting matches with offsets counted from
// base. It returns the state after the last byte scanned, the number of
// bytes scanned, and false if fn stopped it.
func (a *Automaton) run(s uint32, text []byte, base int, fn func(id, start, end int) bool, pace *acPace) (uint32, int, bool) {
	if fn == nil {
		fn = acNop
	}
	if pace.seg == 0 {
		pace.seg = acLaneMax
	}
	done := 0
	for done < len(text) {
		rest := text[done:]
		if pace.single > 0 {
			// The lanes were slow here: one stream for a stretch.
			k := min(len(rest), pace.single)
			var n int
			var ok bool
			s, n, ok = a.run1(s, rest[:k], base+done, fn)
			done += n
			pace.single -= n
			if !ok {
				return s, done, false
			}
			continue
		}
		blk := a.laneBlock(len(rest), pace.seg)
		if blk == 0 {
			s, n, ok := a.run1(s, rest, base+done, fn)
			return s, done + n, ok
		}
		var n int
		var ok, full, slow bool
		s, n, ok, full, slow = a.runLanes(s, rest[:blk], base+done, fn)
		done += n
		if !ok {
			return s, done, false
		}
		// Where matches are too many for the queues, shorter segments;
		// where they fit, longer ones again.
		if full {
			pace.seg = max(pace.seg/2, acLaneMin)
		} else {
			pace.seg = min(pace.seg*2, acLaneMax)
		}
		if slow {
			// The lanes spent their time in sparse states, where one
			// stream is faster: scan the next stretch as one, then try
			// the lanes again, after twice as long each time they are
			// slow again.
			pace.backoff = min(max(2*pace.backoff, acSlowStretch), acSlowMax)
			pace.single = pace.backoff * blk
		} else {
			pace.backoff = 0
		}
	}
	return s, done, true
}

func acNop(int, int, int) bool { return true }

// run1 is the scan of one stream, for short texts and the ends of long
// ones.
func (a *Automaton) run1(s uint32, text []byte, base int, fn func(id, start, end int) bool) (uint32, int, bool) {
	dense := unsafe.Pointer(unsafe.SliceData(a.dense))
	cls := &a.classes
	for i := 0; i < len(text); i++ {
		c := uint32(cls[text[i]])
		if s < acSpecial {
			// The hot path: a dense state, one load per byte, in bounds
			// by the invariants above.
			s = *(*uint32)(unsafe.Add(dense, uintptr(s+c)*4))
			if s < acSpecial {
				continue
			}
		} else {
			s = a.sparseStep(s, c)
		}
		if s&acMatch != 0 {
			s &^= acMatch
			if fn != nil && !a.report(s, base+i+1, fn) { // nil: warming up
				return s, i + 1, false
			}
		}
	}
	return s, len(text), true
}

// Interleaved lanes. One stream takes a dependent load per byte, so its
// speed is the latency of the transition table. A long text is therefore
// cut into acLanes segments scanned in one loop, each lane a byte at a
// time, so that the lanes' loads overlap. A lane other than the first
// starts at the root maxLen bytes before its segment: the state of an
// Aho-Corasick automaton depends only on the last maxLen bytes read, so by
// the segment's start the lane is in the state one pass would be in; the
// matches it meets before then are the previous lane's. The first lane
// reports as it goes; the others queue their matches (state and end) on
// the stack and report them in order when the earlier lanes are done. A
// lane whose queue fills stops the interleaving, and the block finishes
// lane by lane.
const (
	// acSlowStretch is how many blocks' worth of text a scan takes as one
	// stream after a block whose lanes were mostly in sparse states, and
	// acSlowMax how many after many such blocks in a row.
	acSlowStretch = 8
	acSlowMax     = 256
	// A block's lanes are slow when more than 1/acSlowShare of their
	// steps found a lane in a sparse state. Measured (BenchmarkACStream):
	// 6% of steps at 10k IOC patterns, where the lanes are 2.5 times as
	// fast as one stream; 53% at 100k, where they are a third slower.
	acSlowShare = 4
	acLanes     = 4
	acLaneMin   = 4 << 10  // the shortest lane segment worth interleaving
	acLaneMax   = 64 << 10 // the longest
	acQueueCap  = 256
)

// laneBlock returns how much of a text of length n to scan as one block of
// lanes with segments of about seg bytes (fewer if the text is shorter),
// or 0 to scan it as one stream. A segment is at least 8 times the warm-up
// (maxLen), so that warming up costs at most an eighth more work.
func (a *Automaton) laneBlock(n, seg int) int {
	least := max(acLaneMin, 8*a.maxLen)
	if n < acLanes*least || least > 1<<28 {
		return 0 // short, or too long for the queues' 32-bit offsets
	}
	seg = max(min(seg, n/acLanes), least)
	return min(n, acLanes*seg)
}

type acQueued struct {
	s, end uint32 // end: in the block
}

// acLane is one lane's progress: text[pos:end] is left to scan; matches
// ending at or before from belong to the previous lane. A lane whose queue
// is full holds the match it could not queue (pending) in s, at pos.
type acLane struct {
	s              uint32
	pos, end, from int
	queued         int // in the lane's queue
	pending        bool
}

// The loop of runLanes is written out for four lanes.
var _ = [1]struct{}{}[acLanes-4]

func (a *Automaton) runLanes(s0 uint32, text []byte, base int, fn func(id, start, end int) bool) (s uint32, n int, ok, full, slow bool) {
	w := a.maxLen
	// Lane 0 scans [0, L); lane j ≥ 1 scans [e(j-1)-w, e(j-1)-w+L), the
	// last one up to the end.
	l := (len(text) + (acLanes-1)*w + acLanes - 1) / acLanes
	var lanes [acLanes]acLane
	var queues [acLanes - 1][acQueueCap]acQueued
	lanes[0] = acLane{s: s0, pos: 0, end: l}
	for j := 1; j < acLanes; j++ {
		prev := lanes[j-1].end
		lanes[j] = acLane{pos: prev - w, end: min(prev-w+l, len(text)), from: prev}
	}
	lanes[acLanes-1].end = len(text)

	dense := unsafe.Pointer(unsafe.SliceData(a.dense))
	sp, sp0, dmax := a.sparse, a.dense, a.denseMax
	cls := &a.classes
	fast, mixed := 0, 0
	for !lanes[1].pending && !lanes[2].pending && !lanes[3].pending {
		m := len(text)
		for j := range lanes {
			m = min(m, lanes[j].end-lanes[j].pos)
		}
		if m == 0 {
			break
		}
		x0 := text[lanes[0].pos:][:m]
		x1 := text[lanes[1].pos:][:m]
		x2 := text[lanes[2].pos:][:m]
		x3 := text[lanes[3].pos:][:m]
		s0, s1, s2, s3 := lanes[0].s, lanes[1].s, lanes[2].s, lanes[3].s
		t := 0
		for t < len(x0) {
			if s0|s1|s2|s3 < acSpecial {
				st := [acLanes]uint32{s0, s1, s2, s3}
				k := acDense4(dense, cls, x0[t:], x1[t:], x2[t:], x3[t:], &st)
				fast += k
				t += k
				s0, s1, s2, s3 = st[0], st[1], st[2], st[3]
			} else {
				// Some lane in a sparse state: a test per lane.
				for t < len(x0) {
					mixed++
					c0 := uint32(cls[x0[t]])
					c1 := uint32(cls[x1[t]])
					c2 := uint32(cls[x2[t]])
					c3 := uint32(cls[x3[t]])
					t++
					// Four independent steps, written out: a dense state is one
					// load (in bounds by the invariants above); a sparse one (see
					// sparseStep) reads its record's first words and then,
					// failing its two classes, its fallback's row.
					if s0 < acSpecial {
						s0 = *(*uint32)(unsafe.Add(dense, uintptr(s0+c0)*4))
					} else if o := uint(s0 & acOffMask); o+4 <= uint(len(sp)) {
						if h := sp[o]; h >= acShort {
							if h>>22&acNoClass == c0 {
								s0 = sp[o+1]
							} else if i := uint(h&acShortFB) + uint(c0); i < uint(len(sp0)) {
								s0 = sp0[i]
							} else {
								s0 = 0
							}
						} else if h&acNoClass == c0 {
							s0 = sp[o+2]
						} else if h>>9&acNoClass == c0 {
							s0 = sp[o+3]
						} else if h>>18&acNoClass > 2 {
							s0 = a.sparseMore(o, h, c0)
						} else if i := uint(sp[o+1]) + uint(c0); i < uint(len(sp0)) {
							s0 = sp0[i]
						} else {
							s0 = 0
						}
						if s0&acSparse == 0 && s0&acOffMask > dmax {
							s0 = 0
						}
					} else {
						s0 = a.sparseStep(s0, c0) // the last record, or corrupt
					}
					if s1 < acSpecial {
						s1 = *(*uint32)(unsafe.Add(dense, uintptr(s1+c1)*4))
					} else if o := uint(s1 & acOffMask); o+4 <= uint(len(sp)) {
						if h := sp[o]; h >= acShort {
							if h>>22&acNoClass == c1 {
								s1 = sp[o+1]
							} else if i := uint(h&acShortFB) + uint(c1); i < uint(len(sp0)) {
								s1 = sp0[i]
							} else {
								s1 = 0
							}
						} else if h&acNoClass == c1 {
							s1 = sp[o+2]
						} else if h>>9&acNoClass == c1 {
							s1 = sp[o+3]
						} else if h>>18&acNoClass > 2 {
							s1 = a.sparseMore(o, h, c1)
						} else if i := uint(sp[o+1]) + uint(c1); i < uint(len(sp0)) {
							s1 = sp0[i]
						} else {
							s1 = 0
						}
						if s1&acSparse == 0 && s1&acOffMask > dmax {
							s1 = 0
						}
					} else {
						s1 = a.sparseStep(s1, c1) // the last record, or corrupt
					}
					if s2 < acSpecial {
						s2 = *(*uint32)(unsafe.Add(dense, uintptr(s2+c2)*4))
					} else if o := uint(s2 & acOffMask); o+4 <= uint(len(sp)) {
						if h := sp[o]; h >= acShort {
							if h>>22&acNoClass == c2 {
								s2 = sp[o+1]
							} else if i := uint(h&acShortFB) + uint(c2); i < uint(len(sp0)) {
								s2 = sp0[i]
							} else {
								s2 = 0
							}
						} else if h&acNoClass == c2 {
							s2 = sp[o+2]
						} else if h>>9&acNoClass == c2 {
							s2 = sp[o+3]
						} else if h>>18&acNoClass > 2 {
							s2 = a.sparseMore(o, h, c2)
						} else if i := uint(sp[o+1]) + uint(c2); i < uint(len(sp0)) {
							s2 = sp0[i]
						} else {
							s2 = 0
						}
						if s2&acSparse == 0 && s2&acOffMask > dmax {
							s2 = 0
						}
					} else {
						s2 = a.sparseStep(s2, c2) // the last record, or corrupt
					}
					if s3 < acSpecial {
						s3 = *(*uint32)(unsafe.Add(dense, uintptr(s3+c3)*4))
					} else if o := uint(s3 & acOffMask); o+4 <= uint(len(sp)) {
						if h := sp[o]; h >= acShort {
							if h>>22&acNoClass == c3 {
								s3 = sp[o+1]
							} else if i := uint(h&acShortFB) + uint(c3); i < uint(len(sp0)) {
								s3 = sp0[i]
							} else {
								s3 = 0
							}
						} else if h&acNoClass == c3 {
							s3 = sp[o+2]
						} else if h>>9&acNoClass == c3 {
							s3 = sp[o+3]
						} else if h>>18&acNoClass > 2 {
							s3 = a.sparseMore(o, h, c3)
						} else if i := uint(sp[o+1]) + uint(c3); i < uint(len(sp0)) {
							s3 = sp0[i]
						} else {
							s3 = 0
						}
						if s3&acSparse == 0 && s3&acOffMask > dmax {
							s3 = 0
						}
					} else {
						s3 = a.sparseStep(s3, c3) // the last record, or corrupt
					}
					if x := s0 | s1 | s2 | s3; x&acMatch != 0 || x < acSparse {
						break // a match, or every lane dense again
					}
				}
			}
			if (s0|s1|s2|s3)&acMatch != 0 {
				break
			}
		}
		lanes[0].s, lanes[1].s, lanes[2].s, lanes[3].s = s0, s1, s2, s3
		for j := range lanes {
			ln := &lanes[j]
			ln.pos += t
			if ln.s&acMatch == 0 {
				continue
			}
			ln.s &^= acMatch
			switch {
			case j == 0:
				if !a.report(ln.s, base+ln.pos, fn) {
					return ln.s, ln.pos, false, false, false
				}
			case ln.pos <= ln.from:
				// Warming up: the previous lane reports this one.
			case ln.queued < acQueueCap:
				queues[j-1][ln.queued] = acQueued{ln.s, uint32(ln.pos)}
				ln.queued++
			default:
				// Queue full: stop interleaving.
				ln.pending = true
			}
		}
	}

	// Finish lane by lane, in order: each one's queue, then what it has
	// left.
	for j := range lanes {
		ln := &lanes[j]
		full = full || ln.pending
		for _, m := range queues[max(j, 1)-1][:ln.queued] {
			if !a.report(m.s, base+int(m.end), fn) {
				return m.s, int(m.end), false, full, false
			}
		}
		s = ln.s
		if ln.pending && !a.report(s, base+ln.pos, fn) {
			return s, ln.pos, false, full, false
		}
		if ln.pos < ln.from {
			// Still warming up: no reports before from.
			s, _, _ = a.run1(s, text[ln.pos:ln.from], base+ln.pos, nil)
			ln.pos = ln.from
		}
		var k int
		s, k, ok = a.run1(s, text[ln.pos:ln.end], base+ln.pos, fn)
		if !ok {
			return s, ln.pos + k, false, full, false
		}
	}
	return s, len(text), true, full, mixed*acSlowShare > fast+mixed
}

// acDense4 steps four lanes while all four are in dense states, the common
// case: one load per lane and byte, in bounds by the invariants above, and
// one test for the four. It returns the number of bytes each lane read,
// stopping after the byte where a lane meets a sparse state or a match.
// It is a function of its own so that its loop keeps everything in
// registers.
//
//go:noinline
func acDense4(dense unsafe.Pointer, cls *[256]uint8, x0, x1, x2, x3 []byte, st *[acLanes]uint32) int {
	s0, s1, s2, s3 := st[0], st[1], st[2], st[3]
	x1, x2, x3 = x1[:len(x0)], x2[:len(x0)], x3[:len(x0)]
	t := 0
	for t < len(x0) {
		s0 = *(*uint32)(unsafe.Add(dense, uintptr(s0+uint32(cls[x0[t]]))*4))
		s1 = *(*uint32)(unsafe.Add(dense, uintptr(s1+uint32(cls[x1[t]]))*4))
		s2 = *(*uint32)(unsafe.Add(dense, uintptr(s2+uint32(cls[x2[t]]))*4))
		s3 = *(*uint32)(unsafe.Add(dense, uintptr(s3+uint32(cls[x3[t]]))*4))
		t++
		if s0|s1|s2|s3 >= acSpecial {
			break
		}
	}
	st[0], st[1], st[2], st[3] = s0, s1, s2, s3
	return t
}

// report calls fn for every output of state s (without acMatch), the
// state's own patterns and then those along its dictionary suffix links.
func (a *Automaton) report(s uint32, end int, fn func(id, start, end int) bool) bool {
	var o uint32
	if s < acSparse {
		row := s / a.stride
		if row >= uint32(len(a.denseOut)) {
			return true
		}
		o = a.denseOut[row]
	} else {
		r := uint(s & acOffMask)
		if r+4 >= uint(len(a.sparse)) || a.sparse[r]&(acShort|acRecHasOut) != acRecHasOut {
			return true
		}
		o = a.sparse[r+4]
	}
	out := a.out
	// Each link leads to shorter patterns, so a valid chain is at most
	// maxLen blocks long.
	for steps := a.maxLen; o != acNone && steps > 0; steps-- {
		if uint(o)+2 > uint(len(out)) {
			return true
		}
		ids := out[o+2:]
		cnt := uint(out[o])
		if cnt > uint(len(ids)) {
			return true
		}
		for _, id := range ids[:cnt] {
			if uint(id) >= uint(a.n) {
				continue
			}
			l := int(a.patOff[id+1]) - int(a.patOff[id])
			if !fn(int(id), end-l, end) {
				return false
			}
		}
		o = out[o+1]
	}
	return true
}
