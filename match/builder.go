package match

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"github.com/sift-intel/sift/internal/hugepage"
	"net/netip"
	"slices"
	"time"
	"unsafe"

	"github.com/sift-intel/sift/bloom"
	"github.com/sift-intel/sift/hashset"
	"github.com/sift-intel/sift/internal/iptable"
	"github.com/sift-intel/sift/trie"
	"github.com/zeebo/xxh3"
)

// MaxRejects is how many refused indicators a [Builder] keeps for
// [Builder.Rejected]; it counts all of them in [BuildStats].
const MaxRejects = 1000

// Builder collects indicators and builds a [Set] from them.
//
// The zero Builder is ready to use. Add validates and normalises each
// indicator; refused ones are reported and counted, never half-loaded.
// Build may be called more than once. A Builder must not be used by several
// goroutines at once.
type Builder struct {
	// AsOf is the time against which Add judges expiry: an indicator
	// that expired before it is refused. Zero: the current time. Rebuilding
	// a publisher's Set (a delta, say) sets it to the publisher's time, so
	// that the same indicators are kept.
	AsOf time.Time
	// Patterns caps the automata built for byte patterns and User-Agent
	// substrings; a pattern set past a cap makes Build fail with a
	// *trie.CapError. The zero value applies trie's defaults.
	Patterns trie.AutomatonConfig

	entries  []entry
	arena    []byte         // canonical values, see entry.off
	prefixes []netip.Prefix // of IP and CIDR entries, see entry.aux
	labels   map[string]uint16
	labelSeq []string
	metas    map[string]uint32
	metaBlob []byte
	lastMeta Meta
	lastID   uint32
	haveLast bool
	rejects  []error
	stats    BuildStats

	now func() time.Time // nil: time.Now
}

// BuildStats counts what a [Builder] was given.
type BuildStats struct {
	Added      [numKinds]int // accepted indicators by kind, duplicates included
	Duplicates int           // accepted indicators identical to an earlier one, dropped by Build
	Rejected   int           // refused indicators
}

// entry is an accepted indicator, normalised, with its strings interned.
// It holds no pointers, so a Builder of millions of entries costs the
// garbage collector nothing to scan, and sorting moves 40 bytes an entry.
type entry struct {
	off        uint64 // canonical value: arena[off : off+n]
	n          uint32
	aux        uint32 // for IP and CIDR: index in prefixes
	meta       uint32
	expires    int64
	source     uint16
	category   uint16
	kind       Kind
	action     Action
	severity   Severity
	confidence uint8
	spec       uint16 // specificity, see specificity
}

// Add validates ind, normalises its value and adds it. It returns an
// *IndicatorError, also kept for [Builder.Rejected], if ind is refused: a
// value that is not valid for its kind, a kind this version cannot match,
// or an indicator that has already expired.
func (b *Builder) Add(ind Indicator) error {
	start := len(b.arena)
	var n normalized
	var err error
	b.arena, n, err = appendCanonical(b.arena, &ind)
	reject := func(e error, format string, args ...any) {
		if err == nil {
			err = &IndicatorError{Kind: n.kind, Value: ind.Value, Reason: fmt.Sprintf(format, args...), Err: e}
		}
	}
	if !ind.Expires.IsZero() && !ind.Expires.After(b.clock()) {
		reject(ErrExpired, "expired at %s", ind.Expires.UTC().Format(time.RFC3339))
	}
	if ind.Action > ActionBlock {
		reject(ErrInvalid, "unknown action %d", ind.Action)
	}
	if ind.Severity >= numSeverities {
		reject(ErrInvalid, "unknown severity %d", ind.Severity)
	}
	if ind.Confidence > 100 {
		reject(ErrInvalid, "confidence %d is over 100", ind.Confidence)
	}
	var src, cat uint16
	if err == nil {
		var lerr error
		if src, lerr = b.label(ind.Source); lerr == nil {
			cat, lerr = b.label(ind.Category)
		}
		if lerr != nil {
			reject(ErrUnsupported, "%v", lerr)
		}
	}
	if err != nil {
		b.arena = b.arena[:start]
		b.stats.Rejected++
		if len(b.rejects) < MaxRejects {
			b.rejects = append(b.rejects, err)
		}
		return err
	}
	action := ind.Action
	if action == ActionNone {
		action = ActionBlock
	}
	e := entry{
		off:        uint64(start),
		n:          uint32(len(b.arena) - start),
		expires:    unixOrZero(ind.Expires),
		meta:       b.metaID(&ind.Meta),
		source:     src,
		category:   cat,
		kind:       n.kind,
		action:     action,
		severity:   ind.Severity,
		confidence: ind.Confidence,
	}
	if n.prefix.IsValid() {
		e.aux = uint32(len(b.prefixes))
		b.prefixes = append(b.prefixes, n.prefix)
	}
	e.spec = specificity(&n, b.arena[start:])
	b.entries = append(b.entries, e)
	b.stats.Added[n.kind]++
	return nil
}

