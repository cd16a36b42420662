package feed_test

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/sift-intel/sift/feed"
	"github.com/sift-intel/sift/internal/corpus"
	"github.com/sift-intel/sift/match"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type parsed struct {
	inds []match.Indicator
	errs []error
}

func parseAll(t *testing.T, text string) parsed {
	t.Helper()
	var p parsed
	for ind, err := range feed.Parse(strings.NewReader(text), feed.Source{Name: "list.txt"}) {
		if err != nil {
			p.errs = append(p.errs, err)
			continue
		}
		p.inds = append(p.inds, ind)
	}
	return p
}

func values(inds []match.Indicator) []string {
	var out []string
	for _, ind := range inds {
		out = append(out, ind.Kind.String()+":"+ind.Value)
	}
	return out
}

func TestListLines(t *testing.T) {
	cases := []struct {
		name, text string
		want       []string
		errs       []string
	}{
		{
			name: "comments and blanks",
			text: "# header\n; semicolon\n! bang\n\n   \n10.0.0.1\n",
			want: []string{"ip:10.0.0.1"},
		},
		{
			name: "BOM and CRLF",
			text: "\ufeff44d88612fea8a8f36de82e1278abb02f\r\n10.0.0.0/8\r\n",
			want: []string{"md5:44d88612fea8a8f36de82e1278abb02f", "cidr:10.0.0.0/8"},
		},
		{
			name: "inline comments",
			text: "129.82.138.12 # pinger1a.netsec.colostate.edu\n2400:6180:0:d0::1008:2001\t# binaryedge.ninja\n",
			want: []string{"ip:129.82.138.12", "ip:2400:6180:0:d0::1008:2001"},
		},
		{
			name: "hex in any case",
			text: "3395856CE81F2B7382DEE72602F798B642F14140\n",
			want: []string{"sha1:3395856CE81F2B7382DEE72602F798B642F14140"},
		},
		{
			name: "kind prefixes",
			text: "ip:10.0.0.1\nhash:44d88612fea8a8f36de82e1278abb02f\ndomain:evil.example\nurl:http://evil.example/x\n",
			want: []string{"ip:10.0.0.1", "md5:44d88612fea8a8f36de82e1278abb02f", "domain:evil.example", "url:http://evil.example/x"},
		},
		{
			name: "maltrail ip:port is skipped with the reason",
			text: "192.0.2.1:8080\n[2001:db8::1]:443\n192.0.2.2\n",
			want: []string{"ip:192.0.2.2"},
			errs: []string{
				`list.txt:1: skipped: ip:port entries are not loaded: a port is not part of an IP indicator: "192.0.2.1:8080"`,
				`list.txt:2: skipped: ip:port entries are not loaded: a port is not part of an IP indicator: "[2001:db8::1]:443"`,
			},
		},
		{
			name: "junk names its line",
			text: "10.0.0.1\nnot an indicator\n%%%\n",
			want: []string{"ip:10.0.0.1"},
			errs: []string{
				`list.txt:2: unexpected text after the value: "not an indicator"`,
				`list.txt:3: not a domain, URL, IP address, prefix or hash: "%%%"`,
			},
		},
		{
			name: "no final newline",
			text: "10.0.0.1\n10.0.0.2",
			want: []string{"ip:10.0.0.1", "ip:10.0.0.2"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := parseAll(t, c.text)
			assert.Equal(t, c.want, values(p.inds))
			var errs []string
			for _, err := range p.errs {
				errs = append(errs, err.Error())
			}
			assert.Equal(t, c.errs, errs)
		})
	}
}

func TestLongLine(t *testing.T) {
	text := "10.0.0.1\n" + strings.Repeat("a", feed.MaxLineLength+10) + "\n10.0.0.2\n"
	p := parseAll(t, text)
	assert.Equal(t, []string{"ip:10.0.0.1", "ip:10.0.0.2"}, values(p.inds))
	require.Len(t, p.errs, 1)
	assert.ErrorIs(t, p.errs[0], feed.ErrLineTooLong)
	assert.Contains(t, p.errs[0].Error(), "list.txt:2:")
}

// endless is a reader of one line that never ends, to check that a huge
// line is read in bounded memory and reported.
type endless struct{ n int64 }

func (e *endless) Read(p []byte) (int, error) {
	if e.n <= 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), e.n)
	for i := range p[:n] {
		p[i] = 'x'
	}
	e.n -= n
	return int(n), nil
}

func TestHugeLineBoundedMemory(t *testing.T) {
	var b match.Builder
	size := int64(256 << 20)
	if testing.Short() {
		size = 16 << 20
	}
	rep, err := feed.Load(&b, io.MultiReader(strings.NewReader("10.0.0.1\n"), &endless{size}), feed.Source{Name: "huge"})
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Total())
	assert.Equal(t, 1, rep.Skipped["line too long"])
}

