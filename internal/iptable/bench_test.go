package iptable_test

// Lookup4 at 10k, 100k and 1M IOC-like IPv4 prefixes (70 % /32, 20 %
// /24–/31, 10 % /16–/23), random probes. The baseline, impl=binsearch, is a
// plain binary search over the same range starts (taken from Table.All),
// without the top-level index: what the index saves.
//
//	go test -run XXX -bench Lookup4 -count=10 ./internal/iptable/ > new.txt
//	benchstat -col /impl new.txt
//
// -short skips the 1M case.

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"

	"github.com/sift-intel/sift/internal/iptable"
)

const (
	benchProbes = 1 << 20 // a power of two, more than the caches hold
	benchMask   = benchProbes - 1
)

var benchSink int

// iocPrefixes4 returns n IOC-like IPv4 prefixes at uniformly random
// addresses: 70 % /32, 20 % /24–/31, 10 % /16–/23.
func iocPrefixes4(r *rand.Rand, n int) []iptable.Entry {
	es := make([]iptable.Entry, n)
	for i := range es {
		bits := 32
		switch x := r.IntN(10); {
		case x == 9:
			bits = 16 + r.IntN(8)
		case x >= 7:
			bits = 24 + r.IntN(8)
		}
		var a [4]byte
		binary.BigEndian.PutUint32(a[:], r.Uint32())
		es[i] = iptable.Entry{Prefix: netip.PrefixFrom(netip.AddrFrom4(a), bits).Masked(), Value: uint32(i)}
	}
	return es
}

// mostSpecific resolves a range to its most specific covering prefix.
func mostSpecific(covering []uint32) uint32 { return covering[len(covering)-1] }

func BenchmarkLookup4(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		name := fmt.Sprintf("n=%dk", n/1000)
		if n >= 1_000_000 {
			name = fmt.Sprintf("n=%dM", n/1_000_000)
		}
		b.Run(name, func(b *testing.B) {
			if testing.Short() && n >= 1_000_000 {
				b.Skip("1M prefixes: skipped in -short mode")
			}
			r := rand.New(rand.NewPCG(uint64(n), 3))
			es := iocPrefixes4(r, n)
			t := iptable.Build(es, mostSpecific)
			// Half the probes fall inside a random prefix, half anywhere.
			probes := make([]uint32, benchProbes)
			for i := range probes {
				if i%2 == 1 {
					probes[i] = r.Uint32()
					continue
				}
				p := es[r.IntN(n)].Prefix
				a := p.Addr().As4()
				host := uint32(0)
				if p.Bits() < 32 {
					host = r.Uint32() >> p.Bits()
				}
				probes[i] = binary.BigEndian.Uint32(a[:]) | host
			}
			var starts, values []uint32
			t.All(func(start netip.Addr, v uint32) bool {
				if start.Is4() {
					a := start.As4()
					starts = append(starts, binary.BigEndian.Uint32(a[:]))
					values = append(values, v)
				}
				return true
			})
			bytesPer := float64(t.SizeBytes()) / float64(n)

			b.Run("impl=iptable", func(b *testing.B) {
				b.ReportAllocs()
				hits, i := 0, 0
				for b.Loop() {
					if _, ok := t.Lookup4(probes[i&benchMask]); ok {
						hits++
					}
					i++
				}
				b.ReportMetric(bytesPer, "B/prefix")
				b.ReportMetric(float64(hits)/float64(b.N), "hits/op")
				benchSink = hits
			})
			b.Run("impl=binsearch", func(b *testing.B) {
				b.ReportAllocs()
				hits, i := 0, 0
				for b.Loop() {
					j, found := slices.BinarySearch(starts, probes[i&benchMask])
					if !found {
						j--
					}
					if j >= 0 && values[j] != iptable.None {
						hits++
					}
					i++
				}
				b.ReportMetric(float64(8*len(starts))/float64(n), "B/prefix")
				b.ReportMetric(float64(hits)/float64(b.N), "hits/op")
				benchSink = hits
			})
		})
	}
}