func (b *Builder) clock() time.Time {
	if !b.AsOf.IsZero() {
		return b.AsOf
	}
	if b.now != nil {
		return b.now()
	}
	return time.Now()
}

// label interns a source or category name.
func (b *Builder) label(s string) (uint16, error) {
	if s == "" {
		return 0, nil
	}
	if id, ok := b.labels[s]; ok {
		return id, nil
	}
	if b.labels == nil {
		b.labels = map[string]uint16{}
		b.labelSeq = []string{""}
	}
	if len(b.labelSeq) > 0xffff {
		return 0, errTooManyLabels
	}
	id := uint16(len(b.labelSeq))
	b.labels[s] = id
	b.labelSeq = append(b.labelSeq, s)
	return id, nil
}

// metaID interns the encoded form of m's extra fields. Feeds usually give
// the same Meta to many indicators in a row; that case skips the encoding.
func (b *Builder) metaID(m *Meta) uint32 {
	if !hasMeta(m) {
		return noMeta
	}
	if b.haveLast && sameMeta(m, &b.lastMeta) {
		return b.lastID
	}
	enc := appendMeta(nil, m)
	id, ok := b.metas[string(enc)]
	if !ok {
		if b.metas == nil {
			b.metas = map[string]uint32{}
		}
		id = uint32(len(b.metaBlob))
		b.metas[string(enc)] = id
		b.metaBlob = append(b.metaBlob, enc...)
	}
	b.lastMeta = Meta{Tags: slices.Clone(m.Tags), FirstSeen: m.FirstSeen, LastSeen: m.LastSeen, Reference: m.Reference, Description: m.Description}
	b.lastID, b.haveLast = id, true
	return id
}

// Rejected returns the errors of the first [MaxRejects] refused indicators.
func (b *Builder) Rejected() []error { return slices.Clone(b.rejects) }

// Stats returns counts of what the Builder was given.
func (b *Builder) Stats() BuildStats { return b.stats }

// Len returns the number of indicators accepted so far.
func (b *Builder) Len() int { return len(b.entries) }

// maxRecords keeps record IDs clear of chainBit.
const maxRecords = chainBit - 1

