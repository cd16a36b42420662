package match

import (
	"bytes"
	"strings"

	"github.com/sift-intel/sift/canon"
	"github.com/sift-intel/sift/trie"
)

// appendEmail validates an e-mail address and appends its canonical form:
// the local part and the host in lower case, the host canonicalised as a
// domain (punycode, dots). Mail systems may treat local parts as case
// sensitive; feeds and senders do not, and a case difference should not
// let a listed address through.
func appendEmail(dst []byte, v string) ([]byte, string) {
	v = strings.TrimPrefix(strings.TrimSuffix(v, ">"), "<")
	at := strings.LastIndexByte(v, '@')
	if at <= 0 || at == len(v)-1 {
		return dst, "not an e-mail address: needs a local part, '@' and a domain"
	}
	local := v[:at]
	if len(local) > 64 || strings.ContainsAny(local, " \t\r\n<>()[],;:\\\"@") {
		return dst, "invalid local part"
	}
	start := len(dst)
	for i := 0; i < len(local); i++ {
		c := local[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	dst = append(dst, '@')
	out, err := canon.AppendHost(dst, v[at+1:])
	if err != nil {
		return dst[:start], "invalid domain: " + err.Error()
	}
	if bytes.IndexByte(out[len(dst):], '.') < 0 {
		return dst[:start], "the domain has a single label"
	}
	return out, ""
}

// appendJA3 validates a JA3 fingerprint, an MD5 in hex, and appends it in
// lower case.
func appendJA3(dst []byte, v string) ([]byte, string) {
	if len(v) != 32 || !isHex(v) {
		return dst, "a JA3 fingerprint is 32 hex digits"
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if 'A' <= c && c <= 'F' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst, ""
}

// exactIndex maps each distinct value of a kind to its candidate.
func (cb *chainBuilder) exactIndex(kr kindRange) *trie.Dict {
	if kr.count == 0 {
		return nil
	}
	var entries []trie.DictEntry
	for i := kr.first; i < kr.first+kr.count; {
		j := i + 1
		for j < kr.first+kr.count && cb.value(j) == cb.value(i) {
			j++
		}
		ids := make([]uint32, 0, j-i)
		for k := i; k < j; k++ {
			ids = append(ids, k)
		}
		entries = append(entries, trie.DictEntry{Key: []byte(cb.value(i)), Value: cb.candidate(ids)})
		i = j
	}
	d, err := trie.BuildDict(entries)
	if err != nil {
		panic(err) // distinct, bounded values by construction
	}
	return d
}

// LookupEmail returns the verdict for an e-mail address, compared in lower
// case with its domain canonicalised. It does not allocate for ASCII
// addresses.
func (s *Set) LookupEmail(addr string) Verdict {
	if s == nil || s.emails == nil {
		return Verdict{}
	}
	var buf [320]byte
	if len(addr) > len(buf)-8 {
		return Verdict{}
	}
	e, reason := appendEmail(buf[:0], addr)
	if reason != "" {
		return Verdict{}
	}
	return s.lookupExact(s.emails, e)
}

// LookupJA3 returns the verdict for a JA3 TLS client fingerprint in hex.
// It does not allocate.
func (s *Set) LookupJA3(fingerprint string) Verdict {
	if s == nil || s.ja3 == nil {
		return Verdict{}
	}
	var buf [32]byte
	v, reason := appendJA3(buf[:0], fingerprint)
	if reason != "" {
		return Verdict{}
	}
	return s.lookupExact(s.ja3, v)
}

func (s *Set) lookupExact(d *trie.Dict, key []byte) Verdict {
	c, ok := d.Lookup(key)
	if !ok {
		return Verdict{}
	}
	var now int64
	return s.decide(c, &now)
}
