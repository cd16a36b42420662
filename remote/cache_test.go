package remote

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sift-intel/sift/match"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cacheFixture is a Client with a fake clock over an in-process resolver
// with the given TTLs; the filter comes from filterSet, the answers from
// set (they differ to make keys that pass the filter and are not listed).
func cacheFixture(t *testing.T, set, filterSet *match.Set, pos, neg time.Duration, edit func(*Config)) (*Client, *countingResolver, *fakeClock) {
	t.Helper()
	idx, err := NewIndex(set, IndexConfig{})
	require.NoError(t, err)
	fidx := idx
	if filterSet != nil {
		fidx, err = NewIndex(filterSet, IndexConfig{})
		require.NoError(t, err)
	}
	clock := newFakeClock()
	res := &countingResolver{next: &IndexResolver{Index: idx, PositiveTTL: pos, NegativeTTL: neg}}
	cfg := Config{Filter: fidx.Filter(), Resolver: res, now: clock.now}
	if edit != nil {
		edit(&cfg)
	}
	c, err := NewClient(cfg)
	require.NoError(t, err)
	return c, res, clock
}

func TestCachePositiveTTL(t *testing.T) {
	set := buildSet(t, match.Indicator{Kind: match.KindDomain, Value: "evil.example"})
	c, res, clock := cacheFixture(t, set, nil, time.Minute, 10*time.Second, nil)
	ctx := context.Background()
	lookup := func() {
		t.Helper()
		assert.Equal(t, "evil.example", c.LookupDomain(ctx, "www.evil.example").Value)
	}
	lookup()
	assert.Equal(t, int64(1), res.calls.Load())
	lookup()
	clock.advance(59 * time.Second)
	lookup()
	assert.Equal(t, int64(1), res.calls.Load(), "answered from the cache within the positive TTL")
	clock.advance(2 * time.Second)
	lookup()
	assert.Equal(t, int64(2), res.calls.Load(), "asked again after the positive TTL, although the negative one is shorter")
}

func TestCacheNegativeTTL(t *testing.T) {
	// The filter knows gone.example; the server no longer lists it.
	filterSet := buildSet(t, match.Indicator{Kind: match.KindDomain, Value: "gone.example"})
	set := buildSet(t, match.Indicator{Kind: match.KindDomain, Value: "other.example"})
	c, res, clock := cacheFixture(t, set, filterSet, time.Minute, 30*time.Second, nil)
	ctx := context.Background()
	assert.False(t, c.LookupDomain(ctx, "gone.example").Matched())
	assert.Equal(t, int64(1), res.calls.Load())
	assert.False(t, c.LookupDomain(ctx, "gone.example").Matched())
	clock.advance(29 * time.Second)
	assert.False(t, c.LookupDomain(ctx, "gone.example").Matched())
	assert.Equal(t, int64(1), res.calls.Load(), "the negative cache avoids a second round trip")
	clock.advance(2 * time.Second)
	assert.False(t, c.LookupDomain(ctx, "gone.example").Matched())
	assert.Equal(t, int64(2), res.calls.Load())
}

func TestCacheZeroTTL(t *testing.T) {
	set := buildSet(t, match.Indicator{Kind: match.KindDomain, Value: "evil.example"})
	c, res, _ := cacheFixture(t, set, nil, 0, 0, nil)
	for range 3 {
		assert.True(t, c.LookupDomain(context.Background(), "evil.example").Matched())
	}
	assert.Equal(t, int64(3), res.calls.Load())
	assert.Zero(t, c.Stats().CacheEntries)
}

func TestCacheMaxTTL(t *testing.T) {
	set := buildSet(t, match.Indicator{Kind: match.KindDomain, Value: "evil.example"})
	c, res, clock := cacheFixture(t, set, nil, 365*24*time.Hour, 365*24*time.Hour, func(c *Config) { c.MaxTTL = time.Hour })
	c.LookupDomain(context.Background(), "evil.example")
	clock.advance(time.Hour + time.Second)
	c.LookupDomain(context.Background(), "evil.example")
	assert.Equal(t, int64(2), res.calls.Load())
}

