package bloom

import (
	"fmt"
	"iter"

	bbloom "github.com/bits-and-blooms/bloom/v3"
)

// Standard returns a standard Bloom filter from
// github.com/bits-and-blooms/bloom/v3, sized for n keys at the false-positive
// rate fpRate, holding every key of keys (which may be nil).
//
// Use it to exchange a filter with other tools: its WriteTo, ReadFrom,
// MarshalBinary and JSON encodings are bits-and-blooms' own, which other
// programs read, and its bits sit at the space optimum of a standard Bloom
// filter. It is several times slower than Filter (one cache miss per bit, k of
// them, plus murmur3 hashing inside the library) and takes no precomputed hash,
// so sift uses Filter on its own hot paths.
//
// Like New, Standard panics if fpRate is not strictly between 0 and 1.
// n = 0 is treated as 1.
func Standard(n uint, fpRate float64, keys iter.Seq[[]byte]) *bbloom.BloomFilter {
	if !(fpRate > 0 && fpRate < 1) {
		panic(fmt.Sprintf("bloom: Standard(%d, %v): false-positive rate must be in (0, 1)", n, fpRate))
	}
	f := bbloom.NewWithEstimates(max(n, 1), fpRate)
	if keys != nil {
		for key := range keys {
			f.Add(key)
		}
	}
	return f
}
