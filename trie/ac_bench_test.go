package trie_test

// BenchmarkAC and BenchmarkACBuild measure the automaton against
// cloudflare/ahocorasick (the card's library) on an IOC workload:
// patterns drawn from the shared corpus (half domains from maltrail and
// URLhaus, 30% URL paths from maltrail and PhishTank, 20% 16-hex-digit
// prefixes of malware hashes; seeded, distinct) scanned over 1 MiB of real
// logs (an Apache access log and a Zeek DNS log). Run:
//
//	go test -run '^$' -bench '^BenchmarkAC' -count 5 ./trie/ | tee ac.txt
//	benchstat -col /impl ac.txt
//
// Without the corpus, a seeded generated workload of the same shape is
// used (and said so in the log). The peer comparison with coregx lives in
// the bench module (bench/ac_test.go). cloudflare needs about 4 KiB per
// pattern byte, so at 100k patterns it runs only with SIFT_AC_BIG=1.

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
	"sync"
	"testing"
	"time"

	"github.com/cloudflare/ahocorasick"
	"github.com/sift-intel/sift/internal/corpus"
	"github.com/sift-intel/sift/trie"
)

var acSizes = []struct {
	name string
	n    int
}{{"100", 100}, {"10k", 10_000}, {"100k", 100_000}}

const acTextSize = 1 << 20

type acData struct {
	pool  []string // every candidate pattern, in the seeded mixed order
	texts []acText
	real  bool
}

type acText struct {
	name string
	data []byte
}

var (
	acOnce  sync.Once
	acCache *acData
)

func acLoad(b *testing.B) *acData {
	acOnce.Do(func() { acCache = acLoadData(b) })
	if !acCache.real {
		b.Log("shared corpus not found: generated workload")
	}
	return acCache
}

func acLoadData(b testing.TB) *acData {
	d := &acData{}
	dir := corpus.Dir()
	if dir == "" {
		return acGenerated()
	}
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
			raw, err = io.ReadAll(io.LimitReader(zr, acTextSize))
			if err != nil {
				b.Fatal(err)
			}
		}
		return raw[:min(len(raw), acTextSize)]
	}
	d.texts = []acText{{"apache", read("benign/logs/apache_logs")}, {"zeekdns", read("benign/logs/zeek-dns.log.gz")}}

	var domains, paths, hexes []string
	for _, v := range corpus.Values(b, append(corpus.Files(b, "domains/maltrail"), corpus.Files(b, "domains/urlhaus-filter")...)...) {
		switch {
		case strings.HasPrefix(v, "/") && len(v) >= 4:
			paths = append(paths, v)
		case strings.ContainsAny(v, "/:") || !strings.Contains(v, ".") || len(v) < 4:
		case strings.Trim(v, "0123456789.") == "":
			// an IPv4 address
		default:
			domains = append(domains, v)
		}
	}
	if f, err := os.Open(func() string { p, _ := corpus.Path(b, "urls/phishtank/online-valid.csv"); return p }()); err == nil {
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
	d.pool = acMix(domains, paths, hexes)
	d.real = true
	return d
}

