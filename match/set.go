package match

import (
	"encoding/binary"
	"encoding/hex"
	"github.com/sift-intel/sift/internal/shape"
	"iter"
	"net/netip"
	"strings"
	"time"
	"unsafe"

	"github.com/sift-intel/sift/bloom"
	"github.com/sift-intel/sift/hashset"
	"github.com/sift-intel/sift/internal/iptable"
	"github.com/sift-intel/sift/trie"
)

// Set is an immutable collection of indicators, organised for lookups.
//
// A Set is built by a [Builder] or opened from its serialised form with
// [Open]. It is safe for concurrent use: lookups never lock and never
// allocate. A nil *Set is empty: every lookup returns the zero Verdict.
type Set struct {
	recs    []record
	heap    []byte   // indicator values in record order, so each hash kind's digests are packed
	meta    []byte   // encoded Meta beyond the record's fields, see meta.go
	labels  []string // sources and categories; label 0 is ""
	chains  []uint32 // precedence-ordered candidate lists, see decide
	class   []uint16 // per record: its verdict class, or slowClass
	vclass  []vclass // the distinct verdicts, few enough to stay in cache
	kinds   [numKinds]kindRange
	hashes  [3]*hashset.Set  // MD5, SHA-1, SHA-256: fingerprint → candidate
	blooms  [3]*bloom.Filter // the same fingerprints: most queried digests are absent
	ip      *iptable.Table   // address → candidate
	domains *trie.Domains    // domain → candidate, see domainIndex
	urls    *trie.URLs       // canonical URL expressions → candidate
	emails  *trie.Dict       // canonical e-mail address → candidate
	ja3     *trie.Dict       // JA3 fingerprint in lower-case hex → candidate
	pats    *patterns        // byte patterns: automaton and candidates
	uas     *patterns        // User-Agent substrings

	clock func() time.Time // nil: time.Now
}

// record is the fixed part of an indicator: everything a Verdict needs,
// and where to find the rest. Its layout is part of the serialised Set.
type record struct {
	kind       Kind
	action     Action
	severity   Severity
	confidence uint8
	category   uint16
	source     uint16
	value      uint32 // offset of the value in heap
	valueLen   uint32
	meta       uint32 // offset of the encoded Meta in meta; noMeta if none
	spec       uint16 // specificity, see specificity
	_          uint16
	expires    int64 // Unix seconds; 0: never
}

const recordSize = int(unsafe.Sizeof(record{}))

// noMeta marks a record without tags, times, reference or description.
const noMeta = ^uint32(0)

// vclass is what a Verdict holds besides the ID. Records with the same
// verdict fields share one, so that a lookup reads two bytes per record (its
// class) from a dense array and the class from a small table that stays in
// cache, instead of a 32-byte record from memory.
type vclass struct {
	action     Action
	kind       Kind
	severity   Severity
	confidence uint8
	category   uint16
	source     uint16
}

// slowClass marks a record whose verdict must be read from the record: it
// expires, or the Set has more distinct verdicts than classes.
const slowClass = 0xffff

// kindRange locates the records of one kind, which a Set keeps together.
type kindRange struct {
	first, count uint32
	heap         uint32 // for hash kinds: offset of the packed digests
	_            uint32
}

// A candidate, as stored in the lookup structures, is either a record ID or,
// with chainBit set, the offset of a chain: a length followed by record IDs
// in order of precedence. Where several indicators match the same keys
// (nested prefixes, one value in two feeds), the Builder settles which one
// decides; a chain is kept only when one of them can expire, so that the
// next one decides then. The first record of a chain that has not expired
// decides.
const chainBit = 1 << 31

// decide returns the verdict of candidate c. now caches the clock, read at
// most once per lookup and only when a record has an expiry.
func (s *Set) decide(c uint32, now *int64) Verdict {
	if c&chainBit == 0 {
		return s.verdictOf(c, now)
	}
	o := uint64(c &^ chainBit)
	if o >= uint64(len(s.chains)) {
		return Verdict{}
	}
	n := uint64(s.chains[o])
	if n > uint64(len(s.chains))-o-1 {
		return Verdict{}
	}
	for _, id := range s.chains[o+1 : o+1+n] {
		if v := s.verdictOf(id, now); v.Action != ActionNone {
			return v
		}
	}
	return Verdict{}
}

// head returns the first record of candidate c, or an out-of-range ID.
func (s *Set) head(c uint32) uint32 {
	if c&chainBit == 0 {
		return c
	}
	o := uint64(c &^ chainBit)
	if o+1 >= uint64(len(s.chains)) || s.chains[o] == 0 {
		return ^uint32(0)
	}
	return s.chains[o+1]
}

