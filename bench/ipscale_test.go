package bench

// IPv4 prefix membership at 10k, 1M and 10M prefixes (data_test.go: the
// corpus's malicious addresses and ranges, then derived ones of the same
// length mix and first octets), sift's Set.LookupAddr against every Go
// peer: gaissmai/bart (Lite.Contains and Table.Lookup), go4.org/netipx's
// IPSet (immutable sorted ranges, binary search) and a roaring bitmap of
// every address the prefixes cover (RunOptimize'd, so ranges are runs).
// All answer the same question (is the address in any listed prefix), so
// hits/op agree. BenchmarkAddr4 and BenchmarkAddr6 (ip_test.go) measure
// the synthetic mix of the core's benchmarks, IPv6 included.
//
//	cd bench
//	go test -run '^$' -bench '^BenchmarkIPs$' -count 5 | tee ips.txt
//	benchstat -col /impl ips.txt

import (
	"encoding/binary"
	"net/netip"
	"strings"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/gaissmai/bart"
	"github.com/sift-intel/sift/match"
	"go4.org/netipx"
)

type ipScale struct {
	probes []netip.Addr
	impls  []lookup
	cost   map[string]built
	openMs float64
}

var ipScales = map[int]*ipScale{}

func ipFixture(b *testing.B, n int) *ipScale {
	b.Helper()
	if f := ipScales[n]; f != nil {
		return f
	}
	d := loadIP4(b)
	ps := d.prefixes(n)
	f := &ipScale{probes: d.probes(ps, uint64(n)), cost: map[string]built{}}
	// Built from the same strings, as a feed gives them.
	values := make([]string, n)
	for i, p := range ps {
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
		return netip.PrefixFrom(a, 32)
	}
	var s *match.Set
	f.cost["sift"] = measureBuild(n, func() {
		var bl match.Builder
		for _, v := range values {
			if err := bl.Add(match.Indicator{Kind: match.KindCIDR, Value: v}); err != nil {
				b.Fatal(err)
			}
		}
		var err error
		if s, err = bl.Build(); err != nil {
			b.Fatal(err)
		}
	})
	setB, openMs := siftOpen(b, s, n, func(s *match.Set) { s.LookupAddr(f.probes[0]) })
	f.openMs = openMs
	f.cost["sift"] = built{setB, f.cost["sift"].ns}

	lite := new(bart.Lite)
	f.cost["bart-lite"] = measureBuild(n, func() {
		for _, v := range values {
			lite.Insert(parse(v))
		}
	})
	table := new(bart.Table[uint32])
	f.cost["bart-table"] = measureBuild(n, func() {
		for i, v := range values {
			table.Insert(parse(v), uint32(i))
		}
	})
	var set *netipx.IPSet
	f.cost["netipx"] = measureBuild(n, func() {
		var sb netipx.IPSetBuilder
		for _, v := range values {
			sb.AddPrefix(parse(v))
		}
		var err error
		if set, err = sb.IPSet(); err != nil {
			b.Fatal(err)
		}
	})
	bm := roaring.New()
	f.cost["roaring"] = measureBuild(n, func() {
		for _, v := range values {
			r := netipx.RangeOfPrefix(parse(v))
			from, to := r.From().As4(), r.To().As4()
			bm.AddRange(uint64(binary.BigEndian.Uint32(from[:])), uint64(binary.BigEndian.Uint32(to[:]))+1)
		}
		bm.RunOptimize()
	})
	f.cost["roaring"] = built{float64(bm.GetSizeInBytes()) / float64(n), f.cost["roaring"].ns}

	u32 := func(a netip.Addr) uint32 { a4 := a.As4(); return binary.BigEndian.Uint32(a4[:]) }
	f.impls = []lookup{
		{"sift", f.cost["sift"].bytes, func(a netip.Addr) bool { return s.LookupAddr(a).Matched() }},
		{"bart-lite", f.cost["bart-lite"].bytes, lite.Contains},
		{"bart-table", f.cost["bart-table"].bytes, func(a netip.Addr) bool { _, ok := table.Lookup(a); return ok }},
		{"netipx", f.cost["netipx"].bytes, set.Contains},
		{"roaring", f.cost["roaring"].bytes, func(a netip.Addr) bool { return bm.Contains(u32(a)) }},
	}
	ipScales[n] = f
	return f
}

// BenchmarkIPs: the lookups, one indirect call per probe for every
// implementation. Probes: 2^20 addresses, half a random address in a
// random listed prefix, half a random address in a real benign range or
// a client of the real web server log (data_test.go), shuffled.
//
// B/indicator: the serialised Set for sift; the growth of the live heap
// while building for bart and netipx (whose builder is dropped);
// GetSizeInBytes for roaring. build-ns/indicator: from the strings,
// parsing included, once per process. open-ms (sift): match.Open and a
// first lookup.
func BenchmarkIPs(b *testing.B) {
	freeLarge("ip")
	d := loadIP4(b)
	for _, n := range benchSizes(b) {
		b.Run(scaledName(n, len(d.real), d.sample), func(b *testing.B) {
			f := ipFixture(b, n)
			b.Logf("%d IPv4 prefixes (%d real), %d benign ranges for probes", n, min(n, len(d.real)), len(d.benign))
			for _, l := range f.impls {
				b.Run("impl="+l.name, func(b *testing.B) {
					has := l.has
					probes := f.probes
					b.ReportAllocs()
					hits, i := 0, 0
					for b.Loop() {
						if has(probes[i&benchMask]) {
							hits++
						}
						i++
					}
					if l.name == "sift" {
						reportSift(b, l.bytes, f.cost[l.name].ns, f.openMs)
					} else {
						f.cost[l.name].report(b)
					}
					b.ReportMetric(float64(hits)/float64(b.N), "hits/op")
					benchSink = hits
				})
			}
		})
	}
}
