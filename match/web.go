package match

import (
	"bytes"
	"cmp"
	"github.com/sift-intel/sift/internal/shape"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"unsafe"

	"github.com/sift-intel/sift/canon"
	"github.com/sift-intel/sift/trie"
	"golang.org/x/net/publicsuffix"
)

// specificity ranks the matches of one query against each other: a
// longer prefix is more specific; a domain match is more specific than an
// address match, and a URL match more specific than both (a domain match
// with more labels, a URL expression that is longer, more specific still).
func specificity(n *normalized, value []byte) uint16 {
	switch n.kind {
	case KindIP, KindCIDR:
		return uint16(n.prefix.Bits())
	case KindDomain:
		return 256 + uint16(bytes.Count(bytes.TrimPrefix(value, []byte("*.")), []byte{'.'}))
	case KindURL:
		return 512 + uint16(min(len(value), 0xffff-512))
	case KindPattern, KindUserAgent:
		return uint16(min(len(value), 0xffff)) // the longer pattern is the more specific
	}
	return 0
}

// appendDomain validates a domain indicator and appends its canonical
// form: a host, or "*." and a host for subdomains only.
func appendDomain(dst []byte, v string) ([]byte, string) {
	wild := strings.HasPrefix(v, "*.")
	if wild {
		v = v[2:]
		dst = append(dst, "*."...)
	}
	start := len(dst)
	out, err := canon.AppendHost(dst, v)
	if err != nil {
		return dst, err.Error()
	}
	host := string(out[start:])
	if _, err := netip.ParseAddr(host); err == nil {
		return dst, "an IP address, not a domain"
	}
	if strings.IndexByte(host, '.') < 0 {
		return dst, "a single label is a top-level domain, not a domain indicator"
	}
	if tld := host[strings.LastIndexByte(host, '.')+1:]; strings.Trim(tld, "0123456789") == "" {
		return dst, "the top-level label " + tld + " is all digits"
	}
	// A listed public suffix would match everything under it: com,
	// co.uk, github.io. The list is consulted here only, never per query.
	if ps, _ := publicsuffix.PublicSuffix(host); ps == host {
		return dst, "is a public suffix (" + host + "): it would match every domain under it"
	}
	return out, ""
}

// appendURL validates a URL indicator and appends its canonical Safe
// Browsing expression: host and path, with the query, without scheme.
func appendURL(dst []byte, v string) ([]byte, string) {
	var buf [512]byte
	u, err := canon.Parse(buf[:0], v)
	if err != nil {
		return dst, err.Error()
	}
	return append(dst, u.Expression()...), ""
}

// domainKeys builds the domain section. A listed domain D has up to two
// keys: "D" for the host D itself, and ".D" for its subdomains (the suffix
// of any subdomain's name). Each key's candidate is settled here from D's
// entries and those of every listed ancestor of D, so a lookup stops at
// the most specific key it finds.
func (cb *chainBuilder) domainIndex(kr kindRange) *trie.Domains {
	if kr.count == 0 {
		return nil
	}
	type group struct{ exact, wild []uint32 }
	groups := map[string]*group{}
	var names []string
	for id := kr.first; id < kr.first+kr.count; id++ {
		v := cb.value(id)
		name, wild := strings.CutPrefix(v, "*.")
		g := groups[name]
		if g == nil {
			g = &group{}
			groups[name] = g
			names = append(names, name)
		}
		if wild {
			g.wild = append(g.wild, id)
		} else {
			g.exact = append(g.exact, id)
		}
	}
	slices.Sort(names)
	var entries []trie.DomainEntry
	for _, name := range names {
		g := groups[name]
		var above []uint32 // entries of listed ancestors: they match both keys
		for i := strings.IndexByte(name, '.'); i >= 0; {
			if a := groups[name[i+1:]]; a != nil {
				above = append(above, a.exact...)
				above = append(above, a.wild...)
			}
			j := strings.IndexByte(name[i+1:], '.')
			if j < 0 {
				break
			}
			i += 1 + j
		}
		e := trie.DomainEntry{Name: []byte(name), Exact: len(g.exact) > 0, Sub: true}
		if e.Exact {
			e.ExactV = cb.candidate(append(slices.Clone(g.exact), above...))
		}
		e.SubV = cb.candidate(append(append(slices.Clone(g.exact), g.wild...), above...))
		entries = append(entries, e)
	}
	d, err := trie.BuildDomains(entries)
	if err != nil {
		panic(err) // names are distinct canonical domains by construction
	}
	return d
}

// urlIndex builds the URL section: each canonical expression, with the
// records that list it.
func (cb *chainBuilder) urlIndex(kr kindRange) *trie.URLs {
	if kr.count == 0 {
		return nil
	}
	var entries []trie.DictEntry
	for v, cand := range cb.runs(kr) {
		entries = append(entries, trie.DictEntry{Key: []byte(v), Value: cand})
	}
	u, err := trie.BuildURLs(entries)
	if err != nil {
		panic(err) // expressions are distinct and bounded by canon.MaxURLLength
	}
	return u
}

func (cb *chainBuilder) value(id uint32) string {
	r := &cb.set.recs[id]
	return string(cb.set.heap[r.value : r.value+r.valueLen])
}

