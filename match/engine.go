package match

import (
	"net/netip"
	"sync/atomic"
)

// Engine holds the current Set and lets it be replaced while lookups go
// on: lookups load the current Set with one atomic read and never block,
// and [Engine.Swap] publishes a new Set atomically. A lookup sees either the
// old Set or the new one, never a mix.
//
// The zero Engine holds no Set and answers every lookup with the zero
// Verdict. An Engine must not be copied after first use.
type Engine struct {
	set atomic.Pointer[Set]
}

// NewEngine returns an Engine holding s.
func NewEngine(s *Set) *Engine {
	e := new(Engine)
	e.set.Store(s)
	return e
}

// Set returns the current Set. To read the metadata behind a Verdict, look
// up and read through the same Set: a Verdict's IDs refer to the Set that
// produced it.
func (e *Engine) Set() *Set { return e.set.Load() }

// Swap makes s the current Set and returns the one it replaces.
func (e *Engine) Swap(s *Set) *Set { return e.set.Swap(s) }

// Lookup is [Set.Lookup] on the current Set.
func (e *Engine) Lookup(q string) Verdict { return e.set.Load().Lookup(q) }

// LookupHash is [Set.LookupHash] on the current Set.
func (e *Engine) LookupHash(digest []byte) Verdict { return e.set.Load().LookupHash(digest) }

// LookupAddr is [Set.LookupAddr] on the current Set.
func (e *Engine) LookupAddr(a netip.Addr) Verdict { return e.set.Load().LookupAddr(a) }