// Build returns a Set of the indicators added so far. Identical indicators
// are kept once. It fails only if the Set would exceed a format limit
// (2^31 indicators, 4 GiB of values or metadata).
func (b *Builder) Build() (*Set, error) {
	arena := b.arena
	value := func(e *entry) []byte { return arena[e.off : e.off+uint64(e.n)] }
	labels, metaBlob, canonical := b.canonicalIDs()
	es := b.sorted(canonical)
	es = slices.CompactFunc(es, func(x, y entry) bool {
		vx, vy := value(&x), value(&y)
		x.off, x.aux, y.off, y.aux = 0, 0, 0, 0
		return x == y && bytes.Equal(vx, vy)
	})
	b.stats.Duplicates = len(b.entries) - len(es)
	if len(es) > maxRecords {
		return nil, fmt.Errorf("match: %d indicators exceed the limit of %d", len(es), maxRecords)
	}
	if len(metaBlob) >= 1<<32-1 {
		return nil, fmt.Errorf("match: %d bytes of metadata exceed 4 GiB", len(metaBlob))
	}
	var heapLen uint64
	for i := range es {
		heapLen += uint64(es[i].n)
	}
	if heapLen >= 1<<32 {
		return nil, fmt.Errorf("match: %d bytes of indicator values exceed 4 GiB", heapLen)
	}
	s := &Set{
		recs:   make([]record, len(es)),
		heap:   make([]byte, 0, heapLen),
		meta:   metaBlob,
		labels: labels,
		clock:  b.now,
	}
	if len(s.labels) == 0 {
		s.labels = []string{""}
	}
	// Values in record order: records are sorted by kind, so the digests
	// of each hash kind end up packed together, and LookupHash finds a
	// candidate's digest by arithmetic.
	for i := range es {
		e := &es[i]
		kr := &s.kinds[e.kind]
		if kr.count == 0 {
			kr.first = uint32(i)
			kr.heap = uint32(len(s.heap))
		}
		kr.count++
		s.recs[i] = record{
			kind: e.kind, action: e.action, severity: e.severity, confidence: e.confidence,
			category: e.category, source: e.source,
			value: uint32(len(s.heap)), valueLen: e.n,
			meta: e.meta, expires: e.expires, spec: e.spec,
		}
		s.heap = append(s.heap, value(e)...)
	}
	s.class, s.vclass = classes(es)
	cb := chainBuilder{set: s, es: es, prefixes: b.prefixes, ids: map[string]uint32{}}
	for k := KindMD5; k <= KindSHA256; k++ {
		s.hashes[k-KindMD5], s.blooms[k-KindMD5] = cb.hashIndex(s.kinds[k])
	}
	s.ip = cb.ipIndex(s.kinds[KindIP], s.kinds[KindCIDR])
	s.domains = cb.domainIndex(s.kinds[KindDomain])
	s.urls = cb.urlIndex(s.kinds[KindURL])
	s.emails = cb.exactIndex(s.kinds[KindEmail])
	s.ja3 = cb.exactIndex(s.kinds[KindJA3])
	var err error
	if s.pats, err = cb.patternIndex(s.kinds[KindPattern], false, b.Patterns); err != nil {
		return nil, fmt.Errorf("match: byte patterns: %w", err)
	}
	if s.uas, err = cb.patternIndex(s.kinds[KindUserAgent], true, b.Patterns); err != nil {
		return nil, fmt.Errorf("match: User-Agent patterns: %w", err)
	}
	s.chains = cb.chains
	hugepage.Advise(s.recs)
	hugepage.Advise(s.heap)
	hugepage.Advise(s.class)
	return s, nil
}

// sorted returns the entries grouped by kind and, within a kind, ordered
// by a hash of the value, then by the value and the other fields: a total
// order, so that the same indicators always build the same bytes, and equal
// values are adjacent. Sorting on a 64-bit key first is several times
// faster than comparing values.
func (b *Builder) sorted(entries []entry) []entry {
	type keyed struct {
		key uint64
		i   uint32
	}
	value := func(e *entry) []byte { return b.arena[e.off : e.off+uint64(e.n)] }
	ks := make([]keyed, len(entries))
	for i := range entries {
		e := &entries[i]
		ks[i] = keyed{uint64(e.kind)<<56 | xxh3.Hash(value(e))>>8, uint32(i)}
	}
	radixSort(ks, func(k keyed) uint64 { return k.key })
	// Equal keys are rare (equal values, mostly): order their runs fully.
	for i := 0; i < len(ks); {
		j := i + 1
		for j < len(ks) && ks[j].key == ks[i].key {
			j++
		}
		if j-i > 1 {
			slices.SortFunc(ks[i:j], func(x, y keyed) int {
				a, c := &entries[x.i], &entries[y.i]
				return cmp.Or(
					bytes.Compare(value(a), value(c)),
					cmp.Compare(a.action, c.action),
					cmp.Compare(a.severity, c.severity),
					cmp.Compare(a.source, c.source),
					cmp.Compare(a.category, c.category),
					cmp.Compare(a.confidence, c.confidence),
					cmp.Compare(a.expires, c.expires),
					cmp.Compare(a.meta, c.meta),
				)
			})
		}
		i = j
	}
	es := make([]entry, len(ks))
	for i, k := range ks {
		es[i] = entries[k.i]
	}
	return es
}

