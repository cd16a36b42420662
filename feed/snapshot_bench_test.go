package feed_test

// Benchmarks of snapshots:
//
//	go test -run '^$' -bench 'OpenSnapshot|BuildFromSource|VerifySignature|SwapLatency' -count 5 ./feed/
//
// BenchmarkOpenSnapshot and BenchmarkBuildFromSource work on the same 10M
// indicators (1M under -short): 4M SHA-256 digests, 3M IPv4 addresses and
// prefixes, 3M domains, all generated from a seed (the shared corpus holds
// about 600k real indicators; scaling it to 10M takes derived data, and
// random data of the same shapes is as real as derived data).

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sift-intel/sift/feed"
	"github.com/sift-intel/sift/feed/minisign"
	"github.com/sift-intel/sift/match"
)

var (
	bigOnce sync.Once
	bigText []byte // the indicators as a plain list
	bigPath string // the snapshot file
	bigSize int64
	bigN    int
)

// bigSnapshot writes the big snapshot once per test binary.
func bigSnapshot(b *testing.B) {
	bigOnce.Do(func() {
		bigN = 10_000_000
		if testing.Short() {
			bigN = 1_000_000
		}
		r := mrand.New(mrand.NewPCG(10, 10))
		var sb bytes.Buffer
		sb.Grow(bigN * 40)
		for i := range bigN {
			switch {
			case i%10 < 4:
				var d [32]byte
				for j := 0; j < 32; j += 8 {
					binary.LittleEndian.PutUint64(d[j:], r.Uint64())
				}
				fmt.Fprintf(&sb, "%x\n", d)
			case i%10 < 7:
				a := r.Uint32()
				if i%10 == 6 {
					fmt.Fprintf(&sb, "%d.%d.%d.0/24\n", byte(a>>24), byte(a>>16), byte(a>>8))
				} else {
					fmt.Fprintf(&sb, "%d.%d.%d.%d\n", byte(a>>24), byte(a>>16), byte(a>>8), byte(a))
				}
			default:
				fmt.Fprintf(&sb, "h%x.example%d.com\n", r.Uint64(), r.IntN(1000))
			}
		}
		bigText = sb.Bytes()
		var bl match.Builder
		if _, err := feed.Load(&bl, bytes.NewReader(bigText), feed.Source{Name: "big"}); err != nil {
			panic(err)
		}
		set, err := bl.Build()
		if err != nil {
			panic(err)
		}
		data, err := feed.Encode(feed.Header{FeedID: "big", Version: 1}, set)
		if err != nil {
			panic(err)
		}
		dir, err := os.MkdirTemp("", "sift-bench")
		if err != nil {
			panic(err)
		}
		bigPath = filepath.Join(dir, "big.sift")
		if err := os.WriteFile(bigPath, data, 0o644); err != nil {
			panic(err)
		}
		bigSize = int64(len(data))
	})
}

// rss returns this process's resident set in bytes.
func rss() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return -1
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// BenchmarkOpenSnapshot opens the big snapshot file and answers a first
// lookup. Goal: at most 50 ms at 10M indicators, at least 20× faster than
// BenchmarkBuildFromSource, and resident memory after opening at most 1.2×
// the file size (rss-ratio, which counts what the open touched).
func BenchmarkOpenSnapshot(b *testing.B) {
	bigSnapshot(b)
	b.ReportAllocs()
	var growth int64
	runs := 0
	for b.Loop() {
		runtime.GC()
		before := rss()
		s, err := feed.OpenFile(bigPath, 0)
		if err != nil {
			b.Fatal(err)
		}
		if s.Set.Lookup("192.0.2.1").Matched() && s.Set.Lookup("h1.example1.com").Matched() {
			b.Fatal("unexpected match")
		}
		growth += rss() - before
		runs++
		runtime.KeepAlive(s)
	}
	b.ReportMetric(float64(bigN), "indicators")
	b.ReportMetric(float64(bigSize)/float64(bigN), "file-B/indicator")
	b.ReportMetric(float64(growth)/float64(runs)/float64(bigSize), "rss-ratio")
}

// BenchmarkBuildFromSource builds the same Set from its text, the baseline
// of BenchmarkOpenSnapshot.
func BenchmarkBuildFromSource(b *testing.B) {
	bigSnapshot(b)
	b.ReportAllocs()
	for b.Loop() {
		var bl match.Builder
		if _, err := feed.Load(&bl, bytes.NewReader(bigText), feed.Source{Name: "big"}); err != nil {
			b.Fatal(err)
		}
		if _, err := bl.Build(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(bigN)/(b.Elapsed().Seconds()/float64(b.N)), "indicators/s")
}

// BenchmarkVerifySignature checks a snapshot's signature: BLAKE2b-512 over
// the file and two Ed25519 verifications. Reported in MB/s.
func BenchmarkVerifySignature(b *testing.B) {
	pub, priv, err := minisign.GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	n := 256 << 20
	if testing.Short() {
		n = 16 << 20
	}
	var bl match.Builder
	bl.Add(match.Indicator{Value: "10.0.0.1"})
	set, _ := bl.Build()
	data, err := feed.Encode(feed.Header{FeedID: "x", Version: 1}, set)
	if err != nil {
		b.Fatal(err)
	}
	// Pad the file to n bytes inside the signed data, past the Set: the
	// hash, not the structure, is what is measured.
	data = append(data, make([]byte, n-len(data))...)
	binary.LittleEndian.PutUint64(data[40:], uint64(len(data)))
	binary.LittleEndian.PutUint64(data[56:], uint64(len(data)-256))
	sig, err := minisign.Sign(priv, bytes.NewReader(data), "sift feed=x version=1", "")
	if err != nil {
		b.Fatal(err)
	}
	keys := []*minisign.PublicKey{pub}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := minisign.Verify(keys, bytes.NewReader(data), sig); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSwapLatency measures single-lookup latency with and without a
// swap into the Engine every millisecond, on all cores. Goal: p99 while
// swapping at most 2× the steady state.
func BenchmarkSwapLatency(b *testing.B) {
	var sets []*match.Set
	r := mrand.New(mrand.NewPCG(1, 2))
	var probes []string
	for v := range 4 {
		var bl match.Builder
		for i := range 200_000 {
			bl.Add(match.Indicator{Value: fmt.Sprintf("10.%d.%d.%d", v, byte(i>>8), byte(i))})
			if v == 0 && i%4 == 0 {
				probes = append(probes, fmt.Sprintf("10.%d.%d.%d", r.IntN(4), r.IntN(256), r.IntN(256)))
			}
		}
		s, err := bl.Build()
		if err != nil {
			b.Fatal(err)
		}
		sets = append(sets, s)
	}
	for _, swapping := range []bool{false, true} {
		b.Run(fmt.Sprintf("swapping=%v", swapping), func(b *testing.B) {
			e := match.NewEngine(sets[0])
			var stop atomic.Bool
			done := make(chan struct{})
			if swapping {
				go func() {
					defer close(done)
					for i := 0; !stop.Load(); i++ {
						e.Swap(sets[i%len(sets)])
						time.Sleep(time.Millisecond)
					}
				}()
			} else {
				close(done)
			}
			samples := make([]int64, 0, 1<<20)
			i := 0
			for b.Loop() {
				t := time.Now()
				e.Lookup(probes[i%len(probes)])
				samples = append(samples, int64(time.Since(t)))
				i++
			}
			stop.Store(true)
			<-done
			slices.Sort(samples)
			b.ReportMetric(float64(samples[len(samples)/2]), "p50-ns")
			b.ReportMetric(float64(samples[len(samples)*99/100]), "p99-ns")
		})
	}
}
