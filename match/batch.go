package match

import "encoding/binary"

// batchSize is how many lookups LookupHashes keeps in flight: enough to
// cover a memory latency with independent misses, few enough that their
// state stays in registers and the L1 cache.
const batchSize = 32

// LookupHashes looks up many digests at once: out[i] becomes
// LookupHash(digests[i]) for every i < min(len(digests), len(out)). It
// overlaps the cache misses of batchSize lookups at a time: it reads every
// candidate bucket of a batch before it looks at any, then every candidate
// digest, so a stream of lookups runs at the throughput of the memory
// rather than at its latency (see BenchmarkLookupHashes). It does not
// allocate.
func (s *Set) LookupHashes(digests [][]byte, out []Verdict) {
	n := min(len(digests), len(out))
	if s == nil {
		clear(out[:n])
		return
	}
	var (
		fps   [batchSize]uint64
		vals  [batchSize]uint32
		idx   [batchSize]int
		cands [batchSize][]byte
	)
	for k := KindMD5; k <= KindSHA256; k++ {
		size := digestLen(k)
		hs := s.hashes[k-KindMD5]
		kr := &s.kinds[k]
		for start := 0; start < n; {
			// Gather the next batch of digests of this kind.
			m := 0
			for ; start < n && m < batchSize; start++ {
				if len(digests[start]) != size {
					continue
				}
				if hs == nil {
					out[start] = Verdict{}
					continue
				}
				idx[m], fps[m] = start, digestFP(hs.Seed(), digests[start])
				m++
			}
			if m == 0 {
				continue
			}
			found, more := hs.FirstMany(fps[:m], vals[:m])
			// Locate the candidate digests; the loads of the next
			// pass do not depend on one another.
			var eq uint64
			for i := range m {
				c := vals[i]
				if found>>i&1 == 0 || more>>i&1 != 0 || c&chainBit != 0 {
					cands[i] = nil
					continue
				}
				j := min(c-kr.first, kr.count-1)
				off := uint64(kr.heap) + uint64(j)*uint64(size)
				cands[i] = s.heap[off : off+uint64(size)] // Open checked kr.heap + count*size <= len(heap)
			}
			// Load the first word of every candidate digest before
			// comparing any, so that those misses overlap too.
			var first [batchSize]uint64
			for i := range m {
				if c := cands[i]; len(c) >= 8 {
					first[i] = binary.LittleEndian.Uint64(c)
				}
			}
			for i := range m {
				if cands[i] != nil && first[i] == binary.LittleEndian.Uint64(digests[idx[i]]) && equalDigest(cands[i], digests[idx[i]]) {
					eq |= 1 << i
				}
			}
			// Load the verdict classes of the hits, again without a
			// branch between the loads.
			var cls [batchSize]uint16
			if len(s.class) > 0 {
				last := uint32(len(s.class) - 1)
				for i := range m {
					cls[i] = s.class[min(vals[i]&^chainBit, last)]
				}
			}
			var now int64
			for i := range m {
				switch {
				case more>>i&1 != 0 || found>>i&1 != 0 && vals[i]&chainBit != 0:
					out[idx[i]] = s.LookupHash(digests[idx[i]]) // rare: several candidates
				case eq>>i&1 != 0 && int(cls[i]) < len(s.vclass):
					vc := &s.vclass[cls[i]]
					out[idx[i]] = Verdict{Action: vc.action, Kind: vc.kind, Severity: vc.severity, Confidence: vc.confidence,
						Category: vc.category, Source: vc.source, ID: vals[i] + 1}
				case eq>>i&1 != 0:
					out[idx[i]] = s.verdictOf(vals[i], &now) // expiring: read the record
				default:
					out[idx[i]] = Verdict{}
				}
			}
		}
	}
	// Digests of no supported length match nothing.
	for i := range n {
		if l := len(digests[i]); l != 16 && l != 20 && l != 32 {
			out[i] = Verdict{}
		}
	}
}
