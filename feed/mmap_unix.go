//go:build linux || darwin || freebsd || netbsd || openbsd

package feed

import (
	"os"
	"syscall"
)

// mapFile maps the whole file read-only. The returned function unmaps it.
func mapFile(f *os.File, size int64) ([]byte, func(), error) {
	data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return readFile(f, size)
	}
	return data, func() { syscall.Munmap(data) }, nil
}
