package trie_test

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cloudflare/ahocorasick"
	"github.com/sift-intel/sift/internal/corpus"
	"github.com/sift-intel/sift/trie"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// acMatch is one reported occurrence.
type acMatch struct{ ID, Start, End int }

func (m acMatch) String() string { return fmt.Sprintf("%d[%d:%d]", m.ID, m.Start, m.End) }

// acLower lower-cases ASCII letters only: the fold the automaton promises
// (bytes.ToLower and bytes.EqualFold also fold non-ASCII runes).
func acLower(p []byte) []byte {
	q := make([]byte, len(p))
	for i, c := range p {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		q[i] = c
	}
	return q
}

// naiveMatches is the oracle: every occurrence of every pattern, found with
// bytes.Index one start at a time, in the order the automaton promises
// (end ascending, then longer first, then ID).
func naiveMatches(ps []trie.Pattern, text []byte) []acMatch {
	var out []acMatch
	lower := acLower(text)
	for id, p := range ps {
		t, q := text, p.Bytes
		if p.Fold {
			t, q = lower, acLower(p.Bytes)
		}
		for from := 0; from+len(q) <= len(t); {
			i := bytes.Index(t[from:], q)
			if i < 0 {
				break
			}
			out = append(out, acMatch{id, from + i, from + i + len(q)})
			from += i + 1
		}
	}
	sortMatches(out)
	return out
}

func sortMatches(ms []acMatch) {
	slices.SortFunc(ms, func(x, y acMatch) int {
		return cmp.Or(cmp.Compare(x.End, y.End), cmp.Compare(x.Start, y.Start), cmp.Compare(x.ID, y.ID))
	})
}

func scanAll(a *trie.Automaton, text []byte) []acMatch {
	var out []acMatch
	a.Scan(text, func(id, start, end int) bool {
		out = append(out, acMatch{id, start, end})
		return true
	})
	return out
}

// layouts are the layout choices the tests build with: the default, every
// state dense, only the root dense, and dense rows to depth 1 and 2.
var layouts = []struct {
	name          string
	depth, budget int
}{
	{"default", -1, 0},
	{"dense", 1 << 20, 1 << 31},
	{"root", 0, 1 << 20},
	{"depth1", 1, 1 << 20},
	{"depth2", 2, 1 << 20},
	{"budget", 1 << 20, 4096},
}

func buildLayout(t testing.TB, ps []trie.Pattern, depth, budget int) *trie.Automaton {
	t.Helper()
	var a *trie.Automaton
	var err error
	if depth < 0 {
		a, err = trie.BuildAutomaton(ps, trie.AutomatonConfig{})
	} else {
		a, err = trie.BuildAutomatonLayout(ps, trie.AutomatonConfig{}, depth, budget)
	}
	require.NoError(t, err)
	return a
}

// checkAll checks scans of text against the oracle on every layout, on
// the built automaton and on its serialised form opened in place.
func checkAll(t *testing.T, ps []trie.Pattern, text []byte) {
	t.Helper()
	want := naiveMatches(ps, text)
	for _, l := range layouts {
		a := buildLayout(t, ps, l.depth, l.budget)
		data, err := a.AppendBinary(nil)
		require.NoError(t, err)
		o, err := trie.OpenAutomaton(data)
		require.NoError(t, err)
		require.NoError(t, o.Verify(), l.name)
		for _, x := range []*trie.Automaton{a, o} {
			got := scanAll(x, text)
			if !slices.Equal(want, got) {
				t.Fatalf("layout %s: patterns %q text %q:\nwant %v\ngot  %v", l.name, patternStrings(ps), text, want, got)
			}
		}
	}
}

func patternStrings(ps []trie.Pattern) []string {
	var s []string
	for _, p := range ps {
		f := ""
		if p.Fold {
			f = "(?i)"
		}
		s = append(s, f+string(p.Bytes))
	}
	return s
}

func pats(fold bool, ss ...string) []trie.Pattern {
	var ps []trie.Pattern
	for _, s := range ss {
		ps = append(ps, trie.Pattern{Bytes: []byte(s), Fold: fold})
	}
	return ps
}

