package remote

import (
	"context"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sift-intel/sift/canon"
	"github.com/sift-intel/sift/match"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The differential tests hold the remote tier to the local Set: for the
// same Set and the same query, Client and match.Set give the same verdict
// (action, kind, deciding indicator and its fields), for every kind the
// remote tier serves.
//
// Known differences, each tested on its own below:
//
//   - Byte patterns and User-Agent substrings are not served (they are
//     matched in payloads, not looked up by key): TestSkippedKinds.
//   - LookupDomain of an IPv6 literal: match.Set.LookupDomain finds
//     nothing (canon writes the literal in brackets, which it does not
//     strip), the Client looks the address up, as both document:
//     TestLookupDomainIPv6.
//
// "*.domain" indicators are served, and held to the Set like the others.

// want is the Answer the Client should give for v, a verdict of set.
func want(set *match.Set, v match.Verdict) Answer {
	if !v.Matched() {
		return Answer{}
	}
	ind, ok := set.Indicator(v.ID)
	if !ok {
		panic("no indicator for a verdict")
	}
	return Answer{
		ID: v.ID, Action: v.Action, Kind: v.Kind, Severity: v.Severity, Confidence: v.Confidence,
		Source: set.Label(v.Source), Category: set.Label(v.Category), Value: ind.Value,
	}
}

// lookups are the pairs of local and remote lookups compared.
var lookups = []struct {
	name   string
	local  func(s *match.Set, q string) match.Verdict
	remote func(c *Client, q string) Result
}{
	{"Lookup", (*match.Set).Lookup, func(c *Client, q string) Result { return c.Lookup(context.Background(), q) }},
	{"LookupURL", (*match.Set).LookupURL, func(c *Client, q string) Result { return c.LookupURL(context.Background(), q) }},
	{"LookupDomain", (*match.Set).LookupDomain, func(c *Client, q string) Result { return c.LookupDomain(context.Background(), q) }},
	{"LookupEmail", (*match.Set).LookupEmail, func(c *Client, q string) Result { return c.LookupEmail(context.Background(), q) }},
	{"LookupJA3", (*match.Set).LookupJA3, func(c *Client, q string) Result { return c.LookupJA3(context.Background(), q) }},
	{"LookupAddr", func(s *match.Set, q string) match.Verdict {
		a, err := netip.ParseAddr(q)
		if err != nil {
			return match.Verdict{}
		}
		return s.LookupAddr(a)
	}, func(c *Client, q string) Result {
		a, err := netip.ParseAddr(q)
		if err != nil {
			return Result{}
		}
		return c.LookupAddr(context.Background(), a)
	}},
	{"LookupHash", func(s *match.Set, q string) match.Verdict {
		d, err := hex.DecodeString(q)
		if err != nil {
			return match.Verdict{}
		}
		return s.LookupHash(d)
	}, func(c *Client, q string) Result {
		d, err := hex.DecodeString(q)
		if err != nil {
			return Result{}
		}
		return c.LookupHash(context.Background(), d)
	}},
}

// compare runs every query through every lookup of both sides and reports
// the differences; it returns how many queries matched locally.
func compare(t *testing.T, f *fixture, queries []string) (matched int) {
	t.Helper()
	for _, l := range lookups {
		for _, q := range queries {
			if l.name == "LookupDomain" && isIPv6Literal(q) {
				continue // TestLookupDomainIPv6
			}
			v := l.local(f.set, q)
			r := l.remote(f.client, q)
			require.False(t, r.Unconfirmed, "%s(%q): %v", l.name, q, r.Err)
			if !assert.Equal(t, want(f.set, v), r.Answer, "%s(%q)", l.name, q) {
				return
			}
			if v.Matched() {
				matched++
			}
		}
	}
	return matched
}

// isIPv6Literal reports whether q canonicalises to a bracketed IPv6 host.
func isIPv6Literal(q string) bool {
	h, err := canon.AppendHost(nil, q)
	return err == nil && len(h) > 0 && h[0] == '['
}

// gen makes random indicators and queries over a small vocabulary, so
// that queries often meet indicators, their parents and their children.
type gen struct{ r *rand.Rand }

var (
	labels = []string{"a", "b", "evil", "www", "cdn", "x-y", "mail"}
	tlds   = []string{"example", "test", "org"}
	paths  = []string{"/", "/a", "/a/", "/a/b", "/a/b/c.html", "/a/b/c/d/e.php", "/x?y=1", "/a/?q", "/login.php?user=me&x=1", "/A%41/b"}
)

func (g gen) host(minLabels, maxLabels int) string {
	n := minLabels + g.r.IntN(maxLabels-minLabels+1)
	parts := make([]string, n)
	for i := range n - 1 {
		parts[i] = labels[g.r.IntN(len(labels))]
	}
	parts[n-1] = tlds[g.r.IntN(len(tlds))]
	return strings.Join(parts, ".")
}

func (g gen) v4() netip.Addr {
	return netip.AddrFrom4([4]byte{10, byte(g.r.IntN(3)), byte(g.r.IntN(3)), byte(g.r.IntN(6))})
}

func (g gen) v6() netip.Addr {
	var b [16]byte
	b[0], b[1], b[2], b[3] = 0x20, 0x01, 0x0d, 0xb8
	b[5] = byte(g.r.IntN(3))
	b[7] = byte(g.r.IntN(3))
	b[15] = byte(g.r.IntN(4))
	return netip.AddrFrom16(b)
}

func (g gen) digest(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(g.r.IntN(256))
	}
	return hex.EncodeToString(b)
}

