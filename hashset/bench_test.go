package hashset_test

// Get against a Go map[uint64]uint32 holding the same fingerprints, at 1M
// and 10M entries, on probes that all hit and on probes that all miss.
// Compare with benchstat:
//
//	go test -run XXX -bench Get -count=10 ./hashset/ > new.txt
//	benchstat -col /impl new.txt
//
// -short skips the 10M case.

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/sift-intel/sift/hashset"
)

const (
	benchProbes = 1 << 20 // a power of two, more than the caches hold
	benchMask   = benchProbes - 1
)

var benchSink int

// heapGrowth returns how many bytes of live heap build leaves behind. What
// build reads stays alive until the end, so that it is not counted as freed.
func heapGrowth(build func()) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	build()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(build)
	if after.HeapAlloc < before.HeapAlloc {
		return 0
	}
	return float64(after.HeapAlloc - before.HeapAlloc)
}

// BenchmarkGet: B/entry is SizeBytes for the Set and the growth of the live
// heap while building the map (presized with make) for the map.
func BenchmarkGet(b *testing.B) {
	for _, n := range []int{1_000_000, 10_000_000} {
		b.Run(fmt.Sprintf("n=%dM", n/1_000_000), func(b *testing.B) {
			if testing.Short() && n > 1_000_000 {
				b.Skip("10M entries: skipped in -short mode")
			}
			r := rand.New(rand.NewPCG(uint64(n), 1))
			fps := make([]uint64, n)
			entries := make([]hashset.Entry, n)
			for i := range fps {
				fps[i] = r.Uint64() | 1 // never 0, which the Set stores as 1
				entries[i] = hashset.Entry{FP: fps[i], Value: uint32(i)}
			}
			s := hashset.Build(r.Uint64(), entries)
			setB := float64(s.SizeBytes()) / float64(n)
			var m map[uint64]uint32
			mapB := heapGrowth(func() {
				m = make(map[uint64]uint32, n)
				for i, fp := range fps {
					m[fp] = uint32(i)
				}
			}) / float64(n)

			for _, kind := range []string{"hit", "miss"} {
				probes := make([]uint64, benchProbes)
				for i := range probes {
					if kind == "hit" {
						probes[i] = fps[r.IntN(n)]
					} else {
						probes[i] = r.Uint64() | 1 // a collision with fps is a 2^-44 event
					}
				}
				b.Run("probe="+kind, func(b *testing.B) {
					b.Run("impl=hashset", func(b *testing.B) {
						b.ReportAllocs()
						hits, i := 0, 0
						for b.Loop() {
							if _, ok := s.Get(probes[i&benchMask]); ok {
								hits++
							}
							i++
						}
						b.ReportMetric(setB, "B/entry")
						b.ReportMetric(float64(hits)/float64(b.N), "hits/op")
						benchSink = hits
					})
					b.Run("impl=map", func(b *testing.B) {
						b.ReportAllocs()
						hits, i := 0, 0
						for b.Loop() {
							if _, ok := m[probes[i&benchMask]]; ok {
								hits++
							}
							i++
						}
						b.ReportMetric(mapB, "B/entry")
						b.ReportMetric(float64(hits)/float64(b.N), "hits/op")
						benchSink = hits
					})
				})
			}
		})
	}
}
