package remote

import (
	"bytes"
	"cmp"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/sift-intel/sift/match"
)

// Answer is what the server says about one full hash: the indicator that
// decides for its key. Its strings are shared: a Result handed to several
// callers carries the same ones.
type Answer struct {
	ID         uint32         // the indicator's ID in the server's Set, from 1 (see match.Set.Indicator)
	Action     match.Action   // allow, monitor or block; ActionNone in a Result: nothing matched
	Kind       match.Kind     // the indicator's kind
	Severity   match.Severity //
	Confidence uint8          // 0–100; 0 when unknown
	Source     string         // the feed the indicator came from
	Category   string         //
	Value      string         // the indicator's canonical value, as match.Set.Indicator gives it
}

// Matched reports whether an indicator decided the answer.
func (a Answer) Matched() bool { return a.Action != match.ActionNone }

// Match is a full hash the server holds, with its answer.
type Match struct {
	Hash [32]byte
	Answer
}

// IndexConfig configures [NewIndex]. The zero IndexConfig is usable.
type IndexConfig struct {
	// Feed is the feed id of the Set, recorded in the Filter and sent in
	// responses, so that clients can tell which list they asked about.
	// Empty: none; otherwise [a-z0-9][a-z0-9._-]{0,63}, as feed ids are.
	Feed string
	// Version is the data version of the Set. Zero: none.
	Version uint64
	// FalsePositiveRate is the filter's false-positive rate per key, in
	// (0, 1). Zero: 0.01. Each false positive costs the client a SHA-256
	// and, unless cached, a round trip that discloses one hash prefix of a
	// key that is not listed.
	FalsePositiveRate float64

	now func() time.Time // nil: time.Now
}

// IndexStats counts what [NewIndex] found in a Set.
type IndexStats struct {
	Indicators int                // indicators of the Set
	Keys       int                // distinct lookup keys (full hashes) served
	Skipped    map[match.Kind]int // indicators the remote tier cannot serve, by kind (byte patterns, User-Agents)
}

// Index is the server side of the remote tier: the SHA-256 full hash of
// every lookup key of a Set's indicators, sorted, each with the indicators
// that have that key in order of precedence, and the Filter built from the
// same keys. It is immutable and safe for concurrent use.
type Index struct {
	feed    string
	version uint64
	hashes  [][32]byte // sorted
	first   []uint32   // the candidates of hashes[i] are cands[first[i]:first[i+1]]
	cands   []uint32   // indexes into answers, in order of precedence
	answers []indexAnswer
	filter  *Filter
	stats   IndexStats
	now     func() time.Time
}

type indexAnswer struct {
	Answer
	expires int64 // Unix seconds; 0: never
}