func (g gen) url() string {
	switch g.r.IntN(10) {
	case 0:
		return "http://" + g.v4().String() + paths[g.r.IntN(len(paths))]
	case 1:
		return "https://[" + g.v6().String() + "]" + paths[g.r.IntN(len(paths))]
	case 2:
		return "HTTP://" + strings.ToUpper(g.host(2, 8)) + ":8080" + paths[g.r.IntN(len(paths))]
	}
	return "http://" + g.host(2, 8) + paths[g.r.IntN(len(paths))]
}

func (g gen) meta(ind *match.Indicator) {
	switch n := g.r.IntN(20); {
	case n < 3:
		ind.Action = match.ActionAllow
	case n < 6:
		ind.Action = match.ActionMonitor
	default:
		ind.Action = match.ActionBlock
	}
	ind.Severity = match.Severity(g.r.IntN(5))
	ind.Confidence = uint8(g.r.IntN(3) * 50)
	ind.Source = []string{"", "feed-a", "feed-b"}[g.r.IntN(3)]
	ind.Category = []string{"", "malware", "phishing"}[g.r.IntN(3)]
}

// indicators returns n random indicators (some duplicates of value with
// other metadata, which the Set orders by precedence), and the digests,
// e-mails and fingerprints among them for queries.
func (g gen) indicators(n int) (inds []match.Indicator, listed []string) {
	for len(inds) < n {
		var ind match.Indicator
		switch k := g.r.IntN(16); {
		case k < 4:
			ind = match.Indicator{Kind: match.KindDomain, Value: g.host(2, 4)}
		case k < 5:
			ind = match.Indicator{Kind: match.KindDomain, Value: "*." + g.host(2, 4)}
		case k < 8:
			ind = match.Indicator{Kind: match.KindURL, Value: g.url()}
		case k < 9:
			ind = match.Indicator{Kind: match.KindIP, Value: g.v4().String()}
		case k < 10:
			bits := []int{8, 14, 16, 24, 30}[g.r.IntN(5)]
			ind = match.Indicator{Kind: match.KindCIDR, Value: netip.PrefixFrom(g.v4(), bits).String()}
		case k < 11:
			bits := []int{32, 48, 64, 127, 128}[g.r.IntN(5)]
			ind = match.Indicator{Kind: match.KindCIDR, Value: netip.PrefixFrom(g.v6(), bits).String()}
		case k < 12:
			d := g.digest([]int{16, 20, 32}[g.r.IntN(3)])
			if g.r.IntN(2) == 0 {
				d = strings.ToUpper(d)
			}
			ind = match.Indicator{Value: d}
			listed = append(listed, d)
		case k < 13:
			e := labels[g.r.IntN(len(labels))] + "@" + g.host(2, 3)
			ind = match.Indicator{Kind: match.KindEmail, Value: strings.ToUpper(e[:1]) + e[1:]}
			listed = append(listed, e, strings.ToUpper(e))
		case k < 14:
			d := g.digest(16)
			ind = match.Indicator{Kind: match.KindJA3, Value: d}
			listed = append(listed, d, strings.ToUpper(d))
		default:
			if len(inds) == 0 {
				continue
			}
			ind = inds[g.r.IntN(len(inds))] // the same value again, other metadata
		}
		g.meta(&ind)
		var b match.Builder
		if b.Add(ind) != nil {
			continue // a public suffix, say
		}
		inds = append(inds, ind)
	}
	return inds, listed
}

