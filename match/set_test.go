package match_test

import (
	"encoding/hex"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sift-intel/sift/match"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	md5a    = "44d88612fea8a8f36de82e1278abb02f"
	sha1a   = "3395856ce81f2b7382dee72602f798b642f14140"
	sha256a = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"
)

func build(t *testing.T, inds ...match.Indicator) *match.Set {
	t.Helper()
	var b match.Builder
	for _, ind := range inds {
		require.NoError(t, b.Add(ind), "%v", ind)
	}
	s, err := b.Build()
	require.NoError(t, err)
	return s
}

// both returns s and s serialised and opened again: every semantic test
// runs on both.
func both(t *testing.T, s *match.Set) map[string]*match.Set {
	t.Helper()
	data, err := s.AppendBinary(nil)
	require.NoError(t, err)
	o, err := match.Open(data)
	require.NoError(t, err)
	require.NoError(t, o.Verify())
	return map[string]*match.Set{"built": s, "opened": o}
}

func value(t *testing.T, s *match.Set, v match.Verdict) string {
	t.Helper()
	if !v.Matched() {
		return ""
	}
	ind, ok := s.Indicator(v.ID)
	require.True(t, ok)
	return ind.Value
}

func TestHashes(t *testing.T) {
	s := build(t,
		match.Indicator{Value: md5a, Meta: match.Meta{Source: "eicar", Category: "test"}},
		match.Indicator{Value: strings.ToUpper(sha1a)},
		match.Indicator{Kind: match.KindSHA256, Value: sha256a, Action: match.ActionMonitor},
	)
	cases := []struct {
		name, query string
		action      match.Action
		kind        match.Kind
	}{
		{"md5 lower", md5a, match.ActionBlock, match.KindMD5},
		{"md5 upper", strings.ToUpper(md5a), match.ActionBlock, match.KindMD5},
		{"sha1 given in upper case", sha1a, match.ActionBlock, match.KindSHA1},
		{"sha256 monitor", sha256a, match.ActionMonitor, match.KindSHA256},
		{"md5 one digit off", md5a[:31] + "e", match.ActionNone, match.KindUnknown},
		{"md5 prefix of sha1 is not md5", sha1a[:32], match.ActionNone, match.KindUnknown},
		{"not hex", strings.Repeat("g", 32), match.ActionNone, match.KindUnknown},
		{"wrong length", md5a[:30], match.ActionNone, match.KindUnknown},
		{"empty", "", match.ActionNone, match.KindUnknown},
	}
	for name, set := range both(t, s) {
		for _, c := range cases {
			t.Run(name+"/"+c.name, func(t *testing.T) {
				v := set.Lookup(c.query)
				assert.Equal(t, c.action, v.Action)
				assert.Equal(t, c.kind, v.Kind)
				if d, err := hex.DecodeString(c.query); err == nil {
					assert.Equal(t, v, set.LookupHash(d))
				}
			})
		}
		v := set.Lookup(md5a)
		assert.Equal(t, "eicar", set.Label(v.Source))
		assert.Equal(t, "test", set.Label(v.Category))
		assert.Equal(t, md5a, value(t, set, v))
		assert.Equal(t, sha1a, value(t, set, set.Lookup(sha1a)), "stored in lower case")
	}
}

