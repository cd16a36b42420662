package hashset

import (
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func randomEntries(r *rand.Rand, n int) []Entry {
	es := make([]Entry, n)
	for i := range es {
		es[i] = Entry{FP: r.Uint64(), Value: uint32(i)}
	}
	return es
}

// all collects every value Lookup returns for fp.
func all(s *Set, fp uint64) []uint32 {
	var vs []uint32
	c := s.Lookup(fp)
	for v, ok := c.Next(); ok; v, ok = c.Next() {
		vs = append(vs, v)
	}
	return vs
}

// checkLookups compares s with a map: every value stored under fp comes
// back, and any other value that comes back belongs to a fingerprint that
// agrees with fp on bucket and tag, as the package doc allows.
func checkLookups(t *testing.T, s *Set, es []Entry, probes []uint64) {
	t.Helper()
	want := map[uint64][]uint32{}
	fpOf := map[uint32]uint64{}
	for _, e := range es {
		want[e.FP] = append(want[e.FP], e.Value)
		fpOf[e.Value] = e.FP
	}
	for _, fp := range probes {
		got := all(s, fp)
		extra := slices.Clone(got)
		for _, v := range want[fp] {
			i := slices.Index(extra, v)
			require.GreaterOrEqual(t, i, 0, "fp %#x: value %d missing", fp, v)
			extra = slices.Delete(extra, i, i+1)
		}
		for _, v := range extra {
			h1, t1 := split(fp, s.home)
			h2, t2 := split(fpOf[v], s.home)
			require.Equal(t, [2]uint64{h1, uint64(t1)}, [2]uint64{h2, uint64(t2)}, "fp %#x: value %d is not a tag collision", fp, v)
		}
	}
}

func TestBuildAgainstMap(t *testing.T) {
	sizes := []int{0, 1, 7, 8, 9, 100, 12345, 300_000}
	if testing.Short() {
		sizes = sizes[:len(sizes)-1]
	}
	for _, n := range sizes {
		r := rand.New(rand.NewPCG(uint64(n), 42))
		es := randomEntries(r, n)
		s := Build(7, es)
		require.Equal(t, n, s.Len())
		require.NoError(t, s.Verify())
		probes := make([]uint64, 0, n+10_000)
		for _, e := range es {
			probes = append(probes, e.FP)
		}
		for range 10_000 {
			probes = append(probes, r.Uint64())
		}
		checkLookups(t, s, es, probes)
		if n > 1000 {
			per := float64(s.SizeBytes()) / float64(n)
			flagged := 0
			for i := range s.buckets {
				if s.buckets[i].tag[0]&flagOverflow != 0 {
					flagged++
				}
			}
			t.Logf("n=%d: %.2f bytes per entry, %.1f%% of buckets overflow", n, per, 100*float64(flagged)/float64(len(s.buckets)))
			assert.LessOrEqual(t, per, 16.0)
			assert.Less(t, float64(flagged)/float64(len(s.buckets)), 0.05)
		}
	}
}

func TestCollisionsAreKept(t *testing.T) {
	// Many values under one fingerprint spill over several buckets; a
	// fingerprint whose tag is 0 is stored with tag 1.
	var es []Entry
	for i := range 23 {
		es = append(es, Entry{FP: 0xdeadbeef, Value: uint32(i)})
	}
	es = append(es, Entry{FP: 0x100000000, Value: 100}) // tag 0
	es = append(es, randomEntries(rand.New(rand.NewPCG(1, 2)), 50)...)
	s := Build(0, es)
	require.NoError(t, s.Verify())
	want := make([]uint32, 23)
	for i := range want {
		want[i] = uint32(i)
	}
	assert.Equal(t, want, all(s, 0xdeadbeef), "in input order")
	assert.Contains(t, all(s, 0x100000000), uint32(100))
}

func TestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	es := randomEntries(r, 5000)
	s := Build(99, es)
	data, err := s.AppendBinary(nil)
	require.NoError(t, err)
	require.Equal(t, 64+s.SizeBytes(), len(data))
	again, err := Build(99, slices.Clone(es)).AppendBinary(nil)
	require.NoError(t, err)
	require.Equal(t, data, again, "the same entries build the same bytes")

	// Aligned (aliased) and misaligned (copied) opens answer the same.
	buf := make([]byte, len(data)+8)
	for _, off := range []int{0, 1, 8} {
		b := buf[off : off+len(data)]
		copy(b, data)
		o, err := Open(b)
		require.NoError(t, err)
		require.NoError(t, o.Verify())
		assert.Equal(t, uint64(99), o.Seed())
		assert.Equal(t, s.Len(), o.Len())
		for _, e := range es {
			require.Contains(t, all(o, e.FP), e.Value)
		}
	}

	empty, err := Build(0, nil).AppendBinary(nil)
	require.NoError(t, err)
	o, err := Open(empty)
	require.NoError(t, err)
	_, ok := o.Get(1)
	assert.False(t, ok)
}