func TestLoadReport(t *testing.T) {
	var b match.Builder
	text := "# test\n10.0.0.1\n10.0.0.0/8\n44d88612fea8a8f36de82e1278abb02f\n" +
		"192.0.2.1:80\nffffffffffffffffffffffffffffffzz\n10.0.0.0/33\n"
	rep, err := feed.Load(&b, strings.NewReader(text), feed.Source{Name: "mixed.txt"})
	require.NoError(t, err)
	assert.Equal(t, map[match.Kind]int{match.KindIP: 1, match.KindCIDR: 1, match.KindMD5: 1}, rep.Added)
	assert.Equal(t, 3, rep.Total())
	assert.Len(t, rep.Errors, 3)
	for _, err := range rep.Errors {
		var le *feed.LineError
		require.ErrorAs(t, err, &le)
		assert.Equal(t, "mixed.txt", le.File)
		assert.Positive(t, le.Line)
	}
	assert.Contains(t, rep.Errors[2].Error(), "mixed.txt:7:")
	s, err := b.Build()
	require.NoError(t, err)
	v := s.Lookup("10.0.0.1")
	assert.Equal(t, "mixed", s.Label(v.Source), "the file name is the default source")
}

func TestLoadEmpty(t *testing.T) {
	for _, text := range []string{"", "# only comments\n\n", "junk here\n"} {
		var b match.Builder
		_, err := feed.Load(&b, strings.NewReader(text), feed.Source{Name: "empty.txt"})
		assert.ErrorIs(t, err, feed.ErrEmpty, "%q", text)
		assert.Contains(t, err.Error(), "empty.txt")
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestLoadReadError(t *testing.T) {
	var b match.Builder
	_, err := feed.Load(&b, io.MultiReader(strings.NewReader("10.0.0.1\n"), failingReader{}), feed.Source{Name: "f"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "disk on fire")
}

// TestRealLists loads the real hash and IP lists: no panic, every error
// names its file and line, and every file yields indicators.
func TestRealLists(t *testing.T) {
	files := append(corpus.Files(t, "hashes"), corpus.Files(t, "ips")...)
	for _, f := range files {
		if strings.HasSuffix(f, ".json") || strings.HasSuffix(f, "hash-iocs.txt") || strings.HasSuffix(f, "worst_asns.txt") {
			continue // Feodo Tracker JSON, LOKI "hash;comment" and "cidr,label" are not plain lists
		}
		var b match.Builder
		rep, err := feed.LoadFile(&b, f, feed.Source{})
		require.NoError(t, err, f)
		assert.Positive(t, rep.Total(), f)
		for _, e := range rep.Errors {
			var le *feed.LineError
			require.ErrorAs(t, e, &le)
			require.Equal(t, f, le.File)
			require.Positive(t, le.Line)
		}
		if len(rep.Skipped) > 0 {
			t.Logf("%s: %d indicators, skipped %v", f, rep.Total(), rep.Skipped)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"10.0.0.1\n", "\ufeff# c\r\n44d88612fea8a8f36de82e1278abb02f\r\n", "192.0.2.1:80 # x\n",
		"hex:4d 5a\n", "ip:::1\n", "a\x00b\n", "\xff\xfe\n", "url:http://x/\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var b match.Builder
		rep, err := feed.Load(&b, strings.NewReader(string(data)), feed.Source{Name: "fuzz"})
		if err != nil && !errors.Is(err, feed.ErrEmpty) {
			t.Fatalf("a string reader cannot fail: %v", err)
		}
		for _, e := range rep.Errors {
			var le *feed.LineError
			if !errors.As(e, &le) || le.Line <= 0 || le.File != "fuzz" {
				t.Fatalf("error without file:line: %v", e)
			}
		}
		if _, err := b.Build(); err != nil {
			t.Fatal(err)
		}
	})
}

func BenchmarkLoad(b *testing.B) {
	var sb strings.Builder
	n := 1_000_000
	if testing.Short() {
		n = 100_000
	}
	for i := range n {
		switch i % 4 {
		case 0:
			fmt.Fprintf(&sb, "%064x\n", uint64(i)*0x9e3779b97f4a7c15)
		case 1:
			fmt.Fprintf(&sb, "%032x\n", uint64(i)*0x9e3779b97f4a7c15)
		case 2:
			fmt.Fprintf(&sb, "%d.%d.%d.%d\n", byte(i>>24), byte(i>>16), byte(i>>8), byte(i))
		default:
			fmt.Fprintf(&sb, "%d.%d.%d.0/24 # comment\n", byte(i>>24), byte(i>>16), byte(i>>8))
		}
	}
	text := sb.String()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		var bl match.Builder
		if _, err := feed.Load(&bl, strings.NewReader(text), feed.Source{Name: "bench"}); err != nil {
			b.Fatal(err)
		}
		if _, err := bl.Build(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "indicators/s")
}
