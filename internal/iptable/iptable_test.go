package iptable_test

import (
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"

	"github.com/sift-intel/sift/internal/iptable"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// resolveHash gives every distinct covering list its own value, so that the
// test catches any range whose covering list differs from the oracle's.
func resolveHash(vals []uint32) uint32 {
	h := uint32(2166136261)
	for _, v := range vals {
		h = (h ^ v) * 16777619
	}
	return h &^ (1 << 31)
}

// oracle resolves an address the slow way: every entry that contains it,
// least specific first, input order among equals.
func oracle(entries []iptable.Entry, a netip.Addr, resolve func([]uint32) uint32) (uint32, bool) {
	a = a.Unmap()
	type hit struct {
		bits, order int
		v           uint32
	}
	var hits []hit
	for i, e := range entries {
		p := e.Prefix.Masked()
		if p.Addr().Is4() == a.Is4() && p.Contains(a) {
			hits = append(hits, hit{p.Bits(), i, e.Value})
		}
	}
	if len(hits) == 0 {
		return iptable.None, false
	}
	slices.SortStableFunc(hits, func(x, y hit) int { return x.bits - y.bits })
	vals := make([]uint32, len(hits))
	for i, h := range hits {
		vals[i] = h.v
	}
	v := resolve(vals)
	return v, v != iptable.None
}

func randPrefix4(r *rand.Rand, minBits, maxBits int) netip.Prefix {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], r.Uint32())
	return netip.PrefixFrom(netip.AddrFrom4(b), minBits+r.IntN(maxBits-minBits+1)).Masked()
}

func randPrefix6(r *rand.Rand, minBits, maxBits int) netip.Prefix {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], 0x2000_0000_0000_0000|r.Uint64()>>3)
	binary.BigEndian.PutUint64(b[8:], r.Uint64())
	return netip.PrefixFrom(netip.AddrFrom16(b), minBits+r.IntN(maxBits-minBits+1)).Masked()
}

// probes returns addresses at and around every prefix edge plus random ones.
func probes(r *rand.Rand, entries []iptable.Entry, n int) []netip.Addr {
	var out []netip.Addr
	for _, e := range entries {
		p := e.Prefix.Masked()
		first := p.Addr()
		last := lastAddr(p)
		out = append(out, first, last, first.Prev(), last.Next())
	}
	for range n {
		if r.IntN(2) == 0 {
			var b [4]byte
			binary.BigEndian.PutUint32(b[:], r.Uint32())
			out = append(out, netip.AddrFrom4(b))
		} else {
			out = append(out, randPrefix6(r, 128, 128).Addr())
		}
	}
	return slices.DeleteFunc(out, func(a netip.Addr) bool { return !a.IsValid() })
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

func TestAgainstOracle(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 600
	}
	for seed := range uint64(4) {
		r := rand.New(rand.NewPCG(seed, 11))
		var entries []iptable.Entry
		for i := range n {
			var p netip.Prefix
			switch r.IntN(6) {
			case 0:
				p = randPrefix4(r, 0, 16)
			case 1, 2:
				p = randPrefix4(r, 17, 32)
			case 3:
				// Nest inside an earlier entry to make deep stacks.
				if len(entries) > 0 {
					q := entries[r.IntN(len(entries))].Prefix
					if q.Bits() < q.Addr().BitLen() {
						sub := randPrefix6(r, 128, 128).Addr().AsSlice()
						if q.Addr().Is4() {
							sub = sub[:4]
						}
						base := q.Addr().AsSlice()
						for j := 0; j < q.Bits(); j++ {
							m := byte(0x80 >> (j % 8))
							sub[j/8] = sub[j/8]&^m | base[j/8]&m
						}
						a, _ := netip.AddrFromSlice(sub)
						p = netip.PrefixFrom(a, q.Bits()+1+r.IntN(q.Addr().BitLen()-q.Bits())).Masked()
					}
				}
			case 4:
				p = randPrefix6(r, 0, 64)
			default:
				p = randPrefix6(r, 65, 128)
			}
			if !p.IsValid() {
				p = randPrefix4(r, 24, 32)
			}
			entries = append(entries, iptable.Entry{Prefix: p, Value: uint32(i % 97)})
			if r.IntN(20) == 0 { // exact duplicates with another value
				entries = append(entries, iptable.Entry{Prefix: p, Value: uint32(1000 + i)})
			}
		}
		tab := iptable.Build(slices.Clone(entries), resolveHash)
		data, err := tab.AppendBinary(nil)
		require.NoError(t, err)
		opened, err := iptable.Open(data)
		require.NoError(t, err)
		require.NoError(t, opened.Verify(func(uint32) error { return nil }))
		for _, a := range probes(r, entries, 5000) {
			wv, wok := oracle(entries, a, resolveHash)
			for name, tb := range map[string]*iptable.Table{"built": tab, "opened": opened} {
				v, ok := tb.Lookup(a)
				require.Equal(t, wok, ok, "%s %s", name, a)
				require.Equal(t, wv, v, "%s %s", name, a)
			}
		}
	}
}

