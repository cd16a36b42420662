package match_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/sift-intel/sift/match"
	"github.com/sift-intel/sift/trie"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type found struct {
	value      string
	start, end int
	action     match.Action
}

func scanAll(t *testing.T, s *match.Set, data []byte) []found {
	t.Helper()
	var out []found
	s.Scan(data, func(m match.Match) bool {
		ind, ok := s.Indicator(m.ID)
		require.True(t, ok)
		out = append(out, found{ind.Value, m.Start, m.End, m.Action})
		return true
	})
	return out
}

func TestScan(t *testing.T) {
	s := build(t,
		match.Indicator{Kind: match.KindPattern, Value: "hex:4D 5A 90 00", Meta: match.Meta{Source: "yara"}},
		match.Indicator{Kind: match.KindPattern, Value: "{cafebabe}"},
		match.Indicator{Kind: match.KindPattern, Value: "ipattern:Invoke-Mimikatz"},
		match.Indicator{Kind: match.KindPattern, Value: "pattern:cmd.exe /c"},
		match.Indicator{Kind: match.KindPattern, Value: "pattern:exe", Action: match.ActionMonitor},
	)
	data := []byte("MZ\x90\x00..\xca\xfe\xba\xbe.. INVOKE-mimikatz; cmd.exe /c whoami; CMD.EXE /c")
	for name, set := range both(t, s) {
		t.Run(name, func(t *testing.T) {
			got := scanAll(t, set, data)
			want := []found{
				{"hex:4d5a9000", 0, 4, match.ActionBlock},
				{"hex:cafebabe", 6, 10, match.ActionBlock},
				{"ipattern:invoke-mimikatz", 13, 28, match.ActionBlock},
				{"pattern:exe", 34, 37, match.ActionMonitor},
				{"pattern:cmd.exe /c", 30, 40, match.ActionBlock},
			}
			assert.ElementsMatch(t, want, got)
			// Stopping early.
			n := 0
			set.Scan(data, func(match.Match) bool { n++; return false })
			assert.Equal(t, 1, n)
		})
	}
}

func TestPatternRejects(t *testing.T) {
	var b match.Builder
	for _, v := range []string{"hex:zz", "hex:4d5", "{}", "pattern:", "ipattern:", "hex:" + strings.Repeat("00", match.MaxPatternLength+1)} {
		assert.ErrorIs(t, b.Add(match.Indicator{Kind: match.KindPattern, Value: v}), match.ErrInvalid, v)
	}
	assert.ErrorIs(t, b.Add(match.Indicator{Kind: match.KindUserAgent, Value: "ua:"}), match.ErrInvalid)
}

func TestPatternCap(t *testing.T) {
	b := match.Builder{Patterns: trie.AutomatonConfig{MaxStates: 10}}
	require.NoError(t, b.Add(match.Indicator{Kind: match.KindPattern, Value: "pattern:a long enough pattern"}))
	_, err := b.Build()
	var ce *trie.CapError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "MaxStates", ce.Cap)
	assert.Contains(t, err.Error(), "MaxStates=10")
}

func TestUserAgents(t *testing.T) {
	s := build(t,
		match.Indicator{Kind: match.KindUserAgent, Value: "sqlmap", Meta: match.Meta{Source: "maltrail", Severity: match.SeverityMedium}},
		match.Indicator{Kind: match.KindUserAgent, Value: "ua:Nikto"},
		match.Indicator{Kind: match.KindUserAgent, Value: "python-requests", Action: match.ActionMonitor},
		match.Indicator{Kind: match.KindUserAgent, Value: "python-requests/2.31 (internal scanner)", Action: match.ActionAllow},
	)
	cases := []struct {
		ua, matched string
		action      match.Action
	}{
		{"sqlmap/1.7.2#stable (https://sqlmap.org)", "sqlmap", match.ActionBlock},
		{"Mozilla/5.00 (NIKTO/2.1.6)", "nikto", match.ActionBlock},
		{"python-requests/2.28", "python-requests", match.ActionMonitor},
		{"python-requests/2.31 (internal scanner)", "python-requests/2.31 (internal scanner)", match.ActionAllow},
		{"Mozilla/5.0 (X11; Linux x86_64)", "", match.ActionNone},
		{"", "", match.ActionNone},
	}
	for name, set := range both(t, s) {
		for _, c := range cases {
			t.Run(name+"/"+c.ua, func(t *testing.T) {
				v := set.LookupUserAgent(c.ua)
				assert.Equal(t, c.action, v.Action)
				assert.Equal(t, c.matched, value(t, set, v))
			})
		}
		assert.Zero(t, testing.AllocsPerRun(100, func() { sink = set.LookupUserAgent("sqlmap/1.7.2#stable") }))
	}
}

