package match_test

// Benchmarks for the Set's lookups and for Build, each against a baseline
// measured in the same run: a Go map (hashes, exact addresses), and the
// same lookup without or with a bloom prefilter. Peers outside the core
// go.mod (gaissmai/bart, roaring) are compared in the separate module
// under bench/.
//
// Run, and compare with benchstat (ratios hold; absolute times drift on
// shared machines):
//
//	go test -run XXX -bench 'LookupHash|Addr|Build|Prefilter' -count=10 ./match/ > new.txt
//	benchstat -col /impl new.txt
//
// -short skips the 10M cases and shrinks Build to 100k indicators.
//
// Data is random from seeded PCG generators, so every run measures the
// same inputs. Probes are 2^20 entries, more than the caches hold, read in
// order: every lookup is an independent, fresh probe, as in a stream of
// queries. The loops count matches and report them as hits/op, a check
// that the implementations compared answer the same questions.

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"github.com/sift-intel/sift/internal/corpus"
	"github.com/sift-intel/sift/match"
)

const (
	benchProbes = 1 << 20 // probes per benchmark, a power of two
	benchMask   = benchProbes - 1
)

var benchSink int

func sizeName(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1_000 && n%1_000 == 0:
		return fmt.Sprintf("%dk", n/1_000)
	}
	return fmt.Sprint(n)
}

// skipLarge skips sizes above 1M under -short.
func skipLarge(b *testing.B, n int) {
	b.Helper()
	if testing.Short() && n > 1_000_000 {
		b.Skipf("%s entries: skipped in -short mode", sizeName(n))
	}
}

// heapGrowth returns how many bytes of live heap build leaves behind. What
// build reads stays alive until the end, so that it is not counted as freed.
func heapGrowth(build func()) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	build()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(build) // and so the inputs it reads, which must not count as freed
	if after.HeapAlloc < before.HeapAlloc {
		return 0
	}
	return float64(after.HeapAlloc - before.HeapAlloc)
}

// sectionLen returns the length of section id in a serialised Set (see the
// layout in layout.go: a 64-byte header, then 24-byte section entries of id,
// zero, offset and length), or 0 if the Set has no such section.
func sectionLen(data []byte, id uint32) int {
	n := int(binary.LittleEndian.Uint32(data[12:]))
	for i := range n {
		e := data[64+24*i:]
		if binary.LittleEndian.Uint32(e) == id {
			return int(binary.LittleEndian.Uint64(e[16:]))
		}
	}
	return 0
}

// Section ids of the serialised Set, from layout.go.
const (
	secSHA256      = 9
	secIP          = 10
	secSHA256Bloom = 15
)

// hashsetHeader is the header of a serialised hashset, which its SizeBytes
// leaves out.
const hashsetHeader = 64

// hashFix is a Set of n random SHA-256 digests, shared by the hash
// benchmarks: building the 10M one takes seconds.
type hashFix struct {
	digests  [][32]byte
	set      *match.Set
	tableB   float64 // hashset bytes (SizeBytes) per indicator
	filterB  float64 // bloom filter bytes per indicator
	wholeSet float64 // serialised Set bytes per indicator
}

var hashFixes = map[int]*hashFix{}

func randomDigest(r *rand.Rand) (d [32]byte) {
	for i := 0; i < 32; i += 8 {
		binary.LittleEndian.PutUint64(d[i:], r.Uint64())
	}
	return d
}

func hashFixture(b *testing.B, n int) *hashFix {
	b.Helper()
	if f := hashFixes[n]; f != nil {
		return f
	}
	r := rand.New(rand.NewPCG(uint64(n), 1))
	f := &hashFix{digests: make([][32]byte, n)}
	var bl match.Builder
	for i := range f.digests {
		f.digests[i] = randomDigest(r)
		if err := bl.Add(match.Indicator{Kind: match.KindSHA256, Value: hex.EncodeToString(f.digests[i][:])}); err != nil {
			b.Fatal(err)
		}
	}
	s, err := bl.Build()
	if err != nil {
		b.Fatal(err)
	}
	f.set = s
	data, err := s.MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	f.tableB = float64(sectionLen(data, secSHA256)-hashsetHeader) / float64(n)
	f.filterB = float64(sectionLen(data, secSHA256Bloom)) / float64(n)
	f.wholeSet = float64(len(data)) / float64(n)
	hashFixes[n] = f
	return f
}

