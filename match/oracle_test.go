package match_test

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sift-intel/sift/internal/corpus"
	"github.com/sift-intel/sift/internal/oracle"
	"github.com/sift-intel/sift/match"
	"github.com/stretchr/testify/require"
)

// differential builds a Set from inds and checks that, for every query, the
// verdict's deciding indicator agrees with the oracle's on action, kind,
// severity, confidence and value. It reports how many queries matched.
func differential(t *testing.T, inds []match.Indicator, hashes []string, addrs []netip.Addr, now time.Time) (matched int) {
	t.Helper()
	var b match.Builder
	match.SetClock(&b, func() time.Time { return now })
	var accepted []match.Indicator
	for _, ind := range inds {
		if b.Add(ind) == nil {
			accepted = append(accepted, ind)
		}
	}
	built, err := b.Build()
	require.NoError(t, err)
	data, err := built.AppendBinary(nil)
	require.NoError(t, err)
	opened, err := match.Open(data)
	require.NoError(t, err)
	require.NoError(t, opened.Verify())
	match.SetSetClock(opened, func() time.Time { return now })
	o := oracle.New(accepted)

	check := func(q string, got match.Verdict, s *match.Set, want oracle.Result) {
		t.Helper()
		var gotValue string
		if got.Matched() {
			ind, ok := s.Indicator(got.ID)
			require.True(t, ok)
			gotValue = ind.Value
		}
		g := oracle.Result{Action: got.Action, Kind: got.Kind, Severity: got.Severity, Confidence: got.Confidence, Value: gotValue}
		require.True(t, want.Agrees(g), "query %s: oracle %+v, sift %+v", q, want, g)
	}
	for _, h := range hashes {
		want := o.LookupHash(h, now)
		d, err := hex.DecodeString(h)
		require.NoError(t, err)
		for _, s := range []*match.Set{built, opened} {
			check(h, s.Lookup(h), s, want)
			check(h, s.LookupHash(d), s, want)
		}
		if want.Action != match.ActionNone {
			matched++
		}
	}
	for _, a := range addrs {
		want := o.LookupAddr(a, now)
		for _, s := range []*match.Set{built, opened} {
			check(a.String(), s.LookupAddr(a), s, want)
		}
		if want.Action != match.ActionNone {
			matched++
		}
	}
	return matched
}

func randomHex(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return hex.EncodeToString(b)
}

func randomMeta(r *rand.Rand, now time.Time) match.Meta {
	m := match.Meta{
		Source:     fmt.Sprintf("feed%d", r.IntN(4)),
		Severity:   match.Severity(r.IntN(5)),
		Confidence: uint8(r.IntN(3) * 50),
	}
	if r.IntN(5) == 0 {
		m.Expires = now.Add(time.Duration(r.IntN(7200)-1800) * time.Second)
	}
	return m
}

func randomAction(r *rand.Rand) match.Action {
	return [...]match.Action{match.ActionNone, match.ActionBlock, match.ActionBlock, match.ActionMonitor, match.ActionAllow}[r.IntN(5)]
}

// near returns an address of the same family within 2^spread of a.
func near(r *rand.Rand, a netip.Addr, spread int) netip.Addr {
	b := a.AsSlice()
	off := r.Uint64() & (1<<spread - 1)
	for i := len(b) - 1; i >= 0 && off > 0; i-- {
		b[i] ^= byte(off)
		off >>= 8
	}
	n, _ := netip.AddrFromSlice(b)
	return n
}

