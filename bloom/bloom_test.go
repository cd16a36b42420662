package bloom

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/zeebo/xxh3"
)

// key returns the i-th test key: 16 bytes, like a short indicator. Keys with
// distinct i are distinct, so "absent" keys are truly absent.
func key(i uint64) []byte {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:], i)
	binary.LittleEndian.PutUint64(b[8:], i^0x5157f7ee0b1a7c3d)
	return b[:]
}

// stdBitsPerKey is the space optimum of a standard Bloom filter.
func stdBitsPerKey(p float64) float64 { return -math.Log2(p) / math.Ln2 }

func TestNewPanics(t *testing.T) {
	tests := []struct {
		name string
		n    int
		rate float64
	}{
		{"negative n", -1, 0.01},
		{"zero rate", 10, 0},
		{"rate one", 10, 1},
		{"rate above one", 10, 1.5},
		{"negative rate", 10, -0.01},
		{"NaN rate", 10, math.NaN()},
		{"infinite rate", 10, math.Inf(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Panics(t, func() { New(tt.n, tt.rate) })
		})
	}
}

func TestStandardPanics(t *testing.T) {
	for _, rate := range []float64{0, 1, -1, math.NaN()} {
		assert.Panics(t, func() { Standard(10, rate, nil) }, "rate %v", rate)
	}
}

func TestZeroFilter(t *testing.T) {
	var f Filter
	assert.False(t, f.ContainsHash(0))
	assert.False(t, f.ContainsHash(math.MaxUint64))
	assert.False(t, f.Contains([]byte("x")))
	assert.Zero(t, f.K())
	assert.Zero(t, f.SizeBytes())
	assert.Panics(t, func() { f.AddHash(1) })
	assert.Panics(t, func() { f.Add([]byte("x")) })
	_, err := f.AppendBinary(nil)
	assert.Error(t, err)
}

func TestParameters(t *testing.T) {
	tests := []struct {
		name   string
		rate   float64
		wantK  int
		maxOvr float64 // most bits per key allowed, relative to a standard Bloom filter
	}{
		{"50%", 0.5, 1, 1.02},
		{"5%", 0.05, 4, 1.03},
		{"1%", 0.01, 6, 1.05},
		{"0.1%", 0.001, 9, 1.10},
		{"1e-6", 1e-6, 16, 1.40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, k := parameters(tt.rate)
			t.Logf("rate %g: k=%d, %.2f bits/key (standard Bloom %.2f), model FPR %.4g",
				tt.rate, k, c, stdBitsPerKey(tt.rate), blockedFPR(c, k))
			assert.Equal(t, tt.wantK, k)
			assert.LessOrEqual(t, blockedFPR(c, k), tt.rate)
			assert.GreaterOrEqual(t, c, stdBitsPerKey(tt.rate)*0.99)
			assert.LessOrEqual(t, c, stdBitsPerKey(tt.rate)*tt.maxOvr)
		})
	}
	// The lowest rate New sizes for must be reachable.
	c, k := parameters(minRate)
	assert.Less(t, c, maxBitsKey)
	assert.LessOrEqual(t, blockedFPR(c, k), minRate)
}

func TestNewSize(t *testing.T) {
	tests := []struct {
		name       string
		n          int
		rate       float64
		wantBlocks int
	}{
		{"no keys", 0, 0.01, 1},
		{"one key", 1, 0.01, 1},
		{"one block", 51, 0.01, 1},
		{"two blocks", 52, 0.01, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := New(tt.n, tt.rate)
			assert.Equal(t, tt.wantBlocks*64, f.SizeBytes())
			assert.GreaterOrEqual(t, f.K(), 1)
			assert.LessOrEqual(t, f.K(), maxK)
		})
	}
	// Rates below minRate are sized as minRate.
	assert.Equal(t, New(10, minRate).SizeBytes(), New(10, 1e-300).SizeBytes())
	assert.Equal(t, New(10, minRate).K(), New(10, 1e-300).K())
}

func TestAlignment(t *testing.T) {
	for _, n := range []int{0, 1, 100, 1000, 12345, 1 << 20} {
		f := New(n, 0.01)
		addr := uintptr(unsafe.Pointer(&f.blocks[0]))
		assert.Zero(t, addr%64, "n=%d: blocks at %#x", n, addr)
	}
}

func TestNoFalseNegatives(t *testing.T) {
	tests := []struct {
		name string
		n    int
		rate float64
	}{
		{"empty", 0, 0.01},
		{"one", 1, 0.01},
		{"small 1%", 100, 0.01},
		{"k=1", 1000, 0.5},
		{"k=9 across two words", 10_000, 0.001},
		{"k=16 across three words", 10_000, 1e-6},
		{"large 1%", 200_000, 0.01},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := New(tt.n, tt.rate)
			for i := range tt.n {
				f.Add(key(uint64(i)))
			}
			// Overfill by 4×: more false positives, still no false negatives.
			g := New(tt.n/4, tt.rate)
			for i := range tt.n {
				g.Add(key(uint64(i)))
			}
			for i := range tt.n {
				require.True(t, f.Contains(key(uint64(i))), "key %d", i)
				require.True(t, g.Contains(key(uint64(i))), "overfilled, key %d", i)
			}
			// Raw hashes, including the extremes of the fastrange.
			h := New(4, tt.rate)
			for _, v := range []uint64{0, 1, math.MaxUint64, 1 << 63} {
				h.AddHash(v)
			}
			for _, v := range []uint64{0, 1, math.MaxUint64, 1 << 63} {
				require.True(t, h.ContainsHash(v), "hash %#x", v)
			}
		})
	}
}

