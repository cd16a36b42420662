package feed_test

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/sift-intel/sift/feed"
	"github.com/sift-intel/sift/feed/minisign"
	"github.com/sift-intel/sift/match"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testKey(t testing.TB) (*minisign.PublicKey, *minisign.PrivateKey) {
	t.Helper()
	pub, priv, err := minisign.GenerateKey(rand.Reader)
	require.NoError(t, err)
	return pub, priv
}

func testSet(t testing.TB, values ...string) *match.Set {
	t.Helper()
	var b match.Builder
	for _, v := range values {
		require.NoError(t, b.Add(match.Indicator{Value: v, Meta: match.Meta{Source: "test"}}))
	}
	s, err := b.Build()
	require.NoError(t, err)
	return s
}

func snapshot(t testing.TB, feedID string, version uint64, issued, expires time.Time, values ...string) []byte {
	t.Helper()
	data, err := feed.Encode(feed.Header{FeedID: feedID, Version: version, Issued: issued, Expires: expires}, testSet(t, values...))
	require.NoError(t, err)
	return data
}

var t0 = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func TestSnapshotRoundTrip(t *testing.T) {
	data := snapshot(t, "demo", 7, t0, t0.Add(48*time.Hour), "10.0.0.1", "evil.example", "44d88612fea8a8f36de82e1278abb02f")
	s, err := feed.Open(data)
	require.NoError(t, err)
	require.NoError(t, s.Verify())
	assert.Equal(t, "demo", s.FeedID)
	assert.Equal(t, uint64(7), s.Version)
	assert.Equal(t, t0, s.Issued)
	assert.Equal(t, t0.Add(48*time.Hour), s.Expires)
	assert.Equal(t, map[match.Kind]int{match.KindIP: 1, match.KindDomain: 1, match.KindMD5: 1}, s.Counts)
	assert.True(t, s.Set.Lookup("www.evil.example").Matched())
}

func TestSignedSnapshot(t *testing.T) {
	pub, priv := testKey(t)
	data := snapshot(t, "demo", 3, t0, time.Time{}, "10.0.0.1")
	sig, err := feed.SignSnapshot(priv, data)
	require.NoError(t, err)
	h, err := feed.VerifySnapshot([]*minisign.PublicKey{pub}, data, sig)
	require.NoError(t, err)
	assert.Equal(t, uint64(3), h.Version)

	other, _ := testKey(t)
	_, err = feed.VerifySnapshot([]*minisign.PublicKey{other}, data, sig)
	assert.ErrorIs(t, err, feed.ErrSignature, "unknown key")
	var unknown *minisign.UnknownKeyError
	assert.ErrorAs(t, err, &unknown)

	// Rotation: several pinned keys.
	_, err = feed.VerifySnapshot([]*minisign.PublicKey{other, pub}, data, sig)
	assert.NoError(t, err)

	// A signature whose trusted comment names another version.
	wrong, err := minisign.Sign(priv, bytes.NewReader(data), "sift feed=demo version=2", "")
	require.NoError(t, err)
	_, err = feed.VerifySnapshot([]*minisign.PublicKey{pub}, data, wrong)
	assert.ErrorIs(t, err, feed.ErrSignature)
	wrongFeed, err := minisign.Sign(priv, bytes.NewReader(data), "sift feed=other version=3", "")
	require.NoError(t, err)
	_, err = feed.VerifySnapshot([]*minisign.PublicKey{pub}, data, wrongFeed)
	assert.ErrorIs(t, err, feed.ErrSignature)
	plain, err := minisign.Sign(priv, bytes.NewReader(data), "timestamp:1\tfile:x\thashed", "")
	require.NoError(t, err)
	_, err = feed.VerifySnapshot([]*minisign.PublicKey{pub}, data, plain)
	assert.ErrorIs(t, err, feed.ErrSignature, "a comment without feed and version")
}

// TestEveryTruncationAndByteRefused: every truncation and every single-byte
// change of a small signed snapshot is refused.
func TestEveryTruncationAndByteRefused(t *testing.T) {
	pub, priv := testKey(t)
	keys := []*minisign.PublicKey{pub}
	data := snapshot(t, "demo", 3, t0, time.Time{}, "10.0.0.1", "evil.example")
	sig, err := feed.SignSnapshot(priv, data)
	require.NoError(t, err)
	for n := range len(data) {
		_, err := feed.VerifySnapshot(keys, data[:n], sig)
		require.Error(t, err, "truncated to %d", n)
	}
	step := 1
	if testing.Short() {
		step = 7
	}
	for i := 0; i < len(data); i += step {
		b := slices.Clone(data)
		b[i] ^= 0x01
		_, err := feed.VerifySnapshot(keys, b, sig)
		require.ErrorIs(t, err, feed.ErrSignature, "byte %d changed", i)
	}
	for i := range len(sig) {
		s := slices.Clone(sig)
		s[i] ^= 0x01
		if _, err := feed.VerifySnapshot(keys, data, s); err == nil {
			// A flipped bit in base64 padding or in the untrusted
			// comment leaves what is signed unchanged.
			ps, perr := minisign.ParseSignature(s)
			require.NoError(t, perr)
			orig, _ := minisign.ParseSignature(sig)
			require.Equal(t, orig.TrustedComment(), ps.TrustedComment(), "signature byte %d", i)
		}
	}
}

