package match

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"unsafe"

	"github.com/sift-intel/sift/bloom"
	"github.com/sift-intel/sift/hashset"
	"github.com/sift-intel/sift/internal/iptable"
	"github.com/sift-intel/sift/internal/layout"
	"github.com/sift-intel/sift/trie"
)

// The serialised Set, all integers little-endian:
//
//	offset  size  field
//	0       8     magic "siftset\x00"
//	8       4     format version (1)
//	12      4     number of sections, n
//	16      8     number of records
//	24      40    zero
//	64      24*n  section table: id (uint32), zero (uint32), offset (uint64), length (uint64)
//	...           sections, each at an offset that is a multiple of 64
//
// The sections, by id:
//
//	1  records   [count]record, 32 bytes each (see record)
//	2  heap      indicator values in record order (digests of a hash kind end up packed together)
//	3  meta      encoded metadata shared by records (see meta.go)
//	4  labels    uint32 count, uint32 offsets[count+1], then the bytes
//	5  chains    []uint32: length, record IDs; repeated
//	6  kinds     []kindRange: first record, count, heap offset, zero
//	7  md5       package hashset layout: fingerprint → candidate
//	8  sha1      package hashset layout
//	9  sha256    package hashset layout
//	10 ip        package iptable layout: address → candidate
//	11 class     [count]uint16: each record's verdict class, or 0xffff
//	12 vclass    []vclass, 8 bytes each: action, kind, severity, confidence (uint8),
//	             category, source (uint16)
//	13 md5bloom  package bloom layout: the md5 index's fingerprints
//	14 sha1bloom package bloom layout
//	15 sha256bloom package bloom layout
//	16 domains   package trie Domains layout: "host" and ".host" keys → candidate
//	17 urls      package trie URLs layout: URL expressions → candidate
//	18 emails    package trie Dict layout: e-mail addresses → candidate
//	19 ja3       package trie Dict layout: JA3 fingerprints → candidate
//	20 patterns  package trie Automaton layout: byte patterns
//	21 patcands  []uint32: the candidate of each byte pattern, by pattern ID
//	22 uas       package trie Automaton layout: User-Agent substrings
//	23 uacands   []uint32: the candidate of each User-Agent pattern
//
// Sections a Set does not need are absent. A reader refuses unknown section
// ids: a newer format gets a new version number.
const (
	formatVersion = 1
	headerSize    = 64
	sectionAlign  = 64
	maxSections   = 64
)

var magic = [8]byte{'s', 'i', 'f', 't', 's', 'e', 't', 0}

const (
	secRecords = 1 + iota
	secHeap
	secMeta
	secLabels
	secChains
	secKinds
	secMD5
	secSHA1
	secSHA256
	secIP
	secClass
	secVClass
	secMD5Bloom
	secSHA1Bloom
	secSHA256Bloom
	secDomains
	secURLs
	secEmails
	secJA3
	secPatterns
	secPatCands
	secUAs
	secUACands
	numSections
)

var sectionNames = [numSections]string{"", "records", "heap", "meta", "labels", "chains", "kinds", "md5", "sha1", "sha256", "ip", "class", "vclass", "md5bloom", "sha1bloom", "sha256bloom", "domains", "urls", "emails", "ja3", "patterns", "patcands", "uas", "uacands"}

// ErrFormat is wrapped by every error that [Open] and [Set.Verify] return
// for bytes that are not a valid Set.
var ErrFormat = errors.New("match: invalid set")

func formatError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrFormat}, args...)...)
}

// MarshalBinary returns the serialised Set. It implements
// [encoding.BinaryMarshaler].
func (s *Set) MarshalBinary() ([]byte, error) { return s.AppendBinary(nil) }

// AppendBinary appends the serialised Set to dst. It implements
// [encoding.BinaryAppender]. The sections are aligned relative to the start
// of the Set, so dst's length should be a multiple of 64 for the Set to be
// used in place when opened from a 64-byte-aligned buffer.
func (s *Set) AppendBinary(dst []byte) ([]byte, error) {
	secs, err := s.sections()
	if err != nil {
		return nil, err
	}
	return appendSections(dst, uint64(s.Len()), secs), nil
}

type section struct {
	id   uint32
	data []byte
}