func TestAutomatonCases(t *testing.T) {
	cases := []struct {
		name string
		ps   []trie.Pattern
		text string
		want []acMatch // nil: only compare with the oracle
	}{
		{"classic", pats(false, "he", "she", "his", "hers"), "ushers", []acMatch{{1, 1, 4}, {0, 2, 4}, {3, 2, 6}}},
		{"overlap", pats(false, "aa"), "aaaa", []acMatch{{0, 0, 2}, {0, 1, 3}, {0, 2, 4}}},
		{"suffixes", pats(false, "abcd", "bcd", "cd", "d"), "xabcd", []acMatch{{0, 1, 5}, {1, 2, 5}, {2, 3, 5}, {3, 4, 5}}},
		{"prefixes", pats(false, "a", "ab", "abc"), "abc", []acMatch{{0, 0, 1}, {1, 0, 2}, {2, 0, 3}}},
		{"duplicates", pats(false, "ab", "x", "ab"), "abab", []acMatch{{0, 0, 2}, {2, 0, 2}, {0, 2, 4}, {2, 2, 4}}},
		{"one byte", pats(false, "\x00", "\xff", "a"), "a\x00\xffa", []acMatch{{2, 0, 1}, {0, 1, 2}, {1, 2, 3}, {2, 3, 4}}},
		{"fold", pats(true, "Evil"), "EVIL evil eViL evi", []acMatch{{0, 0, 4}, {0, 5, 9}, {0, 10, 14}}},
		{"fold and exact on the same letters", append(pats(true, "ab"), pats(false, "AB", "b", "aB")...), "ab AB aB Ab", []acMatch{
			{0, 0, 2}, {2, 1, 2}, {0, 3, 5}, {1, 3, 5}, {0, 6, 8}, {3, 6, 8}, {0, 9, 11}, {2, 10, 11}}},
		{"exact suffix of a folded pattern", append(pats(true, "xyzzy"), pats(false, "Zy", "zY")...), "XYZZY xyzZY xyzzy", nil},
		{"folded suffix of an exact pattern", append(pats(false, "XYZZY"), pats(true, "zy", "Z")...), "XYZZY xyzZY XYZZY", nil},
		{"fold without letters", pats(true, "1-2", "--"), "1-2--1-2", nil},
		{"fold is ASCII only", pats(true, "k", "\xc3\xa9"), "K\xe2\x84\xaa\xc3\x89\xc3\xa9", []acMatch{{0, 0, 1}, {1, 6, 8}}},
		{"no text", pats(false, "a"), "", []acMatch{}},
		{"no patterns", nil, "abc", []acMatch{}},
		{"binary", pats(false, "\x7fELF", "\x00\x00", "\x00"), "\x7fELF\x00\x00\x00", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.want != nil {
				a, err := trie.BuildAutomaton(c.ps, trie.AutomatonConfig{})
				require.NoError(t, err)
				got := scanAll(a, []byte(c.text))
				if len(c.want) == 0 {
					assert.Empty(t, got)
				} else {
					assert.Equal(t, c.want, got)
				}
			}
			checkAll(t, c.ps, []byte(c.text))
		})
	}
}

func TestAutomatonEmptyPattern(t *testing.T) {
	_, err := trie.BuildAutomaton(pats(false, "a", ""), trie.AutomatonConfig{})
	require.ErrorIs(t, err, trie.ErrEmptyPattern)
	assert.Contains(t, err.Error(), "pattern 1")
}

func TestAutomatonZero(t *testing.T) {
	var a trie.Automaton
	assert.True(t, a.Scan([]byte("abc"), func(int, int, int) bool { t.Fatal("match"); return true }))
	assert.Equal(t, 0, a.Len())
	data, err := a.AppendBinary(nil)
	require.NoError(t, err)
	o, err := trie.OpenAutomaton(data)
	require.NoError(t, err)
	require.NoError(t, o.Verify())
	assert.Empty(t, scanAll(o, []byte("abc")))
	var s trie.Scanner
	assert.True(t, s.Write([]byte("abc"), nil))
	assert.Equal(t, 3, s.Offset())
}

