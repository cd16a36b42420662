package trie

import (
	"os"
	"testing"
)

// temporary: measure where a scan spends its bytes
func TestACProbe(t *testing.T) {
	text, _ := os.ReadFile("/work/shared/data/benign/logs/apache_logs")
	text = text[:1<<20]
	raw, _ := os.ReadFile("/tmp/ac10k.txt")
	var ps []Pattern
	start := 0
	for i, c := range raw {
		if c == '\n' {
			ps = append(ps, Pattern{Bytes: raw[start:i]})
			start = i + 1
		}
	}
	for _, depth := range []uint32{2, 3, 4, 1 << 20} {
		a, err := buildAutomaton(ps, AutomatonConfig{}, acParams{maxDenseDepth: depth, denseBudget: 1<<32 - 1})
		if err != nil {
			t.Fatal(err)
		}
		// depth histogram of the states visited
		b := &acBuilder{}
		_ = b
		s := uint32(0)
		dense, sparse, steps, matches := 0, 0, 0, 0
		for _, ch := range text {
			c := uint32(a.classes[ch])
			if s < acSparse {
				dense++
				s = a.dense[s+c]
			} else {
				sparse++
				// count fallback steps
				x := s
				for x >= acSparse {
					steps++
					o := x & acOffMask
					h := a.sparse[o]
					n := h & acRecN
					found := false
					if n > 0 && h>>16&0xff == c {
						found = true
					}
					if n > 1 && h>>24 == c {
						found = true
					}
					for j := uint32(2); j < n; j++ {
						p := o + 2 + h>>9&1
						if a.sparse[p+(j-2)/4]>>(8*((j-2)%4))&0xff == c {
							found = true
						}
					}
					if found {
						break
					}
					x = a.sparse[o+1]
				}
				s = a.sparseStep(s, c)
			}
			if s&acMatch != 0 {
				matches++
				s &^= acMatch
			}
		}
		st := a.Stats()
		t.Logf("depth %d: states %d dense %d classes %d: bytes in dense %d sparse %d, sparse records visited %d, matches %d", depth, st.States, st.DenseStates, st.Classes, dense, sparse, steps, matches)
	}
}
