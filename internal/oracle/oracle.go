// Package oracle holds slow, obviously correct matchers: the reference that
// sift's fast structures are tested against. Each collects every indicator
// that matches a query by the plainest means (a map per digest, a map per
// prefix length, a walk over a host's suffixes in a map, a map of URL
// expressions) and applies the precedence rules of package match
// literally. Nothing here is fast, and nothing outside tests uses it.
//
// Canonical forms come from package canon, which is tested on its own
// against the Safe Browsing vectors; the oracle checks matching, not
// canonicalisation.
package oracle

import (
	"cmp"
	"encoding/hex"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/sift-intel/sift/canon"
	"github.com/sift-intel/sift/match"
)

// Result is the decision the oracle reaches for a query: the deciding
// indicator's action, kind, severity and confidence, and its value in
// canonical text (lower-case hex, netip's text for addresses and prefixes,
// the canonical host or URL expression).
type Result struct {
	Action     match.Action
	Kind       match.Kind
	Severity   match.Severity
	Confidence uint8
	Value      string
	// Ties holds the values of every indicator that the rules rank
	// equal with the deciding one, Value included; which of them decides
	// is not specified.
	Ties []string
}

// Agrees reports whether got, a verdict's fields and its indicator's
// value, is a decision the oracle allows: the same action, kind, severity
// and confidence, and one of the tied values.
func (r Result) Agrees(got Result) bool {
	if r.Action != got.Action || r.Kind != got.Kind || r.Severity != got.Severity || r.Confidence != got.Confidence {
		return false
	}
	return got.Value == r.Value || slices.Contains(r.Ties, got.Value)
}

// Oracle answers queries against a list of indicators by brute force.
type Oracle struct {
	byDigest map[string][]entry
	byPrefix map[netip.Prefix][]entry
	byDomain map[string][]entry // canonical host, without "*."
	byExpr   map[string][]entry // canonical URL expression
}

type entry struct {
	match.Indicator
	value string // canonical text
	spec  int    // specificity, as package match defines it
	wild  bool   // a "*.domain": subdomains only
}

// New returns an Oracle for inds. Indicators it cannot read are ignored:
// the caller compares against sift's Builder, which refuses the same ones.
func New(inds []match.Indicator) *Oracle {
	o := &Oracle{byDigest: map[string][]entry{}, byPrefix: map[netip.Prefix][]entry{}, byDomain: map[string][]entry{}, byExpr: map[string][]entry{}}
	for _, ind := range inds {
		e := entry{Indicator: ind}
		if e.Action == match.ActionNone {
			e.Action = match.ActionBlock
		}
		v := strings.TrimSpace(ind.Value)
		if e.Kind == match.KindUnknown {
			e.Kind = match.KindOf(v)
		}
		switch e.Kind {
		case match.KindMD5, match.KindSHA1, match.KindSHA256:
			if _, err := hex.DecodeString(v); err != nil {
				continue
			}
			e.value = strings.ToLower(v)
			o.byDigest[e.value] = append(o.byDigest[e.value], e)
		case match.KindIP, match.KindCIDR:
			p, err := netip.ParsePrefix(v)
			if err != nil {
				a, err := netip.ParseAddr(v)
				if err != nil || a.Zone() != "" {
					continue
				}
				p = netip.PrefixFrom(a, a.BitLen())
			}
			if p.Addr().Is4In6() {
				if p.Bits() < 96 {
					continue
				}
				p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
			}
			p = p.Masked()
			e.Kind, e.value = match.KindCIDR, p.String()
			if p.IsSingleIP() {
				e.Kind, e.value = match.KindIP, p.Addr().String()
			}
			e.spec = p.Bits()
			o.byPrefix[p] = append(o.byPrefix[p], e)
		case match.KindDomain:
			name, wild := strings.CutPrefix(v, "*.")
			h, err := canon.AppendHost(nil, name)
			if err != nil {
				continue
			}
			e.wild, e.value = wild, string(h)
			if wild {
				e.value = "*." + e.value
			}
			e.spec = 256 + strings.Count(string(h), ".")
			o.byDomain[string(h)] = append(o.byDomain[string(h)], e)
		case match.KindURL:
			u, err := canon.Parse(nil, v)
			if err != nil {
				continue
			}
			e.value = string(u.Expression())
			e.spec = 512 + min(len(e.value), 0xffff-512)
			o.byExpr[e.value] = append(o.byExpr[e.value], e)
		}
	}
	return o
}