// NewIndex builds the Index and the Filter of set. Every indicator is
// served except byte patterns and User-Agent substrings, which are matched
// in payloads, not looked up by key (see [IndexStats.Skipped]).
// "*.domain" indicators are served (see the package documentation). An indicator that
// expires stops matching when it expires, as in the Set.
func NewIndex(set *match.Set, cfg IndexConfig) (*Index, error) {
	if cfg.Feed != "" && !feedIDPattern.MatchString(cfg.Feed) {
		return nil, fmt.Errorf("remote: feed id %q: want [a-z0-9][a-z0-9._-]{0,63}", cfg.Feed)
	}
	rate := cfg.FalsePositiveRate
	if rate == 0 {
		rate = 0.01
	}
	if !(rate > 0 && rate < 1) {
		return nil, fmt.Errorf("remote: false-positive rate %v: want (0, 1)", rate)
	}
	type keyed struct {
		hash [32]byte
		ans  uint32
	}
	var (
		keys []keyed
		fb   filterBuilder
		buf  []byte
	)
	idx := &Index{feed: cfg.Feed, version: cfg.Version, now: cfg.now, stats: IndexStats{Skipped: map[match.Kind]int{}}}
	n := set.Len()
	idx.stats.Indicators = n
	for id := 1; id <= n; id++ {
		ind, ok := set.Indicator(uint32(id))
		if !ok {
			return nil, fmt.Errorf("remote: indicator %d of the set cannot be read", id)
		}
		c, body, err := indicatorKey(&fb, buf[:0], &ind)
		if errors.Is(err, errSkip) {
			idx.stats.Skipped[ind.Kind]++
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("remote: indicator %d (%s): %v", id, ind, err)
		}
		buf = body
		switch c {
		case clsURL, clsDomain, clsWild, clsEmail, clsJA3:
			fb.add(c, textHash(c, body))
		}
		a := indexAnswer{Answer: Answer{
			ID: uint32(id), Action: ind.Action, Kind: ind.Kind, Severity: ind.Severity, Confidence: ind.Confidence,
			Source: ind.Source, Category: ind.Category, Value: ind.Value,
		}}
		if !ind.Expires.IsZero() {
			a.expires = ind.Expires.Unix()
		}
		idx.answers = append(idx.answers, a)
		keys = append(keys, keyed{fullHash(c, body), uint32(len(idx.answers) - 1)})
	}
	// Intern the strings: feeds repeat sources and categories.
	intern := map[string]string{}
	for i := range idx.answers {
		a := &idx.answers[i].Answer
		for _, p := range []*string{&a.Source, &a.Category} {
			if s, ok := intern[*p]; ok {
				*p = s
			} else {
				intern[*p] = *p
			}
		}
	}
	slices.SortFunc(keys, func(x, y keyed) int {
		return cmp.Or(bytes.Compare(x.hash[:], y.hash[:]), precedes(&idx.answers[x.ans].Answer, &idx.answers[y.ans].Answer))
	})
	for i, k := range keys {
		if i == 0 || k.hash != keys[i-1].hash {
			idx.hashes = append(idx.hashes, k.hash)
			idx.first = append(idx.first, uint32(len(idx.cands)))
		}
		idx.cands = append(idx.cands, k.ans)
	}
	idx.first = append(idx.first, uint32(len(idx.cands)))
	idx.stats.Keys = len(idx.hashes)
	idx.filter = fb.build(cfg.Feed, cfg.Version, rate)
	return idx, nil
}