// randomSet returns patterns over a small alphabet, so that they overlap
// and nest: random strings, substrings of the text and of each other,
// duplicates, one-byte patterns, some folded.
func randomSet(r *rand.Rand, alphabet string, text []byte, n int, foldRate float64) []trie.Pattern {
	var ps []trie.Pattern
	for len(ps) < n {
		var p []byte
		switch k := r.IntN(10); {
		case k < 3 || len(text) == 0:
			p = make([]byte, 1+r.IntN(6))
			for i := range p {
				p[i] = alphabet[r.IntN(len(alphabet))]
			}
		case k < 6:
			i := r.IntN(len(text))
			p = slices.Clone(text[i:min(len(text), i+1+r.IntN(8))])
		case k < 8 && len(ps) > 0:
			q := ps[r.IntN(len(ps))].Bytes
			i := r.IntN(len(q))
			p = slices.Clone(q[i:min(len(q), i+1+r.IntN(len(q)))]) // a suffix or an inner piece
		case k < 9 && len(ps) > 0:
			p = slices.Clone(ps[r.IntN(len(ps))].Bytes) // a duplicate
		default:
			p = []byte{alphabet[r.IntN(len(alphabet))]}
		}
		ps = append(ps, trie.Pattern{Bytes: p, Fold: r.Float64() < foldRate})
	}
	return ps
}

func randomText(r *rand.Rand, alphabet string, n int) []byte {
	t := make([]byte, n)
	for i := range t {
		t[i] = alphabet[r.IntN(len(alphabet))]
	}
	return t
}

func TestAutomatonRandom(t *testing.T) {
	alphabets := []struct{ name, chars string }{
		{"ab", "ab"},
		{"abAB", "abAB"},
		{"letters and punctuation", "aAbBcC.-/"},
		{"bytes", "\x00\x01\xfe\xffzZ"},
	}
	for _, al := range alphabets {
		for _, foldRate := range []float64{0, 0.5, 1} {
			t.Run(fmt.Sprintf("%s/fold=%v", al.name, foldRate), func(t *testing.T) {
				r := rand.New(rand.NewPCG(uint64(len(al.chars)), uint64(foldRate*10)))
				rounds := 60
				if testing.Short() {
					rounds = 15
				}
				for range rounds {
					text := randomText(r, al.chars, r.IntN(300))
					ps := randomSet(r, al.chars, text, 1+r.IntN(40), foldRate)
					checkAll(t, ps, text)
				}
			})
		}
	}
}

// TestAutomatonCloudflare compares the sets of matched pattern IDs with
// cloudflare/ahocorasick's. It returns each pattern index once per call,
// and only the last index of a repeated pattern, so the comparison is on
// distinct pattern strings. It has no case folding: folded sets are
// compared with patterns and text in lower case.
func TestAutomatonCloudflare(t *testing.T) {
	for _, c := range []struct {
		name     string
		alphabet string
		fold     bool
	}{
		{"ab", "ab", false},
		{"abc.", "abc.", false},
		{"folded", "aAbB", true},
		{"bytes", "\x00\x01\xfe\xff", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(7, uint64(len(c.alphabet))))
			for range 100 {
				text := randomText(r, c.alphabet, r.IntN(200))
				ps := randomSet(r, c.alphabet, text, 1+r.IntN(30), map[bool]float64{true: 1}[c.fold])
				a, err := trie.BuildAutomaton(ps, trie.AutomatonConfig{})
				require.NoError(t, err)
				got := map[string]bool{}
				a.Scan(text, func(id, _, _ int) bool {
					got[string(acLower(ps[id].Bytes))] = true
					return true
				})
				dict := make([][]byte, len(ps))
				ctext := text
				for i, p := range ps {
					dict[i] = p.Bytes
					if c.fold {
						dict[i] = acLower(p.Bytes)
					}
				}
				if c.fold {
					ctext = acLower(text)
				}
				want := map[string]bool{}
				for _, i := range ahocorasick.NewMatcher(dict).MatchThreadSafe(ctext) {
					want[string(acLower(dict[i]))] = true
				}
				require.Equal(t, want, got, "patterns %q text %q", patternStrings(ps), text)
			}
		})
	}
}

