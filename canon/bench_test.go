package canon_test

import (
	"bufio"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sift-intel/sift/canon"
	"github.com/sift-intel/sift/internal/corpus"
	"golang.org/x/net/idna"
)

// benchFile is the real URL list, relative to the corpus (see
// internal/corpus: the shared data folder, SIFT_CORPUS, or the committed
// sample).
const benchFile = "benign/urls/ada-url-kasztp.txt"

// inlineURLs stand in when neither the corpus nor the sample has the list.
var inlineURLs = []string{
	"https://www.sec.gov/edgar.shtml",
	"https://www.continuingeducation.net/schedule.php?profession=Accountants",
	"http://www.Example.com:8080/a/./b/../c/index.html?x=1&y=2#top",
	"https://en.wikipedia.org/wiki/Uniform_Resource_Locator",
	"http://195.127.0.11/uploads/%20%20/.verify/",
	"https://github.com/golang/go/issues?q=is%3Aopen+label%3ANeedsFix",
	"example.com/login",
	"https://xn--bcher-kva.example/",
}

// benchURLs returns the lines of the real URL list (without its BOM and
// blank lines), or inlineURLs; full reports whether it read the list.
func benchURLs(tb testing.TB) (urls []string, full bool) {
	tb.Helper()
	for _, dir := range []string{corpus.Dir(), corpus.SampleDir()} {
		if dir == "" {
			continue
		}
		f, err := os.Open(filepath.Join(dir, benchFile))
		if err != nil {
			continue
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line := strings.TrimRight(strings.TrimPrefix(sc.Text(), "\ufeff"), "\r")
			if strings.TrimSpace(line) != "" {
				urls = append(urls, line)
			}
		}
		if err := sc.Err(); err != nil {
			tb.Fatal(err)
		}
		if len(urls) > 0 {
			return urls, true
		}
	}
	return inlineURLs, false
}

var (
	sinkN   int
	sinkErr error
)

// BenchmarkURL: one op is one URL of the list, in turn. canon's
// sub-benchmarks reuse one buffer, as a lookup does; net/url.Parse is the
// baseline (it parses only: no unescaping loop, no host or path
// canonicalisation, no expressions).
func BenchmarkURL(b *testing.B) {
	urls, full := benchURLs(b)
	if !full {
		b.Logf("%s not found; using %d inline URLs", benchFile, len(urls))
	}
	buf := make([]byte, 0, 4096)
	b.Run("canon.Parse+Expressions", func(b *testing.B) {
		b.ReportAllocs()
		exprs := 0
		for i := 0; i < b.N; i++ {
			u, err := canon.Parse(buf[:0], urls[i%len(urls)])
			if err != nil {
				sinkErr = err
				continue
			}
			for e := range u.Expressions {
				sinkN += len(e)
				exprs++
			}
		}
		b.ReportMetric(float64(exprs)/float64(b.N), "exprs/op")
	})
	b.Run("canon.Parse+Exprs/stack", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			var stack [512]byte
			u, err := canon.Parse(stack[:0], urls[i%len(urls)])
			if err != nil {
				sinkErr = err
				continue
			}
			x := u.Exprs()
			for j := range x.Len() {
				sinkN += len(x.At(j))
			}
		}
	})
	b.Run("canon.Parse", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			u, err := canon.Parse(buf[:0], urls[i%len(urls)])
			sinkN += len(u.Host())
			sinkErr = err
		}
	})
	b.Run("net/url.Parse", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			u, err := url.Parse(urls[i%len(urls)])
			if err == nil {
				sinkN += len(u.Host)
			}
			sinkErr = err
		}
	})
}

// BenchmarkHost: one op is one host of the list (as the URLs spell them,
// so with upper case and ports removed), in turn; idna.Lookup.ToASCII is
// the baseline a caller would otherwise reach for.
func BenchmarkHost(b *testing.B) {
	urls, _ := benchURLs(b)
	var hosts []string
	for _, s := range urls {
		if u, err := url.Parse(s); err == nil && u.Hostname() != "" {
			hosts = append(hosts, u.Hostname())
		}
	}
	if len(hosts) == 0 {
		b.Skip("no hosts")
	}
	buf := make([]byte, 0, 512)
	b.Run("canon.AppendHost", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			h, err := canon.AppendHost(buf[:0], hosts[i%len(hosts)])
			sinkN += len(h)
			sinkErr = err
		}
	})
	b.Run("idna.Lookup.ToASCII", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			h, err := idna.Lookup.ToASCII(hosts[i%len(hosts)])
			sinkN += len(h)
			sinkErr = err
		}
	})
}

// TestCorpus runs the real URL list through Parse: the canonical form is a
// fixed point, and most URLs of a benign list canonicalise. It logs how
// many needed unescaping or failed.
func TestCorpus(t *testing.T) {
	urls, full := benchURLs(t)
	if testing.Short() && len(urls) > 2000 {
		urls = urls[:2000]
	}
	failed, escaped := 0, 0
	buf := make([]byte, 0, 4096)
	for _, raw := range urls {
		u, err := canon.Parse(buf[:0], raw)
		if err != nil {
			failed++
			if failed <= 5 {
				t.Logf("%q: %v", raw, err)
			}
			continue
		}
		if strings.ContainsAny(raw, "%\t\r\n") {
			escaped++
		}
		again, err := canon.AppendURL(nil, u.String())
		if err != nil || string(again) != u.String() {
			t.Fatalf("%q -> %q -> %q, %v", raw, u.String(), again, err)
		}
	}
	t.Logf("%d URLs (full list: %v): %d failed, %d with escapes or tab/CR/LF", len(urls), full, failed, escaped)
	if failed*100 > len(urls) {
		t.Errorf("%d of %d URLs failed", failed, len(urls))
	}
}

// BenchmarkTypicalURL: a few fixed URLs, in cache, to measure the CPU cost
// of the steps without the corpus' memory traffic.
func BenchmarkTypicalURL(b *testing.B) {
	for _, raw := range []string{
		"https://www.continuingeducation.net/schedule.php?profession=Accountants",
		"http://WWW.Example.com:8080/a/./b/../c/index.html?x=1#top",
		"http://195.127.0.11/uploads/%20%20/.verify/",
	} {
		b.Run(raw[:min(len(raw), 40)], func(b *testing.B) {
			b.Run("canon.Parse+Exprs", func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					var stack [512]byte
					u, _ := canon.Parse(stack[:0], raw)
					x := u.Exprs()
					for j := range x.Len() {
						sinkN += len(x.At(j))
					}
				}
			})
			b.Run("net/url.Parse", func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					u, _ := url.Parse(raw)
					sinkN += len(u.Host)
				}
			})
		})
	}
}
