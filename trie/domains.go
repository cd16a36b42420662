package trie

import (
	"bytes"
	"fmt"

	"github.com/sift-intel/sift/bloom"
	"github.com/zeebo/xxh3"
)

// Domains matches host names against listed domains: a domain's entry can
// match the host itself, its subdomains, or both, and a lookup returns the
// entry of the most specific listed domain that matches.
//
// It is a [Dict] with two keys per domain, "example.com" for the host
// itself and ".example.com" for its subdomains (the suffix that every
// subdomain's name ends with), and a gate in front: a Bloom filter of the
// last two labels of every listed domain. A host whose last two labels no
// listed domain shares, which is most hosts, is answered by one hash and one
// cache line; the others look up the host and each of its suffixes that
// start at a dot, longest first.
//
// The zero Domains is empty. A Domains is safe for concurrent use.
type Domains struct {
	gate *bloom.Filter
	dict *Dict
}

// DomainEntry lists one domain: Name in canonical form (lower case, no
// trailing dot, punycode), and the values its host and its subdomains
// match. A false Exact or Sub leaves that key out.
type DomainEntry struct {
	Name         []byte
	Exact, Sub   bool
	ExactV, SubV uint32
}

// gateRate is the false-positive rate of the gate: 10 bits per key.
const gateRate = 0.01

// BuildDomains returns a Domains of entries, whose names must be distinct.
func BuildDomains(entries []DomainEntry) (*Domains, error) {
	var keys []DictEntry
	d := &Domains{gate: bloom.New(len(entries), gateRate)}
	for _, e := range entries {
		if bytes.IndexByte(e.Name, '.') < 0 {
			return nil, fmt.Errorf("trie: domain %q has a single label", e.Name)
		}
		if e.Exact {
			keys = append(keys, DictEntry{Key: e.Name, Value: e.ExactV})
		}
		if e.Sub {
			keys = append(keys, DictEntry{Key: append([]byte{'.'}, e.Name...), Value: e.SubV})
		}
		d.gate.AddHash(xxh3.Hash(lastTwo(e.Name)))
	}
	var err error
	if d.dict, err = BuildDict(keys); err != nil {
		return nil, err
	}
	return d, nil
}

// lastTwo returns the last two labels of host, or host if it has fewer.
func lastTwo(host []byte) []byte {
	i := bytes.LastIndexByte(host, '.')
	if i <= 0 {
		return host
	}
	if j := bytes.LastIndexByte(host[:i], '.'); j >= 0 {
		return host[j+1:]
	}
	return host
}

// Lookup returns the value for host, which must be in canonical form: the
// Exact value of host itself if it is listed, else the Sub value of its
// most specific listed parent. It does not allocate.
func (d *Domains) Lookup(host []byte) (uint32, bool) {
	if d == nil || d.dict == nil || d.dict.n == 0 {
		return 0, false
	}
	if !d.gate.ContainsHash(xxh3.Hash(lastTwo(host))) {
		return 0, false
	}
	if v, ok := d.dict.Lookup(host); ok {
		return v, true
	}
	// Parents, longest first; ".tld" is never a key (a domain has two
	// labels at least), so the walk stops before the last dot.
	last := bytes.LastIndexByte(host, '.')
	for i := 0; i < last; i++ {
		if host[i] == '.' {
			if v, ok := d.dict.Lookup(host[i:]); ok {
				return v, true
			}
		}
	}
	return 0, false
}

// Len returns the number of keys: one or two per domain.
func (d *Domains) Len() int {
	if d == nil {
		return 0
	}
	return d.dict.Len()
}

// SizeBytes returns the memory d takes.
func (d *Domains) SizeBytes() int {
	if d == nil || d.dict == nil {
		return 0
	}
	return d.gate.SizeBytes() + d.dict.SizeBytes()
}

// All calls yield with each key (a name, or "." and a name for the
// subdomain key) and value until yield returns false.
func (d *Domains) All(yield func(key []byte, value uint32) bool) {
	if d != nil {
		d.dict.All(yield)
	}
}

// The serialised Domains: magic "siftdom\x01", gate length g (uint64),
// the gate (package bloom layout) padded to 8, then the Dict.
var domainsMagic = [8]byte{'s', 'i', 'f', 't', 'd', 'o', 'm', 1}

// AppendBinary appends the serialised Domains to dst.
func (d *Domains) AppendBinary(dst []byte) ([]byte, error) {
	if d == nil {
		d = &Domains{}
	}
	return appendGated(dst, domainsMagic, d.gate, d.dict)
}

// OpenDomains returns the Domains serialised in data, using data in place
// where it can.
func OpenDomains(data []byte) (*Domains, error) {
	g, dict, err := openGated(data, domainsMagic)
	if err != nil {
		return nil, err
	}
	return &Domains{gate: g, dict: dict}, nil
}

// Verify checks the Dict and that every key passes the gate.
func (d *Domains) Verify() error {
	if d == nil || d.dict == nil {
		return nil
	}
	return verifyGated(d.gate, d.dict, func(key []byte) []byte { return lastTwo(bytes.TrimPrefix(key, []byte{'.'})) })
}
