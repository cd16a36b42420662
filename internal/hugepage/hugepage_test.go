package hugepage

import (
	"os"
	"strings"
	"testing"
)

// TestAdviseKeepsContents: the advice may move the data to other physical
// pages, never change it (an advice such as MADV_DONTNEED would zero it).
func TestAdviseKeepsContents(t *testing.T) {
	for _, n := range []int{0, 1, MinSize - 1, MinSize, 3*MinSize + 12345} {
		s := make([]uint32, n/4)
		for i := range s {
			s[i] = uint32(i) * 2654435761
		}
		before := anonHuge(t)
		Advise(s)
		Advise(s[:0]) // a short slice with a large backing array
		for i := range s {
			if s[i] != uint32(i)*2654435761 {
				t.Fatalf("n=%d: word %d changed", n, i)
			}
		}
		t.Logf("%d bytes: AnonHugePages %d → %d kB", n, before, anonHuge(t))
	}
	Advise([]byte(nil))
}

// anonHuge returns the process's AnonHugePages in kB, or -1 where it is
// not reported.
func anonHuge(t *testing.T) int {
	b, err := os.ReadFile("/proc/self/smaps_rollup")
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "AnonHugePages:"); ok {
			var kb int
			for _, c := range strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")) {
				kb = kb*10 + int(c-'0')
			}
			return kb
		}
	}
	return -1
}