// queries returns n random queries of every shape.
func (g gen) queries(n int, listed []string) []string {
	var qs []string
	for len(qs) < n {
		switch k := g.r.IntN(12); {
		case k < 3:
			qs = append(qs, g.host(1, 8))
		case k < 4:
			qs = append(qs, strings.ToUpper(g.host(2, 6))+".")
		case k < 7:
			qs = append(qs, g.url())
		case k < 8:
			a := g.v4()
			qs = append(qs, a.String(), "::ffff:"+a.String(), fmt.Sprint(binaryIPv4(a)))
		case k < 9:
			qs = append(qs, g.v6().String())
		case k < 10 && len(listed) > 0:
			qs = append(qs, listed[g.r.IntN(len(listed))])
		case k < 11:
			qs = append(qs, g.digest([]int{16, 20, 32}[g.r.IntN(3)]))
		default:
			qs = append(qs, labels[g.r.IntN(len(labels))]+"@"+g.host(2, 3))
		}
	}
	return qs
}

// binaryIPv4 is a as one decimal number, an IPv4 spelling canon accepts
// in hosts.
func binaryIPv4(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func TestDifferentialRandom(t *testing.T) {
	seeds, nInd, nQ := 8, 300, 1500
	if testing.Short() {
		seeds, nQ = 3, 500
	}
	configs := map[string]func(*Config){
		"default": nil,
		// Every lookup whose keys pass the filter asks the server.
		"prefix=8,nocache": func(c *Config) { c.PrefixLen, c.MaxCacheEntries = 8, -1 },
	}
	for seed := range seeds {
		for name, edit := range configs {
			t.Run(fmt.Sprint("seed=", seed, "/", name), func(t *testing.T) {
				g := gen{rand.New(rand.NewPCG(uint64(seed), 99))}
				inds, listed := g.indicators(nInd)
				set := buildSet(t, inds...)
				f := newFixture(t, set, edit)
				matched := compare(t, f, g.queries(nQ, listed))
				t.Logf("%d indicators, %d keys, %d local matches over all lookups, %d requests",
					set.Len(), f.idx.Len(), matched, f.rec.requests.Load())
				assert.Positive(t, matched)
			})
		}
	}
}

// TestDifferentialCases covers the precedence rules and the corners of
// the key model case by case.
func TestDifferentialCases(t *testing.T) {
	block := func(k match.Kind, v string, sev match.Severity) match.Indicator {
		return match.Indicator{Kind: k, Value: v, Action: match.ActionBlock, Meta: match.Meta{Severity: sev, Source: "s", Category: "c"}}
	}
	allow := func(k match.Kind, v string) match.Indicator {
		return match.Indicator{Kind: k, Value: v, Action: match.ActionAllow}
	}
	monitor := func(k match.Kind, v string, sev match.Severity) match.Indicator {
		return match.Indicator{Kind: k, Value: v, Action: match.ActionMonitor, Meta: match.Meta{Severity: sev}}
	}
	set := buildSet(t,
		// A URL indicator and a domain indicator with the same text key
		// in Safe Browsing's model ("evil.example/"): the URL one matches
		// only through expressions (5 host suffixes deep), the domain one
		// every subdomain; their keys differ here.
		monitor(match.KindURL, "http://evil.example/", match.SeverityLow),
		block(match.KindDomain, "evil.example", match.SeverityHigh),
		block(match.KindDomain, "deep.evil.example", match.SeverityLow),
		allow(match.KindDomain, "ok.deep.evil.example"),
		block(match.KindDomain, "*.wild.example", match.SeverityMedium),
		monitor(match.KindDomain, "x.wild.example", match.SeverityCritical),
		block(match.KindURL, "http://phish.example/login.php?user=me", match.SeverityHigh),
		block(match.KindURL, "http://phish.example/a/b/", match.SeverityLow),
		block(match.KindURL, "http://localhost/admin", match.SeverityLow),
		block(match.KindURL, "http://10.0.0.1/mal.exe", match.SeverityLow),
		block(match.KindURL, "http://[2001:db8::1]/x", match.SeverityLow),
		block(match.KindURL, "http://c.d.e.f.g.example/p", match.SeverityLow),
		block(match.KindDomain, "c.d.e.f.g.example", match.SeverityLow),
		block(match.KindIP, "10.0.0.1", match.SeverityLow),
		block(match.KindCIDR, "10.0.0.0/8", match.SeverityCritical),
		allow(match.KindCIDR, "10.9.0.0/16"),
		block(match.KindCIDR, "0.0.0.0/0", match.SeverityLow),
		block(match.KindCIDR, "2001:db8::/32", match.SeverityLow),
		block(match.KindIP, "2001:db8::1", match.SeverityLow),
		block(match.KindCIDR, "::/0", match.SeverityLow),
		block(match.KindMD5, "d41d8cd98f00b204e9800998ecf8427e", match.SeverityLow),
		allow(match.KindMD5, "D41D8CD98F00B204E9800998ECF8427E"),
		block(match.KindSHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709", match.SeverityLow),
		block(match.KindSHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", match.SeverityLow),
		block(match.KindEmail, "Bad.Guy@Evil.Example", match.SeverityLow),
		block(match.KindJA3, "e7d705a3286e19ea42f587b344ee6865", match.SeverityLow),
	)
	f := newFixture(t, set, nil)
	queries := []string{
		"evil.example", "EVIL.EXAMPLE.", "a.evil.example", "deep.evil.example", "ok.deep.evil.example",
		"x.ok.deep.evil.example", "wild.example", "x.wild.example", "y.wild.example", "z.y.wild.example",
		"http://evil.example/", "http://evil.example/anything", "http://a.b.c.d.e.f.evil.example/x",
		"http://ok.deep.evil.example/", "http://wild.example/", "http://q.wild.example/",
		"http://phish.example/login.php?user=me", "http://phish.example/login.php?user=you",
		"http://phish.example/a/b/c/d", "http://PHISH.example:81/a/b/", "phish.example/a/b/x.html",
		"http://localhost/admin", "http://localhost/admin/x", "http://10.0.0.1/mal.exe", "http://0x0a.0.0.1/mal.exe",
		"http://167772161/mal.exe", "http://10.9.1.1/", "http://[2001:db8::1]/x", "http://[2001:db8::2]/x",
		"http://[::ffff:10.0.0.1]/mal.exe", "http://x.c.d.e.f.g.example/p", "http://c.d.e.f.g.example/p",
		"http://z.y.x.c.d.e.f.g.example/p", "10.0.0.1", "10.0.0.2", "10.9.9.9", "11.0.0.1", "::ffff:10.0.0.1",
		"2001:db8::1", "2001:db8::2", "2001:db9::1", "fe80::1%eth0",
		"d41d8cd98f00b204e9800998ecf8427e", "da39a3ee5e6b4b0d3255bfef95601890afd80709",
		"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
		"bad.guy@evil.example", "<BAD.GUY@EVIL.EXAMPLE>", "other@evil.example",
		"e7d705a3286e19ea42f587b344ee6865", "E7D705A3286E19EA42F587B344EE6865",
		"", "not a host", "http://", "mailto:x@y", "a..b", "xn--mlat-zra.example", "ümlat.example",
	}
	compare(t, f, queries)

	// The cases whose answers are worth spelling out.
	ctx := context.Background()
	assert.Equal(t, "evil.example/", f.client.LookupURL(ctx, "http://evil.example/").Value, "the URL indicator is the more specific")
	assert.Equal(t, "evil.example", f.client.LookupDomain(ctx, "evil.example").Value, "a domain query never meets URL indicators")
	assert.Equal(t, "evil.example/", f.client.LookupURL(ctx, "http://a.b.c.d.e.f.evil.example/").Value, "the two-label suffix is always an expression host")
	assert.Equal(t, "c.d.e.f.g.example/p", f.client.LookupURL(ctx, "http://c.d.e.f.g.example/p").Value)
	assert.Equal(t, "c.d.e.f.g.example", f.client.LookupURL(ctx, "http://x.c.d.e.f.g.example/p").Value,
		"a six-label suffix is out of expression reach (5 hosts), not of domain reach")
	assert.Equal(t, match.ActionAllow, f.client.LookupDomain(ctx, "x.ok.deep.evil.example").Action)
	assert.Equal(t, "x.wild.example", f.client.LookupDomain(ctx, "x.wild.example").Value)
	assert.Equal(t, "*.wild.example", f.client.LookupDomain(ctx, "y.wild.example").Value)
	assert.Equal(t, "x.wild.example", f.client.LookupDomain(ctx, "y.x.wild.example").Value, "more labels: more specific")
	assert.False(t, f.client.LookupDomain(ctx, "wild.example").Matched(), "a wildcard does not match its own name")
	assert.Equal(t, match.ActionAllow, f.client.LookupAddr(ctx, netip.MustParseAddr("10.9.0.1")).Action)
	assert.Equal(t, match.ActionAllow, f.client.Lookup(ctx, "d41d8cd98f00b204e9800998ecf8427e").Action)
}

// TestLookupDomainIPv6: the one documented difference in lookups. The
// Client looks an IPv6 literal given to LookupDomain up as an address, as
// match.Set.LookupDomain documents but does not do.
func TestLookupDomainIPv6(t *testing.T) {
	set := buildSet(t, match.Indicator{Kind: match.KindIP, Value: "2001:db8::1"})
	f := newFixture(t, set, nil)
	ctx := context.Background()
	for _, q := range []string{"2001:db8::1", "[2001:db8::1]", "2001:DB8:0::1"} {
		r := f.client.LookupDomain(ctx, q)
		assert.Equal(t, "2001:db8::1", r.Value, q)
		assert.Equal(t, want(set, set.LookupAddr(netip.MustParseAddr("2001:db8::1"))), r.Answer, q)
		assert.False(t, set.LookupDomain(q).Matched(), "match.Set.LookupDomain(%q) matched: the difference is gone, update the doc", q)
	}
}

// TestSkippedKinds: byte patterns and User-Agent substrings are counted
// and left out.
func TestSkippedKinds(t *testing.T) {
	var b match.Builder
	require.NoError(t, b.Add(match.Indicator{Kind: match.KindDomain, Value: "evil.example"}))
	for _, ind := range []match.Indicator{
		{Kind: match.KindPattern, Value: "hex:4d5a9000"},
		{Kind: match.KindUserAgent, Value: "EvilBot/1.0"},
	} {
		if err := b.Add(ind); err != nil {
			t.Skipf("this match does not take %s indicators: %v", ind.Kind, err)
		}
	}
	set, err := b.Build()
	require.NoError(t, err)
	idx, err := NewIndex(set, IndexConfig{})
	require.NoError(t, err)
	st := idx.Stats()
	assert.Equal(t, 3, st.Indicators)
	assert.Equal(t, 1, st.Keys)
	assert.Equal(t, map[match.Kind]int{match.KindPattern: 1, match.KindUserAgent: 1}, st.Skipped)
}

// TestExpiry: an indicator that has expired matches neither locally nor
// remotely, and the next one in precedence takes over.
func TestExpiry(t *testing.T) {
	past := time.Now().Add(-time.Hour)
	b := match.Builder{AsOf: past.Add(-time.Hour)}
	require.NoError(t, b.Add(match.Indicator{Kind: match.KindDomain, Value: "gone.example", Meta: match.Meta{Expires: past, Severity: match.SeverityHigh}}))
	require.NoError(t, b.Add(match.Indicator{Kind: match.KindDomain, Value: "gone.example", Action: match.ActionMonitor}))
	require.NoError(t, b.Add(match.Indicator{Kind: match.KindDomain, Value: "later.example", Meta: match.Meta{Expires: time.Now().Add(time.Hour)}}))
	set, err := b.Build()
	require.NoError(t, err)
	f := newFixture(t, set, nil)
	compare(t, f, []string{"gone.example", "a.gone.example", "later.example"})
	assert.Equal(t, match.ActionMonitor, f.client.LookupDomain(context.Background(), "gone.example").Action)
}
