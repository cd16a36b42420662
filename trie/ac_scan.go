package trie

// The scanning loops. Every index that comes from the automaton's tables is
// checked against the table's length before use, here and not at Open
// (which would cost a pass over every table): an automaton opened from
// corrupt bytes scans in bounds, restarting at the root where a reference
// leads nowhere, and stops following chains after as many steps as a valid
// automaton could need. It may then report wrong matches; Verify finds the
// corruption.

// run scans text from state s, reporting matches with offsets counted from
// base. It returns the state after the last byte scanned, the number of
// bytes scanned, and false if fn stopped it.
func (a *Automaton) run(s uint32, text []byte, base int, fn func(id, start, end int) bool) (uint32, int, bool) {
	dense := a.dense
	cls := &a.classes
	for i := 0; i < len(text); i++ {
		c := uint32(cls[text[i]])
		if s < acSpecial {
			// The hot path: a dense state, one load per byte. The
			// comparison replaces the bounds check that the compiler
			// would otherwise insert, and costs the same.
			idx := s + c
			if idx >= uint32(len(dense)) {
				s = 0 // only a corrupt automaton gets here
				continue
			}
			s = dense[idx]
			if s < acSpecial {
				continue
			}
		} else {
			s = a.sparseStep(s, c)
		}
		if s&acMatch != 0 {
			s &^= acMatch
			if !a.report(s, base+i+1, fn) {
				return s, i + 1, false
			}
		}
	}
	return s, len(text), true
}

// A sparse record, at offset o of sparse:
//
//	o+0  n (bits 0–8: explicit transitions) | hasOut (bit 9) |
//	     class 0 (bits 16–23) | class 1 (bits 24–31)
//	o+1  fallback state (no acMatch)
//	o+2  offset of the outputs in out, only if hasOut
//	     classes 2…n-1, four to a word, low byte first: ⌈(n-2)/4⌉ words
//	     n targets, acMatch set where the target has outputs
//
// A class without an explicit transition goes where the fallback state
// goes. The fallback is the Aho-Corasick failure state: shallower, so a
// chain of fallbacks reaches a dense state.
const (
	acRecN      = 0x1ff
	acRecHasOut = 1 << 9
)

// acRecWords returns the length in words of a record with n transitions.
func acRecWords(n int, hasOut bool) int {
	w := 2 + n + acPackedWords(n)
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

// sparseStep returns the transition of sparse state s on class c, with
// acMatch set if the next state has outputs.
func (a *Automaton) sparseStep(s, c uint32) uint32 {
	sp := a.sparse
	// A valid chain takes at most maxLen fallbacks and one dense lookup.
	for steps := a.maxLen + 1; steps > 0; steps-- {
		if s < acSparse {
			idx := s + c
			if idx >= uint32(len(a.dense)) {
				return 0
			}
			return a.dense[idx]
		}
		o := uint(s & acOffMask)
		if o+2 > uint(len(sp)) {
			return 0
		}
		h := sp[o]
		if n := uint(h & acRecN); n > 0 {
			p := o + 2 + uint(h>>9&1) // packed classes
			t := p + uint(acPackedWords(int(n)))
			if h>>16&0xff == c {
				return acLoad(sp, t)
			}
			if n > 1 {
				if h>>24 == c {
					return acLoad(sp, t+1)
				}
				for j := uint(2); j < n; j++ {
					if acLoad(sp, p+(j-2)/4)>>(8*((j-2)%4))&0xff == c {
						return acLoad(sp, t+j)
					}
				}
			}
		}
		s = sp[o+1]
	}
	return 0
}

// acLoad returns s[i], or the root if i is out of range (corrupt data).
func acLoad(s []uint32, i uint) uint32 {
	if i < uint(len(s)) {
		return s[i]
	}
	return 0
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
		if r+2 >= uint(len(a.sparse)) || a.sparse[r]&acRecHasOut == 0 {
			return true
		}
		o = a.sparse[r+2]
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