// TestFalsePositiveRate measures the rate on keys that were never added.
//
// The tolerance is 1.25× the configured rate. New sizes the filter so that the
// model's expected rate is at most the configured one; the measurement adds
// binomial noise, whose relative standard deviation is 1/sqrt(expected hits):
// at 0.1 % that is 3 % of the rate with 1M probes and 7 % with the 200k of
// -short, so 1.25× is more than 3σ even then, and still catches a real
// regression (a weak bit-position mix or a sizing error shows up as 1.5× or
// worse). The rate must also not be far below target, which would mean
// wasted space.
func TestFalsePositiveRate(t *testing.T) {
	n, probes := 1_000_000, 1_000_000
	if testing.Short() {
		n, probes = 100_000, 200_000
	}
	for _, rate := range []float64{0.05, 0.01, 0.001} {
		t.Run(fmt.Sprint(rate), func(t *testing.T) {
			f := New(n, rate)
			for i := range n {
				f.Add(key(uint64(i)))
			}
			fp := 0
			for i := range probes {
				if f.Contains(key(uint64(n + i))) {
					fp++
				}
			}
			got := float64(fp) / float64(probes)
			t.Logf("configured %.3g%%: measured %.4g%% (%d of %d), %.2f bits/key, k=%d",
				100*rate, 100*got, fp, probes, float64(8*f.SizeBytes())/float64(n), f.K())
			assert.LessOrEqual(t, got, 1.25*rate)
			assert.GreaterOrEqual(t, got, 0.5*rate)
		})
	}
}

func TestAllocs(t *testing.T) {
	f := New(1000, 0.01)
	k := []byte("evil.example")
	f.Add(k)
	var sink bool
	tests := []struct {
		name string
		fn   func()
	}{
		{"ContainsHash", func() { sink = f.ContainsHash(12345) }},
		{"Contains", func() { sink = f.Contains(k) }},
		{"AddHash", func() { f.AddHash(6789) }},
		{"Add", func() { f.Add(k) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Zero(t, testing.AllocsPerRun(1000, tt.fn))
		})
	}
	_ = sink
}

func TestConcurrentContains(t *testing.T) {
	f := New(10_000, 0.01)
	for i := range 10_000 {
		f.Add(key(uint64(i)))
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 10_000 {
				if !f.Contains(key(uint64((i + g*2500) % 10_000))) {
					t.Errorf("false negative for key %d", i)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestBitPositions checks that keys spread over all 512 bits of a block and
// over all blocks, which a weak position mix would not.
func TestBitPositions(t *testing.T) {
	f := New(64*51, 0.01) // 64 blocks
	require.Equal(t, 64*64, f.SizeBytes())
	r := rand.New(rand.NewPCG(1, 2))
	for range 64 * 51 {
		f.AddHash(r.Uint64())
	}
	var perBit [blockBits]int
	for bi := range f.blocks {
		set := 0
		for p := range blockBits {
			if f.blocks[bi][p/64]>>(p%64)&1 != 0 {
				perBit[p]++
				set++
			}
		}
		assert.Greater(t, set, 100, "block %d has only %d bits set", bi, set)
	}
	for p, c := range perBit {
		assert.Greater(t, c, 5, "bit %d set in only %d of 64 blocks", p, c)
	}
}

// xxh3 of a key must be what Add uses, so callers can hash once themselves.
func TestAddMatchesAddHash(t *testing.T) {
	f := New(100, 0.01)
	g := New(100, 0.01)
	for i := range 100 {
		f.Add(key(uint64(i)))
		g.AddHash(xxh3.Hash(key(uint64(i))))
	}
	assert.Equal(t, f.blocks, g.blocks)
}

// blockedFPRRef is blockedFPR written plainly: every Poisson term computed
// from scratch over a wide range.
func blockedFPRRef(bitsPerKey float64, k int) float64 {
	const m = blockBits
	lambda := m / bitsPerKey
	sd := math.Sqrt(lambda)
	kf := float64(k)
	sum := 0.0
	for i := int(max(0, lambda-12*sd-10)); i <= int(lambda+16*sd+30); i++ {
		lg, _ := math.Lgamma(float64(i + 1))
		pi := math.Exp(-lambda + float64(i)*math.Log(lambda) - lg)
		t := kf * float64(i)
		q := math.Pow(1-1.0/m, t)
		varE := m*(m-1)*math.Pow(1-2.0/m, t) + m*q - m*m*q*q
		e := math.Pow(1-q, kf)
		if k >= 2 && varE > 0 {
			e += kf * (kf - 1) / 2 * math.Pow(1-q, kf-2) * varE / (m * m)
		}
		sum += pi * e
	}
	return sum
}

func TestBlockedFPRMatchesReference(t *testing.T) {
	for _, c := range []float64{1.2, 2, 5, 9.92, 15.5, 38.8, 100, 300, 1000} {
		for _, k := range []int{1, 2, 3, 6, 7, 9, 16, 32} {
			got, want := blockedFPR(c, k), blockedFPRRef(c, k)
			assert.InEpsilon(t, want, got, 1e-6, "bits/key %v, k %d", c, k)
		}
	}
}
