package bench

// The data of the scaled benchmarks (BenchmarkHashes, BenchmarkFilters,
// BenchmarkIPs, BenchmarkDomains, BenchmarkURLs, BenchmarkParallel): real
// indicators from the shared corpus first, extended to the benchmark's size
// with seeded derived data of the same shape where the real lists are
// smaller. Every benchmark names where its data came from in a data=
// element of its name:
//
//   - data=real: every indicator is from the shared corpus;
//   - data=real+derived: all the real ones, then derived ones;
//   - data=sample+derived: the committed sample (testdata/sample) stood
//     in for the missing corpus;
//   - data=derived: no real list of the kind was found.
//
// Derived data keeps the shape of the real data it is derived from:
//
//   - SHA-256 digests: SHA-256(real digest ‖ counter), uniform as real
//     digests are;
//   - IPv4 prefixes: a real prefix's first octet and length, random other
//     bits, so the mix of lengths (85 % /32, 10 % /24, …) and the spread
//     over the address space stay those of the real lists;
//   - domains: a real domain with the label before its public suffix
//     replaced by a random one of the same length ("a.evil.co.uk" →
//     "a.q3kzx.co.uk"): same depth, label lengths and suffixes;
//   - URLs: a real URL indicator with its host derived as a domain is, and
//     its scheme, port, path and query kept.
//
// Probes (queries) are real where the kind has real benign data (Debian
// package digests, benign address ranges, the Umbrella top sites, real
// URLs), mixed with members of the set; see each benchmark.

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/publicsuffix"

	"github.com/sift-intel/sift/internal/corpus"
)

// benchSizes returns the set sizes of the scaled benchmarks: 10k, 1M and
// 10M, or 10k and 1M under -short. SIFT_BENCH_SIZES (for example
// "10k,100k") overrides both.
func benchSizes(b *testing.B) []int {
	if v := os.Getenv("SIFT_BENCH_SIZES"); v != "" {
		var out []int
		for _, f := range strings.Split(v, ",") {
			n, err := parseSize(strings.TrimSpace(f))
			if err != nil {
				b.Fatalf("SIFT_BENCH_SIZES: %v", err)
			}
			out = append(out, n)
		}
		return out
	}
	if testing.Short() {
		return []int{10_000, 1_000_000}
	}
	return []int{10_000, 1_000_000, 10_000_000}
}

