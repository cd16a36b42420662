package feed_test

import (
	"bytes"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/sift-intel/sift/feed"
	"github.com/sift-intel/sift/match"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// repeated is a reader of n copies of a byte, generated, not held.
type repeated struct {
	b byte
	n int64
}

func (r *repeated) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), r.n)
	for i := range p[:n] {
		p[i] = r.b
	}
	r.n -= n
	return int(n), nil
}

func hugeSize() int64 {
	if testing.Short() {
		return 16 << 20
	}
	return 1 << 30
}

// allocated runs f and returns the bytes it allocated.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestHugeLines feeds every line-based format a line of 1 GB (16 MiB with
// -short) between two good lines: the long line is reported with its
// number, the good lines load, and the parser allocates far less than the
// line.
func TestHugeLines(t *testing.T) {
	for _, c := range []struct {
		format       feed.Format
		header, good string
	}{
		{feed.FormatList, "", "192.0.2.1"},
		{feed.FormatHosts, "", "0.0.0.0 evil.example"},
		{feed.FormatRPZ, "", "evil.example CNAME ."},
		{feed.FormatDnsmasq, "", "address=/evil.example/0.0.0.0"},
		{feed.FormatAdblock, "", "||evil.example^"},
		{feed.FormatMaltrail, "", "evil.example"},
		{feed.FormatCSV, "url\n", "http://evil.example/"},
		{feed.FormatJSON, "", `{"domain": "evil.example"}`},
		{feed.FormatZeek, "#fields\tindicator\tindicator_type\n", "evil.example\tIntel::DOMAIN"},
		{feed.FormatSuricata, "", "192.0.2.1"},
		{feed.FormatLOKI, "", "evil.example;c2"},
	} {
		t.Run(string(c.format), func(t *testing.T) {
			size := hugeSize()
			r := io.MultiReader(strings.NewReader(c.header+c.good+"\n"), &repeated{'x', size}, strings.NewReader("\n"+c.good+"\n"))
			var rep *feed.Report
			var err error
			alloc := allocated(func() {
				var b match.Builder
				rep, err = feed.Load(&b, r, feed.Source{Name: "huge", Format: c.format})
			})
			require.NoError(t, err)
			assert.Equal(t, 2, rep.Parsed)
			assert.Equal(t, 1, rep.Skipped["line too long"], "%v", rep.Skipped)
			require.Len(t, rep.Errors, 1)
			assert.ErrorIs(t, rep.Errors[0], feed.ErrLineTooLong)
			line := 2 + strings.Count(c.header, "\n")
			assert.Contains(t, rep.Errors[0].Error(), "huge:"+itoaN(line)+":")
			assert.Less(t, alloc, uint64(64<<20), "allocated %d bytes for a %d-byte line", alloc, size)
		})
	}
}

// TestHugeDocuments feeds the formats read whole a document of 1 GB (16
// MiB with -short): it is refused with ErrTooLarge after Source.MaxSize
// bytes, in memory bounded by that limit.
func TestHugeDocuments(t *testing.T) {
	for _, c := range []struct {
		format feed.Format
		start  string
	}{
		{feed.FormatSTIX, `{"type": "bundle", "objects": [{"type": "indicator", "pattern": "`},
		{feed.FormatMISP, `{"Event": {"info": "`},
		{feed.FormatWarninglist, `{"name": "n", "type": "string", "list": ["`},
		{feed.FormatJSON, `[{"url": "`},
		{feed.FormatYARA, `rule x { strings: $a = "`},
	} {
		t.Run(string(c.format), func(t *testing.T) {
			const limit = 4 << 20
			r := io.MultiReader(strings.NewReader(c.start), &repeated{'x', hugeSize()})
			var err error
			alloc := allocated(func() {
				var b match.Builder
				_, err = feed.Load(&b, r, feed.Source{Name: "huge", Format: c.format, MaxSize: limit})
			})
			require.ErrorIs(t, err, feed.ErrTooLarge)
			assert.Contains(t, err.Error(), "huge:1:")
			assert.Less(t, alloc, uint64(8*limit), "allocated %d bytes", alloc)
		})
	}
}

// TestDeepNesting checks that deeply nested JSON ends in a clear error
// before it is decoded, in time and memory linear in its size.
func TestDeepNesting(t *testing.T) {
	deep := strings.Repeat("[", 1<<20) + strings.Repeat("]", 1<<20)
	for _, c := range []struct {
		format feed.Format
		text   string
	}{
		{feed.FormatSTIX, `{"type": "bundle", "objects": [` + "\n" + deep + `]}`},
		{feed.FormatMISP, `{"Event": {"Attribute": ` + "\n" + deep + `}}`},
		{feed.FormatWarninglist, `{"list": ` + "\n" + deep + `}`},
		{feed.FormatJSON, "\n" + deep},
	} {
		t.Run(string(c.format), func(t *testing.T) {
			var b match.Builder
			_, err := feed.Load(&b, strings.NewReader(c.text), feed.Source{Name: "deep", Format: c.format})
			require.ErrorIs(t, err, feed.ErrMalformed)
			assert.Contains(t, err.Error(), "deep:2: malformed: JSON nested deeper than 64 levels")
		})
	}
	t.Run("json lines", func(t *testing.T) {
		var b match.Builder
		deepLine := strings.Repeat("[", 1<<18) + strings.Repeat("]", 1<<18) // within MaxLineLength
		text := "{\"domain\": \"a.example\"}\n{\"x\": " + deepLine + "}\n{\"domain\": \"b.example\"}\n"
		rep, err := feed.Load(&b, strings.NewReader(text), feed.Source{Name: "deep", Format: feed.FormatJSON})
		require.NoError(t, err, "a deep line is one bad line")
		assert.Equal(t, 2, rep.Total())
		require.Len(t, rep.Errors, 1)
		assert.Contains(t, rep.Errors[0].Error(), "deep:2: malformed: JSON nested deeper")
	})
}