func TestAddresses(t *testing.T) {
	s := build(t,
		match.Indicator{Value: "10.0.0.0/8", Meta: match.Meta{Severity: match.SeverityLow}},
		match.Indicator{Value: "10.1.0.0/16", Action: match.ActionMonitor},
		match.Indicator{Value: "10.1.2.3"},
		match.Indicator{Value: "192.0.2.7/24"}, // host bits are masked
		match.Indicator{Value: "::ffff:198.51.100.0/120"},
		match.Indicator{Value: "2001:db8::/32"},
		match.Indicator{Value: "2001:db8::1/128"},
		match.Indicator{Value: "0.0.0.0/0", Action: match.ActionMonitor, Meta: match.Meta{Source: "everything"}},
	)
	cases := []struct {
		addr, matched string
		action        match.Action
	}{
		{"10.1.2.3", "10.1.2.3", match.ActionBlock},
		{"10.1.2.4", "10.1.0.0/16", match.ActionMonitor},
		{"10.2.0.0", "10.0.0.0/8", match.ActionBlock},
		{"10.255.255.255", "10.0.0.0/8", match.ActionBlock},
		{"11.0.0.0", "0.0.0.0/0", match.ActionMonitor},
		{"192.0.2.200", "192.0.2.0/24", match.ActionBlock},
		{"198.51.100.9", "198.51.100.0/24", match.ActionBlock},
		{"::ffff:10.1.2.3", "10.1.2.3", match.ActionBlock},
		{"::ffff:198.51.100.9", "198.51.100.0/24", match.ActionBlock},
		{"2001:db8::1", "2001:db8::1", match.ActionBlock},
		{"2001:db8::1%eth0", "2001:db8::1", match.ActionBlock},
		{"2001:db8:ffff::", "2001:db8::/32", match.ActionBlock},
		{"2001:db9::", "", match.ActionNone},
		{"::1", "", match.ActionNone},
	}
	for name, set := range both(t, s) {
		for _, c := range cases {
			t.Run(name+"/"+c.addr, func(t *testing.T) {
				v := set.LookupAddr(netip.MustParseAddr(c.addr))
				assert.Equal(t, c.action, v.Action)
				assert.Equal(t, c.matched, value(t, set, v))
				if !strings.Contains(c.addr, "%") {
					assert.Equal(t, v, set.Lookup(c.addr))
				}
			})
		}
	}
}

func TestPrecedence(t *testing.T) {
	cases := []struct {
		name    string
		inds    []match.Indicator
		query   string
		action  match.Action
		matched string
		sev     match.Severity
	}{
		{
			name: "allow beats a more specific block",
			inds: []match.Indicator{
				{Value: "203.0.113.0/24", Action: match.ActionAllow},
				{Value: "203.0.113.5", Meta: match.Meta{Severity: match.SeverityCritical}},
			},
			query: "203.0.113.5", action: match.ActionAllow, matched: "203.0.113.0/24",
		},
		{
			name: "allow of the same hash beats block",
			inds: []match.Indicator{
				{Value: md5a, Meta: match.Meta{Severity: match.SeverityCritical}},
				{Value: md5a, Action: match.ActionAllow, Meta: match.Meta{Source: "admin"}},
			},
			query: md5a, action: match.ActionAllow, matched: md5a,
		},
		{
			name: "most specific monitor beats broader block",
			inds: []match.Indicator{
				{Value: "198.51.100.0/24", Meta: match.Meta{Severity: match.SeverityCritical}},
				{Value: "198.51.100.0/25", Action: match.ActionMonitor, Meta: match.Meta{Severity: match.SeverityLow}},
			},
			query: "198.51.100.1", action: match.ActionMonitor, matched: "198.51.100.0/25", sev: match.SeverityLow,
		},
		{
			name: "same prefix: higher severity wins",
			inds: []match.Indicator{
				{Value: "198.51.100.0/24", Meta: match.Meta{Source: "a", Severity: match.SeverityLow}},
				{Value: "198.51.100.0/24", Action: match.ActionMonitor, Meta: match.Meta{Source: "b", Severity: match.SeverityHigh}},
			},
			query: "198.51.100.1", action: match.ActionMonitor, matched: "198.51.100.0/24", sev: match.SeverityHigh,
		},
		{
			name: "same prefix and severity: block beats monitor",
			inds: []match.Indicator{
				{Value: sha256a, Action: match.ActionMonitor, Meta: match.Meta{Source: "a", Severity: match.SeverityHigh}},
				{Value: sha256a, Meta: match.Meta{Source: "b", Severity: match.SeverityHigh}},
			},
			query: sha256a, action: match.ActionBlock, matched: sha256a, sev: match.SeverityHigh,
		},
		{
			name: "outside the allow, the block still applies",
			inds: []match.Indicator{
				{Value: "10.0.0.0/8"},
				{Value: "10.9.0.0/16", Action: match.ActionAllow},
			},
			query: "10.8.0.1", action: match.ActionBlock, matched: "10.0.0.0/8",
		},
	}
	for _, c := range cases {
		for name, set := range both(t, build(t, c.inds...)) {
			t.Run(c.name+"/"+name, func(t *testing.T) {
				v := set.Lookup(c.query)
				assert.Equal(t, c.action, v.Action)
				assert.Equal(t, c.matched, value(t, set, v))
				assert.Equal(t, c.sev, v.Severity)
			})
		}
	}
}