// hostBufs holds buffers for hosts and URLs longer than the stack buffers
// of the lookups, so that long inputs do not allocate either.
var hostBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// LookupDomain returns the verdict for a host name: a listed domain
// matches itself and its subdomains, a listed "*.domain" its subdomains
// only. The host is canonicalised first (case, dots, IDN, IPv4 spellings);
// an IP address is looked up as an address. It does not allocate for ASCII
// hosts.
func (s *Set) LookupDomain(host string) Verdict {
	if s == nil {
		return Verdict{}
	}
	var now int64
	if canon.IsCanonicalHost(host) {
		// Most queries come canonical already: skip the copy.
		return s.lookupCanonicalHost(unsafe.Slice(unsafe.StringData(host), len(host)), &now)
	}
	var buf [256]byte
	h, err := canon.AppendHost(buf[:0], host)
	if err != nil {
		return Verdict{}
	}
	return s.lookupCanonicalHost(h, &now)
}

// lookupCanonicalHost looks a canonical host up as a domain, or as an
// address when it is one.
func (s *Set) lookupCanonicalHost(h []byte, now *int64) Verdict {
	// A canonical host can be an address only if it starts with a digit
	// or a bracket.
	if len(h) > 0 && ('0' <= h[0] && h[0] <= '9' || h[0] == '[' || h[0] == ':') {
		if a, ok := parseAddrBytes(h); ok {
			return s.LookupAddr(a)
		}
	}
	if s.domains == nil {
		return Verdict{}
	}
	if c, ok := s.domains.Lookup(h); ok {
		return s.decide(c, now)
	}
	return Verdict{}
}

// parseAddrBytes is parseAddr for a byte slice that must not escape: an
// IPv6 literal, rare in a host name, is copied into a string first.
func parseAddrBytes(h []byte) (netip.Addr, bool) {
	if bytes.IndexByte(h, ':') < 0 {
		return shape.ParseIPv4(unsafeString(h)) // keeps nothing of h
	}
	return shape.ParseAddr(string(h))
}

// LookupURL returns the verdict for a URL: its Safe Browsing expressions
// against URL indicators, its host as a domain, and its host as an address
// when it is an IP literal (in any IPv4 spelling). Among the matches, an
// allow decides first, then the most specific (a URL match over a domain
// match over an address match), then the higher severity. It does not
// allocate for URLs that need no unescaping.
func (s *Set) LookupURL(raw string) Verdict {
	if s == nil {
		return Verdict{}
	}
	var stack [512]byte
	buf := stack[:0]
	if len(raw) > len(stack)/4 {
		// Escaping can triple a URL, and canon stages the unescaped text
		// beside the output: a long URL takes a pooled buffer, kept at
		// the size it grows to.
		p := hostBufs.Get().(*[]byte)
		defer func() { hostBufs.Put(p) }()
		if cap(*p) < 4*len(raw)+64 {
			*p = make([]byte, 0, 4*len(raw)+64)
		}
		buf = (*p)[:0]
	}
	u, err := canon.Parse(buf, raw)
	if err != nil {
		return Verdict{}
	}
	var now int64
	var best Verdict
	if a := u.Addr(); a.IsValid() {
		best = s.LookupAddr(a)
	} else if s.domains != nil {
		if c, ok := s.domains.Lookup(u.Host()); ok {
			best = s.decide(c, &now)
		}
	}
	if !s.urls.MayMatch(u.Host()) && !s.urlParentsMayMatch(u.Host()) {
		return best
	}
	// Exprs, not Expressions: it keeps buf on the stack (see canon).
	x := u.Exprs()
	for i := range x.Len() {
		if c, ok := s.urls.Lookup(x.At(i)); ok {
			if v := s.decide(c, &now); v.Matched() && s.better(v, best) {
				best = v
			}
		}
	}
	return best
}

// urlParentsMayMatch asks the URL gate about the host suffixes that
// expressions use: each parent of host, down to two labels. Most URLs are
// answered here from the filter, without looking up their expressions.
func (s *Set) urlParentsMayMatch(host []byte) bool {
	for i, b := range host {
		if b == '.' && bytes.IndexByte(host[i+1:], '.') >= 0 && s.urls.MayMatch(host[i+1:]) {
			return true
		}
	}
	return false
}

// better reports whether v takes precedence over w, by the rules of
// Builder: allow first, then specificity, severity, action, confidence,
// and the lower ID.
func (s *Set) better(v, w Verdict) bool {
	if !w.Matched() {
		return true
	}
	var sv, sw uint16
	if int(v.ID) <= len(s.recs) && int(w.ID) <= len(s.recs) {
		sv, sw = s.recs[v.ID-1].spec, s.recs[w.ID-1].spec
	}
	return cmp.Or(
		-cmp.Compare(b2i(v.Action == ActionAllow), b2i(w.Action == ActionAllow)),
		-cmp.Compare(sv, sw),
		-cmp.Compare(v.Severity, w.Severity),
		-cmp.Compare(v.Action, w.Action),
		-cmp.Compare(v.Confidence, w.Confidence),
		cmp.Compare(v.ID, w.ID),
	) < 0
}
