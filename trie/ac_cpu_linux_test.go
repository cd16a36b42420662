//go:build linux

package trie_test

import (
	"syscall"
	"unsafe"
)

// threadCPU returns the CPU time the calling thread has used, in
// nanoseconds (CLOCK_THREAD_CPUTIME_ID). On a shared machine it counts
// only this benchmark's work, where wall time also counts waiting for the
// CPU; callers lock the goroutine to its thread.
func threadCPU() int64 {
	var ts syscall.Timespec
	const clockThreadCPUTime = 3
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTime, uintptr(unsafe.Pointer(&ts)), 0)
	return ts.Nano()
}
