package bloom

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/sift-intel/sift/internal/layout"
)

// The serialised form; doc.go gives the layout.
const (
	magic      = "siftblm" // bytes 0..6
	version    = 1         // byte 7
	headerSize = 64        // one cache line, so blocks stay line-aligned
)

// ErrFormat is returned (wrapped, with details) by Open for data that is not
// a valid serialised Filter: wrong magic, a field out of range, or a length
// that does not match the header.
var ErrFormat = errors.New("bloom: invalid filter data")

// ErrVersion is returned (wrapped) by Open for a filter written in a format
// version this package does not know, typically by a newer sift.
var ErrVersion = errors.New("bloom: unsupported filter format version")

var _ interface {
	AppendBinary([]byte) ([]byte, error)
} = (*Filter)(nil) // encoding.BinaryAppender

// AppendBinary appends the serialised filter to dst: a 64-byte header and
// then the blocks, SizeBytes() bytes, as doc.go describes. It implements
// encoding.BinaryAppender. The only error is for the zero Filter, which has
// nothing to serialise.
//
// Open uses the result in place when it starts at an 8-byte-aligned address;
// to keep every block on its own cache line, place it at a 64-byte-aligned
// offset of a buffer that is itself 64-byte aligned (layout.Pad, layout.Aligned).
func (f *Filter) AppendBinary(dst []byte) ([]byte, error) {
	if len(f.blocks) == 0 {
		return dst, errors.New("bloom: AppendBinary of a zero Filter; use New")
	}
	var h [headerSize]byte
	copy(h[:], magic)
	h[7] = version
	binary.LittleEndian.PutUint32(h[8:], uint32(f.k))
	// h[12:16]: flags, zero in version 1.
	binary.LittleEndian.PutUint64(h[16:], uint64(len(f.blocks)))
	// h[24:64]: reserved, zero.
	dst = append(dst, h[:]...)
	return layout.AppendUint64s(dst, words(f.blocks)), nil
}

// Open returns the filter serialised in data by AppendBinary.
//
// On a little-endian machine, when data starts at an 8-byte-aligned address,
// the filter uses data in place: nothing is copied, and data must not be
// modified while the filter is in use (AddHash on the filter writes into it).
// Otherwise the blocks are copied. Open checks the header and that len(data)
// is exactly the header plus the blocks it announces before it touches or
// allocates anything else; invalid data gives an error wrapping ErrFormat or
// ErrVersion, never a panic.
func Open(data []byte) (*Filter, error) {
	if len(data) < headerSize {
		return nil, fmt.Errorf("%w: %d bytes, shorter than the %d-byte header", ErrFormat, len(data), headerSize)
	}
	if string(data[:len(magic)]) != magic {
		return nil, fmt.Errorf("%w: magic %q, want %q", ErrFormat, data[:len(magic)], magic)
	}
	if v := data[7]; v != version {
		return nil, fmt.Errorf("%w: version %d, this package reads version %d", ErrVersion, v, version)
	}
	k := binary.LittleEndian.Uint32(data[8:])
	if k < 1 || k > maxK {
		return nil, fmt.Errorf("%w: k = %d, want 1..%d", ErrFormat, k, maxK)
	}
	if flags := binary.LittleEndian.Uint32(data[12:]); flags != 0 {
		return nil, fmt.Errorf("%w: flags %#x, want 0", ErrFormat, flags)
	}
	nb := binary.LittleEndian.Uint64(data[16:])
	for i, c := range data[24:headerSize] {
		if c != 0 {
			return nil, fmt.Errorf("%w: reserved header byte %d is %#x, want 0", ErrFormat, 24+i, c)
		}
	}
	if nb == 0 {
		return nil, fmt.Errorf("%w: no blocks", ErrFormat)
	}
	// Compare the untrusted count with what data actually holds, by division
	// so that nothing can overflow.
	body := data[headerSize:]
	if len(body)%blockBytes != 0 || uint64(len(body)/blockBytes) != nb {
		return nil, fmt.Errorf("%w: header announces %d blocks of %d bytes, data holds %d bytes after the header",
			ErrFormat, nb, blockBytes, len(body))
	}
	// len(body) is a whole number of blocks, so Uint64s cannot fail; it aliases
	// body when aligned and little-endian, and copies (len(body) bytes, which
	// the caller already holds) otherwise.
	w, err := layout.Uint64s(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	return &Filter{blocks: asBlocks(w), k: int(k)}, nil
}