// canonicalIDs renumbers labels and metadata by their content, so that the
// Set does not depend on the order indicators were added in: the same
// indicators always build the same bytes, which deltas rely on. It returns
// the labels in order, the metadata blob, and a copy of the entries using
// the new numbers.
func (b *Builder) canonicalIDs() ([]string, []byte, []entry) {
	labels := []string{""}
	if len(b.labelSeq) > 1 {
		labels = append(labels, b.labelSeq[1:]...)
	}
	slices.Sort(labels[1:])
	labelID := make([]uint16, len(b.labelSeq)+1)
	for old, l := range b.labelSeq {
		i, _ := slices.BinarySearch(labels[1:], l)
		if l != "" {
			labelID[old] = uint16(i + 1)
		}
	}
	// The distinct encoded metadata, by content.
	type blob struct {
		off uint32
		enc []byte
	}
	var blobs []blob
	for enc, off := range b.metas {
		blobs = append(blobs, blob{off, []byte(enc)})
	}
	slices.SortFunc(blobs, func(x, y blob) int { return bytes.Compare(x.enc, y.enc) })
	metaID := make(map[uint32]uint32, len(blobs))
	var metaBlob []byte
	for _, bl := range blobs {
		metaID[bl.off] = uint32(len(metaBlob))
		metaBlob = append(metaBlob, bl.enc...)
	}
	es := slices.Clone(b.entries)
	for i := range es {
		e := &es[i]
		e.source, e.category = labelID[e.source], labelID[e.category]
		if e.meta != noMeta {
			e.meta = metaID[e.meta]
		}
	}
	return labels, metaBlob, es
}

// radixSort sorts s by key, least significant byte first, skipping the
// passes where every key has the same byte.
func radixSort[T any](s []T, key func(T) uint64) {
	if len(s) < 256 {
		slices.SortFunc(s, func(a, b T) int { return cmp.Compare(key(a), key(b)) })
		return
	}
	tmp := make([]T, len(s))
	src, dst := s, tmp
	for shift := 0; shift < 64; shift += 8 {
		var count [257]int
		for _, v := range src {
			count[int(byte(key(v)>>shift))+1]++
		}
		if slices.Contains(count[:], len(src)) {
			continue // one bucket holds everything: nothing to move
		}
		for i := 1; i < len(count); i++ {
			count[i] += count[i-1]
		}
		for _, v := range src {
			b := byte(key(v) >> shift)
			dst[count[b]] = v
			count[b]++
		}
		src, dst = dst, src
	}
	if &src[0] != &s[0] {
		copy(s, src)
	}
}

// chainBuilder turns the records that match the same keys into candidates:
// a record ID, or a chain of IDs in order of precedence.
type chainBuilder struct {
	set      *Set
	es       []entry
	prefixes []netip.Prefix
	chains   []uint32
	ids      map[string]uint32
	buf      []uint32
}

// precedes orders records that match one query: allow entries first (an
// administrator's override); then the most specific; then the higher
// severity; block before monitor; higher confidence; lower record ID.
func (cb *chainBuilder) precedes(x, y uint32) int {
	a, b := &cb.es[x], &cb.es[y]
	return cmp.Or(
		-cmp.Compare(b2i(a.action == ActionAllow), b2i(b.action == ActionAllow)),
		-cmp.Compare(a.spec, b.spec),
		-cmp.Compare(a.severity, b.severity),
		-cmp.Compare(a.action, b.action),
		-cmp.Compare(a.confidence, b.confidence),
		cmp.Compare(x, y),
	)
}