// hashProbes returns benchProbes digests of which about a fraction hit are
// in f.
func hashProbes(f *hashFix, hit float64, seed uint64) [][32]byte {
	r := rand.New(rand.NewPCG(seed, 2))
	ps := make([][32]byte, benchProbes)
	for i := range ps {
		if r.Float64() < hit {
			ps[i] = f.digests[r.IntN(len(f.digests))]
		} else {
			ps[i] = randomDigest(r)
		}
	}
	return ps
}

// BenchmarkLookupHash: Set.LookupHash on SHA-256 digests against a Go
// map[[32]byte]uint32 holding the same digests, random probes, half of them
// present. Goal: sift at most 0.4× the map's time, and at most 16 bytes per
// indicator in the hash table.
//
// B/indicator is, for sift, the hashset's SizeBytes (the fingerprint table
// the lookup probes; the digests themselves live in the Set's heap, which
// setB/indicator, the whole serialised Set, includes); for the map, the
// growth of the live heap while building it (presized with make).
func BenchmarkLookupHash(b *testing.B) {
	for _, n := range []int{1_000_000, 10_000_000} {
		b.Run("n="+sizeName(n), func(b *testing.B) {
			skipLarge(b, n)
			f := hashFixture(b, n)
			probes := hashProbes(f, 0.5, uint64(n))
			var m map[[32]byte]uint32
			mapB := heapGrowth(func() {
				m = make(map[[32]byte]uint32, n)
				for i, d := range f.digests {
					m[d] = uint32(i)
				}
			}) / float64(n)

			b.Run("impl=sift", func(b *testing.B) {
				b.ReportAllocs()
				s := f.set
				hits, i := 0, 0
				for b.Loop() {
					if s.LookupHash(probes[i&benchMask][:]).Matched() {
						hits++
					}
					i++
				}
				b.ReportMetric(f.tableB, "B/indicator")
				b.ReportMetric(f.wholeSet, "setB/indicator")
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
				b.ReportMetric(mapB, "B/indicator")
				b.ReportMetric(float64(hits)/float64(b.N), "hits/op")
				benchSink = hits
			})
		})
	}
}

// BenchmarkPrefilter asks whether the bloom filter in front of each hash
// index pays: impl=filter is LookupHash as built (filter first),
// impl=nofilter the same Set with its filters removed. With mostly misses
// (hit=0.01, the usual traffic of a host hashing its files) the filter
// answers most probes from one cache line that is often in cache; with
// hit=0.50 every hit pays for both structures. B/indicator is the hash
// table plus, for impl=filter, the filter.
func BenchmarkPrefilter(b *testing.B) {
	for _, n := range []int{1_000_000, 10_000_000} {
		b.Run("n="+sizeName(n), func(b *testing.B) {
			skipLarge(b, n)
			f := hashFixture(b, n)
			withFilter := f.set
			noFilter := match.WithoutHashFilters(withFilter)
			for _, hit := range []float64{0.50, 0.01} {
				b.Run(fmt.Sprintf("hit=%.2f", hit), func(b *testing.B) {
					probes := hashProbes(f, hit, uint64(n)+uint64(hit*1000))
					for _, impl := range []struct {
						name  string
						set   *match.Set
						bytes float64
					}{
						{"filter", withFilter, f.tableB + f.filterB},
						{"nofilter", noFilter, f.tableB},
					} {
						b.Run("impl="+impl.name, func(b *testing.B) {
							b.ReportAllocs()
							s := impl.set
							hits, i := 0, 0
							for b.Loop() {
								if s.LookupHash(probes[i&benchMask][:]).Matched() {
									hits++
								}
								i++
							}
							b.ReportMetric(impl.bytes, "B/indicator")
							b.ReportMetric(float64(hits)/float64(b.N), "hits/op")
							benchSink = hits
						})
					}
				})
			}
		})
	}
}

// iocPrefixes4 returns n IOC-like IPv4 prefixes at uniformly random
// addresses: 70 % /32, 20 % /24–/31, 10 % /16–/23.
func iocPrefixes4(r *rand.Rand, n int) []netip.Prefix {
	ps := make([]netip.Prefix, n)
	for i := range ps {
		bits := 32
		switch x := r.IntN(10); {
		case x == 9:
			bits = 16 + r.IntN(8)
		case x >= 7:
			bits = 24 + r.IntN(8)
		}
		var a [4]byte
		binary.BigEndian.PutUint32(a[:], r.Uint32())
		ps[i] = netip.PrefixFrom(netip.AddrFrom4(a), bits).Masked()
	}
	return ps
}

