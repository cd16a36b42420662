package bench

// Multi-pattern scanning against the Go peers: sift's trie.Automaton,
// coregx/ahocorasick v0.3.1 (the fastest Go library measured in
// shared/research/perf-anchors.md; built with its defaults, scanned with
// FindAllOverlapping, which reports every match as sift does) and
// cloudflare/ahocorasick (the card's library; MatchThreadSafe, which
// reports distinct pattern indices without positions).
//
// The workload repeats trie/ac_bench_test.go's (the modules are separate):
// patterns drawn from the shared corpus, 5:3:2 domains (maltrail,
// URLhaus), URL paths (maltrail, PhishTank) and 16-hex-digit prefixes of
// malware hashes, seeded and distinct; texts are the first MiB of the
// Apache access log and of the Zeek DNS log.
//
//	cd bench
//	go test -run '^$' -bench 'ACPeers' -count 5 | tee ac.txt
//	benchstat -col /impl ac.txt
//
// It needs the full corpus and skips with a message without it.
// cloudflare takes about 4 KiB per pattern byte, so it runs at 100k
// patterns only with SIFT_AC_BIG=1.

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	cloudflare "github.com/cloudflare/ahocorasick"
	coregx "github.com/coregx/ahocorasick"
	"github.com/sift-intel/sift/internal/corpus"
	"github.com/sift-intel/sift/trie"
)

type acData struct {
	pool  []string
	texts []acText
}

type acText struct {
	name string
	data []byte
}

var acCache *acData

const acTextSize = 1 << 20

