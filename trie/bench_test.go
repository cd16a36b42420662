package trie_test

// BenchmarkDomains keeps the choice of suffix hashing honest: the same
// listed domains and the same queries through
//
//   - impl=domains: Domains, what package match uses: a gate on the last
//     two labels, then a Dict lookup of each suffix, longest first;
//   - impl=dict: the same Dict walk without the gate;
//   - impl=labels: a trie of reversed labels (com → example → evil), the
//     classic structure, flattened into a map from (node, label) to child
//     so that it is as compact as a Go map allows: one dependent lookup per
//     label;
//   - impl=map: the same walk as dict over a Go map[string]uint32.
//
// Domains are real (the URLhaus and maltrail lists) when the corpus is
// present, else generated; queries are real top sites with 5% subdomains
// of listed domains. Run:
//
//	go test -run '^$' -bench Domains -count 10 ./trie/ | tee new.txt
//	benchstat -col /impl new.txt

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unsafe"

	"github.com/sift-intel/sift/internal/corpus"
	"github.com/sift-intel/sift/trie"
)

// labelTrie is the reversed-label trie: node 0 is the root; edges are
// (parent, label) → child in one map; a child that ends a listed domain
// has a value.
type labelTrie struct {
	edges map[edge]uint32
	value []int32 // per node; -1: not a listed domain
}

type edge struct {
	parent uint32
	label  string
}

func newLabelTrie(domains []string) *labelTrie {
	t := &labelTrie{edges: map[edge]uint32{}, value: []int32{-1}}
	for i, d := range domains {
		node := uint32(0)
		for rest := d; rest != ""; {
			j := strings.LastIndexByte(rest, '.')
			label := rest[j+1:]
			rest = rest[:max(j, 0)]
			child, ok := t.edges[edge{node, label}]
			if !ok {
				child = uint32(len(t.value))
				t.value = append(t.value, -1)
				t.edges[edge{node, label}] = child
			}
			node = child
			if j < 0 {
				break
			}
		}
		t.value[node] = int32(i)
	}
	return t
}

// lookup returns the value of the most specific listed suffix of host.
func (t *labelTrie) lookup(host string) (int32, bool) {
	node, best := uint32(0), int32(-1)
	for rest := host; rest != ""; {
		j := strings.LastIndexByte(rest, '.')
		child, ok := t.edges[edge{node, rest[j+1:]}]
		if !ok {
			break
		}
		node = child
		if v := t.value[node]; v >= 0 {
			best = v
		}
		if j < 0 {
			break
		}
		rest = rest[:j]
	}
	return best, best >= 0
}

func benchDomains(b *testing.B) (domains, queries []string) {
	seen := map[string]bool{}
	add := func(v string) {
		v = strings.ToLower(strings.TrimSuffix(v, "."))
		if strings.Count(v, ".") >= 1 && !strings.ContainsAny(v, "/:[]_*") && strings.Trim(v, "0123456789.") != "" && !seen[v] {
			seen[v] = true
			domains = append(domains, v)
		}
	}
	if corpus.Dir() != "" {
		for _, f := range append(corpus.Files(b, "domains/maltrail"), corpus.Files(b, "domains/urlhaus-filter")...) {
			if strings.HasSuffix(f, "domains.txt") || strings.Contains(f, "maltrail") {
				for _, v := range corpus.Values(b, f) {
					add(v)
				}
			}
		}
		top, _ := corpus.Path(b, "benign/domains/umbrella-top-100k.txt")
		queries = corpus.Values(b, top)
	}
	r := rand.New(rand.NewPCG(1, 2))
	if len(domains) == 0 {
		for len(domains) < 100_000 {
			add(fmt.Sprintf("%x.%x.example", r.Uint32(), r.Uint32()%1000))
		}
		for range 100_000 {
			queries = append(queries, fmt.Sprintf("www.%x.test", r.Uint32()))
		}
	}
	for i := range queries {
		if r.IntN(20) == 0 { // 5%: a subdomain of a listed domain
			queries[i] = "cdn." + domains[r.IntN(len(domains))]
		}
	}
	return domains, queries
}

func BenchmarkDomains(b *testing.B) {
	domains, queries := benchDomains(b)
	var entries []trie.DictEntry
	m := map[string]uint32{}
	for i, d := range domains {
		entries = append(entries, trie.DictEntry{Key: []byte(d), Value: uint32(i)})
		m[d] = uint32(i)
	}
	dict, err := trie.BuildDict(entries)
	if err != nil {
		b.Fatal(err)
	}
	lt := newLabelTrie(domains)
	var des []trie.DomainEntry
	for i, d := range domains {
		des = append(des, trie.DomainEntry{Name: []byte(d), Exact: true, Sub: true, ExactV: uint32(i), SubV: uint32(i)})
	}
	dom, err := trie.BuildDomains(des)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%d domains, %d queries", len(domains), len(queries))
	walk := func(host string, get func(string) bool) bool {
		if get(host) {
			return true
		}
		for i := 0; i < len(host); i++ {
			if host[i] == '.' && get(host[i+1:]) {
				return true
			}
		}
		return false
	}
	impls := []struct {
		name string
		hit  func(string) bool
	}{
		{"domains", func(h string) bool {
			_, ok := dom.Lookup(unsafe.Slice(unsafe.StringData(h), len(h)))
			return ok
		}},
		{"dict", func(h string) bool {
			return walk(h, func(s string) bool { _, ok := dict.Lookup(unsafe.Slice(unsafe.StringData(s), len(s))); return ok })
		}},
		{"labels", func(h string) bool { _, ok := lt.lookup(h); return ok }},
		{"map", func(h string) bool { return walk(h, func(s string) bool { _, ok := m[s]; return ok }) }},
	}
	for _, impl := range impls {
		b.Run("impl="+impl.name, func(b *testing.B) {
			b.ReportAllocs()
			hits, i := 0, 0
			for b.Loop() {
				if impl.hit(queries[i%len(queries)]) {
					hits++
				}
				i++
			}
			b.ReportMetric(float64(hits)/float64(b.N), "hits/op")
		})
	}
}