// SectionInfo names a section of the serialised Set and its size.
type SectionInfo struct {
	Name string
	Size int
}

// Sections lists the sections of the serialised Set, for reports such as
// sift inspect.
func (s *Set) Sections() []SectionInfo {
	secs, err := s.sections()
	if err != nil {
		return nil
	}
	out := make([]SectionInfo, len(secs))
	for i, sec := range secs {
		out[i] = SectionInfo{sectionNames[sec.id], len(sec.data)}
	}
	return out
}

func (s *Set) sections() ([]section, error) {
	if s == nil {
		s = &Set{labels: []string{""}}
	}
	var secs []section
	add := func(id uint32, b []byte) {
		if len(b) > 0 {
			secs = append(secs, section{id, b})
		}
	}
	if len(s.recs) > 0 {
		add(secRecords, unsafe.Slice((*byte)(unsafe.Pointer(&s.recs[0])), len(s.recs)*recordSize))
		if !littleEndian {
			return nil, errors.New("match: serialising on a big-endian machine is not supported")
		}
	}
	add(secHeap, s.heap)
	add(secMeta, s.meta)
	add(secLabels, appendLabels(nil, s.labels))
	add(secChains, layout.AppendUint32s(nil, s.chains))
	kinds := make([]uint32, 0, 4*numKinds)
	for _, kr := range s.kinds {
		kinds = append(kinds, kr.first, kr.count, kr.heap, 0)
	}
	add(secKinds, layout.AppendUint32s(nil, kinds))
	for i, hs := range s.hashes {
		if hs != nil {
			b, err := hs.AppendBinary(nil)
			if err != nil {
				return nil, err
			}
			add(uint32(secMD5+i), b)
		}
		if bf := s.blooms[i]; bf != nil {
			b, err := bf.AppendBinary(nil)
			if err != nil {
				return nil, err
			}
			add(uint32(secMD5Bloom+i), b)
		}
	}
	if s.ip != nil {
		b, err := s.ip.AppendBinary(nil)
		if err != nil {
			return nil, err
		}
		add(secIP, b)
	}
	if s.domains != nil {
		b, err := s.domains.AppendBinary(nil)
		if err != nil {
			return nil, err
		}
		add(secDomains, b)
	}
	if s.urls != nil {
		b, err := s.urls.AppendBinary(nil)
		if err != nil {
			return nil, err
		}
		add(secURLs, b)
	}
	for _, d := range []struct {
		id   uint32
		dict *trie.Dict
	}{{secEmails, s.emails}, {secJA3, s.ja3}} {
		if d.dict != nil {
			b, err := d.dict.AppendBinary(nil)
			if err != nil {
				return nil, err
			}
			add(d.id, b)
		}
	}
	for _, p := range []struct {
		auto, cands uint32
		p           *patterns
	}{{secPatterns, secPatCands, s.pats}, {secUAs, secUACands, s.uas}} {
		if p.p != nil {
			b, err := p.p.auto.AppendBinary(nil)
			if err != nil {
				return nil, err
			}
			add(p.auto, b)
			add(p.cands, layout.AppendUint32s(nil, p.p.cands))
		}
	}
	add(secClass, layout.AppendUint16s(nil, s.class))
	var vc []byte
	for _, c := range s.vclass {
		vc = append(vc, byte(c.action), byte(c.kind), byte(c.severity), c.confidence)
		vc = binary.LittleEndian.AppendUint16(vc, c.category)
		vc = binary.LittleEndian.AppendUint16(vc, c.source)
	}
	add(secVClass, vc)
	return secs, nil
}

func appendSections(dst []byte, nrec uint64, secs []section) []byte {
	base := len(dst)
	dst = append(dst, magic[:]...)
	dst = binary.LittleEndian.AppendUint32(dst, formatVersion)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(secs)))
	dst = binary.LittleEndian.AppendUint64(dst, nrec)
	dst = append(dst, make([]byte, headerSize-24)...)
	off := alignUp(headerSize+24*len(secs), sectionAlign)
	for _, sec := range secs {
		dst = binary.LittleEndian.AppendUint32(dst, sec.id)
		dst = binary.LittleEndian.AppendUint32(dst, 0)
		dst = binary.LittleEndian.AppendUint64(dst, uint64(off))
		dst = binary.LittleEndian.AppendUint64(dst, uint64(len(sec.data)))
		off = alignUp(off+len(sec.data), sectionAlign)
	}
	for _, sec := range secs {
		for (len(dst)-base)%sectionAlign != 0 {
			dst = append(dst, 0)
		}
		dst = append(dst, sec.data...)
	}
	return dst
}