func (s *Set) verdictOf(id uint32, now *int64) Verdict {
	// The fast path: two bytes from the class array, eight from the class
	// table. Out-of-range values (only in corrupt input) take the slow
	// path, which checks the record ID.
	if uint64(id) < uint64(len(s.class)) {
		if c := s.class[id]; int(c) < len(s.vclass) {
			vc := &s.vclass[c]
			return Verdict{
				Action:     vc.action,
				Kind:       vc.kind,
				Severity:   vc.severity,
				Confidence: vc.confidence,
				Category:   vc.category,
				Source:     vc.source,
				ID:         id + 1,
			}
		}
	}
	if uint64(id) >= uint64(len(s.recs)) {
		return Verdict{} // only corrupt input gets here; Verify reports it
	}
	r := &s.recs[id]
	if r.expires != 0 {
		if *now == 0 {
			*now = s.now().Unix()
		}
		if *now >= r.expires {
			return Verdict{}
		}
	}
	return Verdict{
		Action:     r.action,
		Kind:       r.kind,
		Severity:   r.severity,
		Confidence: r.confidence,
		Category:   r.category,
		Source:     r.source,
		ID:         id + 1,
	}
}

func (s *Set) now() time.Time {
	if s.clock != nil {
		return s.clock()
	}
	return time.Now()
}

// LookupHash returns the verdict for a file digest given as raw bytes: 16
// bytes are taken as MD5, 20 as SHA-1 and 32 as SHA-256. Other lengths
// match nothing. A match is exact: the full digest is compared.
func (s *Set) LookupHash(digest []byte) Verdict {
	if s == nil {
		return Verdict{}
	}
	var k Kind
	switch len(digest) {
	case 16:
		k = KindMD5
	case 20:
		k = KindSHA1
	case 32:
		k = KindSHA256
	default:
		return Verdict{}
	}
	hs := s.hashes[k-KindMD5]
	if hs == nil {
		return Verdict{}
	}
	kr := &s.kinds[k]
	var now int64
	fp := digestFP(hs.Seed(), digest)
	// Most digests a host asks about are of clean files. The filter is
	// an eighth of the table's size and answers them from one cache line
	// that is more often in cache (see BenchmarkPrefilter).
	if bf := s.blooms[k-KindMD5]; bf != nil && !bf.ContainsHash(fp) {
		return Verdict{}
	}
	cand, found, more := hs.First(fp)
	if more || cand&chainBit != 0 {
		return s.lookupHashSlow(hs, kr, fp, digest)
	}
	// The common case, written without branches on what the lookup
	// finds, so that a stream of lookups overlaps its cache misses: the
	// candidate's digest is loaded and compared whether or not the tag
	// matched (an absent candidate is clamped to a record of the kind).
	// The digests of a hash kind are packed in record order, so the digest
	// to confirm sits at a computed offset.
	i := min(cand-kr.first, kr.count-1) // kr.count > 0: the kind has an index
	off := uint64(kr.heap) + uint64(i)*uint64(len(digest))
	// Open checked kr.heap + kr.count*size <= len(heap).
	if !found || !equalDigest(s.heap[off:off+uint64(len(digest))], digest) {
		return Verdict{}
	}
	return s.verdictOf(cand, &now)
}

// lookupHashSlow walks every candidate of a fingerprint: several records
// share its tag, the bucket overflows, or the candidate is a chain.
func (s *Set) lookupHashSlow(hs *hashset.Set, kr *kindRange, fp uint64, digest []byte) Verdict {
	var now int64
	c := hs.Lookup(fp)
	for cand, ok := c.Next(); ok; cand, ok = c.Next() {
		i := s.head(cand) - kr.first
		if i >= kr.count {
			continue
		}
		off := uint64(kr.heap) + uint64(i)*uint64(len(digest))
		if off+uint64(len(digest)) > uint64(len(s.heap)) {
			continue
		}
		if !equalDigest(s.heap[off:off+uint64(len(digest))], digest) {
			continue // another digest with the same fingerprint
		}
		return s.decide(cand, &now)
	}
	return Verdict{}
}

// equalDigest compares two digests of the same length (16, 20 or 32
// bytes) a word at a time, without an early exit.
func equalDigest(a, b []byte) bool {
	var x uint64
	for len(a) >= 8 && len(b) >= 8 {
		x |= binary.LittleEndian.Uint64(a) ^ binary.LittleEndian.Uint64(b)
		a, b = a[8:], b[8:]
	}
	if len(a) >= 4 && len(b) >= 4 {
		x |= uint64(binary.LittleEndian.Uint32(a) ^ binary.LittleEndian.Uint32(b))
	}
	return x == 0 && len(a) == len(b)
}