// classes assigns each record its verdict class, or slowClass.
func classes(es []entry) ([]uint16, []vclass) {
	class := make([]uint16, len(es))
	var list []vclass
	ids := map[vclass]uint16{}
	for i := range es {
		e := &es[i]
		vc := vclass{action: e.action, kind: e.kind, severity: e.severity, confidence: e.confidence, category: e.category, source: e.source}
		c, ok := ids[vc]
		switch {
		case e.expires != 0:
			c = slowClass
		case ok:
		case len(list) < slowClass:
			c = uint16(len(list))
			ids[vc] = c
			list = append(list, vc)
		default:
			c = slowClass
		}
		class[i] = c
	}
	return class, list
}

// candidate returns the candidate for records ids, reordering ids. When no
// record can expire, the first in precedence always decides, and it is the
// candidate itself.
func (cb *chainBuilder) candidate(ids []uint32) uint32 {
	if len(ids) == 1 {
		return ids[0]
	}
	slices.SortFunc(ids, cb.precedes)
	if !slices.ContainsFunc(ids, func(id uint32) bool { return cb.es[id].expires != 0 }) {
		return ids[0]
	}
	key := unsafe.String((*byte)(unsafe.Pointer(&ids[0])), 4*len(ids))
	if c, ok := cb.ids[key]; ok {
		return c
	}
	c := uint32(len(cb.chains)) | chainBit
	cb.chains = append(cb.chains, uint32(len(ids)))
	cb.chains = append(cb.chains, ids...)
	cb.ids[string([]byte(key))] = c
	return c
}

// hashFilterRate is the false-positive rate of the filter in front of each
// hash index: about 10 bits per digest.
const hashFilterRate = 0.01

// maxFilteredDigests is the size up to which a hash index gets a filter.
// BenchmarkPrefilter: on mostly absent digests the filter halves the
// lookup time at 1M digests, where its 1.2 MiB stay in cache, and saves
// nothing at 10M, where it does not; on half present digests it costs
// 10–20%. Hosts mostly ask about clean files, so the filter goes where it
// fits in a cache.
const maxFilteredDigests = 2_000_000

func (cb *chainBuilder) hashIndex(kr kindRange) (*hashset.Set, *bloom.Filter) {
	if kr.count == 0 {
		return nil, nil
	}
	n := uint64(kr.count)
	size := uint64(cb.es[kr.first].n)
	digests := cb.set.heap[kr.heap : uint64(kr.heap)+n*size]
	// The seed depends on every digest of the kind, so nobody who
	// controls only some of the feed can aim entries at one bucket, and
	// the same feed always builds the same bytes.
	seed := xxh3.Hash(digests)
	entries := make([]hashset.Entry, 0, n)
	for i := uint64(0); i < n; {
		j := i + 1
		for j < n && bytes.Equal(digests[j*size:(j+1)*size], digests[i*size:(i+1)*size]) {
			j++
		}
		ids := cb.buf[:0]
		for k := i; k < j; k++ {
			ids = append(ids, kr.first+uint32(k))
		}
		cand := cb.candidate(ids)
		cb.buf = ids
		entries = append(entries, hashset.Entry{FP: digestFP(seed, digests[i*size:(i+1)*size]), Value: cand})
		i = j
	}
	var bf *bloom.Filter
	if len(entries) <= maxFilteredDigests {
		bf = bloom.New(len(entries), hashFilterRate)
		for _, e := range entries {
			bf.AddHash(e.FP)
		}
	}
	return hashset.Build(seed, entries), bf
}

func (cb *chainBuilder) ipIndex(ranges ...kindRange) *iptable.Table {
	var entries []iptable.Entry
	for _, kr := range ranges {
		for i := kr.first; i < kr.first+kr.count; i++ {
			entries = append(entries, iptable.Entry{Prefix: cb.prefixes[cb.es[i].aux], Value: i})
		}
	}
	if len(entries) == 0 {
		return nil
	}
	return iptable.Build(entries, func(covering []uint32) uint32 {
		ids := append(cb.buf[:0], covering...)
		c := cb.candidate(ids)
		cb.buf = ids
		return c
	})
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

var errTooManyLabels = errors.New("more than 65535 distinct sources and categories")
