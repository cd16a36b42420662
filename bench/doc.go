// Package bench compares sift with its peers on the same data, in the same
// run. It holds nothing but benchmarks and the report command.
//
// # Why a separate module
//
// The peers are needed only to measure against; they must not become
// dependencies of sift. This directory is its own module,
// github.com/sift-intel/sift/bench, whose go.mod requires sift through a
// replace directive pointing at the parent directory, so the benchmarks
// always build against the working tree and the core go.mod stays small.
//
// # What is measured
//
// Each benchmark names its implementations impl=NAME so that benchstat (and
// cmd/report) put them side by side, and its data's provenance data=... (see
// data_test.go: real, real+derived, sample+derived, derived).
//
//   - BenchmarkHashes: Set.LookupHash and the batch Set.LookupHashes
//     against a Go map and bits-and-blooms/bloom/v3, at 10k, 1M and 10M
//     SHA-256 digests; B/indicator, build-ns/indicator, open-ms.
//   - BenchmarkFilters: sift's cache-line blocked Bloom filter against
//     bloom/v3 and FastFilter/xorfilter BinaryFuse8, with the measured
//     false-positive rate.
//   - BenchmarkIPs, BenchmarkAddr4, BenchmarkAddr6, BenchmarkAddrCorpus,
//     BenchmarkBuildAddr4: Set.LookupAddr against gaissmai/bart Lite and
//     Table, go4.org/netipx IPSet and roaring (exact addresses).
//   - BenchmarkDomains, BenchmarkDomainPeers: Set.LookupDomain against a Go
//     map suffix walk and AdGuard urlfilter's DNSEngine.
//   - BenchmarkURLs, BenchmarkURLPeers: Set.LookupURL against AdGuard
//     urlfilter's network engine.
//   - BenchmarkACPeers, BenchmarkACPetar, BenchmarkACPeersBuild: the
//     Aho-Corasick automaton against cloudflare/ahocorasick,
//     coregx/ahocorasick and petar-dambovaliev/aho-corasick, 100, 10k and
//     100k IOC-like patterns over 1 MiB of real logs; build time and heap.
//   - BenchmarkParallel: hashes, IPs and domains under b.RunParallel (run
//     with -cpu 1,2).
//
// # Running
//
// One command runs the suite and writes BENCHMARKS.md at the repository
// root with the plots in bench/plots:
//
//	cd bench
//	go run ./cmd/report          # the full suite
//	go run ./cmd/report -short   # under 5 minutes
//
// Or run go test directly and compare with benchstat:
//
//	go test -run '^$' -bench . -count 10 > new.txt
//	benchstat -col /impl new.txt
//
// SIFT_BENCH_SIZES (for example "10k,100k") sets the sizes of the scaled
// benchmarks; -short means 10k and 1M. The shared corpus is read from
// ../shared/data beside the repository or $SIFT_CORPUS.
package bench
