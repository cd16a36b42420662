package match

import (
	"github.com/sift-intel/sift/internal/shape"
	"iter"

	"github.com/sift-intel/sift/trie"
)

// runs yields each distinct value of a kind, whose records are adjacent
// (sorted), with the candidate of the records that share it.
func (cb *chainBuilder) runs(kr kindRange) iter.Seq2[string, uint32] {
	return func(yield func(string, uint32) bool) {
		end := kr.first + kr.count
		for i := kr.first; i < end; {
			j := i + 1
			for j < end && cb.value(j) == cb.value(i) {
				j++
			}
			ids := make([]uint32, 0, j-i)
			for k := i; k < j; k++ {
				ids = append(ids, k)
			}
			if !yield(cb.value(i), cb.candidate(ids)) {
				return
			}
			i = j
		}
	}
}

// exactIndex maps each distinct value of a kind to its candidate.
func (cb *chainBuilder) exactIndex(kr kindRange) *trie.Dict {
	if kr.count == 0 {
		return nil
	}
	var entries []trie.DictEntry
	for v, cand := range cb.runs(kr) {
		entries = append(entries, trie.DictEntry{Key: []byte(v), Value: cand})
	}
	d, err := trie.BuildDict(entries)
	if err != nil {
		panic(err) // distinct, bounded values by construction
	}
	return d
}

// LookupEmail returns the verdict for an e-mail address, compared in lower
// case with its domain canonicalised. It does not allocate for ASCII
// addresses.
func (s *Set) LookupEmail(addr string) Verdict {
	if s == nil || s.emails == nil {
		return Verdict{}
	}
	var buf [320]byte
	if len(addr) > len(buf)-8 {
		return Verdict{}
	}
	e, reason := shape.AppendEmail(buf[:0], addr)
	if reason != "" {
		return Verdict{}
	}
	return s.lookupExact(s.emails, e)
}

// LookupJA3 returns the verdict for a JA3 TLS client fingerprint in hex.
// It does not allocate.
func (s *Set) LookupJA3(fingerprint string) Verdict {
	if s == nil || s.ja3 == nil {
		return Verdict{}
	}
	var buf [32]byte
	v, reason := shape.AppendJA3(buf[:0], fingerprint)
	if reason != "" {
		return Verdict{}
	}
	return s.lookupExact(s.ja3, v)
}

func (s *Set) lookupExact(d *trie.Dict, key []byte) Verdict {
	c, ok := d.Lookup(key)
	if !ok {
		return Verdict{}
	}
	var now int64
	return s.decide(c, &now)
}
