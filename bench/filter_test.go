package bench

// Approximate membership at 10k, 1M and 10M keys (the digests of
// BenchmarkHashes): sift's blocked Bloom filter (package bloom) against
// bits-and-blooms/bloom/v3 (standard Bloom) and FastFilter/xorfilter's
// BinaryFuse8 (static, about 9 bits per key), the best static filter of
// shared/research/perf-anchors.md.
//
//	cd bench
//	go test -run '^$' -bench 'Filters' -count 5 | tee filters.txt
//	benchstat -col /impl filters.txt

import (
	"testing"

	"github.com/FastFilter/xorfilter"
	bbloom "github.com/bits-and-blooms/bloom/v3"
	"github.com/sift-intel/sift/bloom"
	"github.com/zeebo/xxh3"
)

// filterRate is the false-positive rate both Bloom filters are sized for.
// BinaryFuse8 has no knob: about 0.39 %.
const filterRate = 0.01

type filterScale struct {
	probes [][32]byte
	hashes []uint64 // xxh3 of each probe

	sift *bloom.Filter
	std  *bbloom.BloomFilter
	fuse *xorfilter.BinaryFuse8
	cost map[string]built
	fpr  map[string]float64
}

var filterScales = map[int]*filterScale{}

func filterFixture(b *testing.B, n int) *filterScale {
	b.Helper()
	if f := filterScales[n]; f != nil {
		return f
	}
	keys := scaledDigests(b, n)
	f := &filterScale{cost: map[string]built{}, fpr: map[string]float64{}}
	f.probes = loadDigests(b).probes(keys, uint64(n)+1)
	f.hashes = make([]uint64, len(f.probes))
	for i := range f.probes {
		f.hashes[i] = xxh3.Hash(f.probes[i][:])
	}
	f.cost["sift"] = measureBuild(n, func() {
		f.sift = bloom.New(n, filterRate)
		for i := range keys {
			f.sift.Add(keys[i][:])
		}
	})
	f.cost["bloomv3"] = measureBuild(n, func() {
		f.std = bbloom.NewWithEstimates(uint(n), filterRate)
		for i := range keys {
			f.std.Add(keys[i][:])
		}
	})
	f.cost["binaryfuse8"] = measureBuild(n, func() {
		hs := make([]uint64, n)
		for i := range keys {
			hs[i] = xxh3.Hash(keys[i][:])
		}
		fuse, err := xorfilter.PopulateBinaryFuse8(hs)
		if err != nil {
			b.Fatal(err)
		}
		f.fuse = fuse
	})
	// The measured false-positive rate, over the probes that are not
	// members.
	member := make(map[[32]byte]struct{}, n)
	for _, k := range keys {
		member[k] = struct{}{}
	}
	var misses, fpSift, fpStd, fpFuse int
	for i, p := range f.probes {
		if _, ok := member[p]; ok {
			continue
		}
		misses++
		if f.sift.ContainsHash(f.hashes[i]) {
			fpSift++
		}
		if f.std.Test(p[:]) {
			fpStd++
		}
		if f.fuse.Contains(f.hashes[i]) {
			fpFuse++
		}
	}
	f.fpr["sift"] = float64(fpSift) / float64(misses)
	f.fpr["bloomv3"] = float64(fpStd) / float64(misses)
	f.fpr["binaryfuse8"] = float64(fpFuse) / float64(misses)
	filterScales[n] = f
	return f
}

// BenchmarkFilters: the same probes as BenchmarkHashes (half members)
// through each filter, each given the key as bytes and hashing it as it
// must: impl=sift is Filter.Contains (xxh3 inside), impl=bloomv3 Test
// (murmur3 inside, k probes), impl=binaryfuse8 Contains(xxh3.Hash(key)).
// impl=sift-hash and impl=binaryfuse8-hash take the precomputed 64-bit
// hash, as sift's lookups do (they hash the key once for every
// structure). Sized for 1 % (BinaryFuse8: fixed, about 0.4 %); fpr is the
// measured false-positive rate on the absent probes.
//
// B/indicator: SizeBytes for sift, Cap/8 for bloom/v3, the fingerprint
// array for BinaryFuse8, per key. build-ns/indicator: New and Add (or the
// hashing and Populate) of every key, once per process.
func BenchmarkFilters(b *testing.B) {
	freeLarge("filter")
	d := loadDigests(b)
	for _, n := range benchSizes(b) {
		b.Run(scaledName(n, len(d.real), d.sample), func(b *testing.B) {
			f := filterFixture(b, n)
			impls := []struct {
				name, base string
				bytes      float64
				has        func(i int) bool
			}{
				{"sift", "sift", float64(f.sift.SizeBytes()) / float64(n), func(i int) bool { return f.sift.Contains(f.probes[i][:]) }},
				{"sift-hash", "sift", float64(f.sift.SizeBytes()) / float64(n), func(i int) bool { return f.sift.ContainsHash(f.hashes[i]) }},
				{"bloomv3", "bloomv3", float64(f.std.Cap()) / 8 / float64(n), func(i int) bool { return f.std.Test(f.probes[i][:]) }},
				{"binaryfuse8", "binaryfuse8", float64(len(f.fuse.Fingerprints)) / float64(n), func(i int) bool { return f.fuse.Contains(xxh3.Hash(f.probes[i][:])) }},
				{"binaryfuse8-hash", "binaryfuse8", float64(len(f.fuse.Fingerprints)) / float64(n), func(i int) bool { return f.fuse.Contains(f.hashes[i]) }},
			}
			for _, im := range impls {
				b.Run("impl="+im.name, func(b *testing.B) {
					has := im.has
					b.ReportAllocs()
					hits, i := 0, 0
					for b.Loop() {
						if has(i & benchMask) {
							hits++
						}
						i++
					}
					b.ReportMetric(im.bytes, "B/indicator")
					b.ReportMetric(f.cost[im.base].ns, "build-ns/indicator")
					b.ReportMetric(f.fpr[im.base], "fpr")
					b.ReportMetric(float64(hits)/float64(b.N), "hits/op")
					benchSink = hits
				})
			}
		})
	}
}
