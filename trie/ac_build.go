package trie

import (
	"bytes"
	"fmt"
	"slices"
)

// defaultACParams are the layout choices of BuildAutomaton, picked by
// BenchmarkACLayout (see the package documentation).
var defaultACParams = acParams{maxDenseDepth: 64, denseBudget: 16 << 20}

// BuildAutomaton returns the automaton of patterns; pattern i has ID i.
// Duplicates are allowed and each reports its own ID. It returns an error
// wrapping ErrEmptyPattern for an empty pattern, and a [*CapError] when the
// automaton would pass a cap of cfg.
func BuildAutomaton(patterns []Pattern, cfg AutomatonConfig) (*Automaton, error) {
	params := defaultACParams
	if cfg.MaxBytes > 0 {
		// The dense rows take at most half of the memory cap, so that a
		// small cap gets a shallower dense layout rather than an error.
		params.denseBudget = uint32(min(int(params.denseBudget), cfg.MaxBytes/2))
	}
	return buildAutomaton(patterns, cfg, params)
}

func buildAutomaton(patterns []Pattern, cfg AutomatonConfig, params acParams) (*Automaton, error) {
	maxStates, maxBytes := cfg.MaxStates, cfg.MaxBytes
	if maxStates <= 0 {
		maxStates = DefaultMaxStates
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	maxStates = min(maxStates, acOffMask)

	// The patterns, as they are stored: the automaton keeps them for
	// Pattern and Verify.
	a := &Automaton{n: len(patterns), params: params}
	total := 0
	for i, p := range patterns {
		if len(p.Bytes) == 0 {
			return nil, fmt.Errorf("%w: pattern %d", ErrEmptyPattern, i)
		}
		total += len(p.Bytes)
		a.maxLen = max(a.maxLen, len(p.Bytes))
	}
	if total > acOffMask || len(patterns) > acOffMask {
		return nil, &CapError{Cap: "MaxBytes", Limit: maxBytes, Reached: total}
	}
	if total > maxBytes {
		return nil, &CapError{Cap: "MaxBytes", Limit: maxBytes, Reached: total}
	}
	a.patOff = make([]uint32, 0, len(patterns)+1)
	a.fold = make([]uint64, (len(patterns)+63)/64)
	a.patBytes = make([]byte, 0, total)
	for i, p := range patterns {
		a.patOff = append(a.patOff, uint32(len(a.patBytes)))
		a.patBytes = append(a.patBytes, p.Bytes...)
		if p.Fold {
			a.fold[i/64] |= 1 << (i % 64)
		}
	}
	a.patOff = append(a.patOff, uint32(len(a.patBytes)))

	// Two tries: t1 holds the exact patterns as they are, t2 the folded
	// ones in lower case (a folded pattern without letters is exact).
	var keys1, keys2 [][]byte
	var ids1, ids2 []uint32
	for i, p := range patterns {
		if p.Fold && acHasLetter(p.Bytes) {
			keys2 = append(keys2, acLower(p.Bytes))
			ids2 = append(ids2, uint32(i))
		} else {
			keys1 = append(keys1, p.Bytes)
			ids1 = append(ids1, uint32(i))
		}
	}
	b := &acBuilder{
		t1:        newACTrie(keys1, ids1),
		t2:        newACTrie(keys2, ids2),
		maxStates: maxStates,
		maxBytes:  maxBytes,
		params:    params,
	}
	b.makeClasses(a)
	if err := b.product(); err != nil {
		return nil, err
	}
	if err := b.emit(a); err != nil {
		return nil, err
	}
	return a, nil
}

func acHasLetter(p []byte) bool {
	for _, c := range p {
		if 'a' <= c|0x20 && c|0x20 <= 'z' {
			return true
		}
	}
	return false
}

func acLowerByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func acLower(p []byte) []byte {
	q := make([]byte, len(p))
	for i, c := range p {
		q[i] = acLowerByte(c)
	}
	return q
}

// acTrie is a plain trie of keys, built from the keys in sorted order so
// that each node's children come in ascending order of their byte and
// nodes need no child search while building. Node 0 is the root.
type acTrie struct {
	first, next []uint32 // first child and next sibling; 0: none
	label       []byte
	depth       []uint32
	ownLo       []uint32 // the keys equal to the node's string are
	ownHi       []uint32 // ids[ownLo:ownHi]
	ids         []uint32 // pattern IDs in key order (IDs ascending among equal keys)
	used        [256]bool
}

func newACTrie(keys [][]byte, ids []uint32) *acTrie {
	order := make([]int, len(keys))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int {
		if c := bytes.Compare(keys[i], keys[j]); c != 0 {
			return c
		}
		return int(ids[i]) - int(ids[j])
	})
	size := 1
	for _, k := range keys {
		size += len(k)
	}
	t := &acTrie{
		first: make([]uint32, 1, size), next: make([]uint32, 1, size),
		label: make([]byte, 1, size), depth: make([]uint32, 1, size),
		ownLo: make([]uint32, 1, size), ownHi: make([]uint32, 1, size),
		ids: make([]uint32, len(keys)),
	}
	path := []uint32{0} // path[d]: the node at depth d on the previous key
	var prev []byte
	for k, i := range order {
		key := keys[i]
		t.ids[k] = ids[i]
		l := 0
		for l < len(prev) && l < len(key) && prev[l] == key[l] {
			l++
		}
		for d := l; d < len(key); d++ {
			node := uint32(len(t.label))
			t.first = append(t.first, 0)
			t.next = append(t.next, 0)
			t.label = append(t.label, key[d])
			t.depth = append(t.depth, uint32(d+1))
			t.ownLo = append(t.ownLo, 0)
			t.ownHi = append(t.ownHi, 0)
			t.used[key[d]] = true
			if d == l && l < len(prev) {
				// The previous key's node is the parent's last child.
				t.next[path[d+1]] = node
			} else {
				t.first[path[d]] = node
			}
			path = append(path[:d+1], node)
		}
		path = path[:len(key)+1]
		node := path[len(key)]
		if t.ownLo[node] == t.ownHi[node] {
			t.ownLo[node] = uint32(k)
		}
		t.ownHi[node] = uint32(k + 1)
		prev = key
	}
	return t
}