func alignUp(n, a int) int { return (n + a - 1) &^ (a - 1) }

var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

func appendLabels(dst []byte, labels []string) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(labels)))
	off := uint32(0)
	for _, l := range labels {
		dst = binary.LittleEndian.AppendUint32(dst, off)
		off += uint32(len(l))
	}
	dst = binary.LittleEndian.AppendUint32(dst, off)
	for _, l := range labels {
		dst = append(dst, l...)
	}
	return dst
}

// Open returns the Set serialised in data. It checks the header, that every
// section lies inside data without overlapping another, and the sizes and
// indexes that lookups rely on; lookups on an opened Set never read out of
// bounds, even if the rest of data is corrupt. [Set.Verify] checks the
// rest. Open does not copy the large sections when data is 8-byte aligned
// on a little-endian machine: data must then stay unmodified while the Set
// is in use.
func Open(data []byte) (*Set, error) {
	if len(data) < headerSize {
		return nil, formatError("%d bytes, shorter than the %d-byte header", len(data), headerSize)
	}
	if [8]byte(data[:8]) != magic {
		return nil, formatError("bad magic %q", data[:8])
	}
	if v := binary.LittleEndian.Uint32(data[8:]); v != formatVersion {
		return nil, formatError("format version %d, this reader knows %d", v, formatVersion)
	}
	n := binary.LittleEndian.Uint32(data[12:])
	nrec := binary.LittleEndian.Uint64(data[16:])
	if n > maxSections {
		return nil, formatError("%d sections, more than %d", n, maxSections)
	}
	tableEnd := uint64(headerSize) + 24*uint64(n)
	if tableEnd > uint64(len(data)) {
		return nil, formatError("section table runs past the end")
	}
	type span struct {
		id       uint32
		off, end uint64
	}
	var spans []span
	var sec [numSections][]byte
	for i := range uint64(n) {
		e := data[headerSize+24*i:]
		id := binary.LittleEndian.Uint32(e)
		off := binary.LittleEndian.Uint64(e[8:])
		size := binary.LittleEndian.Uint64(e[16:])
		switch {
		case id == 0 || id >= numSections:
			return nil, formatError("unknown section id %d", id)
		case sec[id] != nil:
			return nil, formatError("section %s appears twice", sectionNames[id])
		case off%sectionAlign != 0 || off < tableEnd:
			return nil, formatError("section %s at misaligned or overlapping offset %d", sectionNames[id], off)
		case off > uint64(len(data)) || size > uint64(len(data))-off:
			return nil, formatError("section %s (%d bytes at %d) runs past the end of %d bytes", sectionNames[id], size, off, len(data))
		}
		sec[id] = data[off : off+size : off+size]
		spans = append(spans, span{id, off, off + size})
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.off, b.off) })
	for i := 1; i < len(spans); i++ {
		if spans[i].off < spans[i-1].end {
			return nil, formatError("sections %s and %s overlap", sectionNames[spans[i-1].id], sectionNames[spans[i].id])
		}
	}

	s := new(Set)
	var err error
	if s.recs, err = openRecords(sec[secRecords], nrec); err != nil {
		return nil, err
	}
	s.heap = sec[secHeap]
	s.meta = sec[secMeta]
	if s.labels, err = openLabels(sec[secLabels]); err != nil {
		return nil, err
	}
	if s.chains, err = layout.Uint32s(sec[secChains]); err != nil {
		return nil, formatError("chains: %v", err)
	}
	kinds, err := layout.Uint32s(sec[secKinds])
	if err != nil || len(kinds)%4 != 0 || len(kinds) > 4*int(numKinds) {
		return nil, formatError("kinds section of %d bytes", len(sec[secKinds]))
	}
	for k := range len(kinds) / 4 {
		kr := kindRange{first: kinds[4*k], count: kinds[4*k+1], heap: kinds[4*k+2]}
		if uint64(kr.first)+uint64(kr.count) > uint64(len(s.recs)) {
			return nil, formatError("kind %s: records %d+%d past %d", Kind(k), kr.first, kr.count, len(s.recs))
		}
		if size := digestLen(Kind(k)); size > 0 && uint64(kr.heap)+uint64(kr.count)*uint64(size) > uint64(len(s.heap)) {
			return nil, formatError("kind %s: digests run past the heap", Kind(k))
		}
		s.kinds[k] = kr
	}
	for i := range s.hashes {
		if b := sec[secMD5+i]; b != nil {
			if s.hashes[i], err = hashset.Open(b); err != nil {
				return nil, formatError("%s: %v", sectionNames[secMD5+i], err)
			}
		}
		if b := sec[secMD5Bloom+i]; b != nil {
			if s.blooms[i], err = bloom.Open(b); err != nil {
				return nil, formatError("%s: %v", sectionNames[secMD5Bloom+i], err)
			}
		}
	}
	if b := sec[secIP]; b != nil {
		if s.ip, err = iptable.Open(b); err != nil {
			return nil, formatError("ip: %v", err)
		}
	}
	if b := sec[secDomains]; b != nil {
		if s.domains, err = trie.OpenDomains(b); err != nil {
			return nil, formatError("domains: %v", err)
		}
	}
	if b := sec[secURLs]; b != nil {
		if s.urls, err = trie.OpenURLs(b); err != nil {
			return nil, formatError("urls: %v", err)
		}
	}
	for _, d := range []struct {
		id  int
		dst **trie.Dict
	}{{secEmails, &s.emails}, {secJA3, &s.ja3}} {
		if b := sec[d.id]; b != nil {
			if *d.dst, err = trie.OpenDict(b); err != nil {
				return nil, formatError("%s: %v", sectionNames[d.id], err)
			}
		}
	}
	for _, p := range []struct {
		auto, cands int
		dst         **patterns
	}{{secPatterns, secPatCands, &s.pats}, {secUAs, secUACands, &s.uas}} {
		if sec[p.auto] == nil {
			continue
		}
		auto, err := trie.OpenAutomaton(sec[p.auto])
		if err != nil {
			return nil, formatError("%s: %v", sectionNames[p.auto], err)
		}
		cands, err := layout.Uint32s(sec[p.cands])
		if err != nil || len(cands) != auto.Len() {
			return nil, formatError("%s: %d candidates for %d patterns", sectionNames[p.cands], len(cands), auto.Len())
		}
		*p.dst = &patterns{auto: auto, cands: cands}
	}
	if s.class, err = layout.Uint16s(sec[secClass]); err != nil || len(s.class) != len(s.recs) {
		return nil, formatError("class section of %d bytes for %d records", len(sec[secClass]), len(s.recs))
	}
	vc := sec[secVClass]
	if len(vc)%8 != 0 || len(vc)/8 > slowClass {
		return nil, formatError("vclass section of %d bytes", len(vc))
	}
	s.vclass = make([]vclass, len(vc)/8)
	for i := range s.vclass {
		p := vc[8*i:]
		s.vclass[i] = vclass{action: Action(p[0]), kind: Kind(p[1]), severity: Severity(p[2]), confidence: p[3],
			category: binary.LittleEndian.Uint16(p[4:]), source: binary.LittleEndian.Uint16(p[6:])}
	}
	return s, nil
}

