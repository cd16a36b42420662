package match_test

import (
	"encoding/binary"
	"slices"
	"testing"

	"github.com/sift-intel/sift/match"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sampleSet(t testing.TB) *match.Set {
	var b match.Builder
	for _, ind := range []match.Indicator{
		{Value: md5a, Meta: match.Meta{Source: "a", Tags: []string{"t1", "t2"}, Reference: "https://r.example/1"}},
		{Value: sha1a, Meta: match.Meta{Source: "b", Category: "malware"}},
		{Value: sha256a, Action: match.ActionAllow},
		{Value: sha256a},
		{Value: "10.0.0.0/8"},
		{Value: "10.1.2.3", Action: match.ActionMonitor},
		{Value: "2001:db8::/32"},
	} {
		if err := b.Add(ind); err != nil {
			t.Fatal(err)
		}
	}
	s, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestOpenEveryTruncation(t *testing.T) {
	data, err := sampleSet(t).AppendBinary(nil)
	require.NoError(t, err)
	for n := range len(data) {
		_, err := match.Open(data[:n])
		require.ErrorIs(t, err, match.ErrFormat, "truncated to %d of %d bytes", n, len(data))
	}
}

// TestOpenEveryByte flips each byte in turn: Open either refuses the data,
// or Verify does, or the Set still answers without panicking. The signed
// snapshot, not this layer, is what guarantees integrity; this layer
// guarantees that corrupt bytes never crash the host.
func TestOpenEveryByte(t *testing.T) {
	data, err := sampleSet(t).AppendBinary(nil)
	require.NoError(t, err)
	refused := 0
	for i := range data {
		b := slices.Clone(data)
		b[i] ^= 0xff
		s, err := match.Open(b)
		if err != nil {
			refused++
			continue
		}
		if s.Verify() != nil {
			refused++
		}
		for _, q := range []string{md5a, sha1a, sha256a, "10.1.2.3", "10.2.0.0", "2001:db8::1"} {
			v := s.Lookup(q)
			s.Indicator(v.ID)
			s.Label(v.Source)
		}
		for range s.All() {
		}
	}
	t.Logf("%d of %d single-byte corruptions refused by Open or Verify", refused, len(data))
}

func TestOpenRejects(t *testing.T) {
	good, err := sampleSet(t).AppendBinary(nil)
	require.NoError(t, err)
	mod := func(f func(b []byte)) []byte {
		b := slices.Clone(good)
		f(b)
		return b
	}
	cases := []struct {
		name string
		data []byte
	}{
		{"bad magic", mod(func(b []byte) { b[0] = 'x' })},
		{"future version", mod(func(b []byte) { binary.LittleEndian.PutUint32(b[8:], 99) })},
		{"too many sections", mod(func(b []byte) { binary.LittleEndian.PutUint32(b[12:], 1000) })},
		{"record count mismatch", mod(func(b []byte) { binary.LittleEndian.PutUint64(b[16:], 1<<40) })},
		{"section past the end", mod(func(b []byte) { binary.LittleEndian.PutUint64(b[64+16:], 1<<40) })},
		{"section offset misaligned", mod(func(b []byte) { binary.LittleEndian.PutUint64(b[64+8:], 65) })},
		{"unknown section", mod(func(b []byte) { binary.LittleEndian.PutUint32(b[64:], 77) })},
		{"overlapping sections", mod(func(b []byte) {
			copy(b[64+24+8:64+24+16], b[64+8:64+16]) // second section at the first's offset
		})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := match.Open(c.data)
			assert.ErrorIs(t, err, match.ErrFormat)
		})
	}
}

func TestOpenUnaligned(t *testing.T) {
	s := sampleSet(t)
	data, err := s.AppendBinary(nil)
	require.NoError(t, err)
	buf := make([]byte, len(data)+1)
	copy(buf[1:], data)
	o, err := match.Open(buf[1:])
	require.NoError(t, err)
	require.NoError(t, o.Verify())
	for _, q := range []string{md5a, sha1a, sha256a, "10.1.2.3", "2001:db8::1"} {
		assert.Equal(t, s.Lookup(q), o.Lookup(q), q)
	}
}

func FuzzOpen(f *testing.F) {
	data, err := sampleSet(f).AppendBinary(nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data, md5a)
	f.Add(data, "10.1.2.3")
	empty, _ := (&match.Builder{}).Build()
	e, _ := empty.AppendBinary(nil)
	f.Add(e, "")
	f.Fuzz(func(t *testing.T, data []byte, q string) {
		s, err := match.Open(data)
		if err != nil {
			return
		}
		v := s.Lookup(q)
		s.Indicator(v.ID)
		if s.Verify() != nil {
			return
		}
		// A verified Set round-trips.
		again, err := s.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		o, err := match.Open(again)
		if err != nil {
			t.Fatalf("re-serialised verified set does not open: %v", err)
		}
		if o.Lookup(q) != v {
			t.Fatalf("verdict changed after a round trip")
		}
	})
}

// TestDeterministic: the same indicators, in any order and from a Set's
// own All, build the same bytes. Deltas rely on it.
func TestDeterministic(t *testing.T) {
	inds := []match.Indicator{
		{Value: md5a, Meta: match.Meta{Source: "b", Category: "x", Tags: []string{"t1"}}},
		{Value: sha1a, Meta: match.Meta{Source: "a", Reference: "https://r/1"}},
		{Value: sha256a, Action: match.ActionAllow, Meta: match.Meta{Source: "c"}},
		{Value: "10.0.0.0/8", Meta: match.Meta{Source: "a", Tags: []string{"t2", "t1"}}},
		{Value: "evil.example", Meta: match.Meta{Category: "phishing"}},
		{Value: "http://evil.example/x", Meta: match.Meta{Source: "b", Tags: []string{"t1"}}},
		{Value: "phisher@evil.example"},
	}
	want, err := build(t, inds...).MarshalBinary()
	require.NoError(t, err)
	r := slices.Clone(inds)
	slices.Reverse(r)
	got, err := build(t, r...).MarshalBinary()
	require.NoError(t, err)
	assert.Equal(t, want, got, "reversed input order")

	s := build(t, inds...)
	var again []match.Indicator
	for ind := range s.All() {
		again = append(again, ind)
	}
	slices.Reverse(again)
	got, err = build(t, again...).MarshalBinary()
	require.NoError(t, err)
	assert.Equal(t, want, got, "rebuilt from All")
}
