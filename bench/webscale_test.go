package bench

// Domain and URL lookups at 10k, 1M and 10M indicators (data_test.go: the
// corpus's malicious domains and URLs, then derived ones), against AdGuard
// urlfilter and, for domains, a Go map walked over the query's suffixes.
// BenchmarkDomainPeers and BenchmarkURLPeers (web_test.go) measure the
// same lookups on the real lists only, at their own size.
//
//	cd bench
//	go test -run '^$' -bench '^Benchmark(Domains|URLs)$' -count 5 | tee web.txt
//	benchstat -col /impl web.txt
//
// Both need the full corpus (the committed sample has no domain or URL
// lists) and skip with a message without it.

import (
	"encoding/csv"
	"math/rand/v2"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/AdguardTeam/urlfilter"
	"github.com/AdguardTeam/urlfilter/rules"
	"golang.org/x/net/publicsuffix"

	"github.com/sift-intel/sift/canon"
	"github.com/sift-intel/sift/internal/corpus"
	"github.com/sift-intel/sift/match"
)

// webReal: every domain of domains/maltrail/** and
// domains/urlhaus-filter/urlhaus-filter-domains.txt that a Builder takes
// (canonical, distinct, not an address, not a public suffix), in file
// order; every URL indicator (the URL-shaped maltrail values and
// PhishTank's url column); the raw Umbrella top 100k host names; the real
// benign URLs of benign/urls/ada-url-kasztp.txt.
type webReal struct {
	domains, urls, hosts, benignURLs []string
}

var webRealCache *webReal

func loadWebReal(b *testing.B) *webReal {
	b.Helper()
	if webRealCache != nil {
		return webRealCache
	}
	corpus.Full(b)
	path := func(rel string) string { p, _ := corpus.Path(b, rel); return p }
	w := &webReal{}
	seen := map[string]bool{}
	files := append(corpus.Files(b, "domains/maltrail"), path("domains/urlhaus-filter/urlhaus-filter-domains.txt"))
	for _, v := range corpus.Values(b, files...) {
		switch match.KindOf(v) {
		case match.KindURL:
			w.urls = append(w.urls, v)
		case match.KindDomain:
			h, err := canon.AppendHost(nil, v)
			host := string(h)
			if err != nil || seen[host] || strings.IndexByte(host, '.') < 0 {
				continue
			}
			if _, err := netip.ParseAddr(host); err == nil {
				continue
			}
			if tld := host[strings.LastIndexByte(host, '.')+1:]; strings.Trim(tld, "0123456789") == "" {
				continue
			}
			if ps, _ := publicsuffix.PublicSuffix(host); ps == host {
				continue
			}
			seen[host] = true
			w.domains = append(w.domains, host)
		}
	}
	f, err := os.Open(path("urls/phishtank/online-valid.csv"))
	if err != nil {
		b.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) < 2 || rows[0][1] != "url" {
		b.Fatalf("phishtank: %v, %d rows", err, len(rows))
	}
	for _, row := range rows[1:] {
		w.urls = append(w.urls, row[1])
	}
	w.hosts = corpus.Values(b, path("benign/domains/umbrella-top-100k.txt"))
	w.benignURLs = corpus.Lines(b, path("benign/urls/ada-url-kasztp.txt"))
	r := rand.New(rand.NewPCG(11, 11))
	r.Shuffle(len(w.urls), func(i, j int) { w.urls[i], w.urls[j] = w.urls[j], w.urls[i] })
	webRealCache = w
	return w
}

// withMembers returns a copy of queries with a twentieth of them (seeded)
// replaced by member(i): traffic in which 5 % of the queries are listed.
func withMembers(queries []string, seed uint64, member func(r *rand.Rand) string) []string {
	r := rand.New(rand.NewPCG(seed, 12))
	out := make([]string, len(queries))
	for i, q := range queries {
		if r.IntN(20) == 0 {
			q = member(r)
		}
		out[i] = q
	}
	return out
}

// webScale is one size of BenchmarkDomains or BenchmarkURLs.
type webScale struct {
	queries []string
	impls   []webImpl
	cost    map[string]built
	openMs  float64
}

var domainScales, urlScales = map[int]*webScale{}, map[int]*webScale{}

func domainFixture(b *testing.B, w *webReal, n int) *webScale {
	b.Helper()
	if f := domainScales[n]; f != nil {
		return f
	}
	domains := scaleDomains(w.domains, n)
	f := &webScale{cost: map[string]built{}}
	f.queries = withMembers(w.hosts, uint64(n), func(r *rand.Rand) string { return "cdn." + domains[r.IntN(len(domains))] })
	var s *match.Set
	f.cost["sift"] = measureBuild(n, func() {
		var bl match.Builder
		for _, v := range domains {
			if err := bl.Add(match.Indicator{Kind: match.KindDomain, Value: v}); err != nil {
				b.Fatal(err)
			}
		}
		var err error
		if s, err = bl.Build(); err != nil {
			b.Fatal(err)
		}
	})
	setB, openMs := siftOpen(b, s, n, func(s *match.Set) { s.LookupDomain(f.queries[0]) })
	f.cost["sift"], f.openMs = built{setB, f.cost["sift"].ns}, openMs
	var m map[string]uint32
	f.cost["map"] = measureBuild(n, func() {
		m = make(map[string]uint32, n)
		for i, d := range domains {
			m[strings.Clone(d)] = uint32(i)
		}
	})
	var dns *urlfilter.DNSEngine
	f.cost["adguard-dns"] = measureBuild(n, func() {
		text, _ := adguardRules(domains, nil)
		dns = urlfilter.NewDNSEngine(adguardStorage(b, text))
	})
	f.impls = []webImpl{
		{"sift", "", 0, func(h string) bool { return s.LookupDomain(h).Matched() }},
		{"map", "", 0, func(h string) bool { return mapSuffixWalk(m, h) }},
		{"adguard-dns", "", 0, func(h string) bool { _, ok := dns.Match(h); return ok }},
	}
	domainScales[n] = f
	return f
}

