package remote

import (
	"encoding/binary"
	"errors"
	"fmt"
	"regexp"

	"github.com/sift-intel/sift/bloom"
)

// Filter is the compact local pattern of the remote tier: cache-line
// blocked Bloom filters over the lookup keys of a Set's indicators (see
// keys.go), with the feed id and data version of that Set. A [Client]
// computes the SHA-256 of a query's key, and asks the server about it,
// only when the key passes the filter; the filter answers every other key
// locally, and a benign query never leaves the host.
//
// The keys are split into sections by the queries that probe them, so
// that each kind of query touches a filter of its own size: the host gates
// (small: a benign host is answered there), the other host keys, the
// address keys, and the digest, e-mail and JA3 keys.
//
// A Filter is built with its [Index] by [NewIndex] (see [Index.Filter]),
// serialised with [Filter.AppendBinary] and opened with [OpenFilter]. It is
// immutable and safe for concurrent use. The zero Filter holds no keys:
// every key fails it.
type Filter struct {
	sec     [numSections]*bloom.Filter
	n       [numSections]uint64 // entries of each section
	feed    string
	version uint64
	flags   uint32    // which kinds of keys it holds, see has*
	v4      uint64    // bit l: some IPv4 indicator is a prefix of length l
	v6      [3]uint64 // bit l: some IPv6 indicator is a prefix of length l
}

// Sections of a Filter.
const (
	secGate  = iota // clsBase, clsURLBase, clsIP4Gate, clsIP6Gate
	secHost         // clsName, clsURL, clsDomain, clsWild
	secIP           // clsIP4, clsIP6
	secOther        // clsMD5, clsSHA1, clsSHA256, clsEmail, clsJA3
	numSections
)

var sectionOf = [numClasses]uint8{
	clsBase: secGate, clsURLBase: secGate, clsName: secHost, clsURL: secHost, clsDomain: secHost, clsWild: secHost,
	clsIP4: secIP, clsIP6: secIP, clsIP4Gate: secGate, clsIP6Gate: secGate,
	clsMD5: secOther, clsSHA1: secOther, clsSHA256: secOther, clsEmail: secOther, clsJA3: secOther,
}

// Filter flags: which kinds of keys a filter holds, so that a query skips
// the probes of absent kinds.
const (
	hasURL    = 1 << iota // URL expressions (and their hosts in the gates)
	hasDomain             // domains
	hasWild               // "*.domain"
	hasMD5
	hasSHA1
	hasSHA256
	hasEmail
	hasJA3
	knownFlags = 1<<iota - 1
)

// Feed returns the feed id of the Set the filter was built from ("" if
// none was given).
func (f *Filter) Feed() string { return f.feed }

// Version returns the data version of the Set the filter was built from
// (0 if none was given).
func (f *Filter) Version() uint64 { return f.version }

// Len returns the number of entries in the filter: one per distinct lookup
// key, and the gate entries of host names.
func (f *Filter) Len() int {
	n := 0
	for _, c := range f.n {
		n += int(c)
	}
	return n
}

// SizeBytes returns the size of the filter's bit arrays.
func (f *Filter) SizeBytes() int {
	n := 0
	for _, s := range f.sec {
		if s != nil {
			n += s.SizeBytes()
		}
	}
	return n
}

// has reports whether a key of section s whose filter hash is h may be in
// the filter.
func (f *Filter) has(s int, h uint64) bool { return f.sec[s] != nil && f.sec[s].ContainsHash(h) }

// filterBuilder collects a filter's hashes, deduplicated, before sizing it.
type filterBuilder struct {
	hashes [numSections]map[uint64]struct{}
	flags  uint32
	v4     uint64
	v6     [3]uint64
}

// add adds the filter hash h of a key of class c.
func (b *filterBuilder) add(c class, h uint64) {
	s := sectionOf[c]
	if b.hashes[s] == nil {
		b.hashes[s] = map[uint64]struct{}{}
	}
	b.hashes[s][h] = struct{}{}
}

// addName adds the gates of a host named by an indicator: gate is
// clsBase for a domain or "*.domain", clsURLBase for a URL.
func (b *filterBuilder) addName(gate class, host []byte) {
	b.add(gate, textHash(gate, lastTwo(host)))
	b.add(clsName, textHash(clsName, host))
}

func (b *filterBuilder) build(feed string, version uint64, rate float64) *Filter {
	f := &Filter{feed: feed, version: version, flags: b.flags, v4: b.v4, v6: b.v6}
	for s, hs := range b.hashes {
		f.n[s] = uint64(len(hs))
		f.sec[s] = bloom.New(max(len(hs), 1), rate)
		for h := range hs {
			f.sec[s].AddHash(h)
		}
	}
	return f
}

