package feed_test

import (
	"strings"
	"testing"

	"github.com/sift-intel/sift/feed"
	"github.com/sift-intel/sift/match"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testFilter(t *testing.T) *feed.Filter {
	t.Helper()
	var f feed.Filter
	for _, p := range []string{"warninglist/cloudflare.json", "warninglist/url-shortener.json", "warninglist/empty-hashes.json"} {
		require.NoError(t, f.AddFile(sample(p)))
	}
	require.NoError(t, f.Add(strings.NewReader(`{"name": "Cloud storage", "type": "substring", "list": ["amazonaws.com"], "matching_attributes": ["url", "domain"]}`), "substr.json"))
	require.NoError(t, f.Add(strings.NewReader(`{"name": "Exact", "type": "string", "list": ["Exact.Example"], "matching_attributes": ["domain"]}`), "exact.json"))
	return &f
}

func TestFilterDrops(t *testing.T) {
	f := testFilter(t)
	for _, c := range []struct {
		name string
		ind  match.Indicator
		drop bool
	}{
		{"address inside a cidr list", match.Indicator{Kind: match.KindIP, Value: "104.16.1.1"}, true},
		{"prefix inside a cidr list", match.Indicator{Kind: match.KindCIDR, Value: "104.16.0.0/16"}, true},
		{"prefix wider than the listed one", match.Indicator{Kind: match.KindCIDR, Value: "104.0.0.0/8"}, false},
		{"IPv4-mapped address", match.Indicator{Kind: match.KindIP, Value: "::ffff:104.16.1.1"}, true},
		{"address outside", match.Indicator{Kind: match.KindIP, Value: "192.0.2.1"}, false},
		{"URL on a listed IP host", match.Indicator{Kind: match.KindURL, Value: "http://104.16.1.1/x"}, false}, // cloudflare's matching_attributes name no url
		{"listed host", match.Indicator{Kind: match.KindDomain, Value: "bit.ly"}, true},
		{"subdomain of a listed host", match.Indicator{Kind: match.KindDomain, Value: "x.Bit.ly."}, true},
		{"URL on a listed host", match.Indicator{Kind: match.KindURL, Value: "https://bit.ly/abc"}, true},
		{"unlisted host", match.Indicator{Kind: match.KindDomain, Value: "evil.example"}, false},
		{"string hash, any case", match.Indicator{Kind: match.KindMD5, Value: "D41D8CD98F00B204E9800998ECF8427E"}, true},
		{"substring", match.Indicator{Kind: match.KindURL, Value: "https://bucket.s3.AmazonAWS.com/x.exe"}, true},
		{"exact string only", match.Indicator{Kind: match.KindDomain, Value: "sub.exact.example"}, false},
		{"exact string", match.Indicator{Kind: match.KindDomain, Value: "exact.example"}, true},
		{"kind detected from the value", match.Indicator{Value: "104.16.1.1"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.drop, f.Drops(c.ind))
		})
	}
	var zero *feed.Filter
	assert.False(t, zero.Drops(match.Indicator{Kind: match.KindIP, Value: "104.16.1.1"}), "a nil Filter drops nothing")
}

func TestFilterInLoad(t *testing.T) {
	f := testFilter(t)
	var b match.Builder
	text := "104.16.1.1\nbit.ly\nevil.example\nd41d8cd98f00b204e9800998ecf8427e\n192.0.2.1\n"
	rep, err := feed.Load(&b, strings.NewReader(text), feed.Source{Name: "list.txt", Filter: f})
	require.NoError(t, err)
	assert.Equal(t, 5, rep.Parsed)
	assert.Equal(t, 2, rep.Total())
	assert.Equal(t, map[string]int{
		"dropped by warninglist List of known Cloudflare IP ranges":   1,
		"dropped by warninglist List of known URL Shorteners domains": 1,
		"dropped by warninglist List of known hashes for empty files": 1,
	}, rep.Skipped)
	assert.Empty(t, rep.Errors, "drops are counted, not reported as errors")

	t.Run("Parse reports drops as skipped lines", func(t *testing.T) {
		var errs []string
		for _, err := range feed.Parse(strings.NewReader(text), feed.Source{Name: "list.txt", Filter: f}) {
			if err != nil {
				errs = append(errs, err.Error())
			}
		}
		assert.Equal(t, []string{
			`list.txt:1: skipped: dropped by warninglist List of known Cloudflare IP ranges: "104.16.1.1"`,
			`list.txt:2: skipped: dropped by warninglist List of known URL Shorteners domains: "bit.ly"`,
			`list.txt:4: skipped: dropped by warninglist List of known hashes for empty files: "d41d8cd98f00b204e9800998ecf8427e"`,
		}, errs)
	})
}

func TestFilterErrors(t *testing.T) {
	var f feed.Filter
	err := f.Add(strings.NewReader(`{"name": "r", "type": "regex", "list": ["^a"]}`), "regex.json")
	require.ErrorIs(t, err, feed.ErrMalformed)
	assert.Contains(t, err.Error(), "regex.json")
	err = f.Add(strings.NewReader(`{"name": "c", "type": "cidr", "list": ["192.0.2.0/24",`+"\n"+` "nope"]}`), "bad.json")
	var le *feed.LineError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, 2, le.Line)
	err = f.Add(strings.NewReader(`{"name": "c", "type": "cidr", "list": [`), "cut.json")
	require.ErrorIs(t, err, feed.ErrMalformed)
	assert.Contains(t, err.Error(), "cut.json:1: malformed: truncated")
}
