// Package oracle holds slow, obviously correct matchers: the reference that
// sift's fast structures are tested against. Each matcher scans every
// indicator for every query and applies the precedence rules of package
// match literally. Nothing here is fast, and nothing outside tests uses it.
package oracle

import (
	"cmp"
	"encoding/hex"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/sift-intel/sift/match"
)

// Result is the decision the oracle reaches for a query: the deciding
// indicator's action, kind, severity and confidence, and its value in
// canonical text (lower-case hex, netip's text for addresses and prefixes).
type Result struct {
	Action     match.Action
	Kind       match.Kind
	Severity   match.Severity
	Confidence uint8
	Value      string
}

// Oracle answers queries against a list of indicators by brute force: a
// hash query collects every indicator with that digest; an address query
// collects every indicator whose prefix, of each possible length, contains
// the address.
type Oracle struct {
	byDigest map[string][]entry
	byPrefix map[netip.Prefix][]entry
}

type entry struct {
	match.Indicator
	prefix netip.Prefix // for IP and CIDR
	digest string       // lower-case hex, for hashes
}

// New returns an Oracle for inds. Indicators it cannot read are ignored:
// the caller compares against sift's Builder, which refuses the same ones.
func New(inds []match.Indicator) *Oracle {
	o := &Oracle{byDigest: map[string][]entry{}, byPrefix: map[netip.Prefix][]entry{}}
	for _, ind := range inds {
		e := entry{Indicator: ind}
		if e.Action == match.ActionNone {
			e.Action = match.ActionBlock
		}
		v := strings.TrimSpace(ind.Value)
		if e.Kind == match.KindUnknown {
			e.Kind = shape(v)
		}
		switch e.Kind {
		case match.KindMD5, match.KindSHA1, match.KindSHA256:
			if _, err := hex.DecodeString(v); err != nil {
				continue
			}
			e.digest = strings.ToLower(v)
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
			e.prefix = p.Masked()
		default:
			continue
		}
		if e.digest != "" {
			o.byDigest[e.digest] = append(o.byDigest[e.digest], e)
		} else {
			o.byPrefix[e.prefix] = append(o.byPrefix[e.prefix], e)
		}
	}
	return o
}

// LookupHash decides for a digest in hex.
func (o *Oracle) LookupHash(digest string, now time.Time) Result {
	digest = strings.ToLower(digest)
	var hits []entry
	for _, e := range o.byDigest[digest] {
		if live(e, now) {
			hits = append(hits, e)
		}
	}
	return decide(hits, func(e entry) string { return e.digest })
}

// LookupAddr decides for an address.
func (o *Oracle) LookupAddr(a netip.Addr, now time.Time) Result {
	a = a.Unmap().WithZone("")
	var hits []entry
	for bits := 0; bits <= a.BitLen(); bits++ {
		p, _ := a.Prefix(bits)
		for _, e := range o.byPrefix[p] {
			if live(e, now) {
				hits = append(hits, e)
			}
		}
	}
	return decide(hits, func(e entry) string {
		if e.prefix.IsSingleIP() {
			return e.prefix.Addr().String()
		}
		return e.prefix.String()
	})
}

// shape is the oracle's own, simple reading of a value's kind.
func shape(v string) match.Kind {
	if _, err := hex.DecodeString(v); err == nil {
		switch len(v) {
		case 32:
			return match.KindMD5
		case 40:
			return match.KindSHA1
		case 64:
			return match.KindSHA256
		}
	}
	if _, err := netip.ParseAddr(v); err == nil {
		return match.KindIP
	}
	if _, err := netip.ParsePrefix(v); err == nil {
		return match.KindCIDR
	}
	return match.KindUnknown
}

func live(e entry, now time.Time) bool {
	return e.Expires.IsZero() || now.Before(e.Expires)
}

// decide applies DESIGN.md's precedence: an allow wins over everything;
// then the most specific; then the higher severity; block before monitor;
// then the higher confidence.
func decide(hits []entry, value func(entry) string) Result {
	if len(hits) == 0 {
		return Result{}
	}
	best := slices.MinFunc(hits, func(x, y entry) int {
		return cmp.Or(
			-cmp.Compare(allow(x), allow(y)),
			-cmp.Compare(x.prefix.Bits(), y.prefix.Bits()),
			-cmp.Compare(x.Severity, y.Severity),
			-cmp.Compare(x.Action, y.Action),
			-cmp.Compare(x.Confidence, y.Confidence),
		)
	})
	kind := best.Kind
	if best.prefix.IsValid() {
		kind = match.KindCIDR
		if best.prefix.IsSingleIP() {
			kind = match.KindIP
		}
	}
	return Result{Action: best.Action, Kind: kind, Severity: best.Severity, Confidence: best.Confidence, Value: value(best)}
}

func allow(e entry) int {
	if e.Action == match.ActionAllow {
		return 1
	}
	return 0
}
