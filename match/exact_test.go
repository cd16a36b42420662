package match_test

import (
	"strings"
	"testing"

	"github.com/sift-intel/sift/match"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEmailAndJA3(t *testing.T) {
	const ja3 = "e7d705a3286e19ea42f587b344ee6865"
	s := build(t,
		match.Indicator{Value: "Phisher@Evil.Example", Meta: match.Meta{Source: "stix"}},
		match.Indicator{Kind: match.KindEmail, Value: "<boss@bücher.example>"},
		match.Indicator{Kind: match.KindJA3, Value: strings.ToUpper(ja3), Meta: match.Meta{Source: "sslbl"}},
	)
	for name, set := range both(t, s) {
		t.Run(name, func(t *testing.T) {
			for _, c := range []struct {
				q       string
				matched string
			}{
				{"phisher@evil.example", "phisher@evil.example"},
				{"PHISHER@EVIL.EXAMPLE.", "phisher@evil.example"},
				{"boss@xn--bcher-kva.example", "boss@xn--bcher-kva.example"},
				{"other@evil.example", ""},
				{"phisher@sub.evil.example", ""},
			} {
				v := set.LookupEmail(c.q)
				assert.Equal(t, c.matched, value(t, set, v), c.q)
				assert.Equal(t, v, set.Lookup(c.q), c.q)
			}
			v := set.LookupJA3(ja3)
			assert.Equal(t, match.ActionBlock, v.Action)
			assert.Equal(t, match.KindJA3, v.Kind)
			assert.Equal(t, "sslbl", set.Label(v.Source))
			assert.False(t, set.Lookup(ja3).Matched(), "a bare MD5 is looked up as a file hash")
			assert.False(t, set.LookupJA3("nope").Matched())
		})
	}
	var b match.Builder
	for _, bad := range []match.Indicator{
		{Kind: match.KindEmail, Value: "@evil.example"},
		{Kind: match.KindEmail, Value: "a@b"},
		{Kind: match.KindEmail, Value: "a b@evil.example"},
		{Kind: match.KindJA3, Value: "1234"},
	} {
		require.ErrorIs(t, b.Add(bad), match.ErrInvalid, bad.Value)
	}
	assert.Zero(t, testing.AllocsPerRun(100, func() { sink = s.LookupEmail("Phisher@Evil.Example"); sink = s.LookupJA3(ja3) }))
}
