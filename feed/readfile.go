package feed

import (
	"io"
	"os"

	"github.com/sift-intel/sift/internal/layout"
)

// readFile reads a whole file into a 64-byte-aligned buffer, so that the
// structures opened from it are used in place.
func readFile(f *os.File, size int64) ([]byte, func(), error) {
	b := layout.Aligned(int(size), 64)
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, nil, err
	}
	return b, func() {}, nil
}