// LookupHash decides for a digest in hex.
func (o *Oracle) LookupHash(digest string, now time.Time) Result {
	return decide(live(o.byDigest[strings.ToLower(digest)], now))
}

// LookupAddr decides for an address.
func (o *Oracle) LookupAddr(a netip.Addr, now time.Time) Result {
	return decide(o.addrHits(a, now))
}

func (o *Oracle) addrHits(a netip.Addr, now time.Time) []entry {
	a = a.Unmap().WithZone("")
	var hits []entry
	for bits := 0; bits <= a.BitLen(); bits++ {
		p, _ := a.Prefix(bits)
		hits = append(hits, live(o.byPrefix[p], now)...)
	}
	return hits
}

// LookupDomain decides for a host name: the entries of the host itself
// (not the "*." ones) and all the entries of each of its parents.
func (o *Oracle) LookupDomain(host string, now time.Time) Result {
	h, err := canon.AppendHost(nil, host)
	if err != nil {
		return Result{}
	}
	if a, err := netip.ParseAddr(string(h)); err == nil {
		return o.LookupAddr(a, now)
	}
	return decide(o.domainHits(string(h), now))
}

func (o *Oracle) domainHits(h string, now time.Time) []entry {
	var hits []entry
	for _, e := range live(o.byDomain[h], now) {
		if !e.wild {
			hits = append(hits, e)
		}
	}
	for i := 0; i < len(h); i++ {
		if h[i] == '.' {
			hits = append(hits, live(o.byDomain[h[i+1:]], now)...)
		}
	}
	return hits
}

// LookupURL decides for a URL: its expressions, its host as a domain, or
// its host as an address when it is one.
func (o *Oracle) LookupURL(raw string, now time.Time) Result {
	u, err := canon.Parse(nil, raw)
	if err != nil {
		return Result{}
	}
	var hits []entry
	if a := u.Addr(); a.IsValid() {
		hits = o.addrHits(a, now)
	} else {
		hits = o.domainHits(string(u.Host()), now)
	}
	for x := range u.Expressions {
		hits = append(hits, live(o.byExpr[string(x)], now)...)
	}
	return decide(hits)
}

func live(es []entry, now time.Time) []entry {
	var out []entry
	for _, e := range es {
		if e.Expires.IsZero() || now.Before(e.Expires) {
			out = append(out, e)
		}
	}
	return out
}

// decide applies DESIGN.md's precedence: an allow wins over everything;
// then the most specific; then the higher severity; block before monitor;
// then the higher confidence.
func decide(hits []entry) Result {
	if len(hits) == 0 {
		return Result{}
	}
	rank := func(x, y entry) int {
		return cmp.Or(
			-cmp.Compare(allow(x), allow(y)),
			-cmp.Compare(x.spec, y.spec),
			-cmp.Compare(x.Severity, y.Severity),
			-cmp.Compare(x.Action, y.Action),
			-cmp.Compare(x.Confidence, y.Confidence),
		)
	}
	best := slices.MinFunc(hits, rank)
	r := Result{Action: best.Action, Kind: best.Kind, Severity: best.Severity, Confidence: best.Confidence, Value: best.value}
	for _, h := range hits {
		if rank(h, best) == 0 && h.Kind == best.Kind && !slices.Contains(r.Ties, h.value) {
			r.Ties = append(r.Ties, h.value)
		}
	}
	return r
}

func allow(e entry) int {
	if e.Action == match.ActionAllow {
		return 1
	}
	return 0
}
