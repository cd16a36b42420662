package trie

import (
	"bytes"
	"encoding/binary"

	"github.com/sift-intel/sift/bloom"
	"github.com/zeebo/xxh3"
)

// URLs matches URL expressions (host and path, as package canon writes
// them) against listed ones: a [Dict] of the listed expressions and a gate
// in front, a Bloom filter of their hosts. A query first asks the gate
// about each of its host suffixes; only a URL whose host suffix some listed
// expression shares, which is a small minority, looks up its expressions
// (up to 30).
//
// The zero URLs is empty. A URLs is safe for concurrent use.
type URLs struct {
	gate *bloom.Filter
	dict *Dict
}

// BuildURLs returns a URLs of entries, whose keys must be distinct
// expressions: a host, then a path starting with '/'.
func BuildURLs(entries []DictEntry) (*URLs, error) {
	u := &URLs{gate: bloom.New(len(entries), gateRate)}
	for _, e := range entries {
		u.gate.AddHash(xxh3.Hash(hostOf(e.Key)))
	}
	var err error
	if u.dict, err = BuildDict(entries); err != nil {
		return nil, err
	}
	return u, nil
}

// hostOf returns the host part of an expression.
func hostOf(expr []byte) []byte {
	if i := bytes.IndexByte(expr, '/'); i >= 0 {
		return expr[:i]
	}
	return expr
}

// MayMatch reports whether some listed expression has host as its host.
// A false answer is certain. It does not allocate.
func (u *URLs) MayMatch(host []byte) bool {
	if u == nil || u.dict == nil || u.dict.n == 0 {
		return false
	}
	return u.gate.ContainsHash(xxh3.Hash(host))
}

// Lookup returns the value of a listed expression. It does not allocate.
func (u *URLs) Lookup(expr []byte) (uint32, bool) {
	if u == nil {
		return 0, false
	}
	return u.dict.Lookup(expr)
}

// Len returns the number of listed expressions.
func (u *URLs) Len() int {
	if u == nil {
		return 0
	}
	return u.dict.Len()
}

// SizeBytes returns the memory u takes.
func (u *URLs) SizeBytes() int {
	if u == nil || u.dict == nil {
		return 0
	}
	return u.gate.SizeBytes() + u.dict.SizeBytes()
}

// All calls yield with each expression and value until yield returns
// false.
func (u *URLs) All(yield func(key []byte, value uint32) bool) {
	if u != nil {
		u.dict.All(yield)
	}
}

// The serialised URLs: magic "sifturl\x01", gate length g (uint64), the gate
// (package bloom layout) padded to 8, then the Dict.
var urlsMagic = [8]byte{'s', 'i', 'f', 't', 'u', 'r', 'l', 1}

// AppendBinary appends the serialised URLs to dst.
func (u *URLs) AppendBinary(dst []byte) ([]byte, error) {
	if u == nil {
		u = &URLs{}
	}
	return appendGated(dst, urlsMagic, u.gate, u.dict)
}

// OpenURLs returns the URLs serialised in data, using data in place where
// it can.
func OpenURLs(data []byte) (*URLs, error) {
	g, d, err := openGated(data, urlsMagic)
	if err != nil {
		return nil, err
	}
	return &URLs{gate: g, dict: d}, nil
}

// Verify checks the Dict and that every expression's host passes the gate.
func (u *URLs) Verify() error {
	if u == nil || u.dict == nil {
		return nil
	}
	return verifyGated(u.gate, u.dict, func(key []byte) []byte { return hostOf(key) })
}

func appendGated(dst []byte, magic [8]byte, gate *bloom.Filter, dict *Dict) ([]byte, error) {
	var g []byte
	if gate != nil {
		var err error
		if g, err = gate.AppendBinary(nil); err != nil {
			return nil, err
		}
	}
	dst = append(dst, magic[:]...)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(len(g)))
	dst = append(dst, g...)
	dst = append(dst, make([]byte, pad8(uint64(len(g)))-uint64(len(g)))...)
	return dict.AppendBinary(dst)
}

func openGated(data []byte, magic [8]byte) (*bloom.Filter, *Dict, error) {
	if len(data) < 16 || [8]byte(data[:8]) != magic {
		return nil, nil, formatError("bad magic")
	}
	gl := binary.LittleEndian.Uint64(data[8:])
	if gl > uint64(len(data)-16) || pad8(gl) > uint64(len(data)-16) {
		return nil, nil, formatError("gate of %d bytes runs past the end", gl)
	}
	var gate *bloom.Filter
	var err error
	if gl > 0 {
		if gate, err = bloom.Open(data[16 : 16+gl]); err != nil {
			return nil, nil, formatError("gate: %v", err)
		}
	}
	dict, err := OpenDict(data[16+pad8(gl):])
	if err != nil {
		return nil, nil, err
	}
	if dict.n > 0 && gate == nil {
		return nil, nil, formatError("keys without a gate")
	}
	return gate, dict, nil
}

func verifyGated(gate *bloom.Filter, dict *Dict, gateKey func([]byte) []byte) error {
	if err := dict.Verify(); err != nil {
		return err
	}
	var err error
	dict.All(func(key []byte, _ uint32) bool {
		if !gate.ContainsHash(xxh3.Hash(gateKey(key))) {
			err = formatError("key %q does not pass the gate", key)
			return false
		}
		return true
	})
	return err
}