// acBuilder builds the automaton of two tries at once: its states are the
// reachable pairs (state of t1, state of t2) of their two Aho-Corasick
// automata, t2 reading the text in lower case. A pair is determined by its
// deeper member (and, when t2's is deeper, by the case of the bytes it
// spans, as far as t1 tells them apart), so there are about as many states
// as trie nodes; with one trie empty, this is plain Aho-Corasick.
type acBuilder struct {
	t1, t2    *acTrie
	maxStates int
	maxBytes  int
	params    acParams

	classes [256]uint8
	stride  int

	// The states, in breadth-first order: depth never decreases with the
	// ID, and the ID of a state's fallback is smaller than its own.
	s1, s2 []uint32 // members in t1 and t2
	depth  []uint32 // the deeper member's depth
	fail   []uint32 // the state after the text without its first byte
	dict   []uint32 // nearest state along fail with own outputs; acNone
	hasOwn []bool   // patterns end exactly at this state's depth
	eLo    []uint32 // explicit transitions: edges[eLo[p]:eHi[p]],
	eHi    []uint32 // ascending by class
	eCls   []uint8
	eTo    []uint32

	byS1, byS2 []uint32          // state of (s1, root) and of (root, s2)
	byPair     map[uint64]uint32 // other pairs

	rows       []uint32 // full rows of the first len(rows)/stride states
	denseDepth int
}

// makeClasses groups the bytes that no trie tells apart. t1 tells every
// byte it uses from every other; t2 tells its bytes from the others but not
// a letter from its other case.
func (b *acBuilder) makeClasses(a *Automaton) {
	var seen = map[[2]int]uint8{}
	for c := 0; c < 256; c++ {
		sig := [2]int{256, 256}
		if b.t1.used[c] {
			sig[0] = c
		}
		if l := acLowerByte(byte(c)); b.t2.used[l] {
			sig[1] = int(l)
		}
		cl, ok := seen[sig]
		if !ok {
			cl = uint8(len(seen))
			seen[sig] = cl
		}
		b.classes[c] = cl
	}
	b.stride = len(seen)
	a.classes = b.classes
	a.stride = uint32(b.stride)
}

// edge is an explicit transition being gathered.
type acEdge struct {
	cls    uint8
	q1, q2 uint32 // the child in t1 and t2, or 0 (the root never is one)
}

