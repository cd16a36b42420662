package remote

// Benchmarks: a lookup of the remote tier against the same lookup on the
// local Set, on the same queries, with the remote cache warm (every query
// has been asked once: the listed ones are answered from the cache, the
// benign ones by the filter). Goal: remote at most 1.2× local.
//
//	go test -run '^$' -bench 'Remote' -count 10 ./remote/ > new.txt
//	benchstat -col /impl new.txt
//
// Data (loadReal, full corpus; skipped without it): maltrail domains and
// URLs, PhishTank URLs, maltrail and blocklist.de addresses, maltrail's
// worst-ASN ranges, ESET file hashes, 200 whitelist allow entries; queries:
// the Umbrella top list with 5 % subdomains of listed domains, real benign
// URLs with 10 % PhishTank URLs, addresses (listed, in listed ranges,
// random), Debian md5sums with 10 % listed hashes. -short takes fewer.

import (
	"context"
	"encoding/hex"
	"net/netip"
	"testing"
	"time"
)

var benchSink int

func BenchmarkRemote(b *testing.B) {
	maxInd, maxQ := 300_000, 100_000
	if testing.Short() {
		maxInd, maxQ = 30_000, 20_000
	}
	d := loadReal(b, maxInd, maxQ)
	set := buildSet(b, d.inds...)
	idx, err := NewIndex(set, IndexConfig{})
	if err != nil {
		b.Fatal(err)
	}
	c, err := NewClient(Config{Filter: idx.Filter(), Resolver: &IndexResolver{Index: idx, PositiveTTL: 1 << 50, NegativeTTL: 1 << 50}, MaxCacheEntries: 1 << 22})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.Logf("%d indicators, %d keys; filter: %d entries, %d KiB", set.Len(), idx.Len(), idx.Filter().Len(), idx.Filter().SizeBytes()>>10)

	addrs := make([]netip.Addr, len(d.addrQueries))
	for i, q := range d.addrQueries {
		addrs[i] = netip.MustParseAddr(q)
	}
	hashes := make([][]byte, len(d.hashQ))
	for i, q := range d.hashQ {
		hashes[i], _ = hex.DecodeString(q)
	}
	kinds := []struct {
		name   string
		n      int
		local  func(i int) bool
		remote func(i int) bool
	}{
		{"domain", len(d.domainQueries),
			func(i int) bool { return set.LookupDomain(d.domainQueries[i]).Matched() },
			func(i int) bool { return c.LookupDomain(ctx, d.domainQueries[i]).Matched() }},
		{"url", len(d.urlQueries),
			func(i int) bool { return set.LookupURL(d.urlQueries[i]).Matched() },
			func(i int) bool { return c.LookupURL(ctx, d.urlQueries[i]).Matched() }},
		{"addr", len(addrs),
			func(i int) bool { return set.LookupAddr(addrs[i]).Matched() },
			func(i int) bool { return c.LookupAddr(ctx, addrs[i]).Matched() }},
		{"hash", len(hashes),
			func(i int) bool { return set.LookupHash(hashes[i]).Matched() },
			func(i int) bool { return c.LookupHash(ctx, hashes[i]).Matched() }},
	}
	for _, k := range kinds {
		// Warm the cache, and check that both sides agree on every query.
		requests := c.Stats().Requests
		localHits, remoteHits := 0, 0
		for i := range k.n {
			l, r := k.local(i), k.remote(i)
			if l != r {
				b.Fatalf("%s query %d: local %v, remote %v", k.name, i, l, r)
			}
			if l {
				localHits++
			}
			if r {
				remoteHits++
			}
		}
		warm := c.Stats().Requests - requests
		b.Run("kind="+k.name, func(b *testing.B) {
			// impl=ratio: both, interleaved in chunks of the same queries
			// (in alternating order, so that neither always finds the
			// query's bytes in cache), timed chunk by chunk: the ratio
			// holds on a machine whose speed drifts. ns/op is per chunk.
			b.Run("impl=ratio", func(b *testing.B) {
				const chunk = 64
				var tl, tr time.Duration
				hits, i, n := 0, 0, 0
				for b.Loop() {
					if i+chunk > k.n {
						i = 0
					}
					run := func(fn func(int) bool) time.Duration {
						t0 := time.Now()
						for j := i; j < i+chunk; j++ {
							if fn(j) {
								hits++
							}
						}
						return time.Since(t0)
					}
					if n%2 == 0 {
						tl += run(k.local)
						tr += run(k.remote)
					} else {
						tr += run(k.remote)
						tl += run(k.local)
					}
					i += chunk
					n++
				}
				benchSink = hits
				b.ReportMetric(float64(tl)/float64(n*chunk), "local-ns/query")
				b.ReportMetric(float64(tr)/float64(n*chunk), "remote-ns/query")
				b.ReportMetric(float64(tr)/float64(tl), "remote/local")
			})
			for _, impl := range []struct {
				name string
				fn   func(int) bool
			}{{"local", k.local}, {"remote", k.remote}} {
				b.Run("impl="+impl.name, func(b *testing.B) {
					before := c.Stats().Requests
					b.ReportAllocs()
					hits, i := 0, 0
					for b.Loop() {
						if impl.fn(i) {
							hits++
						}
						if i++; i == k.n {
							i = 0
						}
					}
					benchSink = hits
					b.ReportMetric(float64(localHits)/float64(k.n), "hits/op")
					if impl.name == "remote" {
						b.ReportMetric(float64(warm)/float64(k.n), "warmup-requests/query")
						b.ReportMetric(float64(c.Stats().Requests-before)/float64(b.N), "requests/op")
					}
				})
			}
		})
	}
	if st := c.Stats(); st.Requests != 0 {
		b.Logf("warm-up: %d requests, %d prefixes for %d queries", st.Requests, st.Prefixes, len(d.domainQueries)+len(d.urlQueries)+len(addrs)+len(hashes))
	}
}
