package bench

// Multi-core scaling: the lookups of BenchmarkHashes, BenchmarkDomains and
// BenchmarkIPs (same fixtures, same probes) under b.RunParallel, so that
// ns/op is wall time per lookup with every goroutine running. Run with
// -cpu 1,2: at 2 procs ns/op should halve when nothing is shared but the
// read-only structure; memory bandwidth and a shared cache are what stop
// it. The size is 1M indicators (the largest of the benchmark sizes if it
// is smaller): large enough that lookups miss the caches, small enough to
// build in seconds.
//
//	cd bench
//	go test -run '^$' -bench '^BenchmarkParallel$' -cpu 1,2 -count 5 | tee par.txt
//	benchstat -col /impl par.txt

import (
	"slices"
	"sync/atomic"
	"testing"

	"github.com/sift-intel/sift/match"
)

// parallelSize is the set size of BenchmarkParallel.
func parallelSize(b *testing.B) int {
	n := 1_000_000
	if sizes := benchSizes(b); slices.Max(sizes) < n {
		n = slices.Max(sizes)
	}
	return n
}

// runParallel runs has over the probe indices from every goroutine, each
// starting at its own offset in the probes.
func runParallel(b *testing.B, name string, has func(i int) bool) {
	b.Run("impl="+name, func(b *testing.B) {
		var next, total atomic.Int64
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := int(next.Add(1)) * (benchProbes / 8)
			hits := 0
			for pb.Next() {
				if has(i & benchMask) {
					hits++
				}
				i++
			}
			total.Add(int64(hits))
		})
		b.ReportMetric(float64(total.Load())/float64(b.N), "hits/op")
	})
}

// BenchmarkParallel: kind=hash (sift, sift-batch, map), kind=ip (sift,
// bart-lite) and kind=domain (sift, map; it needs the full corpus).
// sift-batch calls LookupHashes on runs of 256 probes, each goroutine
// with its own output buffer; ns/op is per lookup.
func BenchmarkParallel(b *testing.B) {
	freeLarge("")
	n := parallelSize(b)
	b.Run("kind=hash", func(b *testing.B) {
		d := loadDigests(b)
		b.Run(scaledName(n, len(d.real), d.sample), func(b *testing.B) {
			f := hashFixtureScaled(b, n)
			s := f.set
			runParallel(b, "sift", func(i int) bool { return s.LookupHash(f.qs[i]).Matched() })
			b.Run("impl=sift-batch", func(b *testing.B) {
				var next, total atomic.Int64
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					const chunk = 256
					out := make([]match.Verdict, chunk)
					i := int(next.Add(1)) * (benchProbes / 8)
					hits := 0
					for pb.Next() {
						if i%chunk == 0 {
							j := i & benchMask
							s.LookupHashes(f.qs[j:j+chunk], out)
						}
						if out[i%chunk].Matched() {
							hits++
						}
						i++
					}
					total.Add(int64(hits))
				})
				b.ReportMetric(float64(total.Load())/float64(b.N), "hits/op")
			})
			runParallel(b, "map", func(i int) bool { _, ok := f.m[f.probes[i]]; return ok })
		})
	})
	b.Run("kind=ip", func(b *testing.B) {
		d := loadIP4(b)
		b.Run(scaledName(n, len(d.real), d.sample), func(b *testing.B) {
			f := ipFixture(b, n)
			for _, l := range f.impls {
				if l.name != "sift" && l.name != "bart-lite" {
					continue
				}
				has := l.has
				probes := f.probes
				runParallel(b, l.name, func(i int) bool { return has(probes[i]) })
			}
		})
	})
	b.Run("kind=domain", func(b *testing.B) {
		w := loadWebReal(b)
		b.Run(scaledName(n, len(w.domains), false), func(b *testing.B) {
			f := domainFixture(b, w, n)
			q := f.queries
			for _, impl := range f.impls {
				if impl.name == "adguard-dns" {
					continue // tens of µs a lookup: nothing to learn here
				}
				has := impl.has
				runParallel(b, impl.name, func(i int) bool { return has(q[i%len(q)]) })
			}
		})
	})
}