func TestEdges(t *testing.T) {
	mostSpecific := func(v []uint32) uint32 { return v[len(v)-1] }
	entries := []iptable.Entry{
		{netip.MustParsePrefix("0.0.0.0/0"), 1},
		{netip.MustParsePrefix("255.255.255.255/32"), 2},
		{netip.MustParsePrefix("10.0.0.0/8"), 3},
		{netip.MustParsePrefix("10.1.2.3/32"), 4},
		{netip.MustParsePrefix("::/0"), 5},
		{netip.MustParsePrefix("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"), 6},
		{netip.MustParsePrefix("2001:db8::/32"), 7},
	}
	tab := iptable.Build(entries, mostSpecific)
	cases := []struct {
		addr string
		want uint32
	}{
		{"0.0.0.0", 1}, {"255.255.255.254", 1}, {"255.255.255.255", 2},
		{"10.0.0.0", 3}, {"10.1.2.3", 4}, {"10.1.2.4", 3}, {"11.0.0.0", 1},
		{"::ffff:10.1.2.3", 4}, {"::", 5}, {"2001:db8::1", 7}, {"2001:db9::", 5},
		{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 6},
	}
	for _, c := range cases {
		t.Run(c.addr, func(t *testing.T) {
			v, ok := tab.Lookup(netip.MustParseAddr(c.addr))
			assert.True(t, ok)
			assert.Equal(t, c.want, v)
		})
	}
	var empty iptable.Table
	_, ok := empty.Lookup(netip.MustParseAddr("1.2.3.4"))
	assert.False(t, ok)
	_, ok = (*iptable.Table)(nil).Lookup(netip.MustParseAddr("::1"))
	assert.False(t, ok)
	_, ok = tab.Lookup(netip.Addr{})
	assert.False(t, ok)
}

func TestResolveNoneLeavesGap(t *testing.T) {
	// An allow-style resolver that drops ranges: the gap must read as
	// uncovered while the outer range around it still answers.
	entries := []iptable.Entry{
		{netip.MustParsePrefix("10.0.0.0/8"), 1},
		{netip.MustParsePrefix("10.5.0.0/16"), 0},
	}
	tab := iptable.Build(entries, func(v []uint32) uint32 {
		if slices.Contains(v, 0) {
			return iptable.None
		}
		return v[len(v)-1]
	})
	_, ok := tab.Lookup(netip.MustParseAddr("10.5.1.1"))
	assert.False(t, ok)
	v, ok := tab.Lookup(netip.MustParseAddr("10.6.0.0"))
	assert.True(t, ok)
	assert.Equal(t, uint32(1), v)
}

func TestOpenRejects(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	var entries []iptable.Entry
	for i := range 200 {
		entries = append(entries, iptable.Entry{Prefix: randPrefix4(r, 8, 32), Value: uint32(i)})
		entries = append(entries, iptable.Entry{Prefix: randPrefix6(r, 8, 128), Value: uint32(i)})
	}
	good, err := iptable.Build(entries, func(v []uint32) uint32 { return v[0] }).AppendBinary(nil)
	require.NoError(t, err)
	for cut := range len(good) {
		_, err := iptable.Open(good[:cut])
		require.ErrorIs(t, err, iptable.ErrFormat, "cut at %d", cut)
	}
	huge := slices.Clone(good)
	binary.LittleEndian.PutUint64(huge[8:], 1<<62)
	_, err = iptable.Open(huge)
	require.ErrorIs(t, err, iptable.ErrFormat)
}

func TestNoAllocs(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	var entries []iptable.Entry
	for i := range 1000 {
		entries = append(entries, iptable.Entry{Prefix: randPrefix4(r, 16, 32), Value: uint32(i)})
	}
	tab := iptable.Build(entries, func(v []uint32) uint32 { return v[len(v)-1] })
	a4, a6 := netip.MustParseAddr("1.2.3.4"), netip.MustParseAddr("2001:db8::1")
	var sink uint32
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		v, _ := tab.Lookup(a4)
		w, _ := tab.Lookup(a6)
		sink += v + w
	}))
}

func FuzzOpen(f *testing.F) {
	r := rand.New(rand.NewPCG(3, 3))
	for _, n := range []int{0, 1, 10, 100} {
		var entries []iptable.Entry
		for i := range n {
			entries = append(entries, iptable.Entry{Prefix: randPrefix4(r, 0, 32), Value: uint32(i)})
			entries = append(entries, iptable.Entry{Prefix: randPrefix6(r, 0, 128), Value: uint32(i)})
		}
		b, _ := iptable.Build(entries, func(v []uint32) uint32 { return v[len(v)-1] }).AppendBinary(nil)
		f.Add(b, []byte{1, 2, 3, 4})
	}
	f.Fuzz(func(t *testing.T, data []byte, addr []byte) {
		tab, err := iptable.Open(data)
		if err != nil {
			return
		}
		_ = tab.Verify(func(uint32) error { return nil })
		if a, ok := netip.AddrFromSlice(addr); ok {
			tab.Lookup(a)
		}
	})
}
