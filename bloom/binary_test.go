package bloom

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sift-intel/sift/internal/layout"
)

// filled returns a filter holding keys 0..n-1.
func filled(n int, rate float64) *Filter {
	f := New(n, rate)
	for i := range n {
		f.Add(key(uint64(i)))
	}
	return f
}

// assertSameAnswers checks that g answers like f for the n keys and for
// random hashes.
func assertSameAnswers(t *testing.T, f, g *Filter, n int) {
	t.Helper()
	require.Equal(t, f.K(), g.K())
	require.Equal(t, f.SizeBytes(), g.SizeBytes())
	for i := range n {
		require.True(t, g.Contains(key(uint64(i))), "key %d", i)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 100_000 {
		h := r.Uint64()
		require.Equal(t, f.ContainsHash(h), g.ContainsHash(h), "hash %#x", h)
	}
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		n    int
		rate float64
	}{
		{"empty", 0, 0.01},
		{"small", 10, 0.01},
		{"1% k=6", 10_000, 0.01},
		{"0.1% k=9", 10_000, 0.001},
		{"k=16", 1000, 1e-6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := filled(tt.n, tt.rate)
			data, err := f.AppendBinary(nil)
			require.NoError(t, err)
			require.Len(t, data, headerSize+f.SizeBytes())

			t.Run("aligned aliases", func(t *testing.T) {
				buf := layout.Aligned(len(data), 64)
				copy(buf, data)
				g, err := Open(buf)
				require.NoError(t, err)
				if littleEndian() {
					assert.Equal(t, unsafe.Pointer(&buf[headerSize]), unsafe.Pointer(&g.blocks[0]),
						"Open copied aligned data")
				}
				assertSameAnswers(t, f, g, tt.n)
				again, err := g.AppendBinary(nil)
				require.NoError(t, err)
				assert.Equal(t, data, again)
			})
			t.Run("misaligned address copies", func(t *testing.T) {
				buf := layout.Aligned(len(data)+1, 64)[1:]
				copy(buf, data)
				g, err := Open(buf)
				require.NoError(t, err)
				assert.NotEqual(t, unsafe.Pointer(&buf[headerSize]), unsafe.Pointer(&g.blocks[0]))
				assertSameAnswers(t, f, g, tt.n)
			})
			t.Run("appends after a prefix", func(t *testing.T) {
				prefix := []byte("prefix, 16 bytes")
				out, err := f.AppendBinary(bytes.Clone(prefix))
				require.NoError(t, err)
				assert.Equal(t, prefix, out[:len(prefix)])
				assert.Equal(t, data, out[len(prefix):])
			})
		})
	}
}

func littleEndian() bool { return binary.NativeEndian.Uint16([]byte{1, 0}) == 1 }

func TestOpenAddWritesThrough(t *testing.T) {
	f := filled(100, 0.01)
	data, err := f.AppendBinary(layout.Aligned(0, 64))
	require.NoError(t, err)
	g, err := Open(data)
	require.NoError(t, err)
	g.Add([]byte("late key"))
	assert.True(t, g.Contains([]byte("late key")))
	if littleEndian() && uintptr(unsafe.Pointer(&data[0]))%8 == 0 {
		h, err := Open(data) // the same bytes, now holding the new key
		require.NoError(t, err)
		assert.True(t, h.Contains([]byte("late key")))
	}
}

