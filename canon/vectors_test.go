package canon_test

import (
	"bufio"
	"bytes"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sift-intel/sift/canon"
	"github.com/sift-intel/sift/internal/corpus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The committed copies of the shared vector files (see
// testdata/canon/PROVENANCE.md).
var (
	vectorsFile     = filepath.Join("..", "testdata", "canon", "safebrowsing-vectors.tsv")
	expressionsFile = filepath.Join("..", "testdata", "canon", "safebrowsing-expressions.txt")
)

type vector struct {
	section  string // "A" … "J"
	line     int
	note     string // the "# NOTE:" line before the row, if any
	in, want string // decoded
}

// readVectors parses the TSV: '#' comments, "# SECTION X" headers,
// "# NOTE:" lines for the next row, rows of two tab-separated fields, each
// the body of a Go string literal.
func readVectors(t testing.TB) []vector {
	t.Helper()
	f, err := os.Open(vectorsFile)
	require.NoError(t, err)
	defer f.Close()
	var out []vector
	var section, note string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "# SECTION "):
			section = strings.TrimPrefix(line, "# SECTION ")[:1]
			note = ""
		case strings.HasPrefix(line, "# NOTE:"):
			note = strings.TrimSpace(strings.TrimPrefix(line, "# NOTE:"))
		case strings.HasPrefix(line, "#"):
		case line == "":
			note = ""
		default:
			in, want, ok := strings.Cut(line, "\t")
			require.True(t, ok, "%s:%d: no tab", vectorsFile, n)
			require.NotEmpty(t, section, "%s:%d: row before any section", vectorsFile, n)
			v := vector{section: section, line: n, note: note}
			v.in, err = strconv.Unquote(`"` + in + `"`)
			require.NoError(t, err, "%s:%d: input", vectorsFile, n)
			v.want, err = strconv.Unquote(`"` + want + `"`)
			require.NoError(t, err, "%s:%d: expected", vectorsFile, n)
			out = append(out, v)
			note = ""
		}
	}
	require.NoError(t, sc.Err())
	return out
}

// skipped lists every vector row that canon does not reproduce, keyed by
// section and decoded input, with the reason and what canon gives instead
// (checked, in the form the section compares: URL, host, or "" for "not an
// address"). Section A has none: every official vector must pass.
// TestVectors fails on an entry that matches no row, so the list cannot go
// stale silently.
var skipped = map[[2]string]struct{ reason, canon string }{
	{"B", "http://www.google.com/q?"}:       {"Go client drops the query; conflicts with section A", "http://www.google.com/q?"},
	{"B", "http://www.google.com/q?r?"}:     {"Go client drops the query; conflicts with section A", "http://www.google.com/q?r?"},
	{"B", "http://www.google.com/q?r?s"}:    {"Go client drops the query; conflicts with section A", "http://www.google.com/q?r?s"},
	{"B", "http://evil.com/foo?bar;"}:       {"Go client drops the query; conflicts with section A", "http://evil.com/foo?bar;"},
	{"B", "http://www.google.com/q?r?s%3F"}: {"Go client drops the query (implementation-specific); canon keeps it, unescaped like the rest of the URL", "http://www.google.com/q?r?s?"},
	{"B", "http://some%1bhost.com/%1b"}:     {"Go client keeps the escape's lower-case hex; the doc requires upper-case hex", "http://some%1Bhost.com/%1B"},
	{"H", "http://[::192.9.5.5]/ipng"}:      {"Go client keeps IPv6 literals as written; the v5 rule (section G) compresses them, and RFC 5952 keeps the dotted form only for ::ffff:0:0/96 (which canon turns into IPv4)", "[::c009:505]"},
	{"I", "276.2.3"}:                        {"Go client only (Python marks it TODO): wraps 276 mod 256; inet_aton and the WHATWG URL parser reject a non-final part > 255", ""},
	{"I", "0x10000000b"}:                    {"Python client only: truncates to 32 bits; inet_aton, WHATWG and the Go client reject values beyond 32 bits", ""},
	{"I", "012.0xA0.01.089"}:                {"Python client only: re-reads a bad octal part (089) as decimal; inet_aton, WHATWG and the Go client reject it", ""},
}

// checkSkipped asserts what canon gives for a skipped row.
func checkSkipped(t *testing.T, v vector, want string) {
	t.Helper()
	switch v.section {
	case "I":
		ip, ok := canon.URLIPv4([]byte(v.in))
		assert.False(t, ok, "%q read as %v", v.in, netip.AddrFrom4(ip))
		return
	}
	u, err := canon.Parse(nil, v.in)
	require.NoError(t, err)
	switch v.section {
	case "H":
		assert.Equal(t, want, string(u.Host()))
	default:
		assert.Equal(t, want, u.String())
	}
}