// LookupAddr returns the verdict for an IP address. The most specific
// matching prefix decides, after any matching allow entry. IPv4-mapped IPv6
// addresses are looked up as IPv4; zones are ignored.
func (s *Set) LookupAddr(a netip.Addr) Verdict {
	if s == nil || s.ip == nil {
		return Verdict{}
	}
	c, ok := s.ip.Lookup(a)
	if !ok {
		return Verdict{}
	}
	var now int64
	return s.decide(c, &now)
}

// Lookup returns the verdict for q, whose kind it detects as [KindOf]
// does: a hex digest, an IP address, a URL, or else a host name. A q that
// is none of these returns the zero Verdict. It does not allocate for
// ASCII input that needs no unescaping.
func (s *Set) Lookup(q string) Verdict {
	if s == nil {
		return Verdict{}
	}
	switch len(q) {
	case 32, 40, 64:
		var d [32]byte
		if _, err := hex.Decode(d[:], unsafe.Slice(unsafe.StringData(q), len(q))); err == nil {
			return s.LookupHash(d[:len(q)/2])
		}
	}
	if a, ok := shape.ParseAddr(q); ok {
		return s.LookupAddr(a)
	}
	if shape.LooksLikeURL(q) {
		return s.LookupURL(q)
	}
	if strings.IndexByte(q, '@') > 0 {
		return s.LookupEmail(q)
	}
	return s.LookupDomain(q)
}

// unsafeString views b as a string for a call that does not keep it.
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// Len returns the number of indicators in s.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.recs)
}

// Count returns the number of indicators of kind k in s.
func (s *Set) Count(k Kind) int {
	if s == nil || k >= numKinds {
		return 0
	}
	return int(s.kinds[k].count)
}

// Label returns the name of a source or category number from a Verdict
// that s produced. Label 0 is "".
func (s *Set) Label(n uint16) string {
	if s == nil || int(n) >= len(s.labels) {
		return ""
	}
	return s.labels[n]
}

// Indicator returns the indicator with the given ID, as in [Verdict.ID],
// with all its metadata. IDs run from 1 to [Set.Len]; the zero Verdict's ID
// 0 has no indicator. It allocates; it is meant for
// reporting a match, not for the lookup path.
func (s *Set) Indicator(id uint32) (Indicator, bool) {
	if s == nil || id == 0 || uint64(id) > uint64(len(s.recs)) {
		return Indicator{}, false
	}
	r := &s.recs[id-1]
	ind := Indicator{Kind: r.kind, Action: r.action}
	v, ok := s.bytes(r.value, r.valueLen)
	if !ok {
		return Indicator{}, false
	}
	if r.kind.IsHash() {
		ind.Value = hex.EncodeToString(v)
	} else {
		ind.Value = string(v)
	}
	ind.Source = s.Label(r.source)
	ind.Category = s.Label(r.category)
	ind.Severity = r.severity
	ind.Confidence = r.confidence
	if r.expires != 0 {
		ind.Expires = time.Unix(r.expires, 0).UTC()
	}
	if r.meta != noMeta {
		if err := decodeMeta(s.meta, r.meta, &ind.Meta); err != nil {
			return Indicator{}, false
		}
	}
	return ind, true
}

func (s *Set) bytes(off, n uint32) ([]byte, bool) {
	end := uint64(off) + uint64(n)
	if end > uint64(len(s.heap)) {
		return nil, false
	}
	return s.heap[off:end], true
}

// All returns the indicators of s in record order.
func (s *Set) All() iter.Seq[Indicator] {
	return func(yield func(Indicator) bool) {
		for id := range uint32(s.Len()) {
			ind, ok := s.Indicator(id + 1)
			if ok && !yield(ind) {
				return
			}
		}
	}
}

// digestFP returns the fingerprint of a file digest in a hash index. A
// digest is already a uniform hash, so hashing it again with xxh3 would
// spend the instructions a stream of lookups needs to overlap its cache
// misses; instead its first 8 bytes are mixed with the index's seed by the
// SplitMix64 finaliser, a bijection. Who does not know the seed cannot aim
// digests at one bucket; the seed depends on every digest of the kind.
func digestFP(seed uint64, d []byte) uint64 {
	x := binary.LittleEndian.Uint64(d) ^ seed
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