func TestExpiry(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	var b match.Builder
	match.SetClock(&b, func() time.Time { return now })
	require.NoError(t, b.Add(match.Indicator{Value: "10.0.0.0/8"}))
	require.NoError(t, b.Add(match.Indicator{Value: "10.1.0.0/16", Action: match.ActionAllow, Meta: match.Meta{Expires: now.Add(time.Hour)}}))
	require.NoError(t, b.Add(match.Indicator{Value: md5a, Meta: match.Meta{Expires: now.Add(2 * time.Hour)}}))
	err := b.Add(match.Indicator{Value: sha1a, Meta: match.Meta{Expires: now.Add(-time.Second)}})
	require.ErrorIs(t, err, match.ErrExpired)
	s, err := b.Build()
	require.NoError(t, err)

	for name, set := range both(t, s) {
		t.Run(name, func(t *testing.T) {
			match.SetSetClock(set, func() time.Time { return now })
			assert.Equal(t, match.ActionAllow, set.Lookup("10.1.0.1").Action)
			assert.Equal(t, match.ActionBlock, set.Lookup(md5a).Action)
			assert.Equal(t, match.ActionNone, set.Lookup(sha1a).Action)

			match.SetSetClock(set, func() time.Time { return now.Add(time.Hour) })
			v := set.Lookup("10.1.0.1")
			assert.Equal(t, match.ActionBlock, v.Action, "the expired allow no longer overrides")
			assert.Equal(t, "10.0.0.0/8", value(t, set, v))
			assert.Equal(t, match.ActionBlock, set.Lookup(md5a).Action)

			match.SetSetClock(set, func() time.Time { return now.Add(3 * time.Hour) })
			assert.Equal(t, match.ActionNone, set.Lookup(md5a).Action)
		})
	}
}

func TestAddRejects(t *testing.T) {
	cases := []struct {
		name string
		ind  match.Indicator
		err  error
	}{
		{"empty", match.Indicator{}, match.ErrInvalid},
		{"unknown shape", match.Indicator{Value: "not a thing"}, match.ErrInvalid},
		{"md5 of wrong length", match.Indicator{Kind: match.KindMD5, Value: sha1a}, match.ErrInvalid},
		{"md5 not hex", match.Indicator{Kind: match.KindMD5, Value: strings.Repeat("z", 32)}, match.ErrInvalid},
		{"ip with zone", match.Indicator{Kind: match.KindIP, Value: "fe80::1%eth0"}, match.ErrInvalid},
		{"bad prefix", match.Indicator{Kind: match.KindCIDR, Value: "10.0.0.0/33"}, match.ErrInvalid},
		{"mapped prefix wider than v4", match.Indicator{Kind: match.KindCIDR, Value: "::ffff:0:0/80"}, match.ErrInvalid},
		{"confidence over 100", match.Indicator{Value: md5a, Meta: match.Meta{Confidence: 101}}, match.ErrInvalid},
		{"unknown action", match.Indicator{Value: md5a, Action: 9}, match.ErrInvalid},
	}
	var b match.Builder
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := b.Add(c.ind)
			require.ErrorIs(t, err, c.err)
			var ie *match.IndicatorError
			require.ErrorAs(t, err, &ie)
			assert.NotEmpty(t, ie.Reason)
		})
	}
	assert.Len(t, b.Rejected(), len(cases))
	assert.Equal(t, len(cases), b.Stats().Rejected)
	s, err := b.Build()
	require.NoError(t, err)
	assert.Zero(t, s.Len())
}

