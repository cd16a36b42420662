package remote

import (
	"context"
	"encoding/hex"
	"net/netip"
	"testing"

	"github.com/sift-intel/sift/match"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAllocs: a lookup the filter answers (a benign query) does not
// allocate, nor does one the cache answers. (A lookup that asks the
// server allocates: its request, the round trip, the response and the
// cache entries.)
func TestAllocs(t *testing.T) {
	set := buildSet(t,
		match.Indicator{Kind: match.KindDomain, Value: "evil.example"},
		match.Indicator{Kind: match.KindDomain, Value: "*.wild.example"},
		match.Indicator{Kind: match.KindURL, Value: "http://phish.example/a/b?c=d"},
		match.Indicator{Kind: match.KindCIDR, Value: "10.0.0.0/8"},
		match.Indicator{Kind: match.KindCIDR, Value: "2001:db8::/32"},
		match.Indicator{Kind: match.KindIP, Value: "192.0.2.1"},
		match.Indicator{Kind: match.KindMD5, Value: "d41d8cd98f00b204e9800998ecf8427e"},
		match.Indicator{Kind: match.KindEmail, Value: "x@evil.example"},
		match.Indicator{Kind: match.KindJA3, Value: "e7d705a3286e19ea42f587b344ee6865"},
	)
	idx, err := NewIndex(set, IndexConfig{})
	require.NoError(t, err)
	c, err := NewClient(Config{Filter: idx.Filter(), Resolver: &IndexResolver{Index: idx, PositiveTTL: 1 << 40, NegativeTTL: 1 << 40}})
	require.NoError(t, err)
	ctx := context.Background()
	long := "http://a.b.c.d.e.f.g.benign.example/" + string(make([]byte, 300)) // escaped: three times as long
	benignMD5, _ := hex.DecodeString("0123456789abcdef0123456789abcdef")
	listedMD5, _ := hex.DecodeString("d41d8cd98f00b204e9800998ecf8427e")
	cases := map[string]struct {
		fn      func() Result
		matched bool
	}{
		"URL/benign":         {func() Result { return c.LookupURL(ctx, "https://www.benign.example/a/b/c.html?q=1") }, false},
		"URL/benign-escaped": {func() Result { return c.LookupURL(ctx, "HTTP://WWW.Benign.example:8080/a/%7Euser/../b?q=%41") }, false},
		"URL/benign-long":    {func() Result { return c.LookupURL(ctx, long) }, false},
		"URL/ip":             {func() Result { return c.LookupURL(ctx, "http://198.51.100.7/x") }, false},
		"Domain/benign":      {func() Result { return c.LookupDomain(ctx, "www.benign.example") }, false},
		"Domain/upper":       {func() Result { return c.LookupDomain(ctx, "WWW.Benign.Example.") }, false},
		"Domain/ipv4":        {func() Result { return c.LookupDomain(ctx, "198.51.100.7") }, false},
		"Addr/v4":            {func() Result { return c.LookupAddr(ctx, netip.MustParseAddr("198.51.100.7")) }, false},
		"Addr/v6":            {func() Result { return c.LookupAddr(ctx, netip.MustParseAddr("2001:db9::1")) }, false},
		"Hash/benign":        {func() Result { return c.LookupHash(ctx, benignMD5) }, false},
		"Email/benign":       {func() Result { return c.LookupEmail(ctx, "Someone@Benign.example") }, false},
		"JA3/benign":         {func() Result { return c.LookupJA3(ctx, "00000000000000000000000000000000") }, false},
		"Lookup/benign":      {func() Result { return c.Lookup(ctx, "www.benign.example") }, false},
		"Lookup/hash":        {func() Result { return c.Lookup(ctx, "0123456789ABCDEF0123456789ABCDEF") }, false},
		"Lookup/ipv6":        {func() Result { return c.Lookup(ctx, "2001:db9::1") }, false},
		// Warm cache: answered from it.
		"cached/URL":    {func() Result { return c.LookupURL(ctx, "http://phish.example/a/b?c=d") }, true},
		"cached/Domain": {func() Result { return c.LookupDomain(ctx, "a.b.evil.example") }, true},
		"cached/wild":   {func() Result { return c.LookupDomain(ctx, "x.wild.example") }, true},
		"cached/Addr":   {func() Result { return c.LookupAddr(ctx, netip.MustParseAddr("10.1.2.3")) }, true},
		"cached/Hash":   {func() Result { return c.LookupHash(ctx, listedMD5) }, true},
		"cached/Email":  {func() Result { return c.LookupEmail(ctx, "X@evil.example") }, true},
		"cached/JA3":    {func() Result { return c.LookupJA3(ctx, "E7D705A3286E19EA42F587B344EE6865") }, true},
	}
	for name, tc := range cases {
		r := tc.fn() // warms the cache
		require.Equal(t, tc.matched, r.Matched(), name)
		require.False(t, r.Unconfirmed, name)
		assert.Zero(t, testing.AllocsPerRun(100, func() { tc.fn() }), name)
	}
}