func TestVectors(t *testing.T) {
	vs := readVectors(t)
	perSection := map[string]int{}
	for _, v := range vs {
		perSection[v.section]++
	}
	// The file's header and the research note promise 33 official vectors.
	require.Equal(t, 33, perSection["A"], "section A rows")

	used := map[[2]string]bool{}
	for _, v := range vs {
		name := v.section + "/" + strconv.Itoa(v.line) + "/" + strconv.Quote(v.in)
		t.Run(name, func(t *testing.T) {
			if sk, ok := skipped[[2]string{v.section, v.in}]; ok {
				used[[2]string{v.section, v.in}] = true
				require.NotEqual(t, "A", v.section, "section A rows are never skipped")
				checkSkipped(t, v, sk.canon)
				t.Skipf("%s (canon: %q, file expects %q)", sk.reason, sk.canon, v.want)
			}
			switch v.section {
			case "A", "B", "E", "F":
				checkURL(t, v)
			case "G":
				checkHostLevel(t, v)
			case "H":
				u, err := canon.Parse(nil, v.in)
				if v.want == "" {
					require.Error(t, err, "%q", v.in)
					return
				}
				require.NoError(t, err)
				assert.Equal(t, v.want, string(u.Host()))
			case "I":
				checkIPv4(t, v)
			case "J":
				u, err := canon.Parse(nil, v.in)
				if v.want == "" {
					require.Error(t, err)
					return
				}
				require.NoError(t, err)
				path := u.Path()
				if q, ok := u.Query(); ok {
					path = path[:len(path)-len(q)-1]
				}
				assert.Equal(t, v.want, string(path))
			default:
				t.Fatalf("unknown section %s", v.section)
			}
		})
	}
	for k := range skipped {
		assert.True(t, used[k], "skip entry %q matches no row of %s", k, vectorsFile)
	}
	t.Logf("rows per section: %v; skipped %d (listed in skipped)", perSection, len(skipped))
}

// checkURL: the full canonical URL; an empty expectation means no valid
// host, which must be an error from Parse and AppendURL alike.
func checkURL(t *testing.T, v vector) {
	t.Helper()
	u, err := canon.Parse(nil, v.in)
	got, aerr := canon.AppendURL([]byte("prefix:"), v.in)
	if v.want == "" {
		require.Error(t, err, "%q gave %q", v.in, u.String())
		assert.True(t, errors.As(err, new(*canon.Error)), "%v is a *canon.Error", err)
		assert.ErrorIs(t, aerr, err)
		assert.Equal(t, "prefix:", string(got), "AppendURL returns dst unchanged on error")
		return
	}
	require.NoError(t, err)
	assert.Equal(t, v.want, u.String())
	require.NoError(t, aerr)
	assert.Equal(t, "prefix:"+v.want, string(got))
	// The canonical form is a fixed point.
	again, err := canon.AppendURL(nil, u.String())
	require.NoError(t, err)
	assert.Equal(t, u.String(), string(again))
}

// checkHostLevel: section G gives hosts; they go through AppendHost and,
// as the host of a URL, through Parse.
func checkHostLevel(t *testing.T, v vector) {
	t.Helper()
	h, err := canon.AppendHost(nil, v.in)
	require.NoError(t, err)
	assert.Equal(t, v.want, string(h), "AppendHost")
	u, err := canon.Parse(nil, "http://"+v.in+"/")
	require.NoError(t, err)
	assert.Equal(t, v.want, string(u.Host()), "Parse")
	assert.Equal(t, netip.MustParseAddr(strings.Trim(v.want, "[]")), u.Addr())
}

// checkIPv4: section I reads a host as an IPv4 address ("" for none), the
// way a URL host is read; AppendHost agrees on every address without
// trailing garbage.
func checkIPv4(t *testing.T, v vector) {
	t.Helper()
	ip, ok := canon.URLIPv4([]byte(v.in))
	if v.want == "" {
		assert.False(t, ok, "%q read as %v", v.in, netip.AddrFrom4(ip))
		return
	}
	require.True(t, ok, "%q is not read as an address", v.in)
	assert.Equal(t, v.want, netip.AddrFrom4(ip).String())
	u, err := canon.Parse(nil, "http://"+v.in+"/")
	require.NoError(t, err)
	assert.Equal(t, v.want, string(u.Host()))
	assert.Equal(t, v.want, u.Addr().String())
	if !strings.Contains(v.in, " ") {
		h, err := canon.AppendHost(nil, v.in)
		require.NoError(t, err)
		assert.Equal(t, v.want, string(h))
	}
}

// TestVectorFilesCurrent fails when the shared research data holds a
// different version of the vector files than the committed copies.
func TestVectorFilesCurrent(t *testing.T) {
	dir := corpus.Dir()
	if dir == "" {
		t.Skip("shared data not present; the committed copies are tested")
	}
	for _, f := range []string{vectorsFile, expressionsFile} {
		shared, err := os.ReadFile(filepath.Join(dir, "canon", filepath.Base(f)))
		if os.IsNotExist(err) {
			continue
		}
		require.NoError(t, err)
		mine, err := os.ReadFile(f)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(shared, mine), "%s differs from the shared copy: copy it again (see testdata/canon/PROVENANCE.md)", f)
	}
}
