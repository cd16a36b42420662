package remote

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/netip"

	"github.com/zeebo/xxh3"
)

// Keys. Every indicator the remote tier serves has one lookup key, and a
// query has the keys of everything that could match it; a query matches an
// indicator when they share a key. A key is a class and a body; its text,
// which is SHA-256'd into the full hash, is the class's prefix followed by
// the body:
//
//	class   text                         indicator           query
//	url     host/path?query              its expression      each expression (canon Exprs)
//	domain  "domain:" host               a domain            each suffix of ≥2 labels
//	wild    "domain:*." host             "*.host"            each proper suffix of ≥2 labels
//	ip      "ip:" prefix                 netip.Prefix text   the address masked to each length
//	md5…    "md5:" hex, "sha1:", "sha256:"  lower-case hex      the digest
//	email   "email:" address             canonical address   the canonical address
//	ja3     "ja3:" hex                   lower-case hex      the fingerprint
//
// Texts of different classes never collide: every text but a URL
// expression has a ':' before its first '/', and a URL expression starts
// with a canonical host, which holds no ':' unless it is a bracketed IPv6
// address (canon drops the port from the first ':' outside brackets), and
// a bracket is not a letter, which every prefix starts with. So one
// SHA-256 namespace serves every kind.
//
// The filter does not store the texts' SHA-256 (too slow to compute for
// every candidate key of every query) but a 64-bit hash of the body mixed
// with a per-class constant: see filterHash. Gates sit in front of the
// host keys, so that a benign host costs one probe of a small filter:
//
//	base     the last two labels of every domain and "*.domain" name (as
//	         trie.Domains gates)
//	url base the last two labels of every host of a URL expression
//	name     every domain or wildcard name and every host of a URL expression
//
// A query host is looked at only when its last two labels pass base (or,
// for a URL, url base), and a suffix's domain, wildcard and expression keys
// only when the suffix passes name. A domain query never probes for URL
// hosts: many popular sites host a listed URL, few are listed domains.
//
// Addresses have gates too: the /16 of every IPv4 key of length 16 or
// more, the /32 of every IPv6 key of length 32 or more. An address probes
// its prefixes of the lengths the filter holds (see Filter.v4), the
// longer ones only when its /16 (/32) passes.
type class uint8

const (
	clsBase    class = iota // gate: the last two labels of a domain or "*.domain" name
	clsURLBase              // gate: the last two labels of a URL indicator's host
	clsName
	clsURL
	clsDomain
	clsWild
	clsMD5
	clsSHA1
	clsSHA256
	clsEmail
	clsJA3
	clsIP4
	clsIP6
	clsIP4Gate // gate: the /16 of every IPv4 key of length 16 or more
	clsIP6Gate // gate: the /32 of every IPv6 key of length 32 or more
	numClasses
)

// classSeeds separate the classes in the filter: arbitrary odd constants
// (digits of π).
var classSeeds = [numClasses]uint64{
	0x452821e638d01377 ^ 0x243f6a8885a308d3,
	0x243f6a8885a308d3, 0x13198a2e03707345, 0xa4093822299f31d1, 0x082efa98ec4e6c89,
	0x452821e638d01377, 0xbe5466cf34e90c6d, 0xc0ac29b7c97c50dd, 0x3f84d5b5b5470917,
	0x9216d5d98979fb1b, 0xd1310ba698dfb5ad, 0xfd2bc29d8ea6c8a5, 0xb8e1afed6a267e97,
	0x24a19947b3916cf7, 0x0801f2e2858efc16,
}

// classText is the prefix of each class's key text.
var classText = [numClasses]string{
	clsURL:    "",
	clsDomain: "domain:",
	clsWild:   "domain:*.",
	clsMD5:    "md5:",
	clsSHA1:   "sha1:",
	clsSHA256: "sha256:",
	clsEmail:  "email:",
	clsJA3:    "ja3:",
	clsIP4:    "ip:",
	clsIP6:    "ip:",
}

// mix is the SplitMix64 finaliser, a bijection.
func mix(x uint64) uint64 {
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// filterHash is the filter's hash of a key of class c whose body hashes to
// h.
func filterHash(c class, h uint64) uint64 { return mix(h ^ classSeeds[c]) }

// textHash is the filter's hash of a key of class c with body b.
func textHash(c class, b []byte) uint64 { return filterHash(c, xxh3.Hash(b)) }

// ip4Hash is the filter's hash of the IPv4 prefix a/bits (a masked).
func ip4Hash(a uint32, bits int) uint64 { return filterHash(clsIP4, uint64(a)<<8|uint64(bits)) }

// ip6Hash is the filter's hash of the IPv6 prefix hi:lo/bits (masked).
func ip6Hash(hi, lo uint64, bits int) uint64 {
	return filterHash(clsIP6, mix(hi^uint64(bits))^lo)
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

// maxKeyText bounds the key texts built on the stack: "domain:*." and a
// 253-byte host, "email:" and a 320-byte address, "ip:" and an IPv6 prefix.
// URL expressions, which can be longer, have no prefix and are hashed in
// place.
const maxKeyText = 336

// fullHash returns the SHA-256 of the text of the key of class c with body
// b. It does not allocate for bodies that fit maxKeyText with their prefix.
func fullHash(c class, b []byte) [32]byte {
	p := classText[c]
	if p == "" {
		return sha256.Sum256(b)
	}
	var buf [maxKeyText]byte
	if len(p)+len(b) <= len(buf) {
		t := append(buf[:0], p...)
		t = append(t, b...)
		return sha256.Sum256(t)
	}
	// Only reachable through corrupt input; keys of this length do not
	// exist. Allocating is fine here.
	return sha256.Sum256(append([]byte(p), b...))
}

// keyText returns the text of a key, for tests and documentation.
func keyText(c class, b []byte) string { return classText[c] + string(b) }

// Specificities, as package match ranks matches: a URL over a domain over
// an address; the longer expression, the name with more labels, the
// longer prefix.
func urlSpec(expr []byte) uint16 { return 512 + uint16(min(len(expr), 0xffff-512)) }
func domainSpec(name []byte) uint16 {
	return 256 + uint16(bytes.Count(name, []byte{'.'}))
}

// appendPrefixText appends the text of prefix p as a key body.
func appendPrefixText(dst []byte, p netip.Prefix) []byte { return p.AppendTo(dst) }

// appendHex appends b in lower-case hex.
func appendHex(dst, b []byte) []byte { return hex.AppendEncode(dst, b) }
