//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package feed

import "os"

// mapFile reads the file: this platform has no mapping here.
func mapFile(f *os.File, size int64) ([]byte, func(), error) {
	return readFile(f, size)
}