func openRecords(b []byte, n uint64) ([]record, error) {
	if uint64(len(b)) != n*uint64(recordSize) || n > maxRecords {
		return nil, formatError("header declares %d records, records section holds %d bytes", n, len(b))
	}
	if n == 0 {
		return nil, nil
	}
	if littleEndian && uintptr(unsafe.Pointer(&b[0]))%8 == 0 {
		// Aligned, native order: the records are used in place.
		return unsafe.Slice((*record)(unsafe.Pointer(&b[0])), n), nil
	}
	recs := make([]record, n)
	for i := range recs {
		p := b[i*recordSize:]
		recs[i] = record{
			kind: Kind(p[0]), action: Action(p[1]), severity: Severity(p[2]), confidence: p[3],
			category: binary.LittleEndian.Uint16(p[4:]), source: binary.LittleEndian.Uint16(p[6:]),
			value: binary.LittleEndian.Uint32(p[8:]), valueLen: binary.LittleEndian.Uint32(p[12:]),
			meta: binary.LittleEndian.Uint32(p[16:]), spec: binary.LittleEndian.Uint16(p[20:]),
			expires: int64(binary.LittleEndian.Uint64(p[24:])),
		}
	}
	return recs, nil
}

// openLabels copies the labels out: they are few, and strings handed to
// callers must not point into a buffer that may be unmapped.
func openLabels(b []byte) ([]string, error) {
	if len(b) < 8 {
		return nil, formatError("labels section of %d bytes", len(b))
	}
	n := uint64(binary.LittleEndian.Uint32(b))
	if n == 0 || n > 1<<16 || 4+4*(n+1) > uint64(len(b)) {
		return nil, formatError("%d labels in %d bytes", n, len(b))
	}
	offs := b[4 : 4+4*(n+1)]
	text := b[4+4*(n+1):]
	labels := make([]string, n)
	prev := uint32(0)
	for i := range labels {
		lo, hi := binary.LittleEndian.Uint32(offs[4*i:]), binary.LittleEndian.Uint32(offs[4*i+4:])
		if lo != prev || hi < lo || uint64(hi) > uint64(len(text)) {
			return nil, formatError("label %d: bad offsets %d..%d", i, lo, hi)
		}
		labels[i] = string(text[lo:hi])
		prev = hi
	}
	if labels[0] != "" {
		return nil, formatError("label 0 is %q, not empty", labels[0])
	}
	if int(prev) != len(text) {
		return nil, formatError("%d bytes after the last label", len(text)-int(prev))
	}
	return labels, nil
}

