// Package hugepage asks the kernel to back sift's large lookup tables with
// huge pages.
//
// A lookup in a table of millions of entries misses the caches and the
// TLB: with 4 KiB pages every random access also walks the page tables,
// and in a virtual machine that walk is itself a chain of misses. Go's
// runtime does not ask for huge pages, and Linux's default policy
// ("madvise") gives them only to memory that asks, so the structures that
// are built once and read on every lookup ask for themselves. On the
// 2-vCPU VM sift is measured on (medians of 3 and 5 runs):
//
//	SIFT_HUGEPAGES=0 go test -run '^$' -bench 'LookupHash$/n=10M' -count 3 ./match/   402 ns
//	go test -run '^$' -bench 'LookupHash$/n=10M' -count 3 ./match/                    257 ns
//	go test -run '^$' -bench DependentRead -count 5 ./internal/hugepage/             239 ns (4k), 211 ns (huge)
//
// Advise applies to memory sift allocated and filled. A snapshot mapped
// from a file stays in 4 KiB pages: the page cache backs it, and the
// kernel collapses file pages only on file systems that support it.
//
// Setting SIFT_HUGEPAGES=0 in the environment turns the advice off, to
// measure without it.
package hugepage

import (
	"os"
	"unsafe"
)

// MinSize is the smallest slice worth advising: below it the table fits
// the TLB's reach with 4 KiB pages anyway, and the advice costs a system
// call.
const MinSize = 8 << 20

var disabled = os.Getenv("SIFT_HUGEPAGES") == "0"

// Advise asks for huge pages under the whole 2 MiB-aligned pages of s's
// backing array, which the caller has filled, and collapses them now (on
// Linux 6.1 and later; earlier kernels collapse them in the background).
// It takes about 1.4 ms per MiB. Failures are ignored: the advice changes
// speed, never contents.
func Advise[T any](s []T) {
	var zero T
	n := uintptr(cap(s)) * unsafe.Sizeof(zero)
	if disabled || n < MinSize {
		return
	}
	advise(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s[:1]))), n))
}