// TestAutomatonChunks checks that a Scanner fed a text in pieces reports
// exactly the matches of one pass: at every split point into two chunks,
// and over random splits into many.
func TestAutomatonChunks(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for round := range 20 {
		text := randomText(r, "abAB.", 120)
		ps := randomSet(r, "abAB.", text, 1+r.IntN(25), 0.3)
		for _, l := range layouts {
			a := buildLayout(t, ps, l.depth, l.budget)
			want := scanAll(a, text)
			require.Equal(t, naiveMatches(ps, text), want)
			collect := func(chunks ...[]byte) []acMatch {
				var got []acMatch
				sc := a.Scanner()
				for _, ch := range chunks {
					require.True(t, sc.Write(ch, func(id, start, end int) bool {
						got = append(got, acMatch{id, start, end})
						return true
					}))
				}
				require.Equal(t, len(text), sc.Offset())
				return got
			}
			for i := 0; i <= len(text); i++ {
				require.Equal(t, want, collect(text[:i], text[i:]), "round %d layout %s split at %d", round, l.name, i)
			}
			var chunks [][]byte
			for rest := text; len(rest) > 0; {
				n := min(len(rest), r.IntN(7))
				chunks = append(chunks, rest[:n])
				rest = rest[n:]
			}
			require.Equal(t, want, collect(chunks...), "round %d layout %s", round, l.name)
		}
	}
}

func TestAutomatonStop(t *testing.T) {
	a, err := trie.BuildAutomaton(pats(false, "a", "aa"), trie.AutomatonConfig{})
	require.NoError(t, err)
	var got []acMatch
	ok := a.Scan([]byte("baaa"), func(id, start, end int) bool {
		got = append(got, acMatch{id, start, end})
		return len(got) < 2
	})
	assert.False(t, ok)
	assert.Equal(t, []acMatch{{0, 1, 2}, {1, 1, 3}}, got)

	// A stopped Scanner resumes after the byte where it stopped.
	sc := a.Scanner()
	got = nil
	text := []byte("baaa")
	ok = sc.Write(text, func(id, start, end int) bool {
		got = append(got, acMatch{id, start, end})
		return false
	})
	assert.False(t, ok)
	assert.Equal(t, 2, sc.Offset())
	assert.True(t, sc.Write(text[sc.Offset():], func(id, start, end int) bool {
		got = append(got, acMatch{id, start, end})
		return true
	}))
	assert.Equal(t, []acMatch{{0, 1, 2}, {1, 1, 3}, {0, 2, 3}, {1, 2, 4}, {0, 3, 4}}, got)
	sc.Reset()
	assert.Equal(t, 0, sc.Offset())
}

func TestAutomatonScanReader(t *testing.T) {
	ps := pats(false, "needle", "dle")
	a, err := trie.BuildAutomaton(ps, trie.AutomatonConfig{})
	require.NoError(t, err)
	text := bytes.Repeat([]byte("hay needle hay "), 1000)
	var got []acMatch
	n, err := a.ScanReader(bytes.NewReader(text), make([]byte, 7), func(id, start, end int) bool {
		got = append(got, acMatch{id, start, end})
		return true
	})
	require.NoError(t, err)
	assert.Equal(t, int64(len(text)), n)
	assert.Equal(t, naiveMatches(ps, text), got)
}