// iocPrefixes6 returns n IOC-like IPv6 prefixes under 2000::/3 (global
// unicast): 70 % /128 (single hosts), 20 % /48–/64 (a site or one subnet),
// 10 % /32–/47 (a provider allocation or part of one). The mix mirrors the
// IPv4 one: mostly hosts, some networks, few large blocks.
func iocPrefixes6(r *rand.Rand, n int) []netip.Prefix {
	ps := make([]netip.Prefix, n)
	for i := range ps {
		bits := 128
		switch x := r.IntN(10); {
		case x == 9:
			bits = 32 + r.IntN(16)
		case x >= 7:
			bits = 48 + r.IntN(17)
		}
		ps[i] = netip.PrefixFrom(randomAddr6(r), bits).Masked()
	}
	return ps
}

// randomAddr6 returns a uniformly random address under 2000::/3.
func randomAddr6(r *rand.Rand) netip.Addr {
	var a [16]byte
	binary.BigEndian.PutUint64(a[:], r.Uint64()>>3|1<<61)
	binary.BigEndian.PutUint64(a[8:], r.Uint64())
	return netip.AddrFrom16(a)
}

// addrProbes returns benchProbes addresses: half of them inside a random
// prefix of ps (hits), half uniformly random over the family's space (IPv4)
// or 2000::/3 (IPv6), which hit only where the prefixes happen to cover them.
func addrProbes(r *rand.Rand, ps []netip.Prefix) []netip.Addr {
	out := make([]netip.Addr, benchProbes)
	for i := range out {
		p := ps[r.IntN(len(ps))]
		if i%2 == 1 {
			if p.Addr().Is4() {
				var a [4]byte
				binary.BigEndian.PutUint32(a[:], r.Uint32())
				out[i] = netip.AddrFrom4(a)
			} else {
				out[i] = randomAddr6(r)
			}
			continue
		}
		out[i] = randomIn(r, p)
	}
	return out
}

// randomIn returns a random address in p.
func randomIn(r *rand.Rand, p netip.Prefix) netip.Addr {
	if p.Addr().Is4() {
		a4 := p.Addr().As4()
		host := uint32(0)
		if p.Bits() < 32 {
			host = r.Uint32() >> p.Bits()
		}
		binary.BigEndian.PutUint32(a4[:], binary.BigEndian.Uint32(a4[:])|host)
		return netip.AddrFrom4(a4)
	}
	a := p.Addr().As16()
	hi, lo := binary.BigEndian.Uint64(a[:]), binary.BigEndian.Uint64(a[8:])
	switch bits := p.Bits(); {
	case bits < 64:
		hi |= r.Uint64() >> bits
		lo = r.Uint64()
	case bits < 128:
		lo |= r.Uint64() >> (bits - 64)
	}
	binary.BigEndian.PutUint64(a[:], hi)
	binary.BigEndian.PutUint64(a[8:], lo)
	return netip.AddrFrom16(a)
}

// indicatorValue writes p as a feed would: a bare address for a single
// host, CIDR notation otherwise.
func indicatorValue(p netip.Prefix) string {
	if p.IsSingleIP() {
		return p.Addr().String()
	}
	return p.String()
}