func acLoad(b *testing.B) *acData {
	b.Helper()
	if acCache != nil {
		return acCache
	}
	corpus.Full(b)
	read := func(rel string) []byte {
		p, _ := corpus.Path(b, rel)
		raw, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		if strings.HasSuffix(rel, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			if err != nil {
				b.Fatal(err)
			}
			if raw, err = io.ReadAll(io.LimitReader(zr, acTextSize)); err != nil {
				b.Fatal(err)
			}
		}
		return raw[:min(len(raw), acTextSize)]
	}
	d := &acData{texts: []acText{{"apache", read("benign/logs/apache_logs")}, {"zeekdns", read("benign/logs/zeek-dns.log.gz")}}}
	var domains, paths, hexes []string
	for _, v := range corpus.Values(b, append(corpus.Files(b, "domains/maltrail"), corpus.Files(b, "domains/urlhaus-filter")...)...) {
		switch {
		case strings.HasPrefix(v, "/") && len(v) >= 4:
			paths = append(paths, v)
		case strings.ContainsAny(v, "/:") || !strings.Contains(v, ".") || len(v) < 4:
		case strings.Trim(v, "0123456789.") == "":
		default:
			domains = append(domains, v)
		}
	}
	p, _ := corpus.Path(b, "urls/phishtank/online-valid.csv")
	if f, err := os.Open(p); err == nil {
		rows, _ := csv.NewReader(f).ReadAll()
		f.Close()
		for _, row := range rows[1:] {
			u := row[1]
			if i := strings.Index(u, "://"); i >= 0 {
				u = u[i+3:]
			}
			if i := strings.IndexByte(u, '/'); i >= 0 && len(u)-i >= 4 {
				paths = append(paths, u[i:])
			}
		}
	}
	for _, v := range corpus.Values(b, corpus.Files(b, "hashes")...) {
		if l := len(v); (l == 32 || l == 40 || l == 64) && strings.Trim(strings.ToLower(v), "0123456789abcdef") == "" {
			hexes = append(hexes, strings.ToLower(v[:16]))
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, s := range [][]string{domains, paths, hexes} {
		r.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
	}
	seen := map[string]bool{}
	take := func(s *[]string, k int) {
		for ; k > 0 && len(*s) > 0; k-- {
			v := (*s)[0]
			*s = (*s)[1:]
			if !seen[v] {
				seen[v] = true
				d.pool = append(d.pool, v)
			}
		}
	}
	for len(domains)+len(paths)+len(hexes) > 0 {
		take(&domains, 5)
		take(&paths, 3)
		take(&hexes, 2)
	}
	acCache = d
	return d
}

var acSizes = []struct {
	name string
	n    int
}{{"100", 100}, {"10k", 10_000}, {"100k", 100_000}}

var acImpls = []string{"sift", "coregx", "cloudflare"}

// acRuns says whether impl runs at n patterns: cloudflare's build at 100k
// takes minutes and gigabytes (SIFT_AC_BIG=1 runs it), and -short stops
// at 10k.
func acRuns(impl string, n int) bool {
	if testing.Short() && n > 10_000 {
		return false
	}
	return impl != "cloudflare" || n <= 10_000 || os.Getenv("SIFT_AC_BIG") != ""
}

func acBuild(b *testing.B, impl string, raw [][]byte) any {
	switch impl {
	case "sift":
		ps := make([]trie.Pattern, len(raw))
		for i, p := range raw {
			ps[i] = trie.Pattern{Bytes: p}
		}
		a, err := trie.BuildAutomaton(ps, trie.AutomatonConfig{})
		if err != nil {
			b.Fatal(err)
		}
		return a
	case "coregx":
		a, err := coregx.NewBuilder().AddPatterns(raw).Build()
		if err != nil {
			b.Fatal(err)
		}
		return a
	default:
		return cloudflare.NewMatcher(raw)
	}
}

var acBuilt = map[string]any{}

func (d *acData) raw(n int) [][]byte {
	raw := make([][]byte, min(n, len(d.pool)))
	for i := range raw {
		raw[i] = []byte(d.pool[i])
	}
	return raw
}

func BenchmarkACPeers(b *testing.B) {
	freeLarge("ac")
	d := acLoad(b)
	for _, size := range acSizes {
		for _, tx := range d.texts {
			for _, impl := range acImpls {
				if !acRuns(impl, size.n) {
					continue
				}
				b.Run(fmt.Sprintf("patterns=%s/text=%s/impl=%s", size.name, tx.name, impl), func(b *testing.B) {
					key := fmt.Sprint(impl, size.n)
					m, ok := acBuilt[key]
					if !ok {
						start := time.Now()
						m = acBuild(b, impl, d.raw(size.n))
						b.Logf("%s: built in %v", impl, time.Since(start))
						acBuilt[key] = m
					}
					text := tx.data
					b.SetBytes(int64(len(text)))
					b.ReportAllocs()
					hits := 0
					switch m := m.(type) {
					case *trie.Automaton:
						fn := func(id, start, end int) bool { hits++; return true }
						for b.Loop() {
							m.Scan(text, fn)
						}
					case *coregx.Automaton:
						for b.Loop() {
							hits += len(m.FindAllOverlapping(text))
						}
					case *cloudflare.Matcher:
						for b.Loop() {
							hits += len(m.MatchThreadSafe(text))
						}
					}
					b.ReportMetric(float64(hits)/float64(b.N), "matches/op")
				})
			}
		}
	}
}

// BenchmarkACPeersBuild measures each build and the live heap its result
// holds (heap-B).
func BenchmarkACPeersBuild(b *testing.B) {
	d := acLoad(b)
	for _, size := range acSizes {
		for _, impl := range acImpls {
			if !acRuns(impl, size.n) {
				continue
			}
			b.Run(fmt.Sprintf("patterns=%s/impl=%s", size.name, impl), func(b *testing.B) {
				raw := d.raw(size.n)
				var m0, m1 runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&m0)
				v := acBuild(b, impl, raw)
				runtime.GC()
				runtime.ReadMemStats(&m1)
				runtime.KeepAlive(v)
				v = nil
				b.ReportAllocs()
				for b.Loop() {
					acBuild(b, impl, raw)
				}
				b.ReportMetric(float64(m1.HeapAlloc)-float64(m0.HeapAlloc), "heap-B")
			})
		}
	}
}
