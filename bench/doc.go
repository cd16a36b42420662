// Package bench compares sift with peer libraries on the same data, in the
// same run. It holds no code beyond its benchmarks.
//
// # Why a separate module
//
// The peers (gaissmai/bart for IP prefixes, and RoaringBitmap/roaring/v2 as
// the sparse-set baseline) are needed only to measure against; they must not
// become dependencies of sift. This directory is its own module,
// github.com/sift-intel/sift/bench, whose go.mod requires sift through a
// replace directive pointing at the parent directory, so the benchmarks
// always build against the working tree, and the core go.mod stays as it is.
//
// # What is measured
//
//   - BenchmarkAddr4 and BenchmarkAddr6: Set.LookupAddr against bart's
//     Lite.Contains and Table.Lookup on the same IOC-like prefixes and the
//     same random probes, at 100k and 1M prefixes; for IPv4 also a roaring
//     Bitmap and a Go map of the single addresses only (the exact part of
//     the job, a lower bound rather than an equivalent).
//   - BenchmarkBuildAddr4: building each structure from the same strings.
//   - BenchmarkAddrCorpus: the same lookups on real data (malicious address
//     lists against benign probes) when the shared corpus is present
//     (../shared/data beside the repository, or $SIFT_CORPUS); skipped
//     otherwise.
//
// Sub-benchmarks are named .../impl=NAME so that benchstat can put the
// implementations side by side. Besides ns/op each reports B/prefix (the
// lookup structure's bytes per prefix it holds: for sift the address table,
// and setB/prefix for the whole serialised Set; for bart and maps the growth
// of the live heap while building; for roaring GetSizeInBytes) and hits/op
// (the fraction of probes that matched, which must agree between sift and
// bart).
//
// # Running
//
// Times on shared machines drift; ratios measured in one run hold. Take
// medians over several runs and compare with benchstat:
//
//	cd bench
//	go test -run XXX -bench . -count=10 > new.txt
//	go install golang.org/x/perf/cmd/benchstat@latest
//	benchstat -col /impl new.txt
//
// -short skips the 1M cases.
package bench
