// Package layout views byte slices as slices of fixed-size integers, the way
// sift's structures use their serialised form in place.
//
// Every structure in sift stores its integers little-endian. On a
// little-endian machine with suitably aligned input, the views returned here
// alias the input: nothing is copied, so opening a large structure costs
// nothing but the bounds checks. On a big-endian machine, or when the input is
// not aligned, the integers are decoded into a fresh slice instead, so the
// result is always correct and only the cost differs.
//
// The caller must not modify the input while a view of it is in use.
package layout

import (
	"encoding/binary"
	"errors"
	"unsafe"
)

// littleEndian reports whether this machine stores integers little-endian,
// which is when the in-place views are possible.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// ErrLength is returned when a byte slice is not a whole number of elements.
var ErrLength = errors.New("layout: length is not a multiple of the element size")

// Uint64s returns b as a slice of little-endian uint64 values.
func Uint64s(b []byte) ([]uint64, error) {
	if len(b)%8 != 0 {
		return nil, ErrLength
	}
	if len(b) == 0 {
		return nil, nil
	}
	if littleEndian && uintptr(unsafe.Pointer(&b[0]))%8 == 0 {
		// Aligned and in the right byte order: alias the input.
		return unsafe.Slice((*uint64)(unsafe.Pointer(&b[0])), len(b)/8), nil
	}
	s := make([]uint64, len(b)/8)
	for i := range s {
		s[i] = binary.LittleEndian.Uint64(b[8*i:])
	}
	return s, nil
}

// Uint32s returns b as a slice of little-endian uint32 values.
func Uint32s(b []byte) ([]uint32, error) {
	if len(b)%4 != 0 {
		return nil, ErrLength
	}
	if len(b) == 0 {
		return nil, nil
	}
	if littleEndian && uintptr(unsafe.Pointer(&b[0]))%4 == 0 {
		return unsafe.Slice((*uint32)(unsafe.Pointer(&b[0])), len(b)/4), nil
	}
	s := make([]uint32, len(b)/4)
	for i := range s {
		s[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return s, nil
}

// Uint16s returns b as a slice of little-endian uint16 values.
func Uint16s(b []byte) ([]uint16, error) {
	if len(b)%2 != 0 {
		return nil, ErrLength
	}
	if len(b) == 0 {
		return nil, nil
	}
	if littleEndian && uintptr(unsafe.Pointer(&b[0]))%2 == 0 {
		return unsafe.Slice((*uint16)(unsafe.Pointer(&b[0])), len(b)/2), nil
	}
	s := make([]uint16, len(b)/2)
	for i := range s {
		s[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return s, nil
}

// AppendUint64s appends s to dst in little-endian order.
func AppendUint64s(dst []byte, s []uint64) []byte {
	if littleEndian && len(s) > 0 {
		return append(dst, unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), 8*len(s))...)
	}
	for _, v := range s {
		dst = binary.LittleEndian.AppendUint64(dst, v)
	}
	return dst
}

// AppendUint32s appends s to dst in little-endian order.
func AppendUint32s(dst []byte, s []uint32) []byte {
	if littleEndian && len(s) > 0 {
		return append(dst, unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), 4*len(s))...)
	}
	for _, v := range s {
		dst = binary.LittleEndian.AppendUint32(dst, v)
	}
	return dst
}

// AppendUint16s appends s to dst in little-endian order.
func AppendUint16s(dst []byte, s []uint16) []byte {
	if littleEndian && len(s) > 0 {
		return append(dst, unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), 2*len(s))...)
	}
	for _, v := range s {
		dst = binary.LittleEndian.AppendUint16(dst, v)
	}
	return dst
}

// Pad appends zero bytes to dst until its length is a multiple of align,
// which must be a power of two.
func Pad(dst []byte, align int) []byte {
	for len(dst)&(align-1) != 0 {
		dst = append(dst, 0)
	}
	return dst
}

// Aligned returns a zeroed byte slice of length n whose first byte is
// aligned to align bytes (a power of two, at most 4096), so that views of it
// alias it. Go aligns large allocations to pages already; this makes the
// guarantee explicit for small ones.
func Aligned(n, align int) []byte {
	b := make([]byte, n+align)
	off := int(uintptr(unsafe.Pointer(&b[0])) & uintptr(align-1))
	if off != 0 {
		off = align - off
	}
	return b[off : off+n : off+n]
}