func TestOpenRejects(t *testing.T) {
	s := Build(1, randomEntries(rand.New(rand.NewPCG(5, 6)), 100))
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
		{"old version", append([]byte("sifths\x00\x01"), good[8:]...)},
		{"truncated", good[:len(good)-1]},
		{"extra byte", append(slices.Clone(good), 0)},
		{"huge bucket count", put(24, 1<<60)},
		{"home exceeds total", put(16, 1<<40)},
		{"entries exceed capacity", put(32, 1<<62)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Open(c.data)
			require.ErrorIs(t, err, ErrFormat)
		})
	}
}

func TestVerifyCatchesCorruption(t *testing.T) {
	s := Build(1, randomEntries(rand.New(rand.NewPCG(7, 8)), 2000))
	good, err := s.AppendBinary(nil)
	require.NoError(t, err)
	cases := []struct {
		name string
		edit func(b []byte)
	}{
		{"value in an empty slot", func(b []byte) {
			// The last slot of the last bucket is empty at half load.
			binary.LittleEndian.PutUint32(b[len(b)-4:], 7)
		}},
		{"flag on the last bucket", func(b []byte) { b[len(b)-64+3] |= 0x80 }},
		{"flag bit on a slot other than 0", func(b []byte) { b[64+4+3] |= 0x80 }},
		{"entry count", func(b []byte) { binary.LittleEndian.PutUint64(b[32:], 1999) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := slices.Clone(good)
			c.edit(b)
			o, err := Open(b)
			require.NoError(t, err)
			assert.ErrorIs(t, o.Verify(), ErrFormat)
		})
	}
}

func TestNoAllocs(t *testing.T) {
	s := Build(1, randomEntries(rand.New(rand.NewPCG(9, 10)), 1000))
	var sink uint32
	allocs := testing.AllocsPerRun(1000, func() {
		c := s.Lookup(12345)
		for v, ok := c.Next(); ok; v, ok = c.Next() {
			sink += v
		}
		v, _ := s.Get(FingerprintString(1, "x"))
		sink += v
	})
	assert.Zero(t, allocs)
	_ = sink
}

func TestNilSet(t *testing.T) {
	var s *Set
	_, ok := s.Get(1)
	assert.False(t, ok)
	assert.Zero(t, s.Len())
	assert.NoError(t, s.Verify())
	var z Set
	_, ok = z.Get(1)
	assert.False(t, ok)
}

func FuzzOpen(f *testing.F) {
	for _, n := range []int{0, 1, 7, 60} {
		b, _ := Build(uint64(n), randomEntries(rand.New(rand.NewPCG(uint64(n), 1)), n)).AppendBinary(nil)
		f.Add(b, uint64(3))
	}
	f.Add([]byte("sifths\x00\x03"), uint64(0))
	f.Fuzz(func(t *testing.T, data []byte, fp uint64) {
		s, err := Open(data)
		if err != nil {
			return
		}
		// Lookups on unverified tables must not panic, and end.
		c := s.Lookup(fp)
		for i := 0; ; i++ {
			if _, ok := c.Next(); !ok {
				break
			}
			if i > 8*len(s.buckets) {
				t.Fatal("the walk does not end")
			}
		}
		_ = s.Verify()
	})
}

func TestFirstMany(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	es := randomEntries(r, 20000)
	s := Build(5, es)
	fps := make([]uint64, 64)
	vals := make([]uint32, 64)
	for round := range 200 {
		for i := range fps {
			if i%2 == 0 {
				fps[i] = es[r.IntN(len(es))].FP
			} else {
				fps[i] = r.Uint64()
			}
		}
		n := 1 + round%64
		clear(vals)
		found, more := s.FirstMany(fps[:n], vals[:n])
		for i := range n {
			v, f, m := s.First(fps[i])
			require.Equal(t, f, found>>i&1 == 1, "round %d, %d", round, i)
			require.Equal(t, m, more>>i&1 == 1, "round %d, %d", round, i)
			if f {
				require.Equal(t, v, vals[i])
			}
		}
	}
	assert.Zero(t, testing.AllocsPerRun(100, func() { s.FirstMany(fps, vals) }))
}