func (b *acBuilder) product() error {
	b.byS1 = make([]uint32, len(b.t1.label))
	b.byS2 = make([]uint32, len(b.t2.label))
	for i := range b.byS1 {
		b.byS1[i] = acNone
	}
	for i := range b.byS2 {
		b.byS2[i] = acNone
	}
	b.byPair = map[uint64]uint32{}
	// Capacity hints: with one trie empty, there is a state per trie node.
	hint := len(b.t1.label) + len(b.t2.label)
	b.s1 = make([]uint32, 0, hint)
	b.s2 = make([]uint32, 0, hint)
	b.depth = make([]uint32, 0, hint)
	b.fail = make([]uint32, 0, hint)
	b.dict = make([]uint32, 0, hint)
	b.hasOwn = make([]bool, 0, hint)
	b.eLo = make([]uint32, 0, hint)
	b.eHi = make([]uint32, 0, hint)
	b.eCls = make([]uint8, 0, hint)
	b.eTo = make([]uint32, 0, hint)
	b.rows = make([]uint32, 0, min(hint*b.stride, int(b.params.denseBudget)/4+b.stride))
	if _, err := b.state(0, 0, 0, 0); err != nil {
		return err
	}
	var edges []acEdge
	rowsOn := true
	levelStart := uint32(0) // first state of the current depth
	for p := uint32(0); p < uint32(len(b.s1)); p++ {
		d := b.depth[p]
		if p > 0 && d != b.depth[p-1] {
			levelStart = p
		}
		// Gather the explicit transitions: the children of the members
		// that are as deep as the state.
		edges = edges[:0]
		t1, t2 := b.t1, b.t2
		if s := b.s1[p]; t1.depth[s] == d {
			for c := t1.first[s]; c != 0; c = t1.next[c] {
				edges = append(edges, acEdge{cls: b.classes[t1.label[c]], q1: c})
			}
		}
		if s := b.s2[p]; t2.depth[s] == d {
			for c := t2.first[s]; c != 0; c = t2.next[c] {
				x := t2.label[c]
				edges = append(edges, acEdge{cls: b.classes[x], q2: c})
				if 'a' <= x && x <= 'z' && b.classes[x-32] != b.classes[x] {
					edges = append(edges, acEdge{cls: b.classes[x-32], q2: c})
				}
			}
		}
		slices.SortFunc(edges, func(x, y acEdge) int { return int(x.cls) - int(y.cls) })
		b.eLo = append(b.eLo, uint32(len(b.eCls)))
		for i := 0; i < len(edges); i++ {
			e := edges[i]
			if i+1 < len(edges) && edges[i+1].cls == e.cls {
				// One class, a child in each trie.
				e.q1 |= edges[i+1].q1
				e.q2 |= edges[i+1].q2
				i++
			}
			var r uint32 // the child's fallback
			if p != 0 {
				r = b.delta(b.fail[p], e.cls)
			}
			if e.q1 == 0 {
				e.q1 = b.s1[r]
			}
			if e.q2 == 0 {
				e.q2 = b.s2[r]
			}
			q, err := b.state(e.q1, e.q2, d+1, r)
			if err != nil {
				return err
			}
			b.eCls = append(b.eCls, e.cls)
			b.eTo = append(b.eTo, q)
		}
		b.eHi = append(b.eHi, uint32(len(b.eCls)))

		// A full row for the states near the root, whole depths at a
		// time, while they fit the budget.
		if rowsOn && p > 0 && (d > b.params.maxDenseDepth || uint64(p+1)*uint64(b.stride)*4 > uint64(b.params.denseBudget)) {
			rowsOn = false
			b.rows = b.rows[:int(levelStart)*b.stride]
			b.denseDepth = int(d) - 1
		}
		if rowsOn {
			b.denseDepth = int(d)
			base := len(b.rows)
			for c := 0; c < b.stride; c++ {
				if p == 0 {
					b.rows = append(b.rows, 0)
				} else {
					b.rows = append(b.rows, b.rows[int(b.fail[p])*b.stride+c])
				}
			}
			for e := b.eLo[p]; e < b.eHi[p]; e++ {
				b.rows[base+int(b.eCls[e])] = b.eTo[e]
			}
		}
		if p&0xfff == 0 {
			if est := b.estimate(); est > b.maxBytes {
				return &CapError{Cap: "MaxBytes", Limit: b.maxBytes, Reached: est}
			}
		}
	}
	return nil
}