// parseSize reads "10k", "1M" or a plain count.
func parseSize(s string) (int, error) {
	mul := 1
	switch {
	case strings.HasSuffix(s, "k"):
		mul, s = 1_000, s[:len(s)-1]
	case strings.HasSuffix(s, "M"):
		mul, s = 1_000_000, s[:len(s)-1]
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return n * mul, nil
}

// provenance says where n indicators come from when real of them are real
// (from the committed sample if sample is set): see the package comment
// above.
func provenance(n, real int, sample bool) string {
	src := "real"
	if sample {
		src = "sample"
	}
	switch {
	case real == 0:
		return "derived"
	case n <= real:
		return src
	}
	return src + "+derived"
}

// scaledName is the name of one size of a scaled benchmark:
// "n=1M/data=real+derived".
func scaledName(n, real int, sample bool) string {
	return sizeName(n) + "/data=" + provenance(n, real, sample)
}

// corpusFiles returns the regular files under rel in the full corpus, or,
// without it, in the committed sample (sample is then true). Unlike
// corpus.Files it never skips: a kind without real data is derived.
func corpusFiles(rel string) (files []string, sample bool) {
	root := corpus.Dir()
	if root == "" {
		root, sample = corpus.SampleDir(), true
	}
	if root == "" {
		return nil, sample
	}
	filepath.WalkDir(filepath.Join(root, rel), func(p string, e fs.DirEntry, err error) error {
		if err == nil && e.Type().IsRegular() && !strings.HasSuffix(p, ".gz") {
			files = append(files, p)
		}
		return nil
	})
	return files, sample
}

// --- SHA-256 digests ----------------------------------------------------

// digestData: the real malicious SHA-256 digests of the corpus (the LOKI
// and ESET hash lists, MISP, Zeek and STIX files, and the sample digests
// maltrail cites in its "# Reference:" comments), distinct and shuffled;
// and real benign ones (Debian packages, MISP warninglists) that are not
// among them, for misses.
type digestData struct {
	real, benign [][32]byte
	sample       bool
}

var digestCache *digestData

func loadDigests(b *testing.B) *digestData {
	b.Helper()
	if digestCache != nil {
		return digestCache
	}
	d := &digestData{}
	seen := map[[32]byte]bool{}
	for _, dir := range []string{"hashes", "misp", "zeek", "stix", "domains/maltrail"} {
		files, sample := corpusFiles(dir)
		d.sample = d.sample || sample
		for _, f := range files {
			hexTokens(b, f, 64, func(v [32]byte) {
				if !seen[v] {
					seen[v] = true
					d.real = append(d.real, v)
				}
			})
		}
	}
	files, _ := corpusFiles("benign/hashes")
	for _, f := range files {
		hexTokens(b, f, 64, func(v [32]byte) {
			if !seen[v] {
				seen[v] = true
				d.benign = append(d.benign, v)
			}
		})
	}
	r := rand.New(rand.NewPCG(32, 1))
	r.Shuffle(len(d.real), func(i, j int) { d.real[i], d.real[j] = d.real[j], d.real[i] })
	r.Shuffle(len(d.benign), func(i, j int) { d.benign[i], d.benign[j] = d.benign[j], d.benign[i] })
	digestCache = d
	return d
}

// hexTokens calls fn with every whole word of exactly size hex digits in
// file (so a 64-digit token inside a longer one is not taken), decoded.
func hexTokens(b *testing.B, file string, size int, fn func([32]byte)) {
	data, err := os.ReadFile(file)
	if err != nil {
		b.Fatal(err)
	}
	isHex := func(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c|0x20 && c|0x20 <= 'f' }
	isWord := func(c byte) bool { return isHex(c) || 'g' <= c|0x20 && c|0x20 <= 'z' || c == '_' }
	for i := 0; i < len(data); {
		if !isHex(data[i]) || i > 0 && isWord(data[i-1]) {
			i++
			continue
		}
		j := i
		for j < len(data) && isHex(data[j]) {
			j++
		}
		if j-i == size && (j == len(data) || !isWord(data[j])) {
			var v [32]byte
			for k := 0; k < size; k += 2 {
				v[k/2] = unhex(data[i+k])<<4 | unhex(data[i+k+1])
			}
			fn(v)
		}
		i = j
	}
}

func unhex(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return c | 0x20 - 'a' + 10
}

// derivedDigest is SHA-256(base ‖ i): the i-th derived digest.
func derivedDigest(base [32]byte, i uint64) [32]byte {
	var buf [40]byte
	copy(buf[:], base[:])
	binary.LittleEndian.PutUint64(buf[32:], i)
	return sha256.Sum256(buf[:])
}

// digests returns n distinct digests: the real ones, then derived ones.
func (d *digestData) digests(n int) [][32]byte {
	out := make([][32]byte, 0, n)
	out = append(out, d.real[:min(n, len(d.real))]...)
	var zero [32]byte
	for i := len(out); i < n; i++ {
		base := zero
		if len(d.real) > 0 {
			base = d.real[i%len(d.real)]
		}
		out = append(out, derivedDigest(base, uint64(i)))
	}
	return out
}

// digestProbes returns benchProbes digests, shuffled: half members of set,
// half absent: the real benign digests, then derived ones.
func (d *digestData) probes(set [][32]byte, seed uint64) [][32]byte {
	r := rand.New(rand.NewPCG(seed, 2))
	ps := make([][32]byte, 0, benchProbes)
	for range benchProbes / 2 {
		ps = append(ps, set[r.IntN(len(set))])
	}
	ps = append(ps, d.benign[:min(len(d.benign), benchProbes/2)]...)
	for i := uint64(0); len(ps) < benchProbes; i++ {
		ps = append(ps, derivedDigest([32]byte{'m', 'i', 's', 's'}, i))
	}
	r.Shuffle(len(ps), func(i, j int) { ps[i], ps[j] = ps[j], ps[i] })
	return ps
}

// --- IPv4 prefixes ------------------------------------------------------

// ip4Data: the IPv4 addresses and prefixes of the malicious lists under
// ips/ (mass scanners, blocklist.de, worst-ASN ranges, Feodo Tracker C2),
// masked, distinct and shuffled; and benign ones for probes (public DNS,
// cloud and CDN ranges, the clients of a real web server log).
type ip4Data struct {
	real, benign []netip.Prefix
	sample       bool
}

var ip4Cache *ip4Data

func loadIP4(b *testing.B) *ip4Data {
	b.Helper()
	if ip4Cache != nil {
		return ip4Cache
	}
	d := &ip4Data{}
	parse := func(v string) (netip.Prefix, bool) {
		if p, err := netip.ParsePrefix(v); err == nil && p.Addr().Is4() {
			return p.Masked(), true
		}
		if a, err := netip.ParseAddr(v); err == nil && a.Is4() {
			return netip.PrefixFrom(a, 32), true
		}
		return netip.Prefix{}, false
	}
	seen := map[netip.Prefix]bool{}
	files, sample := corpusFiles("ips")
	d.sample = sample
	for _, f := range files {
		var vals []string
		switch {
		case strings.HasSuffix(f, ".txt"):
			vals = corpus.Values(b, f)
		case strings.HasSuffix(f, ".json"):
			data, err := os.ReadFile(f)
			if err != nil {
				b.Fatal(err)
			}
			var feodo []struct {
				IP string `json:"ip_address"`
			}
			if json.Unmarshal(data, &feodo) == nil {
				for _, e := range feodo {
					vals = append(vals, e.IP)
				}
			}
		}
		for _, v := range vals {
			if p, ok := parse(v); ok && !seen[p] {
				seen[p] = true
				d.real = append(d.real, p)
			}
		}
	}
	files, _ = corpusFiles("benign/ips")
	if f, _ := corpusFiles("benign/logs"); len(f) > 0 {
		files = append(files, f...)
	}
	for _, f := range files {
		var vals []string
		switch {
		case strings.HasSuffix(f, ".json"):
			data, err := os.ReadFile(f)
			if err != nil {
				b.Fatal(err)
			}
			var wl struct{ List []string }
			if json.Unmarshal(data, &wl) == nil {
				vals = wl.List
			}
		case strings.Contains(f, "apache"), strings.HasSuffix(f, ".txt"):
			vals = corpus.Values(b, f)
		}
		for _, v := range vals {
			if p, ok := parse(v); ok {
				d.benign = append(d.benign, p)
			}
		}
	}
	r := rand.New(rand.NewPCG(4, 1))
	r.Shuffle(len(d.real), func(i, j int) { d.real[i], d.real[j] = d.real[j], d.real[i] })
	ip4Cache = d
	return d
}

// prefixes returns n distinct IPv4 prefixes: the real ones, then derived
// ones (a real prefix's first octet and length, random other bits).
func (d *ip4Data) prefixes(n int) []netip.Prefix {
	out := make([]netip.Prefix, 0, n)
	out = append(out, d.real[:min(n, len(d.real))]...)
	if len(out) == n {
		return out
	}
	seen := make(map[netip.Prefix]struct{}, n)
	for _, p := range out {
		seen[p] = struct{}{}
	}
	r := rand.New(rand.NewPCG(uint64(n), 4))
	for len(out) < n {
		first, bits := uint32(r.IntN(224)), 32 // without real data: /32s under 224/3
		if len(d.real) > 0 {
			p := d.real[r.IntN(len(d.real))]
			first, bits = uint32(p.Addr().As4()[0]), p.Bits()
		}
		var a [4]byte
		binary.BigEndian.PutUint32(a[:], first<<24|r.Uint32()>>8)
		p := netip.PrefixFrom(netip.AddrFrom4(a), bits).Masked()
		if _, dup := seen[p]; !dup {
			seen[p] = struct{}{}
			out = append(out, p)
		}
	}
	return out
}

// probes returns benchProbes addresses, shuffled: half a random address in
// a random prefix of set, half a random address in a benign prefix (or a
// random address without benign data).
func (d *ip4Data) probes(set []netip.Prefix, seed uint64) []netip.Addr {
	r := rand.New(rand.NewPCG(seed, 4))
	out := make([]netip.Addr, benchProbes)
	for i := range out {
		switch {
		case i%2 == 0:
			out[i] = randomIn(r, set[r.IntN(len(set))])
		case len(d.benign) > 0:
			out[i] = randomIn(r, d.benign[r.IntN(len(d.benign))])
		default:
			var a [4]byte
			binary.BigEndian.PutUint32(a[:], r.Uint32())
			out[i] = netip.AddrFrom4(a)
		}
	}
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// --- domains and URLs ---------------------------------------------------

// deriveHost returns host with the label before its public suffix replaced
// by a random label of the same length (letters and digits, starting with
// a letter), or "" if host has no such label. A new label that makes a
// public suffix of its own ("co" before ".gl") is drawn again: the Builder
// refuses public suffixes.
func deriveHost(r *rand.Rand, host string) string {
	etld1, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		return ""
	}
	dot := strings.IndexByte(etld1, '.')
	if dot <= 0 {
		return ""
	}
	const alnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	label := make([]byte, dot)
	for {
		for i := range label {
			if i == 0 {
				label[i] = alnum[r.IntN(26)]
			} else {
				label[i] = alnum[r.IntN(len(alnum))]
			}
		}
		name := string(label) + etld1[dot:]
		if ps, _ := publicsuffix.PublicSuffix(name); ps != name {
			return host[:len(host)-len(etld1)] + name
		}
	}
}

// scaleDomains returns n distinct domains: real (the canonical, distinct
// domains of webLoad, in its order), then derived from them by deriveHost.
func scaleDomains(real []string, n int) []string {
	out := make([]string, 0, n)
	out = append(out, real[:min(n, len(real))]...)
	if len(out) == n || len(real) == 0 {
		return out
	}
	seen := make(map[string]struct{}, n)
	for _, d := range out {
		seen[d] = struct{}{}
	}
	r := rand.New(rand.NewPCG(uint64(n), 9))
	for len(out) < n {
		h := deriveHost(r, real[r.IntN(len(real))])
		if _, dup := seen[h]; h == "" || dup {
			continue
		}
		seen[h] = struct{}{}
		out = append(out, h)
	}
	return out
}

// scaleURLs returns n URLs: the real URL indicators, then real ones with
// their host derived (deriveHost); duplicates are possible but rare.
func scaleURLs(real []string, n int) []string {
	out := make([]string, 0, n)
	out = append(out, real[:min(n, len(real))]...)
	if len(out) == n || len(real) == 0 {
		return out
	}
	r := rand.New(rand.NewPCG(uint64(n), 10))
	for len(out) < n {
		u := real[r.IntN(len(real))]
		scheme, rest, ok := strings.Cut(u, "://")
		if !ok {
			rest, scheme = u, ""
		}
		end := strings.IndexAny(rest, "/?#")
		if end < 0 {
			end = len(rest)
		}
		host, port := rest[:end], ""
		if i := strings.LastIndexByte(host, ':'); i >= 0 {
			host, port = host[:i], host[i:]
		}
		h := deriveHost(r, strings.ToLower(host))
		if h == "" {
			continue
		}
		v := h + port + rest[end:]
		if ok {
			v = scheme + "://" + v
		}
		out = append(out, v)
	}
	return out
}

// The fixtures of the scaled benchmarks are cached per size, so that -count
// reruns and BenchmarkParallel reuse them; at 10M they take gigabytes each.
// Each benchmark frees the other benchmarks' fixtures above 1M (and the
// Aho-Corasick peers' automata) before it builds its own, so that the
// whole suite fits the 24 GiB of the machines it is run on.
var largeFixtures = map[string]func(){
	"hash":   func() { deleteLarge(hashScales) },
	"filter": func() { deleteLarge(filterScales) },
	"ip":     func() { deleteLarge(ipScales) },
	"domain": func() { deleteLarge(domainScales) },
	"url":    func() { deleteLarge(urlScales) },
	"ac":     func() { clear(acBuilt); clear(petarBuilt) },
}

func deleteLarge[V any](m map[int]V) {
	for n := range m {
		if n > 1_000_000 {
			delete(m, n)
		}
	}
}

// freeLarge frees the large fixtures of every benchmark but keep's.
func freeLarge(keep string) {
	for name, free := range largeFixtures {
		if name != keep {
			free()
		}
	}
	debug.FreeOSMemory()
}