func TestAutomatonCaps(t *testing.T) {
	ps := pats(false, "alpha", "beta", "gamma", "delta")
	cases := []struct {
		name string
		cfg  trie.AutomatonConfig
		cap  string
	}{
		{"states", trie.AutomatonConfig{MaxStates: 10}, "MaxStates"},
		{"bytes", trie.AutomatonConfig{MaxBytes: 300}, "MaxBytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := trie.BuildAutomaton(ps, c.cfg)
			var ce *trie.CapError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, c.cap, ce.Cap)
			assert.Greater(t, ce.Reached, ce.Limit)
			assert.Contains(t, err.Error(), c.cap)
		})
	}
	// A larger set over a memory cap: the dense rows shrink to fit half the
	// cap, and the rest does not fit.
	r0 := rand.New(rand.NewPCG(2, 2))
	var big []trie.Pattern
	for range 5000 {
		big = append(big, trie.Pattern{Bytes: randomText(r0, "abcdefghijklmnopqrstuvwxyz0123456789./", 20)})
	}
	_, err := trie.BuildAutomaton(big, trie.AutomatonConfig{MaxBytes: 1 << 20})
	var ce *trie.CapError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "MaxBytes", ce.Cap)
	assert.Greater(t, ce.Reached, 1<<20)
	small, err := trie.BuildAutomaton(big, trie.AutomatonConfig{MaxBytes: 8 << 20})
	require.NoError(t, err)
	assert.LessOrEqual(t, small.SizeBytes(), 8<<20)

	a, err := trie.BuildAutomaton(ps, trie.AutomatonConfig{MaxStates: 20, MaxBytes: 4000})
	require.NoError(t, err, "the set has exactly 20 states, the root included")
	assert.Equal(t, 20, a.Stats().States)

	// Folded and exact patterns over the same letters multiply states
	// (each exact pattern's case must be told apart inside the folded
	// ones); the cap stops that early.
	var blow []trie.Pattern
	blow = append(blow, trie.Pattern{Bytes: bytes.Repeat([]byte("a"), 200), Fold: true})
	r := rand.New(rand.NewPCG(1, 1))
	for range 2000 {
		blow = append(blow, trie.Pattern{Bytes: randomText(r, "aA", 12)})
	}
	_, err = trie.BuildAutomaton(blow, trie.AutomatonConfig{MaxStates: 50_000})
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "MaxStates", ce.Cap)
}

func TestAutomatonAllocs(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	text := randomText(r, "abcAB", 4096)
	ps := randomSet(r, "abcAB", text, 200, 0.3)
	a, err := trie.BuildAutomaton(ps, trie.AutomatonConfig{})
	require.NoError(t, err)
	count := 0
	fn := func(id, start, end int) bool { count++; return true }
	assert.Zero(t, testing.AllocsPerRun(20, func() { a.Scan(text, fn) }))
	assert.Positive(t, count)
	sc := a.Scanner()
	assert.Zero(t, testing.AllocsPerRun(20, func() {
		for i := 0; i < len(text); i += 100 {
			sc.Write(text[i:min(len(text), i+100)], fn)
		}
	}))
}

func TestAutomatonConcurrent(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	text := randomText(r, "abcd", 5000)
	ps := randomSet(r, "abcd", text, 300, 0.2)
	a, err := trie.BuildAutomaton(ps, trie.AutomatonConfig{})
	require.NoError(t, err)
	want := naiveMatches(ps, text)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 5 {
				assert.Equal(t, want, scanAll(a, text))
			}
		})
	}
	wg.Wait()
}

func TestAutomatonPatterns(t *testing.T) {
	ps := append(pats(false, "abc", "\x00"), pats(true, "XyZ")...)
	a, err := trie.BuildAutomaton(ps, trie.AutomatonConfig{})
	require.NoError(t, err)
	data, err := a.AppendBinary(nil)
	require.NoError(t, err)
	o, err := trie.OpenAutomaton(data)
	require.NoError(t, err)
	for _, x := range []*trie.Automaton{a, o} {
		assert.Equal(t, 3, x.Len())
		for i, p := range ps {
			assert.Equal(t, p, x.Pattern(i))
		}
		assert.Equal(t, trie.Pattern{}, x.Pattern(3))
		st := x.Stats()
		assert.Equal(t, 3, st.Patterns)
		assert.Equal(t, 3, st.MaxLen)
		assert.Equal(t, x.SizeBytes(), st.Bytes)
		assert.True(t, x.Contains([]byte("..xyz..")))
		assert.False(t, x.Contains([]byte("..xy..")))
	}
}