// The serialised Filter, little-endian. The sections' bloom filters follow
// the header in order, each a multiple of 64 bytes long, so that a
// 64-byte-aligned buffer keeps their blocks on cache lines:
//
//	offset  size  field
//	0       8     magic "siftrflt"
//	8       2     format version, 1
//	10      2     zero
//	12      4     flags: which kinds of keys the filter holds
//	16      8     data version of the Set (0: not given)
//	24      32    entries of each of the 4 sections (gate, host, IP, other)
//	56      32    length in bytes of each section's serialised bloom filter
//	88      8     IPv4 prefix lengths present: bit l for length l (0..32)
//	96      24    IPv6 prefix lengths present: bit l%64 of word l/64 (0..128)
//	120     8     zero
//	128     64    feed id, ASCII, padded with zero bytes
//	192     …     the sections (bloom.Filter.AppendBinary), to the end
const (
	filterMagic     = "siftrflt"
	filterFormat    = 1
	filterHeaderLen = 192
)

// ErrFilter is wrapped by the errors of [OpenFilter].
var ErrFilter = errors.New("remote: invalid filter")

var feedIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// AppendBinary appends the serialised filter to dst. It fails only for the
// zero Filter.
func (f *Filter) AppendBinary(dst []byte) ([]byte, error) {
	for _, s := range f.sec {
		if s == nil {
			return dst, errors.New("remote: AppendBinary of a zero Filter")
		}
	}
	var h [filterHeaderLen]byte
	copy(h[:], filterMagic)
	binary.LittleEndian.PutUint16(h[8:], filterFormat)
	binary.LittleEndian.PutUint32(h[12:], f.flags)
	binary.LittleEndian.PutUint64(h[16:], f.version)
	for i, s := range f.sec {
		binary.LittleEndian.PutUint64(h[24+8*i:], f.n[i])
		binary.LittleEndian.PutUint64(h[56+8*i:], uint64(64+s.SizeBytes()))
	}
	binary.LittleEndian.PutUint64(h[88:], f.v4)
	for i, w := range f.v6 {
		binary.LittleEndian.PutUint64(h[96+8*i:], w)
	}
	copy(h[128:], f.feed)
	dst = append(dst, h[:]...)
	for _, s := range f.sec {
		var err error
		if dst, err = s.AppendBinary(dst); err != nil {
			return dst, err
		}
	}
	return dst, nil
}

// OpenFilter returns the filter serialised in data by
// [Filter.AppendBinary]. It checks every header field before it looks at
// the bloom filters, which it uses in place when data is 8-byte aligned
// (so data must not be modified while the filter is in use). Invalid data
// gives an error wrapping ErrFilter, never a panic.
func OpenFilter(data []byte) (*Filter, error) {
	bad := func(format string, args ...any) (*Filter, error) {
		return nil, fmt.Errorf("%w: "+format, append([]any{ErrFilter}, args...)...)
	}
	if len(data) < filterHeaderLen {
		return bad("%d bytes, shorter than the %d-byte header", len(data), filterHeaderLen)
	}
	if string(data[:8]) != filterMagic {
		return bad("magic %q, want %q", data[:8], filterMagic)
	}
	if v := binary.LittleEndian.Uint16(data[8:]); v != filterFormat {
		return bad("format version %d, this package reads %d", v, filterFormat)
	}
	f := &Filter{
		flags:   binary.LittleEndian.Uint32(data[12:]),
		version: binary.LittleEndian.Uint64(data[16:]),
		v4:      binary.LittleEndian.Uint64(data[88:]),
	}
	var lens [numSections]uint64
	for i := range numSections {
		f.n[i] = binary.LittleEndian.Uint64(data[24+8*i:])
		lens[i] = binary.LittleEndian.Uint64(data[56+8*i:])
	}
	for i := range f.v6 {
		f.v6[i] = binary.LittleEndian.Uint64(data[96+8*i:])
	}
	if data[10]|data[11] != 0 || binary.LittleEndian.Uint64(data[120:]) != 0 {
		return bad("non-zero reserved bytes")
	}
	if f.flags&^knownFlags != 0 {
		return bad("unknown flags %#x", f.flags)
	}
	if f.v4>>33 != 0 || f.v6[2]>>1 != 0 {
		return bad("prefix lengths beyond /32 or /128")
	}
	id := data[128:192]
	n := 0
	for n < len(id) && id[n] != 0 {
		n++
	}
	for _, c := range id[n:] {
		if c != 0 {
			return bad("feed id field has bytes after its end")
		}
	}
	f.feed = string(id[:n])
	if f.feed != "" && !feedIDPattern.MatchString(f.feed) {
		return bad("feed id %q", f.feed)
	}
	body := data[filterHeaderLen:]
	for i, l := range lens {
		if l > uint64(len(body)) || l%64 != 0 || (i == numSections-1) != (l == uint64(len(body))) {
			return bad("section %d of %d bytes does not fit the %d bytes left", i, l, len(body))
		}
		s, err := bloom.Open(body[:l])
		if err != nil {
			return bad("section %d: %v", i, err)
		}
		// Fewer bits than entries: not a filter this package built (it
		// gives about ten bits per entry).
		if uint64(s.SizeBytes())*8 < f.n[i] {
			return bad("section %d: %d entries in %d bytes", i, f.n[i], s.SizeBytes())
		}
		f.sec[i] = s
		body = body[l:]
	}
	return f, nil
}
