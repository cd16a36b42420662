package hashset_test

import (
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sift-intel/sift/hashset"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func randomEntries(r *rand.Rand, n int) []hashset.Entry {
	es := make([]hashset.Entry, n)
	for i := range es {
		es[i] = hashset.Entry{FP: r.Uint64(), Value: uint32(i)}
	}
	return es
}

// all collects every value under fp.
func all(s *hashset.Set, fp uint64) []uint32 {
	var vs []uint32
	c := s.Lookup(fp)
	for v, ok := c.Next(); ok; v, ok = c.Next() {
		vs = append(vs, v)
	}
	return vs
}

func TestBuildAgainstMap(t *testing.T) {
	sizes := []int{0, 1, 4, 5, 6, 100, 12345, 200_000}
	if testing.Short() {
		sizes = sizes[:len(sizes)-1]
	}
	for _, n := range sizes {
		r := rand.New(rand.NewPCG(uint64(n), 42))
		es := randomEntries(r, n)
		want := map[uint64][]uint32{}
		for _, e := range es {
			want[e.FP] = append(want[e.FP], e.Value)
		}
		s := hashset.Build(7, slices.Clone(es))
		require.Equal(t, n, s.Len())
		require.NoError(t, s.Verify())
		for fp, vs := range want {
			require.Equal(t, vs, all(s, fp), "fp %#x", fp)
		}
		for range 10_000 {
			fp := r.Uint64()
			if _, ok := want[fp]; !ok {
				_, ok := s.Get(fp)
				require.False(t, ok)
			}
		}
		if n > 1000 {
			per := float64(s.SizeBytes()) / float64(n)
			t.Logf("n=%d: %.2f bytes per entry", n, per)
			assert.LessOrEqual(t, per, 16.0)
		}
	}
}

func TestCollisionsAreKept(t *testing.T) {
	// Many values under one fingerprint, and a fingerprint of 0, which is
	// stored as 1 and so shares a slot value with a real 1.
	var es []hashset.Entry
	for i := range 23 {
		es = append(es, hashset.Entry{FP: 0xdeadbeef, Value: uint32(i)})
	}
	es = append(es, hashset.Entry{FP: 0, Value: 100}, hashset.Entry{FP: 1, Value: 101})
	r := rand.New(rand.NewPCG(1, 2))
	es = append(es, randomEntries(r, 50)...)
	s := hashset.Build(0, es)
	require.NoError(t, s.Verify())
	want := make([]uint32, 23)
	for i := range want {
		want[i] = uint32(i)
	}
	assert.Equal(t, want, all(s, 0xdeadbeef))
	assert.Equal(t, []uint32{100, 101}, all(s, 0))
	assert.Equal(t, []uint32{100, 101}, all(s, 1))
}

func TestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	es := randomEntries(r, 5000)
	s := hashset.Build(99, slices.Clone(es))
	data, err := s.AppendBinary(nil)
	require.NoError(t, err)
	require.Equal(t, 64+s.SizeBytes(), len(data))

	// Aligned (aliased) and misaligned (copied) opens answer the same.
	buf := make([]byte, len(data)+8)
	for _, off := range []int{0, 1, 8} {
		b := buf[off : off+len(data)]
		copy(b, data)
		o, err := hashset.Open(b)
		require.NoError(t, err)
		require.NoError(t, o.Verify())
		assert.Equal(t, uint64(99), o.Seed())
		assert.Equal(t, s.Len(), o.Len())
		for _, e := range es {
			v, ok := o.Get(e.FP)
			require.True(t, ok)
			require.Equal(t, e.Value, v)
		}
	}

	empty, err := hashset.Build(0, nil).AppendBinary(nil)
	require.NoError(t, err)
	o, err := hashset.Open(empty)
	require.NoError(t, err)
	_, ok := o.Get(1)
	assert.False(t, ok)
}

func TestOpenRejects(t *testing.T) {
	s := hashset.Build(1, randomEntries(rand.New(rand.NewPCG(5, 6)), 100))
	good, err := s.AppendBinary(nil)
	require.NoError(t, err)
	put := func(off int, v uint64) []byte {
		b := slices.Clone(good)
		binary.LittleEndian.PutUint64(b[off:], v)
		return b
	}
	cases := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"short header", good[:63]},
		{"bad magic", append([]byte("notahash"), good[8:]...)},
		{"truncated", good[:len(good)-1]},
		{"extra byte", append(slices.Clone(good), 0)},
		{"huge bucket count", put(24, 1<<60)},
		{"home exceeds total", put(16, 1<<40)},
		{"entries exceed capacity", put(32, 1<<62)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := hashset.Open(c.data)
			require.ErrorIs(t, err, hashset.ErrFormat)
		})
	}
}

func TestVerifyCatchesCorruption(t *testing.T) {
	s := hashset.Build(1, randomEntries(rand.New(rand.NewPCG(7, 8)), 2000))
	good, err := s.AppendBinary(nil)
	require.NoError(t, err)
	// Flip one bit in every 8-byte word of the table in turn: the result
	// either fails Verify or still finds nothing it should not.
	caught := 0
	for off := 64; off < len(good); off += 8 {
		b := slices.Clone(good)
		b[off] ^= 0x80
		o, err := hashset.Open(b)
		require.NoError(t, err) // header untouched
		if o.Verify() != nil {
			caught++
		}
	}
	t.Logf("Verify caught %d of %d single-word corruptions", caught, (len(good)-64)/8)
	assert.Positive(t, caught)
}

func TestNoAllocs(t *testing.T) {
	s := hashset.Build(1, randomEntries(rand.New(rand.NewPCG(9, 10)), 1000))
	var sink uint32
	allocs := testing.AllocsPerRun(1000, func() {
		c := s.Lookup(12345)
		for v, ok := c.Next(); ok; v, ok = c.Next() {
			sink += v
		}
		v, _ := s.Get(hashset.FingerprintString(1, "x"))
		sink += v
	})
	assert.Zero(t, allocs)
	_ = sink
}

func TestNilSet(t *testing.T) {
	var s *hashset.Set
	_, ok := s.Get(1)
	assert.False(t, ok)
	assert.Zero(t, s.Len())
	assert.NoError(t, s.Verify())
	var z hashset.Set
	_, ok = z.Get(1)
	assert.False(t, ok)
}

func FuzzOpen(f *testing.F) {
	for _, n := range []int{0, 1, 7, 60} {
		b, _ := hashset.Build(uint64(n), randomEntries(rand.New(rand.NewPCG(uint64(n), 1)), n)).AppendBinary(nil)
		f.Add(b, uint64(3))
	}
	f.Add([]byte("sifths\x00\x01"), uint64(0))
	f.Fuzz(func(t *testing.T, data []byte, fp uint64) {
		s, err := hashset.Open(data)
		if err != nil {
			return
		}
		// Lookups on unverified tables must not panic or loop forever.
		c := s.Lookup(fp)
		for i := 0; i < 1<<20; i++ {
			if _, ok := c.Next(); !ok {
				break
			}
		}
		if s.Verify() == nil {
			n := 0
			s.All(func(e hashset.Entry) bool {
				_, ok := s.Get(e.FP)
				if !ok {
					t.Fatalf("verified set lost fingerprint %#x", e.FP)
				}
				n++
				return true
			})
			if n != s.Len() {
				t.Fatalf("verified set holds %d entries, header says %d", n, s.Len())
			}
		}
	})
}