// estimate returns a lower bound of the automaton's size so far.
func (b *acBuilder) estimate() int {
	return 4*len(b.rows) + 4*2*(len(b.s1)-len(b.rows)/max(b.stride, 1)) + 4*len(b.eTo)
}

// delta returns the transition of state p, already expanded, on class c.
func (b *acBuilder) delta(p uint32, c uint8) uint32 {
	for {
		if int(p) < len(b.rows)/b.stride {
			return b.rows[int(p)*b.stride+int(c)]
		}
		for e := b.eLo[p]; e < b.eHi[p]; e++ {
			if b.eCls[e] >= c {
				if b.eCls[e] == c {
					return b.eTo[e]
				}
				break
			}
		}
		p = b.fail[p]
	}
}

// state returns the state of the pair (q1, q2), making it, at depth d with
// fallback r, if it is new.
func (b *acBuilder) state(q1, q2, d, r uint32) (uint32, error) {
	var slot *uint32
	var key uint64
	switch {
	case q2 == 0:
		slot = &b.byS1[q1]
	case q1 == 0:
		slot = &b.byS2[q2]
	default:
		key = uint64(q1)<<32 | uint64(q2)
		if id, ok := b.byPair[key]; ok {
			return id, nil
		}
	}
	if slot != nil && *slot != acNone {
		return *slot, nil
	}
	id := uint32(len(b.s1))
	if len(b.s1) >= b.maxStates {
		return 0, &CapError{Cap: "MaxStates", Limit: b.maxStates, Reached: len(b.s1) + 1}
	}
	if slot != nil {
		*slot = id
	} else {
		b.byPair[key] = id
	}
	t1, t2 := b.t1, b.t2
	if max(t1.depth[q1], t2.depth[q2]) != d {
		panic("trie: automaton build: inconsistent depth")
	}
	own := (t1.depth[q1] == d && t1.ownLo[q1] < t1.ownHi[q1]) || (t2.depth[q2] == d && t2.ownLo[q2] < t2.ownHi[q2])
	dict := acNone
	if id > 0 {
		if b.hasOwn[r] {
			dict = r
		} else {
			dict = b.dict[r]
		}
	}
	b.s1 = append(b.s1, q1)
	b.s2 = append(b.s2, q2)
	b.depth = append(b.depth, d)
	b.fail = append(b.fail, r)
	b.dict = append(b.dict, dict)
	b.hasOwn = append(b.hasOwn, own)
	return id, nil
}

// ownIDs appends the IDs of the patterns that end exactly at state p,
// ascending.
func (b *acBuilder) ownIDs(dst []uint32, p uint32) []uint32 {
	d := b.depth[p]
	start := len(dst)
	if s := b.s1[p]; b.t1.depth[s] == d {
		dst = append(dst, b.t1.ids[b.t1.ownLo[s]:b.t1.ownHi[s]]...)
	}
	if s := b.s2[p]; b.t2.depth[s] == d {
		dst = append(dst, b.t2.ids[b.t2.ownLo[s]:b.t2.ownHi[s]]...)
	}
	slices.Sort(dst[start:])
	return dst
}

