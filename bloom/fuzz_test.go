package bloom

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/zeebo/xxh3"
)

// FuzzOpen feeds Open arbitrary bytes. Invalid data must give an error, never
// a panic; valid data must give a filter that answers any hash without
// panicking and that serialises back to exactly the same bytes.
func FuzzOpen(f *testing.F) {
	for _, c := range []struct {
		n    int
		rate float64
	}{{0, 0.01}, {3, 0.5}, {100, 0.01}, {100, 1e-6}} {
		data, err := filled(c.n, c.rate).AppendBinary(nil)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		f.Add(data[:len(data)-1])
		f.Add(data[:headerSize])
	}
	f.Add([]byte{})
	f.Add([]byte("siftblm\x01"))
	f.Add(bytes.Repeat([]byte{0xff}, 2*headerSize))
	huge := make([]byte, headerSize)
	copy(huge, "siftblm\x01")
	binary.LittleEndian.PutUint32(huge[8:], 7)
	binary.LittleEndian.PutUint64(huge[16:], 1<<40)
	f.Add(huge)

	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := Open(data)
		if err != nil {
			if g != nil {
				t.Fatalf("Open returned a filter and the error %v", err)
			}
			return
		}
		for _, h := range []uint64{0, 1, 1 << 63, ^uint64(0), xxh3.Hash(data)} {
			g.ContainsHash(h)
			g.ContainsHash(h * 0x9e3779b97f4a7c15)
		}
		out, err := g.AppendBinary(nil)
		if err != nil {
			t.Fatalf("AppendBinary of an opened filter: %v", err)
		}
		if !bytes.Equal(out, data) {
			t.Fatalf("AppendBinary(Open(data)) differs from data")
		}
	})
}