func TestOpenRefusesMalformedHeaders(t *testing.T) {
	good := snapshot(t, "demo", 3, t0, time.Time{}, "10.0.0.1")
	put64 := func(off int, v uint64) []byte {
		b := slices.Clone(good)
		binary.LittleEndian.PutUint64(b[off:], v)
		return b
	}
	cases := []struct {
		name string
		data []byte
		err  error
	}{
		{"bad magic", append([]byte("notasnap"), good[8:]...), feed.ErrSnapshot},
		{"future format", func() []byte { b := slices.Clone(good); b[8] = 9; return b }(), feed.ErrUpgrade},
		{"newer reader needed", func() []byte { b := slices.Clone(good); b[12] = 9; return b }(), feed.ErrUpgrade},
		{"declared size differs", put64(40, uint64(len(good))+1), feed.ErrSnapshot},
		{"set past the end", put64(56, 1<<40), feed.ErrSnapshot},
		{"version 0", put64(16, 0), feed.ErrSnapshot},
		{"huge kind count", func() []byte { b := slices.Clone(good); binary.LittleEndian.PutUint32(b[128:], 1<<30); return b }(), feed.ErrSnapshot},
		{"huge count in a tiny file", put64(136+8*int(match.KindIP), 1<<50), feed.ErrSnapshot},
		{"bad feed id", func() []byte { b := slices.Clone(good); b[64] = 'A'; return b }(), feed.ErrSnapshot},
		{"count disagrees", put64(136+8*int(match.KindIP), 2), feed.ErrSnapshot},
		{"offsets past the end", func() []byte {
			b := slices.Clone(good)
			binary.LittleEndian.PutUint64(b[256+64+8:], 1<<40) // first section's offset
			return b
		}(), feed.ErrSnapshot},
		{"overlapping sections", func() []byte {
			b := slices.Clone(good)
			copy(b[256+64+24+8:256+64+24+16], b[256+64+8:256+64+16])
			return b
		}(), feed.ErrSnapshot},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := feed.Open(c.data)
			require.ErrorIs(t, err, c.err)
		})
	}
}

func TestDelta(t *testing.T) {
	pub, priv := testKey(t)
	keys := []*minisign.PublicKey{pub}
	v1 := snapshot(t, "demo", 1, t0, time.Time{}, "10.0.0.1", "10.0.0.2", "evil.example")
	v2 := snapshot(t, "demo", 2, t0.Add(time.Hour), t0.Add(48*time.Hour), "10.0.0.1", "evil.example", "bad.example", "http://bad.example/x")
	d, err := feed.Diff(v1, v2)
	require.NoError(t, err)
	assert.Len(t, d.Removed, 1)
	assert.Len(t, d.Added, 2)
	dd, err := d.MarshalBinary()
	require.NoError(t, err)
	sig, err := feed.SignDelta(priv, dd)
	require.NoError(t, err)
	got, err := feed.VerifyDelta(keys, dd, sig)
	require.NoError(t, err)
	out, err := got.Apply(v1)
	require.NoError(t, err)
	assert.Equal(t, v2, out, "the delta rebuilds the publisher's snapshot byte for byte")

	// Applied to another base, it is refused.
	v0 := snapshot(t, "demo", 1, t0, time.Time{}, "10.0.0.9")
	_, err = got.Apply(v0)
	assert.ErrorIs(t, err, feed.ErrDelta)
	// Tampered: refused by the signature.
	bad := bytes.Replace(dd, []byte("bad.example"), []byte("bbd.example"), 1)
	_, err = feed.VerifyDelta(keys, bad, sig)
	assert.ErrorIs(t, err, feed.ErrSignature)
	// Unsigned but well formed, with a wrong target hash: refused on apply.
	forged := *got
	forged.ToSHA[0] ^= 1
	_, err = forged.Apply(v1)
	assert.ErrorIs(t, err, feed.ErrDelta)
}

func TestDeltaKeepsIndicatorsThatExpireLater(t *testing.T) {
	var b match.Builder
	b.AsOf = t0
	require.NoError(t, b.Add(match.Indicator{Value: "10.0.0.1", Meta: match.Meta{Expires: t0.Add(time.Minute)}}))
	s, err := b.Build()
	require.NoError(t, err)
	v1, err := feed.Encode(feed.Header{FeedID: "f", Version: 1, Issued: t0}, s)
	require.NoError(t, err)
	require.NoError(t, b.Add(match.Indicator{Value: "10.0.0.2"}))
	s2, err := b.Build()
	require.NoError(t, err)
	v2, err := feed.Encode(feed.Header{FeedID: "f", Version: 2, Issued: t0}, s2)
	require.NoError(t, err)
	d, err := feed.Diff(v1, v2)
	require.NoError(t, err)
	out, err := d.Apply(v1) // applied long after 10.0.0.1 expired
	require.NoError(t, err)
	assert.Equal(t, v2, out)
}

func FuzzOpen(f *testing.F) {
	f.Add(snapshot(f, "demo", 3, t0, time.Time{}, "10.0.0.1", "evil.example", "44d88612fea8a8f36de82e1278abb02f", "http://x.example/a"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := feed.Open(data)
		if err != nil {
			if !errors.Is(err, feed.ErrSnapshot) && !errors.Is(err, feed.ErrUpgrade) {
				t.Fatalf("unexpected error type: %v", err)
			}
			return
		}
		for _, q := range []string{"10.0.0.1", "evil.example", "44d88612fea8a8f36de82e1278abb02f", "http://x.example/a/b"} {
			s.Set.Lookup(q)
		}
		_ = s.Verify()
	})
}
