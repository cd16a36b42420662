package bloom

import (
	"fmt"
	"math/rand/v2"
	"testing"

	bbloom "github.com/bits-and-blooms/bloom/v3"
	"github.com/zeebo/xxh3"
)

// BenchmarkContains compares a lookup in Filter with one in the standard
// filter of bits-and-blooms/bloom/v3, both sized for n 16-byte keys at 1 %,
// on random probes of which half are present. Filter is measured on the hash
// (ContainsHash: what sift's hot paths call, having hashed the key once) and
// on the key (Contains: xxh3 included, the like-for-like comparison with
// bloom/v3's Test, which hashes with murmur3 inside).
func BenchmarkContains(b *testing.B) {
	const rate = 0.01
	for _, n := range []int{1_000_000, 10_000_000} {
		b.Run(fmt.Sprintf("%dM", n/1_000_000), func(b *testing.B) {
			if n > 1_000_000 && testing.Short() {
				b.Skip("10M keys: skipped in -short mode")
			}
			f := New(n, rate)
			std := bbloom.NewWithEstimates(uint(n), rate)
			for i := range n {
				k := key(uint64(i))
				f.Add(k)
				std.Add(k)
			}
			// More probes than fit in cache, so every lookup is a fresh miss
			// as in production; the probe arrays themselves are read in order.
			const np = 1 << 20
			r := rand.New(rand.NewPCG(7, 8))
			keys := make([][]byte, np)
			hashes := make([]uint64, np)
			buf := make([]byte, 0, 16*np)
			for i := range keys {
				j := uint64(r.IntN(n))
				if i%2 == 1 {
					j += uint64(n) // absent
				}
				buf = append(buf, key(j)...)
				keys[i] = buf[len(buf)-16:]
				hashes[i] = xxh3.Hash(keys[i])
			}
			siftBits := float64(8*f.SizeBytes()) / float64(n)
			stdBits := float64(std.Cap()) / float64(n)

			b.Run("sift-ContainsHash", func(b *testing.B) {
				b.ReportAllocs()
				hits, i := 0, 0
				for b.Loop() {
					if f.ContainsHash(hashes[i&(np-1)]) {
						hits++
					}
					i++
				}
				b.ReportMetric(siftBits, "bits/key")
				sinkInt = hits
			})
			b.Run("sift-Contains", func(b *testing.B) {
				b.ReportAllocs()
				hits, i := 0, 0
				for b.Loop() {
					if f.Contains(keys[i&(np-1)]) {
						hits++
					}
					i++
				}
				b.ReportMetric(siftBits, "bits/key")
				sinkInt = hits
			})
			b.Run("bloomv3-Test", func(b *testing.B) {
				b.ReportAllocs()
				hits, i := 0, 0
				for b.Loop() {
					if std.Test(keys[i&(np-1)]) {
						hits++
					}
					i++
				}
				b.ReportMetric(stdBits, "bits/key")
				sinkInt = hits
			})
		})
	}
}

var sinkInt int

// BenchmarkNew measures the cost of sizing (the parameter search) and
// allocating a small filter.
func BenchmarkNew(b *testing.B) {
	for _, rate := range []float64{0.01, 1e-6} {
		b.Run(fmt.Sprint(rate), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				New(1000, rate)
			}
		})
	}
}