func TestDifferentialRandom(t *testing.T) {
	n := 20000
	if testing.Short() {
		n = 3000
	}
	now := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	for seed := range uint64(3) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 0x5eed))
			// Indicators cluster around anchors, as real IOCs do, so that
			// nested prefixes, one value in several feeds, and allow/block
			// overlaps are common; half the queries land near anchors.
			var anchors []netip.Addr
			for range n / 20 {
				var b [16]byte
				binary.BigEndian.PutUint64(b[:], r.Uint64())
				binary.BigEndian.PutUint64(b[8:], r.Uint64())
				if r.IntN(2) == 0 {
					anchors = append(anchors, netip.AddrFrom4([4]byte(b[:4])))
				} else {
					b[0] = 0x20 | b[0]&0x1f
					anchors = append(anchors, netip.AddrFrom16(b))
				}
			}
			var inds []match.Indicator
			var hashes []string
			for range n {
				var ind match.Indicator
				if r.IntN(4) == 0 {
					size := []int{16, 20, 32}[r.IntN(3)]
					v := randomHex(rand.New(rand.NewPCG(uint64(r.IntN(n/2)), uint64(size))), size)
					if r.IntN(2) == 0 {
						v = strings.ToUpper(v)
					}
					ind = match.Indicator{Value: v}
					hashes = append(hashes, v, randomHex(r, size))
				} else {
					a := near(r, anchors[r.IntN(len(anchors))], 12)
					w := a.BitLen()
					var bits int
					switch x := r.IntN(1000); {
					case x < 700:
						bits = w
					case x < 900:
						bits = w - 1 - r.IntN(8)
					case x < 998:
						bits = w - 9 - r.IntN(8)
					default:
						bits = w/4 + r.IntN(w/4) // rare wide ranges
					}
					ind = match.Indicator{Value: netip.PrefixFrom(a, bits).Masked().String()}
				}
				ind.Action = randomAction(r)
				ind.Meta = randomMeta(r, now)
				inds = append(inds, ind)
			}
			var addrs []netip.Addr
			for range 4 * n {
				a := anchors[r.IntN(len(anchors))]
				if r.IntN(2) == 0 {
					a = near(r, a, 14)
				} else {
					a = near(r, a, a.BitLen())
				}
				addrs = append(addrs, a)
			}
			addrs = append(addrs, netip.MustParseAddr("::ffff:10.0.0.1"), netip.MustParseAddr("0.0.0.0"), netip.MustParseAddr("255.255.255.255"), netip.MustParseAddr("::"))
			m := differential(t, inds, hashes, addrs, now)
			t.Logf("%d indicators, %d of %d queries matched", len(inds), m, len(hashes)+len(addrs))
		})
	}
}

// TestDifferentialReal runs the real malicious lists against the benign
// sets: every verdict must equal the oracle's. The number of benign values
// that match is reported, not hidden: real lists overlap.
func TestDifferentialReal(t *testing.T) {
	now := time.Now()
	var inds []match.Indicator
	var hashes []string
	for _, f := range corpus.Files(t, "hashes") {
		for _, v := range corpus.Values(t, f) {
			if k := match.KindOf(v); k.IsHash() {
				inds = append(inds, match.Indicator{Value: v, Meta: match.Meta{Source: filepath.Base(filepath.Dir(f))}})
				hashes = append(hashes, v)
			}
		}
	}
	for _, f := range corpus.Files(t, "ips") {
		for _, v := range corpus.Values(t, f) {
			if k := match.KindOf(v); k == match.KindIP || k == match.KindCIDR {
				inds = append(inds, match.Indicator{Value: v, Meta: match.Meta{Source: filepath.Base(f)}})
			}
		}
	}
	var benignHashes []string
	for _, f := range corpus.Files(t, "benign/hashes/debian/md5sums") {
		benignHashes = append(benignHashes, corpus.Values(t, f)...)
	}
	var addrs []netip.Addr
	for _, ind := range inds {
		if p, err := netip.ParsePrefix(ind.Value); err == nil {
			addrs = append(addrs, p.Addr(), p.Addr().Prev())
		} else if a, err := netip.ParseAddr(ind.Value); err == nil {
			addrs = append(addrs, a, a.Next())
		}
	}
	var benignAddrs []netip.Addr
	for _, f := range corpus.Files(t, "benign/ips") {
		for _, v := range corpus.Values(t, f) {
			v = strings.Trim(v, `",`)
			if p, err := netip.ParsePrefix(v); err == nil {
				benignAddrs = append(benignAddrs, p.Addr(), lastOf(p))
			} else if a, err := netip.ParseAddr(v); err == nil {
				benignAddrs = append(benignAddrs, a)
			}
		}
	}
	require.NotEmpty(t, inds)
	m := differential(t, inds, hashes, addrs, now)
	t.Logf("malicious: %d indicators; %d of %d own values matched", len(inds), m, len(hashes)+len(addrs))
	bm := differential(t, inds, benignHashes, benignAddrs, now)
	t.Logf("benign: %d of %d benign hashes and addresses match a malicious indicator", bm, len(benignHashes)+len(benignAddrs))
}

func lastOf(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}