func TestNormalisation(t *testing.T) {
	var b match.Builder
	for _, v := range []string{"10.1.2.3/32", "10.1.2.3", " 10.1.2.3 ", "::ffff:10.1.2.3", "10.1.2.0/24", "10.1.2.77/24"} {
		require.NoError(t, b.Add(match.Indicator{Value: v}))
	}
	s, err := b.Build()
	require.NoError(t, err)
	assert.Equal(t, 2, s.Len(), "duplicates after normalisation are kept once")
	assert.Equal(t, 4, b.Stats().Duplicates)
	assert.Equal(t, 1, s.Count(match.KindIP))
	assert.Equal(t, 1, s.Count(match.KindCIDR))
}

func TestIndicatorMetadata(t *testing.T) {
	first := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	want := match.Indicator{
		Kind: match.KindSHA256, Value: sha256a, Action: match.ActionMonitor,
		Meta: match.Meta{
			Source: "eset", Category: "malware", Severity: match.SeverityHigh, Confidence: 80,
			Tags: []string{"apt", "turla"}, FirstSeen: first, LastSeen: first.Add(time.Hour),
			Expires:   time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC),
			Reference: "https://example.org/report", Description: "a dropper",
		},
	}
	for name, set := range both(t, build(t, want)) {
		t.Run(name, func(t *testing.T) {
			v := set.Lookup(sha256a)
			got, ok := set.Indicator(v.ID)
			require.True(t, ok)
			assert.Equal(t, want, got)
			assert.Equal(t, []match.Indicator{want}, collect(set))
			_, ok = set.Indicator(99)
			assert.False(t, ok)
		})
	}
}

func collect(s *match.Set) []match.Indicator {
	var out []match.Indicator
	for ind := range s.All() {
		out = append(out, ind)
	}
	return out
}

func TestKindOf(t *testing.T) {
	cases := map[string]match.Kind{
		md5a:                         match.KindMD5,
		strings.ToUpper(sha1a):       match.KindSHA1,
		sha256a:                      match.KindSHA256,
		"10.0.0.1":                   match.KindIP,
		"2001:db8::1":                match.KindIP,
		"10.0.0.0/8":                 match.KindCIDR,
		"2001:db8::/32":              match.KindCIDR,
		"evil.example":               match.KindDomain,
		"xn--80ak6aa92e.com":         match.KindDomain,
		"http://evil.example/x":      match.KindURL,
		"evil.example/path/x.exe":    match.KindURL,
		"1.2.3.4:8080":               match.KindUnknown,
		"fe80::1%eth0":               match.KindUnknown,
		"localhost":                  match.KindUnknown,
		"":                           match.KindUnknown,
		"has space.example":          match.KindUnknown,
		strings.Repeat("a", 33):      match.KindUnknown,
		"deadbeefdeadbeefdeadbeef00": match.KindUnknown,
	}
	for in, want := range cases {
		assert.Equal(t, want, match.KindOf(in), "%q", in)
	}
}

func TestNilAndZero(t *testing.T) {
	var s *match.Set
	assert.Equal(t, match.Verdict{}, s.Lookup(md5a))
	assert.Equal(t, match.Verdict{}, s.LookupAddr(netip.MustParseAddr("1.2.3.4")))
	assert.Equal(t, match.Verdict{}, s.LookupHash(make([]byte, 32)))
	assert.Zero(t, s.Len())
	var e match.Engine
	assert.Equal(t, match.Verdict{}, e.Lookup(md5a))
	empty := build(t)
	for _, set := range both(t, empty) {
		assert.Equal(t, match.Verdict{}, set.Lookup("10.0.0.1"))
		assert.Equal(t, match.Verdict{}, set.Lookup(md5a))
	}
}

func TestEngineSwap(t *testing.T) {
	a := build(t, match.Indicator{Value: "10.0.0.1"})
	b := build(t, match.Indicator{Value: "10.0.0.2"})
	e := match.NewEngine(a)
	assert.True(t, e.Lookup("10.0.0.1").Matched())
	assert.Same(t, a, e.Swap(b))
	assert.False(t, e.Lookup("10.0.0.1").Matched())
	assert.True(t, e.LookupAddr(netip.MustParseAddr("10.0.0.2")).Matched())
	assert.Same(t, b, e.Set())
}
