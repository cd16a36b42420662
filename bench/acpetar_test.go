package bench

// petar-dambovaliev/aho-corasick on the workload of BenchmarkACPeers
// (ac_test.go: its patterns, texts and sizes), as a third Go peer: the DFA
// with standard match semantics, scanned with IterOverlappingByte, which
// reports every match as sift's Scan does. Its DFA build takes seconds at
// 10k patterns and grows faster than the pattern count, so 100k patterns
// run only with SIFT_AC_BIG=1, as cloudflare's do.
//
//	cd bench
//	go test -run '^$' -bench 'ACPeers|ACPetar' -count 5 | tee ac.txt
//	benchstat -col /impl ac.txt

import (
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	petar "github.com/petar-dambovaliev/aho-corasick"
)

var petarBuilt = map[int]petar.AhoCorasick{}

func petarRuns(n int) bool { return n <= 10_000 || os.Getenv("SIFT_AC_BIG") != "" }

func petarBuild(raw [][]byte) petar.AhoCorasick {
	bl := petar.NewAhoCorasickBuilder(petar.Opts{MatchKind: petar.StandardMatch, DFA: true})
	return bl.BuildByte(raw)
}

// BenchmarkACPetar: named as BenchmarkACPeers' sub-benchmarks, with
// impl=petar, so that benchstat and the report put it beside them.
// heap-B and build-ns are measured once per size.
func BenchmarkACPetar(b *testing.B) {
	freeLarge("ac")
	d := acLoad(b)
	heap := map[int]float64{}
	buildNs := map[int]float64{}
	for _, size := range acSizes {
		if !petarRuns(size.n) {
			continue
		}
		for _, tx := range d.texts {
			b.Run(fmt.Sprintf("patterns=%s/text=%s/impl=petar", size.name, tx.name), func(b *testing.B) {
				ac, ok := petarBuilt[size.n]
				if !ok {
					raw := d.raw(size.n)
					var m0, m1 runtime.MemStats
					runtime.GC()
					runtime.ReadMemStats(&m0)
					start := time.Now()
					ac = petarBuild(raw)
					buildNs[size.n] = float64(time.Since(start).Nanoseconds())
					runtime.GC()
					runtime.ReadMemStats(&m1)
					heap[size.n] = float64(m1.HeapAlloc) - float64(m0.HeapAlloc)
					petarBuilt[size.n] = ac
				}
				text := tx.data
				b.SetBytes(int64(len(text)))
				b.ReportAllocs()
				hits := 0
				for b.Loop() {
					it := ac.IterOverlappingByte(text)
					for m := it.Next(); m != nil; m = it.Next() {
						hits++
					}
				}
				b.ReportMetric(float64(hits)/float64(b.N), "matches/op")
				b.ReportMetric(heap[size.n], "heap-B")
				b.ReportMetric(buildNs[size.n], "build-ns")
			})
		}
	}
}