// TestAutomatonBinary checks the serialised form: it opens in place (also
// from unaligned bytes), scans as the original does, and any corruption is
// either refused by OpenAutomaton or reported by Verify, and never makes a
// scan fail.
func TestAutomatonBinary(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	text := randomText(r, "abcAB.", 2000)
	ps := randomSet(r, "abcAB.", text, 150, 0.3)
	a, err := trie.BuildAutomaton(ps, trie.AutomatonConfig{})
	require.NoError(t, err)
	data, err := a.AppendBinary([]byte("prefix"))
	require.NoError(t, err)
	require.Equal(t, "prefix", string(data[:6]))
	data = data[6:] // unaligned: the views are copies
	o, err := trie.OpenAutomaton(data)
	require.NoError(t, err)
	require.NoError(t, o.Verify())
	want := scanAll(a, text)
	require.Equal(t, naiveMatches(ps, text), want)
	assert.Equal(t, want, scanAll(o, text))
	assert.Equal(t, a.Stats(), o.Stats())

	again, err := o.AppendBinary(nil)
	require.NoError(t, err)
	assert.Equal(t, data, again)

	for i := range 3000 {
		bad := slices.Clone(again)
		pos := r.IntN(len(bad))
		if i < 104 {
			pos = i // every header byte
		}
		bad[pos] ^= byte(1 + r.IntN(255))
		c, err := trie.OpenAutomaton(bad)
		if err != nil {
			require.ErrorIs(t, err, trie.ErrFormat)
			continue
		}
		scanAll(c, text) // must not panic or hang
		if c.Verify() == nil {
			// The change did not matter (a padding byte, or a fold flag of
			// a pattern without letters).
			assert.Equal(t, want, scanAll(c, text), "byte %d", pos)
		}
	}
	for n := range len(again) {
		if n%7 == 0 || n < 200 {
			_, err := trie.OpenAutomaton(again[:n])
			require.ErrorIs(t, err, trie.ErrFormat)
		}
	}
}

// readSignatures reads "hex bytes;type" lines.
func readSignatures(path string) ([]trie.Pattern, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	var ps []trie.Pattern
	var names []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		hexpart, name, _ := strings.Cut(line, ";")
		b, err := hex.DecodeString(strings.ReplaceAll(hexpart, " ", ""))
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %q: %v", path, line, err)
		}
		ps = append(ps, trie.Pattern{Bytes: b})
		names = append(names, name)
	}
	return ps, names, sc.Err()
}

// TestAutomatonSignatures scans real files of several types for the
// file-type signatures of signature-base, against the oracle. Each file's
// own type must be among the matches at offset 0.
func TestAutomatonSignatures(t *testing.T) {
	sigPath, _ := corpus.Path(t, "bytes/signature-base/file-type-signatures.txt")
	ps, names, err := readSignatures(sigPath)
	require.NoError(t, err)
	require.Greater(t, len(ps), 50)
	a, err := trie.BuildAutomaton(ps, trie.AutomatonConfig{})
	require.NoError(t, err)
	files, err := filepath.Glob(filepath.Join("testdata", "ac", "*"))
	require.NoError(t, err)
	atStart := map[string]string{
		"libelf1-changelog.Debian.gz": "GZIP",
		"libabsl_leak_check.so":       "ELF",
		"shared-mime-info-spec.pdf":   "PDF",
		"python.jpg":                  "JPEG",
		"zipdir.zip":                  "ZIP",
		"pss-vect.txt.bz2":            "BZip2",
		"gunzip.sh":                   "UNIX SCRIPT",
	}
	total := 0
	for _, f := range files {
		if strings.HasSuffix(f, ".md") {
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			text, err := os.ReadFile(f)
			require.NoError(t, err)
			got := scanAll(a, text)
			require.Equal(t, naiveMatches(ps, text), got)
			total += len(got)
			if typ, ok := atStart[filepath.Base(f)]; ok {
				found := false
				for _, m := range got {
					found = found || (m.Start == 0 && names[m.ID] == typ)
				}
				assert.True(t, found, "no %s signature at offset 0", typ)
			}
			// The same over chunks of 4 KiB.
			var chunked []acMatch
			sc := a.Scanner()
			for i := 0; i < len(text); i += 4096 {
				sc.Write(text[i:min(len(text), i+4096)], func(id, start, end int) bool {
					chunked = append(chunked, acMatch{id, start, end})
					return true
				})
			}
			assert.Equal(t, got, chunked)
		})
	}
	t.Logf("%d signatures, %d matches in %d files", len(ps), total, len(files))
}