// emit lays the states out into a's tables.
func (b *acBuilder) emit(a *Automaton) error {
	n := len(b.s1)
	nRows := len(b.rows) / b.stride
	a.states = n
	a.denseDepth = b.denseDepth

	// Output blocks, and each state's reference to its first block.
	outRef := make([]uint32, n)
	var ids []uint32
	for p := range n {
		switch {
		case b.hasOwn[p]:
			outRef[p] = uint32(len(a.out))
			next := acNone
			if d := b.dict[p]; d != acNone {
				next = outRef[d]
			}
			ids = b.ownIDs(ids[:0], uint32(p))
			a.out = append(a.out, uint32(len(ids)), next)
			a.out = append(a.out, ids...)
		case b.dict[p] != acNone:
			outRef[p] = outRef[b.dict[p]]
		default:
			outRef[p] = acNone
		}
	}

	// Each sparse state's fallback is the nearest dense state along its
	// failure chain, and its classes those where its transition differs
	// from the fallback's: its own explicit ones first, then those of the
	// sparse states on the chain before the fallback.
	fb := make([]uint32, n)
	excLo := make([]uint32, n+1)
	var excCls []uint8
	var excTo []uint32
	var cand []uint8
	for p := nRows; p < n; p++ {
		f := b.fail[p]
		if int(f) >= nRows {
			f = fb[f]
		}
		fb[p] = f
		excLo[p] = uint32(len(excCls))
		cand = cand[:0]
		for q := uint32(p); int(q) >= nRows; q = b.fail[q] {
			for e := b.eLo[q]; e < b.eHi[q]; e++ {
				if !slices.Contains(cand, b.eCls[e]) {
					cand = append(cand, b.eCls[e])
				}
			}
		}
		for _, c := range cand {
			t := b.delta(uint32(p), c)
			if t != b.rows[int(f)*b.stride+int(c)] {
				excCls = append(excCls, c)
				excTo = append(excTo, t)
			}
		}
	}
	excLo[n] = uint32(len(excCls))

	// The records go in depth-first order, so that a state's first child
	// tends to follow it in memory: walking along a pattern reads the
	// records in sequence.
	order := make([]uint32, 0, n-nRows)
	seen := make([]bool, n)
	stack := []uint32{0}
	seen[0] = true
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if int(p) >= nRows {
			order = append(order, p)
		}
		for e := int(b.eHi[p]) - 1; e >= int(b.eLo[p]); e-- {
			if q := b.eTo[e]; !seen[q] {
				seen[q] = true
				stack = append(stack, q)
			}
		}
	}
	if len(order) != n-nRows {
		panic("trie: automaton build: a state is unreachable")
	}
	short := func(p uint32) bool {
		return excLo[p+1]-excLo[p] == 1 && outRef[p] == acNone && fb[p]*uint32(b.stride) <= acShortFB
	}
	off := make([]uint32, n)
	words := 0
	for _, p := range order {
		off[p] = uint32(words)
		if short(p) {
			words += 2
		} else {
			words += acRecWords(int(excLo[p+1]-excLo[p]), outRef[p] != acNone)
		}
		if words > acOffMask {
			return &CapError{Cap: "MaxBytes", Limit: b.maxBytes, Reached: 4 * words}
		}
	}
	size := 256 + 4*(len(b.rows)+nRows+words+len(a.out)+len(a.patOff)) + 8*len(a.fold) + len(a.patBytes)
	if size > b.maxBytes {
		return &CapError{Cap: "MaxBytes", Limit: b.maxBytes, Reached: size}
	}
	if len(b.rows) > acOffMask {
		return &CapError{Cap: "MaxBytes", Limit: b.maxBytes, Reached: 4 * len(b.rows)}
	}
	ref := func(p uint32) uint32 {
		r := off[p] | acSparse
		if int(p) < nRows {
			r = p * uint32(b.stride)
		}
		if outRef[p] != acNone {
			r |= acMatch
		}
		return r
	}

	a.dense = slices.Clip(b.rows)
	if cap(b.rows) > len(b.rows)+len(b.rows)/4 {
		// The rows of a level that passed the budget were dropped: do not
		// keep their memory.
		a.dense = slices.Clone(b.rows)
	}
	for i, p := range a.dense {
		a.dense[i] = ref(p)
	}
	a.denseMax = uint32(len(a.dense) - b.stride)
	a.denseOut = slices.Clone(outRef[:nRows])
	a.sparse = make([]uint32, words)
	for _, p := range order {
		rec := a.sparse[off[p]:]
		cls, to := excCls[excLo[p]:excLo[p+1]], excTo[excLo[p]:excLo[p+1]]
		if short(p) {
			rec[0] = acShort | uint32(cls[0])<<22 | fb[p]*uint32(b.stride)
			rec[1] = ref(to[0])
			continue
		}
		e := len(cls)
		h := uint32(e)<<18 | acNoClass<<9 | acNoClass
		if e > 0 {
			h = h&^acNoClass | uint32(cls[0])
			rec[2] = ref(to[0])
		}
		if e > 1 {
			h = h&^(acNoClass<<9) | uint32(cls[1])<<9
			rec[3] = ref(to[1])
		}
		rec[1] = fb[p] * uint32(b.stride)
		i := 4
		if outRef[p] != acNone {
			h |= acRecHasOut
			rec[4] = outRef[p]
			i++
		}
		rec[0] = h
		for j := 2; j < e; j++ {
			rec[i+(j-2)/4] |= uint32(cls[j]) << (8 * ((j - 2) % 4))
		}
		i += acPackedWords(e)
		for j := 2; j < e; j++ {
			rec[i+j-2] = ref(to[j])
		}
	}
	return nil
}