// naive finds every occurrence of every pattern by bytes.Index.
func naive(pats []string, fold []bool, data []byte) []found {
	var out []found
	// ASCII only: bytes.ToLower would turn invalid UTF-8 into U+FFFD and
	// shift the offsets.
	asciiLower := func(b []byte) []byte {
		out := bytes.Clone(b)
		for i, c := range out {
			if 'A' <= c && c <= 'Z' {
				out[i] = c + 'a' - 'A'
			}
		}
		return out
	}
	ldata := asciiLower(data)
	for i, p := range pats {
		hay, needle := data, []byte(p)
		if fold[i] {
			hay, needle = ldata, asciiLower(needle)
		}
		for off := 0; ; {
			j := bytes.Index(hay[off:], needle)
			if j < 0 {
				break
			}
			out = append(out, found{p, off + j, off + j + len(needle), match.ActionBlock})
			off += j + 1
		}
	}
	return out
}

// TestScanDifferential: random patterns over small alphabets, many
// overlaps, against bytes.Index; and every split of the text into two
// chunks, and a random multi-chunk split, give the same matches.
func TestScanDifferential(t *testing.T) {
	rounds := 30
	if testing.Short() {
		rounds = 8
	}
	for seed := range uint64(rounds) {
		r := rand.New(rand.NewPCG(seed, 3))
		alpha := "abAB\x00\xff"[:2+r.IntN(5)]
		rnd := func(n int) string {
			b := make([]byte, n)
			for i := range b {
				b[i] = alpha[r.IntN(len(alpha))]
			}
			return string(b)
		}
		var pats []string
		var folds []bool
		var b match.Builder
		seen := map[string]bool{}
		for range 1 + r.IntN(20) {
			p := rnd(1 + r.IntN(5))
			fold := r.IntN(3) == 0
			v, key := "pattern:"+p, "pattern:"+p
			if fold {
				v = "ipattern:" + p
				p = asciiLowerString(p)
				key = "ipattern:" + p // the Builder keeps one of "A" and "a"
			}
			if seen[key] {
				continue
			}
			seen[key] = true
			require.NoError(t, b.Add(match.Indicator{Kind: match.KindPattern, Value: v}))
			pats, folds = append(pats, p), append(folds, fold)
		}
		s, err := b.Build()
		require.NoError(t, err)
		data := []byte(rnd(200))
		want := naive(pats, folds, data)
		norm := func(fs []found) []string {
			var out []string
			for _, f := range fs {
				v := strings.TrimPrefix(strings.TrimPrefix(f.value, "ipattern:"), "pattern:")
				out = append(out, fmt.Sprintf("%s@%d-%d", v, f.start, f.end))
			}
			slices.Sort(out)
			return out
		}
		got := scanAll(t, s, data)
		require.Equal(t, norm(want), norm(got), "seed %d: patterns %q fold %v", seed, pats, folds)
		for cut := 0; cut <= len(data); cut += 1 + r.IntN(7) {
			var chunks []found
			sc := s.Scanner()
			for _, part := range [][]byte{data[:cut], data[cut:]} {
				sc.Write(part, func(m match.Match) bool {
					ind, _ := s.Indicator(m.ID)
					chunks = append(chunks, found{ind.Value, m.Start, m.End, m.Action})
					return true
				})
			}
			require.Equal(t, norm(want), norm(chunks), "seed %d, split at %d", seed, cut)
		}
	}
}

func TestScanNoAllocs(t *testing.T) {
	s := build(t, match.Indicator{Kind: match.KindPattern, Value: "pattern:abc"}, match.Indicator{Kind: match.KindPattern, Value: "hex:00ff"})
	data := bytes.Repeat([]byte("xxabcx\x00\xff"), 100)
	n := 0
	assert.Zero(t, testing.AllocsPerRun(100, func() { s.Scan(data, func(match.Match) bool { n++; return true }) }))
	sc := s.Scanner()
	assert.Zero(t, testing.AllocsPerRun(100, func() { sc.Write(data[:37], func(match.Match) bool { n++; return true }) }))
}

// asciiLowerString lowers ASCII letters only, as fold patterns do.
func asciiLowerString(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
