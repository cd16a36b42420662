package hugepage

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkDependentRead chases a random cycle through 512 MiB (64 MiB
// under -short), one cache line a step, so each read waits for the one
// before: the latency of a miss, page walk included. impl=4k is Go's heap
// as it comes (4 KiB pages where the kernel's policy is "madvise"),
// impl=huge the same after Advise. ns/op is per read.
//
//	go test -run '^$' -bench DependentRead -count 5 ./internal/hugepage/
func BenchmarkDependentRead(b *testing.B) {
	size := 512 << 20
	if testing.Short() {
		size = 64 << 20
	}
	for _, impl := range []string{"4k", "huge"} {
		b.Run("impl="+impl, func(b *testing.B) {
			next := cycle(size)
			if impl == "huge" {
				advise64(next)
			}
			i := uint32(0)
			for b.Loop() {
				i = next[i]
			}
			sink = i
		})
	}
}

var sink uint32

// cycle returns size bytes of uint32s in which, at the first word of each
// 64-byte line, the index of the next line's first word forms one random
// cycle over all lines.
func cycle(size int) []uint32 {
	const stride = 16 // uint32s per cache line
	lines := size / 64
	order := rand.New(rand.NewPCG(1, 2)).Perm(lines)
	next := make([]uint32, size/4)
	for k, l := range order {
		next[l*stride] = uint32(order[(k+1)%lines] * stride)
	}
	return next
}

// advise64 is Advise without the environment switch, so that the
// benchmark compares what it says it compares.
func advise64(s []uint32) {
	saved := disabled
	disabled = false
	Advise(s)
	disabled = saved
}
