package bench

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/gaissmai/bart"
	"github.com/sift-intel/sift/internal/corpus"
	"github.com/sift-intel/sift/match"
)

const (
	benchProbes = 1 << 20 // a power of two, more than the caches hold
	benchMask   = benchProbes - 1
)

var benchSink int

// The generators below repeat the ones in match/bench_test.go (which this
// module cannot import), so both modules measure the same mix.

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

// addrProbes returns benchProbes addresses: half inside a random prefix of
// ps, half uniformly random over IPv4, or over 2000::/3 for IPv6.
func addrProbes(r *rand.Rand, ps []netip.Prefix) []netip.Addr {
	out := make([]netip.Addr, benchProbes)
	for i := range out {
		p := ps[r.IntN(len(ps))]
		switch {
		case i%2 == 0:
			out[i] = randomIn(r, p)
		case p.Addr().Is4():
			var a [4]byte
			binary.BigEndian.PutUint32(a[:], r.Uint32())
			out[i] = netip.AddrFrom4(a)
		default:
			out[i] = randomAddr6(r)
		}
	}
	return out
}

// randomIn returns a random address in p.
func randomIn(r *rand.Rand, p netip.Prefix) netip.Addr {
	if p.Addr().Is4() {
		a := p.Addr().As4()
		host := uint32(0)
		if p.Bits() < 32 {
			host = r.Uint32() >> p.Bits()
		}
		binary.BigEndian.PutUint32(a[:], binary.BigEndian.Uint32(a[:])|host)
		return netip.AddrFrom4(a)
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

// siftSet builds a Set of ps and returns it with the bytes per prefix of its
// address table and of the whole serialised Set.
func siftSet(b *testing.B, ps []netip.Prefix) (s *match.Set, tableB, setB float64) {
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
	data, err := s.MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	// The Set's layout (match/layout.go): a 64-byte header whose bytes
	// 12–16 count the sections, then 24-byte entries of id, zero, offset
	// and length; the address table is section 10.
	const secIP = 10
	for i := range int(binary.LittleEndian.Uint32(data[12:])) {
		if e := data[64+24*i:]; binary.LittleEndian.Uint32(e) == secIP {
			tableB = float64(binary.LittleEndian.Uint64(e[16:])) / float64(len(ps))
		}
	}
	return s, tableB, float64(len(data)) / float64(len(ps))
}

// lookup is one implementation's membership test.
type lookup struct {
	name  string
	bytes float64 // per entry it holds
	has   func(netip.Addr) bool
}

// compare runs each implementation on the same probes as a sub-benchmark.
func compare(b *testing.B, probes []netip.Addr, setB float64, impls []lookup) {
	for _, l := range impls {
		b.Run("impl="+l.name, func(b *testing.B) {
			b.ReportAllocs()
			// One indirect call per probe, the same for every
			// implementation; the index wraps without a division.
			has := l.has
			hits, i := 0, 0
			for b.Loop() {
				if has(probes[i]) {
					hits++
				}
				if i++; i == len(probes) {
					i = 0
				}
			}
			b.ReportMetric(l.bytes, "B/prefix")
			if l.name == "sift" {
				b.ReportMetric(setB, "setB/prefix")
			}
			b.ReportMetric(float64(hits)/float64(b.N), "hits/op")
			benchSink = hits
		})
	}
}

// peers returns sift and bart's Lite and Table built from the same
// prefixes, and the sift Set's bytes per prefix.
func peers(b *testing.B, ps []netip.Prefix) ([]lookup, float64) {
	s, tableB, setB := siftSet(b, ps)
	var lite bart.Lite
	liteB := heapGrowth(func() {
		for _, p := range ps {
			lite.Insert(p)
		}
	}) / float64(len(ps))
	var table bart.Table[uint32]
	tableBart := heapGrowth(func() {
		for i, p := range ps {
			table.Insert(p, uint32(i))
		}
	}) / float64(len(ps))
	return []lookup{
		{"sift", tableB, func(a netip.Addr) bool { return s.LookupAddr(a).Matched() }},
		{"bart-lite", liteB, lite.Contains},
		{"bart-table", tableBart, func(a netip.Addr) bool { _, ok := table.Lookup(a); return ok }},
	}, setB
}

var addrSizes = []int{100_000, 1_000_000}

func sizeName(n int) string {
	if n >= 1_000_000 {
		return fmt.Sprintf("n=%dM", n/1_000_000)
	}
	return fmt.Sprintf("n=%dk", n/1_000)
}

// BenchmarkAddr4: LookupAddr on IOC-like IPv4 prefixes (iocPrefixes4),
// random probes (addrProbes). Goal: sift at most 0.5× the time of
// bart-lite at 1M. roaring-exact and map-exact hold only the /32s (70 % of
// the prefixes): the exact part of the job, a lower bound rather than an
// equivalent.
func BenchmarkAddr4(b *testing.B) {
	for _, n := range addrSizes {
		b.Run(sizeName(n), func(b *testing.B) {
			if testing.Short() && n >= 1_000_000 {
				b.Skip("1M prefixes: skipped in -short mode")
			}
			r := rand.New(rand.NewPCG(uint64(n), 4))
			ps := iocPrefixes4(r, n)
			probes := addrProbes(r, ps)
			impls, setB := peers(b, ps)

			var exact []uint32
			for _, p := range ps {
				if p.IsSingleIP() {
					a := p.Addr().As4()
					exact = append(exact, binary.BigEndian.Uint32(a[:]))
				}
			}
			bm := roaring.New()
			bm.AddMany(exact)
			bm.RunOptimize()
			var m map[uint32]uint32
			mapB := heapGrowth(func() {
				m = map[uint32]uint32{}
				for i, a := range exact {
					m[a] = uint32(i)
				}
			}) / float64(len(m))
			u32 := func(a netip.Addr) uint32 { a4 := a.As4(); return binary.BigEndian.Uint32(a4[:]) }
			impls = append(impls,
				lookup{"roaring-exact", float64(bm.GetSizeInBytes()) / float64(bm.GetCardinality()), func(a netip.Addr) bool { return bm.Contains(u32(a)) }},
				lookup{"map-exact", mapB, func(a netip.Addr) bool { _, ok := m[u32(a)]; return ok }},
			)
			compare(b, probes, setB, impls)
		})
	}
}

// BenchmarkAddr6: as BenchmarkAddr4 for IPv6 (iocPrefixes6: 70 % /128,
// 20 % /48–/64, 10 % /32–/47 under 2000::/3). Goal: sift at most 1.0× the
// time of bart-lite at 1M. roaring has no 128-bit set; map-exact holds the
// /128s.
func BenchmarkAddr6(b *testing.B) {
	for _, n := range addrSizes {
		b.Run(sizeName(n), func(b *testing.B) {
			if testing.Short() && n >= 1_000_000 {
				b.Skip("1M prefixes: skipped in -short mode")
			}
			r := rand.New(rand.NewPCG(uint64(n), 6))
			ps := iocPrefixes6(r, n)
			probes := addrProbes(r, ps)
			impls, setB := peers(b, ps)
			var m map[[16]byte]uint32
			mapB := heapGrowth(func() {
				m = map[[16]byte]uint32{}
				for i, p := range ps {
					if p.IsSingleIP() {
						m[p.Addr().As16()] = uint32(i)
					}
				}
			}) / float64(len(m))
			impls = append(impls, lookup{"map-exact", mapB, func(a netip.Addr) bool { _, ok := m[a.As16()]; return ok }})
			compare(b, probes, setB, impls)
		})
	}
}

// BenchmarkBuildAddr4: building each structure from the same 1M strings, as
// a feed gives them (bare addresses for /32s). sift's Builder also detects
// each value's kind, normalises it, sorts and removes duplicates; bart's
// figure includes netip.ParsePrefix.
func BenchmarkBuildAddr4(b *testing.B) {
	n := 1_000_000
	if testing.Short() {
		n = 100_000
	}
	r := rand.New(rand.NewPCG(uint64(n), 5))
	values := make([]string, n)
	for i, p := range iocPrefixes4(r, n) {
		values[i] = indicatorValue(p)
	}
	parse := func(v string) netip.Prefix {
		if strings.IndexByte(v, '/') >= 0 {
			p, err := netip.ParsePrefix(v)
			if err != nil {
				b.Fatal(err)
			}
			return p
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			b.Fatal(err)
		}
		return netip.PrefixFrom(a, a.BitLen())
	}
	report := func(b *testing.B) {
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "indicators/s")
	}
	b.Run(sizeName(n), func(b *testing.B) {
		b.Run("impl=sift", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var bl match.Builder
				for _, v := range values {
					if err := bl.Add(match.Indicator{Value: v}); err != nil {
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
		b.Run("impl=bart-lite", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var l bart.Lite
				for _, v := range values {
					l.Insert(parse(v))
				}
				benchSink = l.Size()
			}
			report(b)
		})
		b.Run("impl=bart-table", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var t bart.Table[uint32]
				for i, v := range values {
					t.Insert(parse(v), uint32(i))
				}
				benchSink = t.Size()
			}
			report(b)
		})
	})
}

