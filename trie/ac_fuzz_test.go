package trie_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/sift-intel/sift/trie"
)

// fuzzPatterns reads a pattern set and a text from fuzz input: data[0]
// holds the number of patterns (low 4 bits) and whether to repeat the text
// past the length where lanes start (bit 7); each pattern is a length byte
// (low 3 bits, 7 meaning an empty pattern; bit 7: folded) and its bytes;
// the rest is the text.
func fuzzPatterns(data []byte) (ps []trie.Pattern, text []byte, empty bool) {
	if len(data) == 0 {
		return nil, nil, false
	}
	n := int(data[0] & 0x0f)
	long := data[0]&0x80 != 0
	data = data[1:]
	for range n {
		if len(data) == 0 {
			break
		}
		l, fold := int(data[0]&7), data[0]&0x80 != 0
		data = data[1:]
		if l == 7 {
			l, empty = 0, true
		} else {
			l++
		}
		l = min(l, len(data))
		if l == 0 {
			empty = true
		}
		ps = append(ps, trie.Pattern{Bytes: data[:l:l], Fold: fold})
		data = data[l:]
	}
	text = data
	if long && len(text) > 0 {
		text = bytes.Repeat(text, 20_000/len(text)+1)
	}
	return ps, text, empty
}

// FuzzAutomaton builds automata from fuzzed patterns and checks every
// scan against the oracle: on three layouts, opened from bytes, and in two
// chunks split where the input says.
func FuzzAutomaton(f *testing.F) {
	f.Add([]byte("\x04\x01he\x02she\x02his\x03hers" + "ushers and his"))
	f.Add([]byte("\x03\x80a\x81aB\x01Ab" + "ab AB aB Ab aaBB"))
	f.Add([]byte("\x82\x00a\x01ab" + "abababab"))
	f.Add([]byte("\x02\x07\x00x" + "xx"))
	f.Add([]byte("\x05\x03\x7fELF\x00\x00\x01\x00\x00\x80Z\x02\xff\xfe\x00" + "\x7fELF\x00\x00\x00zZ\xff\xfe\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ps, text, empty := fuzzPatterns(data)
		a, err := trie.BuildAutomaton(ps, trie.AutomatonConfig{})
		if empty {
			if err == nil {
				t.Fatal("an empty pattern was accepted")
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		want := naiveMatches(ps, text)
		check := func(name string, got []acMatch) {
			t.Helper()
			if !slices.Equal(want, got) {
				t.Fatalf("%s: patterns %q text %q:\nwant %v\ngot  %v", name, patternStrings(ps), text, want, got)
			}
		}
		check("default", scanAll(a, text))
		for _, l := range layouts[1:3] {
			b, err := trie.BuildAutomatonLayout(ps, trie.AutomatonConfig{}, l.depth, l.budget)
			if err != nil {
				t.Fatal(err)
			}
			check(l.name, scanAll(b, text))
		}
		bin, err := a.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		o, err := trie.OpenAutomaton(bin)
		if err != nil {
			t.Fatal(err)
		}
		if err := o.Verify(); err != nil {
			t.Fatal(err)
		}
		check("opened", scanAll(o, text))
		split := 0
		if len(data) > 0 && len(text) > 0 {
			split = int(data[len(data)-1]) * len(text) / 256
		}
		var got []acMatch
		sc := o.Scanner()
		for _, ch := range [][]byte{text[:split], text[split:]} {
			sc.Write(ch, func(id, start, end int) bool {
				got = append(got, acMatch{id, start, end})
				return true
			})
		}
		check("chunks", got)
	})
}

// FuzzOpen opens arbitrary bytes as an automaton: that must not panic,
// and neither may anything done with what it returns, Verify included.
// The seeds are real automata (the file-type signatures, random sets) and
// corruptions of them.
func FuzzOpen(f *testing.F) {
	seeds := [][]trie.Pattern{
		nil,
		pats(false, "he", "she", "his", "hers"),
		append(pats(true, "Evil", "x"), pats(false, "EVIL", "vi")...),
	}
	if ps, err := fuzzSignatures(); err == nil {
		seeds = append(seeds, ps)
	}
	for _, ps := range seeds {
		for _, l := range layouts[:3] {
			var a *trie.Automaton
			var err error
			if l.depth < 0 {
				a, err = trie.BuildAutomaton(ps, trie.AutomatonConfig{})
			} else {
				a, err = trie.BuildAutomatonLayout(ps, trie.AutomatonConfig{}, l.depth, l.budget)
			}
			if err != nil {
				f.Fatal(err)
			}
			bin, err := a.AppendBinary(nil)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(bin)
			bad := slices.Clone(bin)
			bad[len(bad)/2] ^= 0x5a
			f.Add(bad)
		}
	}
	text := []byte("ushers and his \x7fELF\x00\x00%PDF-1.4 he said EVIL evil")
	long := bytes.Repeat(text, 2000)
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := trie.OpenAutomaton(data)
		if err != nil {
			return
		}
		n := 0
		for _, tx := range [][]byte{text, data, long} {
			a.Scan(tx, func(id, start, end int) bool {
				if id < 0 || id >= a.Len() || end > len(tx) {
					t.Fatalf("match %d [%d:%d] out of range", id, start, end)
				}
				n++
				return n < 100_000
			})
		}
		sc := a.Scanner()
		sc.Write(text[:7], nil)
		sc.Write(text[7:], func(int, int, int) bool { return true })
		_ = a.Stats()
		for i := range min(a.Len(), 10) {
			_ = a.Pattern(i)
		}
		if a.Verify() == nil {
			// A valid automaton scans as its patterns say.
			ps := make([]trie.Pattern, a.Len())
			for i := range ps {
				ps[i] = a.Pattern(i)
			}
			if want, got := naiveMatches(ps, text), scanAll(a, text); !slices.Equal(want, got) {
				t.Fatalf("verified automaton: want %v, got %v", want, got)
			}
		}
		// What it serialises to opens again (padding and unused bits are
		// written as zeros, so the bytes may differ from data).
		again, err := a.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := trie.OpenAutomaton(again); err != nil {
			t.Fatalf("an opened automaton serialises to bytes that do not open: %v", err)
		}
	})
}

func fuzzSignatures() ([]trie.Pattern, error) {
	// The fuzzer runs without a testing.TB for corpus lookups: read the
	// signatures from the shared corpus if it is beside the repository.
	for _, dir := range []string{os.Getenv("SIFT_CORPUS"), filepath.Join("..", "..", "shared", "data")} {
		if dir == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, "bytes/signature-base/file-type-signatures.txt")); err == nil {
			ps, _, err := readSignatures(filepath.Join(dir, "bytes/signature-base/file-type-signatures.txt"))
			return ps, err
		}
	}
	return nil, os.ErrNotExist
}
