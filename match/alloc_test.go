package match_test

import (
	"encoding/hex"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sift-intel/sift/match"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var sink match.Verdict

// TestNoAllocs holds the promise that lookups never allocate: on hits and
// misses, for every kind, on built and opened Sets, with and without expiry.
func TestNoAllocs(t *testing.T) {
	now := time.Now()
	s := build(t,
		match.Indicator{Value: md5a},
		match.Indicator{Value: sha1a, Meta: match.Meta{Expires: now.Add(time.Hour), Tags: []string{"x"}}},
		match.Indicator{Value: sha256a, Action: match.ActionAllow},
		match.Indicator{Value: sha256a, Meta: match.Meta{Source: "b"}},
		match.Indicator{Value: "10.0.0.0/8"},
		match.Indicator{Value: "10.1.2.3", Meta: match.Meta{Expires: now.Add(time.Hour)}},
		match.Indicator{Value: "2001:db8::/32"},
		match.Indicator{Value: "evil.example"},
		match.Indicator{Value: "*.wild.example", Meta: match.Meta{Expires: now.Add(time.Hour)}},
		match.Indicator{Value: "http://evil.example/malware/payload.exe"},
		match.Indicator{Value: "http://203.0.113.9/bin.sh"},
	)
	d256, _ := hex.DecodeString(sha256a)
	miss := make([]byte, 32)
	queries := []string{md5a, sha1a, sha256a, "10.1.2.3", "10.9.9.9", "11.0.0.0", "2001:db8::1", "::ffff:10.1.2.3",
		"evil.example", "http://x.example/", "not a query", "", "1.2.3", "fe80::1%eth0", "deadbeef",
		"WWW.Evil.Example.", "a.wild.example", "clean.example", "http://evil.example/malware/payload.exe",
		"https://sub.evil.example:8443/malware/payload.exe?x=1#f", "http://3405803785/bin.sh",
		"http://a.b.c.d.e.f.example/1/2/3/4/5.html?q=1", "evil.example/malware/"}
	addrs := []netip.Addr{netip.MustParseAddr("10.1.2.3"), netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("192.0.2.1")}
	for name, set := range both(t, s) {
		e := match.NewEngine(set)
		for _, q := range queries {
			assert.Zero(t, testing.AllocsPerRun(200, func() { sink = set.Lookup(q) }), "%s Lookup(%q)", name, q)
			assert.Zero(t, testing.AllocsPerRun(200, func() { sink = e.Lookup(q) }), "%s Engine.Lookup(%q)", name, q)
		}
		assert.Zero(t, testing.AllocsPerRun(200, func() { sink = set.LookupHash(d256); sink = set.LookupHash(miss) }), name)
		long := "http://clean.example/" + strings.Repeat("a/", 400)
		assert.Zero(t, testing.AllocsPerRun(200, func() { sink = set.LookupURL(long) }), "%s long URL", name)
		for _, a := range addrs {
			assert.Zero(t, testing.AllocsPerRun(200, func() { sink = set.LookupAddr(a) }), "%s LookupAddr(%s)", name, a)
		}
	}
}

func TestLookupHashes(t *testing.T) {
	var inds []match.Indicator
	var queries [][]byte
	r := rand.New(rand.NewPCG(21, 22))
	now := time.Now()
	for i := range 3000 {
		size := []int{16, 20, 32}[i%3]
		d := make([]byte, size)
		for j := range d {
			d[j] = byte(r.Uint32())
		}
		ind := match.Indicator{Value: hex.EncodeToString(d)}
		if i%7 == 0 {
			ind.Meta.Expires = now.Add(time.Hour) // a chain of one expiring record
		}
		if i%11 == 0 {
			inds = append(inds, match.Indicator{Value: ind.Value, Action: match.ActionAllow})
		}
		inds = append(inds, ind)
		queries = append(queries, d)
		miss := make([]byte, size)
		for j := range miss {
			miss[j] = byte(r.Uint32())
		}
		queries = append(queries, miss, d[:size-1])
	}
	s := build(t, inds...)
	for name, set := range both(t, s) {
		out := make([]match.Verdict, len(queries))
		set.LookupHashes(queries, out)
		for i, q := range queries {
			require.Equal(t, set.LookupHash(q), out[i], "%s query %d", name, i)
		}
		assert.Zero(t, testing.AllocsPerRun(20, func() { set.LookupHashes(queries, out) }))
	}
}
