package match_test

import (
	"errors"
	"testing"

	"github.com/sift-intel/sift/match"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDomains(t *testing.T) {
	s := build(t,
		match.Indicator{Value: "evil.example", Meta: match.Meta{Source: "a"}},
		match.Indicator{Value: "*.wild.example", Meta: match.Meta{Source: "wild"}},
		match.Indicator{Value: "good.evil.example", Action: match.ActionAllow},
		match.Indicator{Value: "Mixed.Case.Example.", Action: match.ActionMonitor},
		match.Indicator{Value: "bücher.example"},
		match.Indicator{Kind: match.KindDomain, Value: "xn--80ak6aa92e.com"},
	)
	cases := []struct {
		host, matched string
		action        match.Action
	}{
		{"evil.example", "evil.example", match.ActionBlock},
		{"EVIL.example.", "evil.example", match.ActionBlock},
		{"a.b.evil.example", "evil.example", match.ActionBlock},
		{"notevil.example", "", match.ActionNone},
		{"evil.example.com", "", match.ActionNone},
		{"good.evil.example", "good.evil.example", match.ActionAllow},
		{"x.good.evil.example", "good.evil.example", match.ActionAllow},
		{"wild.example", "", match.ActionNone},
		{"a.wild.example", "*.wild.example", match.ActionBlock},
		{"mixed.case.example", "mixed.case.example", match.ActionMonitor},
		{"www.bücher.example", "xn--bcher-kva.example", match.ActionBlock},
		{"www.xn--bcher-kva.example", "xn--bcher-kva.example", match.ActionBlock},
		{"xn--80ak6aa92e.com", "xn--80ak6aa92e.com", match.ActionBlock},
		{"example", "", match.ActionNone},
		{"", "", match.ActionNone},
	}
	for name, set := range both(t, s) {
		for _, c := range cases {
			t.Run(name+"/"+c.host, func(t *testing.T) {
				v := set.LookupDomain(c.host)
				assert.Equal(t, c.action, v.Action)
				assert.Equal(t, c.matched, value(t, set, v))
				if c.host != "" {
					assert.Equal(t, v, set.Lookup(c.host))
				}
			})
		}
	}
}

func TestDomainRejects(t *testing.T) {
	cases := map[string]string{
		"com":            "top-level domain",
		"co.uk":          "public suffix",
		"github.io":      "public suffix",
		"*.com":          "top-level domain",
		"C91.196.152.28": "all digits",
		"bad..":          "",
		"a b.example":    "",
		"-":              "",
	}
	for v, reason := range cases {
		t.Run(v, func(t *testing.T) {
			var b match.Builder
			err := b.Add(match.Indicator{Kind: match.KindDomain, Value: v})
			require.Error(t, err)
			var ie *match.IndicatorError
			require.True(t, errors.As(err, &ie))
			assert.Contains(t, ie.Reason, reason)
		})
	}
}

func TestURLs(t *testing.T) {
	s := build(t,
		match.Indicator{Value: "http://evil.example/malware/payload.exe", Meta: match.Meta{Source: "urlhaus"}},
		match.Indicator{Value: "phish.example/login/", Meta: match.Meta{Source: "phishtank"}},
		match.Indicator{Value: "http://203.0.113.9/bin.sh"},
		match.Indicator{Value: "blocked.example", Action: match.ActionMonitor},
		match.Indicator{Value: "http://blocked.example/safe/", Action: match.ActionAllow},
		match.Indicator{Value: "198.51.100.0/24"},
		match.Indicator{Value: "http://host.example/q?x=1"},
	)
	cases := []struct {
		url, matched string
		action       match.Action
	}{
		{"http://evil.example/malware/payload.exe", "evil.example/malware/payload.exe", match.ActionBlock},
		{"HTTPS://EVIL.example:8443/malware/payload.exe#frag", "evil.example/malware/payload.exe", match.ActionBlock},
		{"http://sub.evil.example/malware/payload.exe?x=1", "evil.example/malware/payload.exe", match.ActionBlock},
		{"http://evil.example/malware/other.exe", "", match.ActionNone},
		{"http://evil.example/%6Dalware/payload.exe", "evil.example/malware/payload.exe", match.ActionBlock},
		{"http://phish.example/login/index.php", "phish.example/login/", match.ActionBlock},
		{"http://phish.example/", "", match.ActionNone},
		{"http://3405803785/bin.sh", "203.0.113.9/bin.sh", match.ActionBlock},
		{"http://0xcb.0.113.9/bin.sh", "203.0.113.9/bin.sh", match.ActionBlock},
		{"http://198.51.100.7/", "198.51.100.0/24", match.ActionBlock},
		{"http://blocked.example/anything", "blocked.example", match.ActionMonitor},
		{"http://www.blocked.example/safe/x", "blocked.example/safe/", match.ActionAllow},
		{"http://host.example/q?x=1", "host.example/q?x=1", match.ActionBlock},
		{"http://host.example/q?x=2", "", match.ActionNone},
		{"http://clean.example/", "", match.ActionNone},
		{"not a url at all", "", match.ActionNone},
	}
	for name, set := range both(t, s) {
		for _, c := range cases {
			t.Run(name+"/"+c.url, func(t *testing.T) {
				v := set.LookupURL(c.url)
				assert.Equal(t, c.action, v.Action)
				assert.Equal(t, c.matched, value(t, set, v))
			})
		}
	}
}