// TestCacheEntryRules holds the cache to its table (cache.go).
func TestCacheEntryRules(t *testing.T) {
	c := newCache(1024)
	h1, h2 := [32]byte{1, 2, 3, 4, 5}, [32]byte{1, 2, 3, 4, 6}
	p := uint64(0x01020304) << 32
	c.store(p, []cmatch{{hash: h1, pos: 10, ans: Answer{ID: 7, Action: match.ActionBlock}}}, 100, 0)
	a, st := c.lookup(p, &h1, 5)
	assert.Equal(t, cacheHit, st)
	assert.Equal(t, uint32(7), a.ID)
	_, st = c.lookup(p, &h1, 50)
	assert.Equal(t, cacheMiss, st, "positive expired, although the negative is not: ask")
	_, st = c.lookup(p, &h2, 50)
	assert.Equal(t, cacheNeg, st)
	_, st = c.lookup(p, &h2, 100)
	assert.Equal(t, cacheMiss, st)
	_, st = c.lookup(p+1<<32, &h2, 0)
	assert.Equal(t, cacheMiss, st)
}

// TestCacheBound: the cache holds at most MaxCacheEntries prefixes.
func TestCacheBound(t *testing.T) {
	var inds []match.Indicator
	for i := range 2000 {
		inds = append(inds, match.Indicator{Kind: match.KindDomain, Value: fmt.Sprintf("d%d.example", i)})
	}
	set := buildSet(t, inds...)
	c, res, _ := cacheFixture(t, set, nil, time.Hour, time.Hour, func(c *Config) { c.MaxCacheEntries = 256 })
	for i := range 2000 {
		require.True(t, c.LookupDomain(context.Background(), fmt.Sprintf("d%d.example", i)).Matched())
	}
	assert.LessOrEqual(t, c.Stats().CacheEntries, 256)
	assert.Greater(t, c.Stats().CacheEntries, 128)
	// Evicted entries are asked again and still right.
	for i := range 2000 {
		require.True(t, c.LookupDomain(context.Background(), fmt.Sprintf("d%d.example", i)).Matched())
	}
	assert.Greater(t, res.calls.Load(), int64(2000))
}

func TestSetFilter(t *testing.T) {
	set := buildSet(t, match.Indicator{Kind: match.KindDomain, Value: "evil.example"})
	c, _, _ := cacheFixture(t, set, nil, time.Hour, time.Hour, nil)
	c.LookupDomain(context.Background(), "evil.example")
	assert.Equal(t, 1, c.Stats().CacheEntries)
	idx, err := NewIndex(set, IndexConfig{Feed: "f", Version: 2})
	require.NoError(t, err)
	require.NoError(t, c.SetFilter(idx.Filter()))
	assert.Zero(t, c.Stats().CacheEntries, "a new version empties the cache")
	assert.Error(t, c.SetFilter(nil))
}

// gateResolver blocks every call until released, counting calls.
type gateResolver struct {
	next    Resolver
	release chan struct{}
	calls   atomic.Int64
}

func (r *gateResolver) Resolve(ctx context.Context, p [][]byte) (*Response, error) {
	r.calls.Add(1)
	select {
	case <-r.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return r.next.Resolve(ctx, p)
}

// TestSingleflight: N concurrent identical lookups make one request, and
// a lookup that gives up does not take the others with it.
func TestSingleflight(t *testing.T) {
	set := buildSet(t,
		match.Indicator{Kind: match.KindDomain, Value: "evil.example"},
		match.Indicator{Kind: match.KindURL, Value: "http://evil.example/x"},
	)
	idx, err := NewIndex(set, IndexConfig{})
	require.NoError(t, err)
	res := &gateResolver{next: &IndexResolver{Index: idx, PositiveTTL: time.Minute, NegativeTTL: time.Minute}, release: make(chan struct{})}
	c, err := NewClient(Config{Filter: idx.Filter(), Resolver: res, Timeout: 10 * time.Second})
	require.NoError(t, err)

	const n = 50
	results := make([]Result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { results[i] = c.LookupURL(context.Background(), "http://evil.example/x") })
	}
	// One that gives up early.
	impatient := make(chan Result)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { impatient <- c.LookupURL(ctx, "http://evil.example/x") }()
	require.Eventually(t, func() bool { return c.Stats().Shared == n }, 10*time.Second, time.Millisecond)
	cancel()
	r := <-impatient
	assert.True(t, r.Unconfirmed)
	assert.ErrorIs(t, r.Err, context.Canceled)

	close(res.release)
	wg.Wait()
	assert.Equal(t, int64(1), res.calls.Load(), "one request for %d identical lookups", n+1)
	for _, r := range results {
		assert.Equal(t, "evil.example/x", r.Value)
		assert.False(t, r.Unconfirmed)
	}
	st := c.Stats()
	assert.Equal(t, uint64(1), st.Requests)
	// And now from the cache.
	assert.Equal(t, "evil.example/x", c.LookupURL(context.Background(), "http://evil.example/x").Value)
	assert.Equal(t, int64(1), res.calls.Load())
}