func buildAddrSet(b *testing.B, ps []netip.Prefix) *match.Set {
	b.Helper()
	var bl match.Builder
	for _, p := range ps {
		if err := bl.Add(match.Indicator{Kind: match.KindCIDR, Value: p.String()}); err != nil {
			b.Fatal(err)
		}
	}
	s, err := bl.Build()
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkLookupAddr: Set.LookupAddr on 1M IOC-like prefixes (see
// iocPrefixes4 and iocPrefixes6), random probes. The baseline is a Go map
// of the single addresses only (/32 or /128, 70 % of the entries): the
// exact part of the job, without the prefixes, so a lower bound for any
// hash-based design rather than an equivalent. The goals against
// gaissmai/bart (0.5× for IPv4, 1.0× for IPv6) are measured in the bench
// module, which also has roaring.
//
// B/indicator: for sift, the address table (section ip of the Set) per
// indicator, and setB/indicator the whole serialised Set; for the map, its
// heap growth per address it holds.
func BenchmarkLookupAddr(b *testing.B) {
	const n = 1_000_000
	for _, fam := range []string{"v4", "v6"} {
		b.Run("family="+fam+"/n="+sizeName(n), func(b *testing.B) {
			r := rand.New(rand.NewPCG(n, 4))
			var ps []netip.Prefix
			if fam == "v4" {
				ps = iocPrefixes4(r, n)
			} else {
				ps = iocPrefixes6(r, n)
			}
			probes := addrProbes(r, ps)
			s := buildAddrSet(b, ps)
			data, err := s.MarshalBinary()
			if err != nil {
				b.Fatal(err)
			}
			tableB := float64(sectionLen(data, secIP)) / float64(n)
			wholeB := float64(len(data)) / float64(n)

			b.Run("impl=sift", func(b *testing.B) {
				b.ReportAllocs()
				hits, i := 0, 0
				for b.Loop() {
					if s.LookupAddr(probes[i&benchMask]).Matched() {
						hits++
					}
					i++
				}
				b.ReportMetric(tableB, "B/indicator")
				b.ReportMetric(wholeB, "setB/indicator")
				b.ReportMetric(float64(hits)/float64(b.N), "hits/op")
				benchSink = hits
			})
			if fam == "v4" {
				var m map[uint32]uint32
				held := 0
				mapB := heapGrowth(func() {
					m = map[uint32]uint32{}
					for i, p := range ps {
						if p.IsSingleIP() {
							a := p.Addr().As4()
							m[binary.BigEndian.Uint32(a[:])] = uint32(i)
						}
					}
					held = len(m)
				}) / float64(held)
				b.Run("impl=map-exact", func(b *testing.B) {
					b.ReportAllocs()
					hits, i := 0, 0
					for b.Loop() {
						a := probes[i&benchMask].As4()
						if _, ok := m[binary.BigEndian.Uint32(a[:])]; ok {
							hits++
						}
						i++
					}
					b.ReportMetric(mapB, "B/indicator")
					b.ReportMetric(float64(hits)/float64(b.N), "hits/op")
					benchSink = hits
				})
				return
			}
			var m map[[16]byte]uint32
			held := 0
			mapB := heapGrowth(func() {
				m = map[[16]byte]uint32{}
				for i, p := range ps {
					if p.IsSingleIP() {
						m[p.Addr().As16()] = uint32(i)
					}
				}
				held = len(m)
			}) / float64(held)
			b.Run("impl=map-exact", func(b *testing.B) {
				b.ReportAllocs()
				hits, i := 0, 0
				for b.Loop() {
					if _, ok := m[probes[i&benchMask].As16()]; ok {
						hits++
					}
					i++
				}
				b.ReportMetric(mapB, "B/indicator")
				b.ReportMetric(float64(hits)/float64(b.N), "hits/op")
				benchSink = hits
			})
		})
	}
}

// decodeHex decodes a 64-digit hex string without allocating.
func decodeHex(s string) (d [32]byte, ok bool) {
	_, err := hex.Decode(d[:], unsafe.Slice(unsafe.StringData(s), len(s)))
	return d, err == nil && len(s) == 64
}

// BenchmarkBuild: adding N pre-generated indicators to a Builder and
// building the Set, against decoding or parsing the same strings into a Go
// map. The indicators carry only a value, as from a plain list, so the
// Builder also detects each one's kind from its shape. Goal: at least 1M
// indicators/s for sift.
func BenchmarkBuild(b *testing.B) {
	n := 1_000_000
	if testing.Short() {
		n = 100_000
	}
	r := rand.New(rand.NewPCG(uint64(n), 5))
	hashes := make([]match.Indicator, n)
	for i := range hashes {
		d := randomDigest(r)
		hashes[i] = match.Indicator{Value: hex.EncodeToString(d[:])}
	}
	addrs := make([]match.Indicator, n)
	for i, p := range iocPrefixes4(r, n) {
		addrs[i] = match.Indicator{Value: indicatorValue(p)}
	}
	report := func(b *testing.B) {
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "indicators/s")
	}
	for _, c := range []struct {
		name string
		inds []match.Indicator
	}{{"sha256", hashes}, {"ip4", addrs}} {
		b.Run("kind="+c.name+"/n="+sizeName(n), func(b *testing.B) {
			b.Run("impl=sift", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					var bl match.Builder
					for _, ind := range c.inds {
						if err := bl.Add(ind); err != nil {
							b.Fatal(err)
						}
					}
					s, err := bl.Build()
					if err != nil {
						b.Fatal(err)
					}
					benchSink = s.Len()
				}
				report(b)
			})
			b.Run("impl=map", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if c.name == "sha256" {
						m := map[[32]byte]uint32{}
						for i, ind := range c.inds {
							d, ok := decodeHex(ind.Value)
							if !ok {
								b.Fatal("bad hex")
							}
							m[d] = uint32(i)
						}
						benchSink = len(m)
						continue
					}
					m := map[netip.Prefix]uint32{}
					for i, ind := range c.inds {
						var p netip.Prefix
						var err error
						if strings.IndexByte(ind.Value, '/') >= 0 {
							p, err = netip.ParsePrefix(ind.Value)
						} else {
							var a netip.Addr
							a, err = netip.ParseAddr(ind.Value)
							p = netip.PrefixFrom(a, a.BitLen())
						}
						if err != nil {
							b.Fatal(err)
						}
						m[p] = uint32(i)
					}
					benchSink = len(m)
				}
				report(b)
			})
		})
	}
}