// acMix interleaves the three pools, shuffled, 5:3:2, dropping repeats,
// and goes on with what is left when one runs out.
func acMix(domains, paths, hexes []string) []string {
	r := rand.New(rand.NewPCG(1, 2))
	for _, s := range [][]string{domains, paths, hexes} {
		r.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
	}
	seen := map[string]bool{}
	var out []string
	take := func(s *[]string, k int) {
		for ; k > 0 && len(*s) > 0; k-- {
			v := (*s)[0]
			*s = (*s)[1:]
			if !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	for len(domains)+len(paths)+len(hexes) > 0 {
		take(&domains, 5)
		take(&paths, 3)
		take(&hexes, 2)
	}
	return out
}

// acGenerated is the fallback workload: log-like lines and IOC-like
// patterns, some of which occur in them.
func acGenerated() *acData {
	r := rand.New(rand.NewPCG(3, 4))
	word := func() string {
		const letters = "abcdefghijklmnopqrstuvwxyz"
		w := make([]byte, 3+r.IntN(8))
		for i := range w {
			w[i] = letters[r.IntN(len(letters))]
		}
		return string(w)
	}
	var domains, paths, hexes []string
	for range 150_000 {
		domains = append(domains, word()+"."+word()+".com")
		paths = append(paths, "/"+word()+"/"+word()+".php")
		hexes = append(hexes, fmt.Sprintf("%016x", r.Uint64()))
	}
	var text bytes.Buffer
	for text.Len() < acTextSize {
		fmt.Fprintf(&text, "10.0.%d.%d - - [17/May/2015:10:05:03 +0000] \"GET %s HTTP/1.1\" 200 %d \"http://%s/\" \"Mozilla/5.0\"\n",
			r.IntN(256), r.IntN(256), paths[r.IntN(len(paths))], r.IntN(100000), domains[r.IntN(len(domains))])
	}
	return &acData{pool: acMix(domains, paths, hexes), texts: []acText{{"generated", text.Bytes()[:acTextSize]}}}
}

func (d *acData) patterns(n int) ([]trie.Pattern, [][]byte) {
	n = min(n, len(d.pool))
	ps := make([]trie.Pattern, n)
	raw := make([][]byte, n)
	for i, v := range d.pool[:n] {
		raw[i] = []byte(v)
		ps[i] = trie.Pattern{Bytes: raw[i]}
	}
	return ps, raw
}

// acBig reports whether cloudflare runs at size n: about 4 KiB per
// pattern byte is more than a shared machine should give by default.
func acBig(n int) bool { return n <= 10_000 || os.Getenv("SIFT_AC_BIG") != "" }

var acBuilt = map[string]any{}

func acAutomaton(b *testing.B, d *acData, impl string, n int) any {
	key := fmt.Sprint(impl, n)
	if v, ok := acBuilt[key]; ok {
		return v
	}
	ps, raw := d.patterns(n)
	var v any
	var err error
	start := time.Now()
	switch impl {
	case "sift":
		v, err = trie.BuildAutomaton(ps, trie.AutomatonConfig{})
	case "cloudflare":
		v = ahocorasick.NewMatcher(raw)
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: %d patterns built in %v", impl, len(ps), time.Since(start))
	acBuilt[key] = v
	return v
}

func BenchmarkAC(b *testing.B) {
	d := acLoad(b)
	for _, size := range acSizes {
		for _, tx := range d.texts {
			for _, impl := range []string{"sift", "cloudflare"} {
				if impl == "cloudflare" && !acBig(size.n) {
					continue
				}
				b.Run(fmt.Sprintf("patterns=%s/text=%s/impl=%s", size.name, tx.name, impl), func(b *testing.B) {
					m := acAutomaton(b, d, impl, size.n)
					text := tx.data
					b.SetBytes(int64(len(text)))
					b.ReportAllocs()
					hits := 0
					runtime.LockOSThread()
					defer runtime.UnlockOSThread()
					cpu := threadCPU()
					switch m := m.(type) {
					case *trie.Automaton:
						fn := func(id, start, end int) bool { hits++; return true }
						for b.Loop() {
							m.Scan(text, fn)
						}
					case *ahocorasick.Matcher:
						for b.Loop() {
							hits += len(m.MatchThreadSafe(text))
						}
					}
					reportCPU(b, cpu, len(text))
					b.ReportMetric(float64(hits)/float64(b.N), "matches/op")
				})
			}
		}
	}
}

// BenchmarkACStream is BenchmarkAC's sift case through a Scanner, in
// chunks as a network stream or a large file would arrive: 64 KiB chunks
// are scanned in interleaved lanes like a whole text, 4 KiB chunks (too
// short for lanes) as one stream, which measures what the lanes bring.
func BenchmarkACStream(b *testing.B) {
	d := acLoad(b)
	for _, size := range acSizes {
		tx := d.texts[0]
		for _, chunk := range []int{4 << 10, 64 << 10} {
			b.Run(fmt.Sprintf("patterns=%s/text=%s/chunk=%dK/impl=sift", size.name, tx.name, chunk>>10), func(b *testing.B) {
				a := acAutomaton(b, d, "sift", size.n).(*trie.Automaton)
				b.SetBytes(int64(len(tx.data)))
				b.ReportAllocs()
				fn := func(id, start, end int) bool { return true }
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				cpu := threadCPU()
				for b.Loop() {
					sc := a.Scanner()
					for i := 0; i < len(tx.data); i += chunk {
						sc.Write(tx.data[i:min(len(tx.data), i+chunk)], fn)
					}
				}
				reportCPU(b, cpu, len(tx.data))
			})
		}
	}
}

// reportCPU reports the thread's CPU time since cpu as cpu-MB/s, the
// throughput the scan would have on a CPU of its own: on a shared machine,
// wall time also counts the time spent waiting for one.
func reportCPU(b *testing.B, cpu int64, size int) {
	if d := threadCPU() - cpu; d > 0 && cpu > 0 {
		b.ReportMetric(float64(size)*float64(b.N)/(float64(d)/1e9)/1e6, "cpu-MB/s")
	}
}

// heapGrowth returns the live heap that build leaves behind.
func heapGrowth(build func() any) (uint64, any) {
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	v := build()
	runtime.GC()
	runtime.ReadMemStats(&m1)
	runtime.KeepAlive(v)
	if m1.HeapAlloc < m0.HeapAlloc {
		return 0, v
	}
	return m1.HeapAlloc - m0.HeapAlloc, v
}

// BenchmarkACBuild measures the build, and reports the memory the result
// holds: heap-B is the live heap it adds (for both), size-B sift's own
// count of its tables and patterns.
func BenchmarkACBuild(b *testing.B) {
	d := acLoad(b)
	for _, size := range acSizes {
		for _, impl := range []string{"sift", "cloudflare"} {
			if impl == "cloudflare" && !acBig(size.n) {
				continue
			}
			b.Run(fmt.Sprintf("patterns=%s/impl=%s", size.name, impl), func(b *testing.B) {
				ps, raw := d.patterns(size.n)
				build := func() any {
					if impl == "cloudflare" {
						return ahocorasick.NewMatcher(raw)
					}
					a, err := trie.BuildAutomaton(ps, trie.AutomatonConfig{})
					if err != nil {
						b.Fatal(err)
					}
					return a
				}
				heap, v := heapGrowth(build)
				b.ReportAllocs()
				for b.Loop() {
					build()
				}
				b.ReportMetric(float64(heap), "heap-B")
				if a, ok := v.(*trie.Automaton); ok {
					b.ReportMetric(float64(a.SizeBytes()), "size-B")
					st := a.Stats()
					b.Logf("%d patterns: %d states, %d dense to depth %d, %d classes, %d bytes", st.Patterns, st.States, st.DenseStates, st.DenseDepth, st.Classes, st.Bytes)
				}
			})
		}
	}
}

// BenchmarkACLayout keeps the layout choice honest: the same scan with
// dense rows to depth 0 (the root only) … 4, and every state dense (a full
// DFA), under a budget of dense bytes.
func BenchmarkACLayout(b *testing.B) {
	d := acLoad(b)
	for _, size := range acSizes {
		ps, _ := d.patterns(size.n)
		for _, l := range []struct {
			name          string
			depth, budget int
		}{
			{"depth=2", 2, 1 << 30},
			{"depth=3", 3, 1 << 30},
			{"depth=4", 4, 1 << 30},
			{"depth=5", 5, 1 << 30},
			{"budget=4M", 64, 4 << 20},
			{"budget=8M", 64, 8 << 20},
			{"budget=16M", 64, 16 << 20},
			{"budget=32M", 64, 32 << 20},
			{"full", 1 << 20, 1<<32 - 1},
		} {
			if size.n > 10_000 && (l.name == "full" || l.depth > 3 && l.depth < 64) {
				continue // hundreds of MB
			}
			a, err := trie.BuildAutomatonLayout(ps, trie.AutomatonConfig{}, l.depth, l.budget)
			if err != nil {
				b.Fatal(err)
			}
			for _, tx := range d.texts {
				b.Run(fmt.Sprintf("patterns=%s/text=%s/layout=%s", size.name, tx.name, l.name), func(b *testing.B) {
					b.SetBytes(int64(len(tx.data)))
					fn := func(id, start, end int) bool { return true }
					runtime.LockOSThread()
					defer runtime.UnlockOSThread()
					cpu := threadCPU()
					for b.Loop() {
						a.Scan(tx.data, fn)
					}
					reportCPU(b, cpu, len(tx.data))
					st := a.Stats()
					b.ReportMetric(float64(st.Bytes), "size-B")
					b.ReportMetric(float64(st.DenseDepth), "depth")
				})
			}
		}
	}
}
