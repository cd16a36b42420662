package match

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"time"
	"unsafe"

	"github.com/sift-intel/sift/hashset"
	"github.com/sift-intel/sift/internal/iptable"
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
	entries  []entry
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
type entry struct {
	value      string // canonical; raw digest bytes for hashes
	prefix     netip.Prefix
	expires    int64
	meta       uint32
	source     uint16
	category   uint16
	kind       Kind
	action     Action
	severity   Severity
	confidence uint8
}

// Add validates ind, normalises its value and adds it. It returns an
// *IndicatorError, also kept for [Builder.Rejected], if ind is refused: a
// value that is not valid for its kind, a kind this version cannot match,
// or an indicator that has already expired.
func (b *Builder) Add(ind Indicator) error {
	n, err := normalize(&ind)
	if err == nil && !ind.Expires.IsZero() && !ind.Expires.After(b.clock()) {
		err = &IndicatorError{Kind: n.kind, Value: ind.Value, Reason: "expired at " + ind.Expires.UTC().Format(time.RFC3339), Err: ErrExpired}
	}
	if err == nil && ind.Action > ActionBlock {
		err = &IndicatorError{Kind: n.kind, Value: ind.Value, Reason: fmt.Sprintf("unknown action %d", ind.Action), Err: ErrInvalid}
	}
	if err == nil && ind.Severity >= numSeverities {
		err = &IndicatorError{Kind: n.kind, Value: ind.Value, Reason: fmt.Sprintf("unknown severity %d", ind.Severity), Err: ErrInvalid}
	}
	if err == nil && ind.Confidence > 100 {
		err = &IndicatorError{Kind: n.kind, Value: ind.Value, Reason: fmt.Sprintf("confidence %d is over 100", ind.Confidence), Err: ErrInvalid}
	}
	var src, cat uint16
	if err == nil {
		if src, err = b.label(ind.Source); err == nil {
			cat, err = b.label(ind.Category)
		}
		if err != nil {
			err = &IndicatorError{Kind: n.kind, Value: ind.Value, Reason: err.Error(), Err: ErrUnsupported}
		}
	}
	if err != nil {
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
	b.entries = append(b.entries, entry{
		value:      n.value,
		prefix:     n.prefix,
		expires:    unixOrZero(ind.Expires),
		meta:       b.metaID(&ind.Meta),
		source:     src,
		category:   cat,
		kind:       n.kind,
		action:     action,
		severity:   ind.Severity,
		confidence: ind.Confidence,
	})
	b.stats.Added[n.kind]++
	return nil
}

func (b *Builder) clock() time.Time {
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
		return 0, errors.New("more than 65535 distinct sources and categories")
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
	es := slices.Clone(b.entries)
	slices.SortFunc(es, compareEntries)
	es = slices.CompactFunc(es, func(x, y entry) bool { return x == y })
	b.stats.Duplicates = len(b.entries) - len(es)
	if len(es) > maxRecords {
		return nil, fmt.Errorf("match: %d indicators exceed the limit of %d", len(es), maxRecords)
	}
	if len(b.metaBlob) >= 1<<32-1 {
		return nil, fmt.Errorf("match: %d bytes of metadata exceed 4 GiB", len(b.metaBlob))
	}
	s := &Set{
		recs:   make([]record, len(es)),
		meta:   slices.Clone(b.metaBlob),
		labels: slices.Clone(b.labelSeq),
		clock:  b.now,
	}
	if len(s.labels) == 0 {
		s.labels = []string{""}
	}
	// Values in record order: records are sorted by kind, so the digests
	// of each hash kind end up packed together, and LookupHash finds a
	// candidate's digest by arithmetic.
	var heapLen uint64
	for _, e := range es {
		heapLen += uint64(len(e.value))
	}
	if heapLen >= 1<<32 {
		return nil, fmt.Errorf("match: %d bytes of indicator values exceed 4 GiB", heapLen)
	}
	s.heap = make([]byte, 0, heapLen)
	for i, e := range es {
		kr := &s.kinds[e.kind]
		if kr.count == 0 {
			kr.first = uint32(i)
			kr.heap = uint32(len(s.heap))
		}
		kr.count++
		s.recs[i] = record{
			kind: e.kind, action: e.action, severity: e.severity, confidence: e.confidence,
			category: e.category, source: e.source,
			value: uint32(len(s.heap)), valueLen: uint32(len(e.value)),
			meta: e.meta, expires: e.expires,
		}
		s.heap = append(s.heap, e.value...)
	}
	cb := chainBuilder{set: s, es: es, ids: map[string]uint32{}}
	for k := KindMD5; k <= KindSHA256; k++ {
		s.hashes[k-KindMD5] = cb.hashIndex(s.kinds[k])
	}
	s.ip = cb.ipIndex(s.kinds[KindIP], s.kinds[KindCIDR])
	s.chains = cb.chains
	return s, nil
}

func compareEntries(x, y entry) int {
	return cmp.Or(
		cmp.Compare(x.kind, y.kind),
		cmp.Compare(x.value, y.value),
		cmp.Compare(x.action, y.action),
		cmp.Compare(x.severity, y.severity),
		cmp.Compare(x.source, y.source),
		cmp.Compare(x.category, y.category),
		cmp.Compare(x.confidence, y.confidence),
		cmp.Compare(x.expires, y.expires),
		cmp.Compare(x.meta, y.meta),
	)
}

// chainBuilder turns the records that match the same keys into candidates:
// a record ID, or a chain of IDs in order of precedence.
type chainBuilder struct {
	set    *Set
	es     []entry
	chains []uint32
	ids    map[string]uint32
	buf    []uint32
}

// precedes orders records that match one query: allow entries first (an
// administrator's override); then the most specific; then the higher
// severity; block before monitor; higher confidence; lower record ID.
func (cb *chainBuilder) precedes(x, y uint32) int {
	a, b := &cb.es[x], &cb.es[y]
	return cmp.Or(
		-cmp.Compare(b2i(a.action == ActionAllow), b2i(b.action == ActionAllow)),
		-cmp.Compare(specificity(a), specificity(b)),
		-cmp.Compare(a.severity, b.severity),
		-cmp.Compare(a.action, b.action),
		-cmp.Compare(a.confidence, b.confidence),
		cmp.Compare(x, y),
	)
}

// specificity ranks matches of one query against each other: a longer
// prefix is more specific.
func specificity(e *entry) int {
	switch e.kind {
	case KindIP, KindCIDR:
		return e.prefix.Bits()
	}
	return 0
}

// candidate returns the candidate for records ids, reordering ids.
func (cb *chainBuilder) candidate(ids []uint32) uint32 {
	if len(ids) == 1 {
		return ids[0]
	}
	slices.SortFunc(ids, cb.precedes)
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

func (cb *chainBuilder) hashIndex(kr kindRange) *hashset.Set {
	if kr.count == 0 {
		return nil
	}
	n := uint64(kr.count)
	size := uint64(len(cb.es[kr.first].value))
	digests := cb.set.heap[kr.heap : uint64(kr.heap)+n*size]
	// The seed depends on every digest of the kind, so nobody who
	// controls only some of the feed can aim entries at one bucket, and
	// the same feed always builds the same bytes.
	seed := xxh3.Hash(digests)
	entries := make([]hashset.Entry, 0, n)
	for i := uint64(0); i < n; {
		j := i + 1
		for j < n && cb.es[uint64(kr.first)+j].value == cb.es[uint64(kr.first)+i].value {
			j++
		}
		ids := cb.buf[:0]
		for k := i; k < j; k++ {
			ids = append(ids, kr.first+uint32(k))
		}
		cand := cb.candidate(ids)
		cb.buf = ids
		entries = append(entries, hashset.Entry{FP: hashset.Fingerprint(seed, digests[i*size:(i+1)*size]), Value: cand})
		i = j
	}
	return hashset.Build(seed, entries)
}

func (cb *chainBuilder) ipIndex(ranges ...kindRange) *iptable.Table {
	var entries []iptable.Entry
	for _, kr := range ranges {
		for i := kr.first; i < kr.first+kr.count; i++ {
			entries = append(entries, iptable.Entry{Prefix: cb.es[i].prefix, Value: i})
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