// TestInvalidUTF8 checks that invalid UTF-8 is reported with its line:
// a bad line of a text source is skipped; a JSON or YARA document is
// refused.
func TestInvalidUTF8(t *testing.T) {
	for _, c := range []struct {
		format feed.Format
		text   string
		whole  bool
	}{
		{feed.FormatList, "192.0.2.1\nevil\xff.example\n", false},
		{feed.FormatHosts, "0.0.0.0 a.example\n0.0.0.0 evil\xff.example\n", false},
		{feed.FormatCSV, "url\nhttp://a.example/\nhttp://evil\xff.example/\n", false},
		{feed.FormatZeek, "#fields\tindicator\tindicator_type\na.example\tIntel::DOMAIN\nb\xfe\tIntel::DOMAIN\n", false},
		{feed.FormatSTIX, "{\"type\": \"bundle\",\n \"objects\": [{\"name\": \"\xff\"}]}", true},
		{feed.FormatMISP, "{\"Event\":\n {\"info\": \"\xc3\"}}", true},
		{feed.FormatWarninglist, "{\"list\":\n [\"\xff\"]}", true},
		{feed.FormatYARA, "rule a {\n strings: $a = \"\xff\" condition: $a }", true},
	} {
		t.Run(string(c.format), func(t *testing.T) {
			var b match.Builder
			rep, err := feed.Load(&b, strings.NewReader(c.text), feed.Source{Name: "bad", Format: c.format})
			if c.whole {
				require.ErrorIs(t, err, feed.ErrMalformed)
				assert.Contains(t, err.Error(), "bad:2: malformed: invalid UTF-8")
				return
			}
			require.NoError(t, err)
			require.Len(t, rep.Errors, 1)
			assert.Contains(t, rep.Errors[0].Error(), ": invalid UTF-8")
			assert.Equal(t, 1, rep.Skipped["invalid UTF-8"])
		})
	}
}

// TestTruncated cuts real samples short: the formats read whole end in
// ErrMalformed naming the line where the data ends, and load nothing.
func TestTruncated(t *testing.T) {
	for _, c := range []struct {
		name, path string
		format     feed.Format
	}{
		{"stix", "stix/poisonivy.json", feed.FormatSTIX},
		{"misp", "misp/event/misp-telebots.json", feed.FormatMISP},
		{"warninglist", "warninglist/url-shortener.json", feed.FormatWarninglist},
		{"json", "json/ipblocklist_recommended.json", feed.FormatJSON},
		{"yara", "yara/apt_apt27_hyperbro.yar", feed.FormatYARA},
	} {
		t.Run(c.name, func(t *testing.T) {
			data := readSample(t, c.path)
			cut := data[:len(data)*2/3]
			var b match.Builder
			rep, err := feed.Load(&b, bytes.NewReader(cut), feed.Source{Name: "cut", Format: c.format})
			require.Error(t, err)
			lines := bytes.Count(cut, []byte{'\n'}) + 1
			require.ErrorIs(t, err, feed.ErrMalformed)
			if c.format == feed.FormatYARA {
				// The rules before the cut are read; the cut one ends it,
				// named by the line where it starts.
				assert.Contains(t, err.Error(), ": malformed: truncated: YARA rule")
				return
			}
			assert.Contains(t, err.Error(), "cut:"+itoaN(lines)+": malformed: truncated")
			assert.Zero(t, rep.Total(), "nothing of a truncated document loads")
		})
	}
	t.Run("csv open quote", func(t *testing.T) {
		var b match.Builder
		_, err := feed.Load(&b, strings.NewReader("url,description\nhttp://a.example/,ok\nhttp://b.example/,\"open\nstill open"), feed.Source{Name: "cut", Format: feed.FormatCSV})
		require.ErrorIs(t, err, feed.ErrMalformed)
		assert.Contains(t, err.Error(), "cut:3: malformed: truncated")
	})
	t.Run("rpz open parenthesis", func(t *testing.T) {
		var b match.Builder
		_, err := feed.Load(&b, strings.NewReader("a.example CNAME .\n@ SOA ns. host. (\n 1\n"), feed.Source{Name: "cut", Format: feed.FormatRPZ})
		require.ErrorIs(t, err, feed.ErrMalformed)
		assert.Contains(t, err.Error(), "cut:2: malformed: truncated")
	})
}

func itoaN(n int) string {
	var b []byte
	for n > 0 || len(b) == 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}