// precedes orders the indicators of one key as package match does: allow
// first, then (the key fixing the specificity) the higher severity, block
// before monitor, the higher confidence, the lower ID.
func precedes(a, b *Answer) int {
	return cmp.Or(
		-cmp.Compare(b2i(a.Action == match.ActionAllow), b2i(b.Action == match.ActionAllow)),
		-cmp.Compare(a.Severity, b.Severity),
		-cmp.Compare(a.Action, b.Action),
		-cmp.Compare(a.Confidence, b.Confidence),
		cmp.Compare(a.ID, b.ID),
	)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

var errSkip = errors.New("not served by the remote tier")

// indicatorKey returns the key of an indicator, appending its body to buf,
// and adds its gates and IP prefix lengths to fb. Set values are canonical
// already: only their syntax is read here.
func indicatorKey(fb *filterBuilder, buf []byte, ind *match.Indicator) (class, []byte, error) {
	v := ind.Value
	switch ind.Kind {
	case match.KindURL:
		host := v
		if i := strings.IndexByte(v, '/'); i >= 0 {
			host = v[:i]
		}
		fb.addName(clsURLBase, []byte(host))
		fb.flags |= hasURL
		return clsURL, append(buf, v...), nil
	case match.KindDomain:
		if name, ok := strings.CutPrefix(v, "*."); ok {
			fb.addName(clsBase, []byte(name))
			fb.flags |= hasWild
			return clsWild, append(buf, name...), nil
		}
		fb.addName(clsBase, []byte(v))
		fb.flags |= hasDomain
		return clsDomain, append(buf, v...), nil
	case match.KindIP, match.KindCIDR:
		var p netip.Prefix
		var err error
		if ind.Kind == match.KindCIDR {
			p, err = netip.ParsePrefix(v)
		} else {
			var a netip.Addr
			a, err = netip.ParseAddr(v)
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if err != nil {
			return 0, buf, err
		}
		p = p.Masked()
		l := p.Bits()
		if a := p.Addr(); a.Is4() {
			b := a.As4()
			x := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
			fb.add(clsIP4, ip4Hash(x, l))
			if l >= 16 {
				fb.add(clsIP4Gate, filterHash(clsIP4Gate, uint64(x>>16)))
			}
			fb.v4 |= 1 << l
			return clsIP4, appendPrefixText(buf, p), nil
		} else {
			b := a.As16()
			hi := beUint64(b[:8])
			fb.add(clsIP6, ip6Hash(hi, beUint64(b[8:]), l))
			if l >= 32 {
				fb.add(clsIP6Gate, filterHash(clsIP6Gate, hi>>32))
			}
			fb.v6[l/64] |= 1 << (l % 64)
			return clsIP6, appendPrefixText(buf, p), nil
		}
	case match.KindMD5, match.KindSHA1, match.KindSHA256:
		d, err := hex.DecodeString(v)
		if err != nil {
			return 0, buf, err
		}
		c := map[match.Kind]class{match.KindMD5: clsMD5, match.KindSHA1: clsSHA1, match.KindSHA256: clsSHA256}[ind.Kind]
		fb.add(c, textHash(c, d))
		fb.flags |= map[class]uint32{clsMD5: hasMD5, clsSHA1: hasSHA1, clsSHA256: hasSHA256}[c]
		return c, appendHex(buf, d), nil
	case match.KindEmail:
		fb.flags |= hasEmail
		return clsEmail, append(buf, v...), nil
	case match.KindJA3:
		fb.flags |= hasJA3
		return clsJA3, append(buf, v...), nil
	}
	return 0, buf, errSkip
}

func beUint64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
		uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
}

// Filter returns the filter of the index's keys, for the clients.
func (idx *Index) Filter() *Filter { return idx.filter }

// Feed returns the feed id given to NewIndex.
func (idx *Index) Feed() string { return idx.feed }

// Version returns the data version given to NewIndex.
func (idx *Index) Version() uint64 { return idx.version }

// Stats returns what NewIndex found.
func (idx *Index) Stats() IndexStats { return idx.stats }

// Len returns the number of full hashes the index serves.
func (idx *Index) Len() int { return len(idx.hashes) }

// Find returns every full hash that starts with one of the prefixes, with
// the answer of the indicator that decides it now; a full hash whose
// indicators have all expired is left out. Prefixes of any length from 1
// to 32 bytes are accepted; an empty one matches nothing (the Handler
// accepts 4 to 8 bytes). The result is sorted by hash, without
// duplicates.
func (idx *Index) Find(prefixes [][]byte) []Match {
	m, _ := idx.find(prefixes, idx.clock())
	return m
}

func (idx *Index) clock() time.Time {
	if idx.now != nil {
		return idx.now()
	}
	return time.Now()
}

// find is Find at time now; it also returns the earliest expiry (Unix
// seconds, 0: none) of the deciding indicators, after which another may
// decide.
func (idx *Index) find(prefixes [][]byte, now time.Time) ([]Match, int64) {
	var hits []int
	for _, p := range prefixes {
		if len(p) == 0 || len(p) > 32 {
			continue
		}
		i, _ := slices.BinarySearchFunc(idx.hashes, p, func(h [32]byte, p []byte) int {
			return bytes.Compare(h[:len(p)], p)
		})
		for ; i < len(idx.hashes) && bytes.HasPrefix(idx.hashes[i][:], p); i++ {
			hits = append(hits, i)
		}
	}
	slices.Sort(hits)
	hits = slices.Compact(hits)
	var out []Match
	var earliest int64
	sec := now.Unix()
	for _, i := range hits {
		for _, c := range idx.cands[idx.first[i]:idx.first[i+1]] {
			a := &idx.answers[c]
			if a.expires != 0 && sec >= a.expires {
				continue
			}
			if a.expires != 0 && (earliest == 0 || a.expires < earliest) {
				earliest = a.expires
			}
			out = append(out, Match{Hash: idx.hashes[i], Answer: a.Answer})
			break
		}
	}
	return out, earliest
}