// chainOf returns the records of chain candidate c, or nil.
func (s *Set) chainOf(c uint32) []uint32 {
	o := uint64(c &^ chainBit)
	if o >= uint64(len(s.chains)) || uint64(s.chains[o]) > uint64(len(s.chains))-o-1 {
		return nil
	}
	return s.chains[o+1 : o+1+uint64(s.chains[o])]
}

// Verify checks everything [Open] does not: every record, chain and
// metadata entry, every index entry and the digest it leads to. A Set that
// passes Verify answers every lookup from well-formed data. It takes time
// proportional to the size of the Set.
func (s *Set) Verify() error {
	if s == nil {
		return nil
	}
	kindOf := func(id uint32) Kind {
		for k, kr := range s.kinds {
			if id >= kr.first && id-kr.first < kr.count {
				return Kind(k)
			}
		}
		return KindUnknown
	}
	var total uint64
	for k, kr := range s.kinds {
		total += uint64(kr.count)
		for id := kr.first; id < kr.first+kr.count; id++ {
			if s.recs[id].kind != Kind(k) {
				return formatError("record %d is %s but lies among the %s records", id, s.recs[id].kind, Kind(k))
			}
		}
	}
	if total != uint64(len(s.recs)) {
		return formatError("kind ranges cover %d of %d records", total, len(s.recs))
	}
	for id := range s.recs {
		r := &s.recs[id]
		switch {
		case r.action == ActionNone || r.action >= numActions:
			return formatError("record %d: action %d", id, r.action)
		case r.severity >= numSeverities:
			return formatError("record %d: severity %d", id, r.severity)
		case r.confidence > 100:
			return formatError("record %d: confidence %d", id, r.confidence)
		case int(r.source) >= len(s.labels) || int(r.category) >= len(s.labels):
			return formatError("record %d: label past the %d labels", id, len(s.labels))
		}
		if _, ok := s.bytes(r.value, r.valueLen); !ok {
			return formatError("record %d: value runs past the heap", id)
		}
		if size := digestLen(r.kind); size > 0 {
			kr := s.kinds[r.kind]
			if r.valueLen != uint32(size) || uint64(r.value) != uint64(kr.heap)+uint64(uint32(id)-kr.first)*uint64(size) {
				return formatError("record %d: digest not at its packed place", id)
			}
		}
		if r.meta != noMeta {
			var m Meta
			if err := decodeMeta(s.meta, r.meta, &m); err != nil {
				return formatError("record %d: metadata at %d: %v", id, r.meta, err)
			}
		}
		c := s.class[id]
		switch {
		case c == slowClass:
		case int(c) >= len(s.vclass):
			return formatError("record %d: class %d past %d classes", id, c, len(s.vclass))
		case r.expires != 0:
			return formatError("record %d expires but has a fixed class", id)
		case s.vclass[c] != (vclass{r.action, r.kind, r.severity, r.confidence, r.category, r.source}):
			return formatError("record %d: class %d does not match the record", id, c)
		}
	}
	for o := 0; o < len(s.chains); {
		n := int(s.chains[o])
		if n < 2 || n > len(s.chains)-o-1 {
			return formatError("chain at %d: length %d", o, n)
		}
		for _, id := range s.chains[o+1 : o+1+n] {
			if int(id) >= len(s.recs) {
				return formatError("chain at %d: record %d past %d", o, id, len(s.recs))
			}
		}
		o += 1 + n
	}
	// Every candidate must lead to records of the right kinds.
	checkCand := func(c uint32, kinds ...Kind) error {
		ids := []uint32{c}
		if c&chainBit != 0 {
			if ids = s.chainOf(c); ids == nil {
				return formatError("candidate %#x: no chain there", c)
			}
		}
		for _, id := range ids {
			if !slices.Contains(kinds, kindOf(id)) {
				return formatError("candidate %#x: record %d is not %v", c, id, kinds)
			}
		}
		return nil
	}
	for i, hs := range s.hashes {
		k := KindMD5 + Kind(i)
		if hs == nil {
			if s.kinds[k].count > 0 {
				return formatError("%s records without an index", k)
			}
			continue
		}
		if err := hs.Verify(); err != nil {
			return formatError("%s: %v", k, err)
		}
		// The table keeps part of each fingerprint: check it the other
		// way, by finding every record of the kind through it.
		kr := s.kinds[k]
		for id := kr.first; id < kr.first+kr.count; id++ {
			r := &s.recs[id]
			d, _ := s.bytes(r.value, r.valueLen)
			found := false
			c := hs.Lookup(digestFP(hs.Seed(), d))
			for cand, ok := c.Next(); ok; cand, ok = c.Next() {
				if err := checkCand(cand, k); err != nil {
					return err
				}
				if cand == id || cand&chainBit != 0 && slices.Contains(s.chainOf(cand), id) {
					found = true
				}
				h := &s.recs[s.head(cand)]
				if hd, _ := s.bytes(h.value, h.valueLen); string(hd) == string(d) && !found {
					// Another record of the same digest decides for it.
					found = true
				}
			}
			if !found {
				return formatError("%s record %d cannot be found through the index", k, id)
			}
			if bf := s.blooms[i]; bf != nil && !bf.ContainsHash(digestFP(hs.Seed(), d)) {
				return formatError("%s record %d is missing from the filter", k, id)
			}
		}
	}
	if s.ip != nil {
		if err := s.ip.Verify(func(c uint32) error { return checkCand(c, KindIP, KindCIDR) }); err != nil {
			return formatError("ip: %v", err)
		}
	}
	for _, p := range []struct {
		p    *patterns
		kind Kind
	}{{s.pats, KindPattern}, {s.uas, KindUserAgent}} {
		if p.p == nil {
			if s.kinds[p.kind].count > 0 {
				return formatError("%s records without an automaton", p.kind)
			}
			continue
		}
		if err := p.p.auto.Verify(); err != nil {
			return formatError("%s: %v", p.kind, err)
		}
		for _, c := range p.p.cands {
			if err := checkCand(c, p.kind); err != nil {
				return err
			}
		}
	}
	for _, d := range []struct {
		index interface {
			Verify() error
			All(func([]byte, uint32) bool)
		}
		present bool
		kind    Kind
	}{
		{s.domains, s.domains != nil, KindDomain}, {s.urls, s.urls != nil, KindURL},
		{s.emails, s.emails != nil, KindEmail}, {s.ja3, s.ja3 != nil, KindJA3},
	} {
		if !d.present {
			if s.kinds[d.kind].count > 0 {
				return formatError("%s records without an index", d.kind)
			}
			continue
		}
		if err := d.index.Verify(); err != nil {
			return formatError("%s: %v", d.kind, err)
		}
		var err error
		d.index.All(func(_ []byte, c uint32) bool {
			err = checkCand(c, d.kind)
			return err == nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