// BenchmarkAddrCorpus: the lookups of BenchmarkAddr4 on real data, when the
// full corpus is present. The prefixes are every address and CIDR of the
// malicious lists under ips/ (scanners, blocklist.de, worst-ASN ranges,
// Feodo Tracker C2; IPv4 and IPv6); the probes come from benign lists: a
// random address in each entry of the public-DNS, cloud and CDN lists, and
// the clients of a real web server log, shuffled. The sets are small (tens
// of thousands), so this measures the code path more than memory.
func BenchmarkAddrCorpus(b *testing.B) {
	dir := corpus.Full(b)
	ps, probes := addrCorpus(b, dir)
	b.Logf("%d prefixes, %d probes", len(ps), len(probes))
	impls, setB := peers(b, ps)
	compare(b, probes, setB, impls)
}

func addrCorpus(b *testing.B, dir string) (prefixes []netip.Prefix, probes []netip.Addr) {
	b.Helper()
	parse := func(v string) (netip.Prefix, bool) {
		if p, err := netip.ParsePrefix(v); err == nil {
			return p.Masked(), true
		}
		if a, err := netip.ParseAddr(v); err == nil && a.Zone() == "" {
			return netip.PrefixFrom(a, a.BitLen()), true
		}
		return netip.Prefix{}, false
	}
	add := func(v string) {
		// Values that are not addresses (ip:port, ranges) are left out,
		// and IPv4-mapped ones unmapped, as bart expects.
		if p, ok := parse(v); ok && !p.Addr().Is4In6() {
			prefixes = append(prefixes, p)
		}
	}
	var lists []string
	err := filepath.WalkDir(filepath.Join(dir, "ips"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".txt") {
			lists = append(lists, path)
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	for _, v := range corpus.Values(b, lists...) {
		add(v)
	}
	if data, err := os.ReadFile(filepath.Join(dir, "ips", "feodotracker", "ipblocklist_recommended.json")); err == nil {
		var feodo []struct {
			IP string `json:"ip_address"`
		}
		if err := json.Unmarshal(data, &feodo); err != nil {
			b.Fatal(err)
		}
		for _, e := range feodo {
			add(e.IP)
		}
	}

	r := rand.New(rand.NewPCG(7, 7))
	probe := func(v string, inside bool) {
		if p, ok := parse(v); ok && !p.Addr().Is4In6() {
			if inside {
				probes = append(probes, randomIn(r, p))
			} else {
				probes = append(probes, p.Addr())
			}
		}
	}
	warn, _ := filepath.Glob(filepath.Join(dir, "benign", "ips", "misp-warninglists", "*", "list.json"))
	for _, name := range warn {
		data, err := os.ReadFile(name)
		if err != nil {
			b.Fatal(err)
		}
		var wl struct{ List []string }
		if err := json.Unmarshal(data, &wl); err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		for _, v := range wl.List {
			probe(v, true)
		}
	}
	for _, v := range corpus.Values(b, filepath.Join(dir, "benign", "ips", "maltrail", "cdn_ranges.txt")) {
		probe(v, true)
	}
	for _, v := range corpus.Values(b, filepath.Join(dir, "benign", "logs", "apache_logs")) {
		probe(v, false)
	}
	if len(prefixes) == 0 || len(probes) == 0 {
		b.Skip("no addresses in the corpus")
	}
	r.Shuffle(len(probes), func(i, j int) { probes[i], probes[j] = probes[j], probes[i] })
	return prefixes, probes
}
