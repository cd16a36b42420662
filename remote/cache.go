package remote

import (
	"math/bits"
	"sync/atomic"
)

// The cache holds what the server said about each prefix it was asked:
// the full hashes it returned, each with its answer and positive expiry,
// and the negative expiry until which no other full hash has the prefix.
//
// The positive and negative caches of Safe Browsing live in one entry per
// prefix, evicted together, on purpose: a negative entry says "no full
// hash with this prefix besides these", which is true only while the
// positive entries it leans on are still there. Two caches bounded and
// evicted separately could drop a positive entry and keep the negative one,
// and then answer "not listed" for a listed key.
//
// A lookup of full hash h with prefix p:
//
//	entry for p, h among its hashes, before its positive expiry:  the answer
//	entry for p, h among its hashes, after its positive expiry:   ask
//	entry for p, h not among them, before the negative expiry:    not listed
//	otherwise:                                                    ask
//
// The cache is a two-way set-associative array of atomic pointers to
// immutable entries, indexed by the prefix's leading bits (a SHA-256's
// bits are uniform): reads and writes take no lock, the bound is the size
// of the array, and a new entry evicts the older or expired one of its
// pair. An entry is replaced whole, so an evicted entry takes its
// positive and negative parts with it.
type cache struct {
	slots []atomic.Pointer[centry] // nil: caching off
	shift uint                     // slot pair of prefix key p: p >> shift, times two
}

// centry is immutable once stored: a new answer replaces it. The first
// match is inline: most prefixes have one full hash at most.
type centry struct {
	p     uint64 // the prefix key
	neg   int64  // expiry, on the Client's monotonic clock (nanoseconds)
	n     int    // matches: first, then rest
	first cmatch
	rest  []cmatch
}

type cmatch struct {
	hash [32]byte
	pos  int64 // expiry, as neg
	ans  Answer
}

func (e *centry) match(i int) *cmatch {
	if i == 0 {
		return &e.first
	}
	return &e.rest[i-1]
}

// Cache lookup outcomes.
const (
	cacheMiss = iota // ask the server
	cacheNeg         // not listed
	cacheHit         // listed: see the answer
)

// newCache returns a cache of at least maxEntries entries (rounded up to
// a power of two, at least 2), or a disabled one for maxEntries <= 0.
func newCache(maxEntries int) *cache {
	c := &cache{}
	if maxEntries > 0 {
		n := max(2, 1<<bits.Len(uint(maxEntries-1)))
		c.slots = make([]atomic.Pointer[centry], n)
		c.shift = uint(64 - bits.Len(uint(n/2-1))) // 64 for a single pair: p >> 64 is 0

	}
	return c
}

func (c *cache) pair(p uint64) int { return int(p>>c.shift) * 2 }

// lookup returns what the cache knows of full hash h with prefix key p at
// time now. The answer is shared: do not modify it.
func (c *cache) lookup(p uint64, h *[32]byte, now int64) (*Answer, int) {
	if c.slots == nil {
		return nil, cacheMiss
	}
	i := c.pair(p)
	e := c.slots[i].Load()
	if e == nil || e.p != p {
		if e = c.slots[i+1].Load(); e == nil || e.p != p {
			return nil, cacheMiss
		}
	}
	for j := range e.n {
		m := e.match(j)
		if m.hash == *h {
			if now < m.pos {
				return &m.ans, cacheHit
			}
			return nil, cacheMiss
		}
	}
	if now < e.neg {
		return nil, cacheNeg
	}
	return nil, cacheMiss
}

// store records the matches ms of prefix key p, with negative expiry neg,
// received at now.
func (c *cache) store(p uint64, ms []cmatch, neg int64, now int64) {
	if c.slots == nil {
		return
	}
	e := &centry{p: p, neg: neg, n: len(ms)}
	if len(ms) > 0 {
		e.first, e.rest = ms[0], ms[1:]
	}
	if !e.live(now) {
		return // nothing worth keeping: TTLs of zero
	}
	// The slot of the same prefix, else an empty or dead one, else the
	// one that expires first.
	i := c.pair(p)
	a, b := c.slots[i].Load(), c.slots[i+1].Load()
	switch {
	case a != nil && a.p == p:
	case b != nil && b.p == p:
		i++
	case a == nil || !a.live(now):
	case b == nil || !b.live(now) || b.expiry() < a.expiry():
		i++
	}
	c.slots[i].Store(e)
}

func (e *centry) live(now int64) bool { return now < e.expiry() }

// expiry returns when the last part of the entry expires.
func (e *centry) expiry() int64 {
	t := e.neg
	for i := range e.n {
		t = max(t, e.match(i).pos)
	}
	return t
}

// len returns the number of entries.
func (c *cache) len() int {
	n := 0
	for i := range c.slots {
		if c.slots[i].Load() != nil {
			n++
		}
	}
	return n
}

// purge drops every entry.
func (c *cache) purge() {
	for i := range c.slots {
		c.slots[i].Store(nil)
	}
}