// BenchmarkLookupHashCorpus: LookupHash on real data, when the full corpus
// is present. The Set holds every digest of the malicious hash lists
// (hashes/**: MD5, SHA-1 and SHA-256); the probes are their SHA-256 digests
// plus the SHA-256 of Debian packages (benign), shuffled. The baseline is a
// map of the same SHA-256 digests. The Set is small (thousands of entries)
// and stays in cache: this measures the cost of the code path, not of
// memory. The real-data address benchmark, against gaissmai/bart, is
// BenchmarkAddrCorpus in the bench module.
func BenchmarkLookupHashCorpus(b *testing.B) {
	dir := corpus.Full(b)
	var files []string
	err := filepath.WalkDir(filepath.Join(dir, "hashes"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	var bl match.Builder
	m := map[[32]byte]uint32{}
	var probes [][32]byte
	for _, v := range corpus.Values(b, files...) {
		if bl.Add(match.Indicator{Value: v}) != nil {
			continue // not a digest: real lists have stray values
		}
		if d, ok := decodeHex(v); ok {
			m[d] = uint32(len(m))
			probes = append(probes, d)
		}
	}
	s, err := bl.Build()
	if err != nil {
		b.Fatal(err)
	}
	deb, err := os.ReadFile(filepath.Join(dir, "benign", "hashes", "debian", "bookworm-main-amd64-Packages"))
	if err != nil {
		b.Skip(err)
	}
	for line := range strings.Lines(string(deb)) {
		if v, ok := strings.CutPrefix(line, "SHA256: "); ok {
			if d, ok := decodeHex(strings.TrimSpace(v)); ok {
				probes = append(probes, d)
			}
		}
	}
	r := rand.New(rand.NewPCG(6, 6))
	r.Shuffle(len(probes), func(i, j int) { probes[i], probes[j] = probes[j], probes[i] })
	b.Logf("%d indicators (%d SHA-256), %d probes", s.Len(), len(m), len(probes))

	b.Run("impl=sift", func(b *testing.B) {
		b.ReportAllocs()
		hits, i := 0, 0
		for b.Loop() {
			if s.LookupHash(probes[i][:]).Matched() {
				hits++
			}
			if i++; i == len(probes) {
				i = 0
			}
		}
		b.ReportMetric(float64(hits)/float64(b.N), "hits/op")
		benchSink = hits
	})
	b.Run("impl=map", func(b *testing.B) {
		b.ReportAllocs()
		hits, i := 0, 0
		for b.Loop() {
			if _, ok := m[probes[i]]; ok {
				hits++
			}
			if i++; i == len(probes) {
				i = 0
			}
		}
		b.ReportMetric(float64(hits)/float64(b.N), "hits/op")
		benchSink = hits
	})
}

// BenchmarkLookupHashes: the batch API against single lookups and the Go
// map on the same 50%-hit SHA-256 probes. ns/op is per lookup. Goal: at
// most 30 ns per lookup at 10M digests.
func BenchmarkLookupHashes(b *testing.B) {
	for _, n := range []int{1_000_000, 10_000_000} {
		b.Run("n="+sizeName(n), func(b *testing.B) {
			skipLarge(b, n)
			f := hashFixture(b, n)
			probes := hashProbes(f, 0.5, uint64(n)+7)
			qs := make([][]byte, len(probes))
			for i := range probes {
				qs[i] = probes[i][:]
			}
			const chunk = 1024
			out := make([]match.Verdict, chunk)
			b.Run("impl=batch", func(b *testing.B) {
				b.ReportAllocs()
				hits, i := 0, 0
				for b.Loop() {
					// One op is one lookup: a batch call every chunk ops.
					if i%chunk == 0 {
						j := i & benchMask
						f.set.LookupHashes(qs[j:j+chunk], out)
					}
					if out[i%chunk].Matched() {
						hits++
					}
					i++
				}
				b.ReportMetric(float64(hits)/float64(b.N), "hits/op")
			})
			b.Run("impl=single", func(b *testing.B) {
				b.ReportAllocs()
				hits, i := 0, 0
				for b.Loop() {
					if f.set.LookupHash(qs[i&benchMask]).Matched() {
						hits++
					}
					i++
				}
				b.ReportMetric(float64(hits)/float64(b.N), "hits/op")
			})
		})
	}
}
