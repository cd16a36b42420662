package trie_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sift-intel/sift/trie"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func randomKeys(r *rand.Rand, n int) []trie.DictEntry {
	seen := map[string]bool{}
	var es []trie.DictEntry
	for len(es) < n {
		k := fmt.Sprintf("%x.example%d.", r.Uint64()>>r.IntN(60), r.IntN(50))
		if seen[k] {
			continue
		}
		seen[k] = true
		es = append(es, trie.DictEntry{Key: []byte(k), Value: uint32(len(es))})
	}
	return es
}

func TestDict(t *testing.T) {
	for _, n := range []int{0, 1, 10, 5000} {
		r := rand.New(rand.NewPCG(uint64(n), 1))
		es := randomKeys(r, n)
		d, err := trie.BuildDict(es)
		require.NoError(t, err)
		data, err := d.AppendBinary(nil)
		require.NoError(t, err)
		o, err := trie.OpenDict(data)
		require.NoError(t, err)
		require.NoError(t, o.Verify())
		for _, dict := range []*trie.Dict{d, o} {
			assert.Equal(t, n, dict.Len())
			for _, e := range es {
				v, ok := dict.Lookup(e.Key)
				require.True(t, ok, "%s", e.Key)
				require.Equal(t, e.Value, v)
				// A prefix or an extension of a key is not the key.
				_, ok = dict.Lookup(e.Key[:len(e.Key)-1])
				require.False(t, ok)
				_, ok = dict.Lookup(append(slices.Clone(e.Key), 'x'))
				require.False(t, ok)
			}
			_, ok := dict.Lookup(nil)
			assert.False(t, ok)
		}
	}
}

func TestDictDuplicateKey(t *testing.T) {
	_, err := trie.BuildDict([]trie.DictEntry{{Key: []byte("a"), Value: 1}, {Key: []byte("a"), Value: 2}})
	assert.Error(t, err)
}

func TestDictOpenRejects(t *testing.T) {
	d, err := trie.BuildDict(randomKeys(rand.New(rand.NewPCG(1, 2)), 100))
	require.NoError(t, err)
	data, err := d.AppendBinary(nil)
	require.NoError(t, err)
	for n := range len(data) {
		_, err := trie.OpenDict(data[:n])
		require.ErrorIs(t, err, trie.ErrFormat, "truncated at %d", n)
	}
}

func TestDictNoAllocs(t *testing.T) {
	d, err := trie.BuildDict(randomKeys(rand.New(rand.NewPCG(1, 3)), 100))
	require.NoError(t, err)
	key := []byte("absent.example")
	assert.Zero(t, testing.AllocsPerRun(100, func() { d.Lookup(key) }))
}

func FuzzOpenDict(f *testing.F) {
	d, _ := trie.BuildDict(randomKeys(rand.New(rand.NewPCG(1, 4)), 20))
	data, _ := d.AppendBinary(nil)
	f.Add(data, []byte("x"))
	f.Fuzz(func(t *testing.T, data, key []byte) {
		d, err := trie.OpenDict(data)
		if err != nil {
			return
		}
		d.Lookup(key)
		_ = d.Verify()
	})
}