// mapSuffixWalk looks host and each of its parent domains up in m, longest
// first: the baseline a Go programmer writes. It neither lowercases nor
// canonicalises (the Umbrella names are lower case already), so it does
// less than the others.
func mapSuffixWalk(m map[string]uint32, host string) bool {
	for {
		if _, ok := m[host]; ok {
			return true
		}
		i := strings.IndexByte(host, '.')
		if i < 0 {
			return false
		}
		host = host[i+1:]
	}
}

func urlFixture(b *testing.B, w *webReal, n int) *webScale {
	b.Helper()
	if f := urlScales[n]; f != nil {
		return f
	}
	urls := scaleURLs(w.urls, n)
	f := &webScale{cost: map[string]built{}}
	f.queries = withMembers(w.benignURLs, uint64(n), func(r *rand.Rand) string { return urls[r.IntN(len(urls))] })
	var s *match.Set
	f.cost["sift"] = measureBuild(n, func() {
		var bl match.Builder
		for _, v := range urls {
			bl.Add(match.Indicator{Kind: match.KindURL, Value: v}) // rejects are counted in Stats
		}
		var err error
		if s, err = bl.Build(); err != nil {
			b.Fatal(err)
		}
	})
	setB, openMs := siftOpen(b, s, n, func(s *match.Set) { s.LookupURL(f.queries[0]) })
	f.cost["sift"], f.openMs = built{setB, f.cost["sift"].ns}, openMs
	var ne *urlfilter.NetworkEngine
	f.cost["adguard-network"] = measureBuild(n, func() {
		text, _ := adguardRules(nil, urls)
		ne = urlfilter.NewNetworkEngine(adguardStorage(b, text))
	})
	f.impls = []webImpl{
		{"sift", "", 0, func(u string) bool { return s.LookupURL(u).Matched() }},
		{"adguard-network", "", 0, func(u string) bool {
			_, ok := ne.Match(rules.NewRequest(u, "", rules.TypeDocument))
			return ok
		}},
	}
	urlScales[n] = f
	return f
}

// runWebScale runs each implementation as webCompare does (an untimed
// pass first, which also counts hits/op), then reports its costs.
func runWebScale(b *testing.B, f *webScale) {
	for _, impl := range f.impls {
		b.Run("impl="+impl.name, func(b *testing.B) {
			has := impl.has
			hits := 0
			for _, q := range f.queries {
				if has(q) {
					hits++
				}
			}
			rate := float64(hits) / float64(len(f.queries))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if has(f.queries[i]) {
					hits++
				}
				if i++; i == len(f.queries) {
					i = 0
				}
			}
			if impl.name == "sift" {
				reportSift(b, f.cost["sift"].bytes, f.cost["sift"].ns, f.openMs)
			} else {
				f.cost[impl.name].report(b)
			}
			b.ReportMetric(rate, "hits/op")
			benchSink = hits
		})
	}
}

// BenchmarkDomains: Set.LookupDomain, the map suffix walk and AdGuard's
// DNSEngine.Match ("||domain^" rules) on the same raw host queries: the
// Umbrella top 100k with 5 % (seeded) replaced by "cdn." and a listed
// domain. B/indicator: the serialised Set for sift; the live heap's
// growth while building for the others (AdGuard's includes the rule text,
// which it keeps and re-parses from). build-ns/indicator: from the
// strings, once per process.
func BenchmarkDomains(b *testing.B) {
	freeLarge("domain")
	w := loadWebReal(b)
	for _, n := range benchSizes(b) {
		b.Run(scaledName(n, len(w.domains), false), func(b *testing.B) {
			f := domainFixture(b, w, n)
			b.Logf("%d domains (%d real), %d queries", n, min(n, len(w.domains)), len(f.queries))
			runWebScale(b, f)
		})
	}
}

// BenchmarkURLs: Set.LookupURL and AdGuard's NetworkEngine.Match
// (rules.NewRequest included, as LookupURL includes canonicalisation) on
// URL indicators only ("||host/path" rules: see adguardRules, which skips
// URLs AdGuard cannot express) and the same raw queries: the real benign
// URLs with 5 % (seeded) replaced by a listed URL. The semantics differ
// as BenchmarkURLPeers explains, so hits/op differ slightly.
func BenchmarkURLs(b *testing.B) {
	freeLarge("url")
	w := loadWebReal(b)
	for _, n := range benchSizes(b) {
		b.Run(scaledName(n, len(w.urls), false), func(b *testing.B) {
			f := urlFixture(b, w, n)
			b.Logf("%d URLs (%d real), %d queries", n, min(n, len(w.urls)), len(f.queries))
			runWebScale(b, f)
		})
	}
}
