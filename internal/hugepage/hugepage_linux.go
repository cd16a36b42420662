package hugepage

import (
	"syscall"
	"unsafe"
)

const (
	hugePage     = 2 << 20
	madvHugepage = 14 // MADV_HUGEPAGE
	madvCollapse = 25 // MADV_COLLAPSE, Linux 6.1
)

func advise(b []byte) {
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	first := (start + hugePage - 1) &^ (hugePage - 1)
	last := (start + uintptr(len(b))) &^ (hugePage - 1)
	if last <= first {
		return
	}
	syscall.Syscall(syscall.SYS_MADVISE, first, last-first, madvHugepage)
	syscall.Syscall(syscall.SYS_MADVISE, first, last-first, madvCollapse)
}