func TestOpenErrors(t *testing.T) {
	valid, err := filled(200, 0.01).AppendBinary(nil) // 4 blocks
	require.NoError(t, err)
	require.Len(t, valid, headerSize+4*blockBytes)
	edit := func(fn func(b []byte) []byte) []byte { return fn(bytes.Clone(valid)) }
	put32 := func(off int, v uint32) []byte {
		return edit(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[off:], v); return b })
	}
	put64 := func(off int, v uint64) []byte {
		return edit(func(b []byte) []byte { binary.LittleEndian.PutUint64(b[off:], v); return b })
	}
	tests := []struct {
		name    string
		data    []byte
		wantErr error
	}{
		{"nil", nil, ErrFormat},
		{"empty", []byte{}, ErrFormat},
		{"magic only", []byte("siftblm\x01"), ErrFormat},
		{"header only", valid[:headerSize], ErrFormat},
		{"truncated by one byte", valid[:len(valid)-1], ErrFormat},
		{"truncated by one block", valid[:len(valid)-blockBytes], ErrFormat},
		{"length not a multiple of 64", valid[:len(valid)-8], ErrFormat},
		{"trailing byte", append(bytes.Clone(valid), 0), ErrFormat},
		{"trailing block", append(bytes.Clone(valid), make([]byte, blockBytes)...), ErrFormat},
		{"bad magic", edit(func(b []byte) []byte { b[0] = 'S'; return b }), ErrFormat},
		{"other format", append([]byte("\x89PNG\r\n\x1a\n"), valid[8:]...), ErrFormat},
		{"version 0", edit(func(b []byte) []byte { b[7] = 0; return b }), ErrVersion},
		{"version 2", edit(func(b []byte) []byte { b[7] = 2; return b }), ErrVersion},
		{"k zero", put32(8, 0), ErrFormat},
		{"k too large", put32(8, maxK+1), ErrFormat},
		{"k huge", put32(8, math.MaxUint32), ErrFormat},
		{"flags set", put32(12, 1), ErrFormat},
		{"reserved set", edit(func(b []byte) []byte { b[63] = 1; return b }), ErrFormat},
		{"zero blocks", put64(16, 0), ErrFormat},
		{"one block too few", put64(16, 3), ErrFormat},
		{"one block too many", put64(16, 5), ErrFormat},
		{"count 2^58 (overflows ×64)", put64(16, 1<<58), ErrFormat},
		{"count 2^64-1", put64(16, math.MaxUint64), ErrFormat},
		{"zero header with huge count", func() []byte {
			b := make([]byte, headerSize)
			copy(b, "siftblm\x01")
			binary.LittleEndian.PutUint32(b[8:], 6)
			binary.LittleEndian.PutUint64(b[16:], 1<<40)
			return b
		}(), ErrFormat},
		{"junk", bytes.Repeat([]byte{0xa5}, 1024), ErrFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f *Filter
			var err error
			require.NotPanics(t, func() { f, err = Open(tt.data) })
			require.ErrorIs(t, err, tt.wantErr)
			assert.Nil(t, f)
			t.Log(err)
		})
	}
	// The unchanged data opens, so each case above fails for its own reason.
	_, err = Open(valid)
	require.NoError(t, err)
}

// An untrusted block count must not drive an allocation.
func TestOpenHugeCountDoesNotAllocate(t *testing.T) {
	b := make([]byte, headerSize)
	copy(b, "siftblm\x01")
	binary.LittleEndian.PutUint32(b[8:], 6)
	binary.LittleEndian.PutUint64(b[16:], 1<<50)
	var sink error
	allocs := testing.AllocsPerRun(100, func() { _, sink = Open(b) })
	assert.LessOrEqual(t, allocs, 5.0, "only the error message may allocate")
	_ = sink
}

func TestStandard(t *testing.T) {
	n := 100_000
	if testing.Short() {
		n = 10_000
	}
	keys := func(yield func([]byte) bool) {
		for i := range n {
			if !yield(key(uint64(i))) {
				return
			}
		}
	}
	f := Standard(uint(n), 0.01, keys)
	for i := range n {
		require.True(t, f.Test(key(uint64(i))), "key %d", i)
	}

	var buf bytes.Buffer
	written, err := f.WriteTo(&buf)
	require.NoError(t, err)
	assert.Equal(t, int64(buf.Len()), written)

	g := Standard(1, 0.5, nil) // any filter; ReadFrom replaces it
	read, err := g.ReadFrom(&buf)
	require.NoError(t, err)
	assert.Equal(t, written, read)
	assert.True(t, f.Equal(g))
	for i := range n {
		require.True(t, g.Test(key(uint64(i))), "key %d after ReadFrom", i)
	}
	fp := 0
	for i := range n {
		if g.Test(key(uint64(n + i))) {
			fp++
		}
	}
	t.Logf("standard filter: %.2f bits/key, k=%d, measured FPR %.3f%%",
		float64(g.Cap())/float64(n), g.K(), 100*float64(fp)/float64(n))
	assert.LessOrEqual(t, float64(fp)/float64(n), 0.0125)

	t.Run("no keys", func(t *testing.T) {
		e := Standard(0, 0.01, nil)
		assert.False(t, e.Test([]byte("x")))
	})
}