func TestCapErrorMessage(t *testing.T) {
	err := error(&trie.CapError{Cap: "MaxStates", Limit: 10, Reached: 11})
	assert.Equal(t, "trie: pattern set exceeds the automaton cap MaxStates=10: reached 11 states", err.Error())
	var ce *trie.CapError
	assert.True(t, errors.As(fmt.Errorf("feed: %w", err), &ce))
}

// TestAutomatonLanes covers long texts, which are scanned in interleaved
// lanes: against the oracle, with matches rare and dense (queues that
// fill), with a stop at every kind of place, and through a Scanner in
// large chunks.
func TestAutomatonLanes(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	cases := []struct {
		name     string
		alphabet string
		size     int
		patterns int
		maxLen   int
	}{
		{"rare matches", "abcdefghijklmnopqrstuvwxyz.-/", 200_000, 60, 9},
		{"dense matches", "ab", 70_000, 12, 4},
		{"long patterns", "abc", 300_000, 30, 200},
		{"folded", "aAbBcC", 100_000, 40, 6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text := randomText(r, c.alphabet, c.size)
			var ps []trie.Pattern
			for len(ps) < c.patterns {
				i := r.IntN(len(text) - c.maxLen)
				ps = append(ps, trie.Pattern{Bytes: slices.Clone(text[i : i+1+r.IntN(c.maxLen)]), Fold: c.name == "folded" && r.IntN(2) == 0})
			}
			want := naiveMatches(ps, text)
			for _, l := range layouts[:3] {
				a := buildLayout(t, ps, l.depth, l.budget)
				got := scanAll(a, text)
				require.Equal(t, len(want), len(got), l.name)
				require.Equal(t, want, got, l.name)

				// Stop after k matches, then resume with the rest of the
				// text: nothing is lost but the other matches at the
				// stopping byte.
				for range 5 {
					if len(want) == 0 {
						break
					}
					k := r.IntN(len(want))
					sc := a.Scanner()
					var part []acMatch
					ok := sc.Write(text, func(id, start, end int) bool {
						part = append(part, acMatch{id, start, end})
						return len(part) <= k
					})
					require.False(t, ok)
					require.Equal(t, want[:k+1], part)
					require.Equal(t, want[k].End, sc.Offset())
					var rest []acMatch
					require.True(t, sc.Write(text[sc.Offset():], func(id, start, end int) bool {
						rest = append(rest, acMatch{id, start, end})
						return true
					}))
					skip := k + 1
					for skip < len(want) && want[skip].End == want[k].End {
						skip++
					}
					if skip < len(want) {
						require.Equal(t, want[skip:], rest)
					} else {
						require.Empty(t, rest)
					}
				}

				var chunked []acMatch
				sc := a.Scanner()
				for rest := text; len(rest) > 0; {
					n := min(len(rest), 1+r.IntN(60_000))
					sc.Write(rest[:n], func(id, start, end int) bool {
						chunked = append(chunked, acMatch{id, start, end})
						return true
					})
					rest = rest[n:]
				}
				require.Equal(t, want, chunked)
			}
		})
	}
}

func TestAutomatonAllocsLong(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	text := randomText(r, "abcdefgh", 300_000)
	ps := randomSet(r, "abcdefgh", text, 300, 0.3)
	a, err := trie.BuildAutomaton(ps, trie.AutomatonConfig{})
	require.NoError(t, err)
	count := 0
	fn := func(id, start, end int) bool { count++; return true }
	assert.Zero(t, testing.AllocsPerRun(5, func() { a.Scan(text, fn) }))
	assert.Positive(t, count)
	sc := a.Scanner()
	assert.Zero(t, testing.AllocsPerRun(5, func() {
		for i := 0; i < len(text); i += 64 << 10 {
			sc.Write(text[i:min(len(text), i+64<<10)], fn)
		}
	}))
}
