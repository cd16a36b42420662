package match

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strings"
	"unsafe"

	"github.com/sift-intel/sift/trie"
)

// MaxPatternLength bounds a byte pattern or User-Agent substring.
const MaxPatternLength = 4096

// appendPattern validates a byte pattern and appends its canonical form,
// which says how to read it:
//
//	"hex:4d5a9000"      bytes, from "hex:4D 5A 90 00", "{4d5a9000}" or "{4D 5A 90 00}"
//	"ipattern:text"     ASCII case-insensitive text, stored in lower case
//	"pattern:text"      literal text, from "pattern:text" or bare text
func appendPattern(dst []byte, v string) ([]byte, string) {
	var lit []byte
	prefix := "pattern:"
	switch {
	case strings.HasPrefix(v, "hex:") || strings.HasPrefix(v, "{") && strings.HasSuffix(v, "}"):
		h := strings.TrimPrefix(v, "hex:")
		if strings.HasPrefix(h, "{") {
			h = h[1 : len(h)-1]
		}
		h = strings.Map(func(r rune) rune {
			if r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, h)
		b, err := hex.DecodeString(h)
		if err != nil {
			return dst, fmt.Sprintf("invalid hex pattern: %v", err)
		}
		lit, prefix = b, "hex:"
	case strings.HasPrefix(v, "ipattern:"):
		// Lower-cases ASCII only: other bytes match themselves.
		lit, prefix = asciiLower(v[len("ipattern:"):]), "ipattern:"
	default:
		lit = []byte(strings.TrimPrefix(v, "pattern:"))
	}
	switch {
	case len(lit) == 0:
		return dst, "an empty pattern would match everywhere"
	case len(lit) > MaxPatternLength:
		return dst, fmt.Sprintf("a pattern of %d bytes exceeds %d", len(lit), MaxPatternLength)
	}
	dst = append(dst, prefix...)
	if prefix == "hex:" {
		return hex.AppendEncode(dst, lit), ""
	}
	return append(dst, lit...), ""
}

// appendUserAgent validates a User-Agent substring and appends it in lower
// case: User-Agent indicators match ASCII case-insensitively.
func appendUserAgent(dst []byte, v string) ([]byte, string) {
	v = strings.TrimPrefix(v, "ua:")
	switch {
	case v == "":
		return dst, "an empty User-Agent pattern would match every User-Agent"
	case len(v) > MaxPatternLength:
		return dst, fmt.Sprintf("a pattern of %d bytes exceeds %d", len(v), MaxPatternLength)
	}
	return append(dst, asciiLower(v)...), ""
}

func asciiLower(s string) []byte {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return b
}

// patternBytes reads a canonical pattern value: its bytes and whether it
// folds case.
func patternBytes(v []byte) ([]byte, bool) {
	switch {
	case bytes.HasPrefix(v, []byte("hex:")):
		b, _ := hex.DecodeString(string(v[4:]))
		return b, false
	case bytes.HasPrefix(v, []byte("ipattern:")):
		return v[len("ipattern:"):], true
	}
	return bytes.TrimPrefix(v, []byte("pattern:")), false
}

// patterns is a Set's automaton over the patterns of one kind, and the
// candidate of each pattern.
type patterns struct {
	auto  *trie.Automaton
	cands []uint32 // by pattern ID
}

// patternIndex builds the automaton of a pattern kind. Records with the
// same canonical value share one pattern.
func (cb *chainBuilder) patternIndex(kr kindRange, fold bool, cfg trie.AutomatonConfig) (*patterns, error) {
	if kr.count == 0 {
		return nil, nil
	}
	p := &patterns{}
	var pats []trie.Pattern
	for v, cand := range cb.runs(kr) {
		b, f := []byte(v), fold
		if !fold {
			b, f = patternBytes(b)
		}
		pats = append(pats, trie.Pattern{Bytes: b, Fold: f})
		p.cands = append(p.cands, cand)
	}
	var err error
	if p.auto, err = trie.BuildAutomaton(pats, cfg); err != nil {
		return nil, err
	}
	return p, nil
}

// Match is one occurrence of a pattern indicator in scanned bytes.
type Match struct {
	Verdict
	Start, End int // byte offsets of the occurrence, End exclusive
}

// Scan reports every occurrence of every pattern indicator in data, in
// order of their end offsets, with the verdict of the indicator; fn
// returning false stops the scan. Allow indicators are reported too, with
// ActionAllow, for the caller to weigh. Scan does not allocate.
func (s *Set) Scan(data []byte, fn func(Match) bool) {
	if s == nil || s.pats == nil {
		return
	}
	var now int64
	p := s.pats
	p.auto.Scan(data, func(id, start, end int) bool {
		if uint(id) >= uint(len(p.cands)) {
			return true // corrupt input only
		}
		if v := s.decide(p.cands[id], &now); v.Matched() {
			return fn(Match{Verdict: v, Start: start, End: end})
		}
		return true
	})
}

// Scanner scans a stream written in chunks: a match that spans chunks is
// found, with offsets counted from the start of the stream. It carries the
// automaton's state between Write calls and allocates nothing per chunk.
// The zero Scanner scans nothing; get one from Set.Scanner. A Scanner must
// not be used by several goroutines at once.
type Scanner struct {
	set *Set
	sc  trie.Scanner
	now int64
}

// Scanner returns a Scanner for the pattern indicators of s.
func (s *Set) Scanner() Scanner {
	if s == nil || s.pats == nil {
		return Scanner{}
	}
	return Scanner{set: s, sc: s.pats.auto.Scanner()}
}

// Write scans the next chunk of the stream and reports its matches as
// Scan does. It returns false if fn stopped the scan.
func (sc *Scanner) Write(chunk []byte, fn func(Match) bool) bool {
	if sc.set == nil {
		return true
	}
	p := sc.set.pats
	return sc.sc.Write(chunk, func(id, start, end int) bool {
		if uint(id) >= uint(len(p.cands)) {
			return true
		}
		if v := sc.set.decide(p.cands[id], &sc.now); v.Matched() {
			return fn(Match{Verdict: v, Start: start, End: end})
		}
		return true
	})
}

// Offset returns how many bytes the Scanner has been written.
func (sc *Scanner) Offset() int { return sc.sc.Offset() }

// LookupUserAgent returns the verdict for a User-Agent header: the
// User-Agent indicators it contains, compared ASCII case-insensitively. An
// allow indicator decides first, then the longest pattern, then the
// higher severity. It does not allocate.
func (s *Set) LookupUserAgent(ua string) Verdict {
	if s == nil || s.uas == nil {
		return Verdict{}
	}
	var now int64
	var best Verdict
	p := s.uas
	p.auto.Scan(unsafe.Slice(unsafe.StringData(ua), len(ua)), func(id, _, _ int) bool {
		if uint(id) < uint(len(p.cands)) {
			if v := s.decide(p.cands[id], &now); v.Matched() && s.better(v, best) {
				best = v
			}
		}
		return true
	})
	return best
}
