package remote

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sift-intel/sift/match"
	"github.com/stretchr/testify/require"
)

// buildSet builds a Set of inds, failing the test on any refusal.
func buildSet(tb testing.TB, inds ...match.Indicator) *match.Set {
	tb.Helper()
	var b match.Builder
	for _, ind := range inds {
		require.NoError(tb, b.Add(ind), "%s", ind)
	}
	s, err := b.Build()
	require.NoError(tb, err)
	return s
}

// recorder is an http.Handler in front of a Server that keeps every
// request body it sees.
type recorder struct {
	next     http.Handler
	mu       sync.Mutex
	bodies   [][]byte
	requests atomic.Int64
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.bodies = append(r.bodies, b)
	r.mu.Unlock()
	r.requests.Add(1)
	req.Body = io.NopCloser(bytes.NewReader(b))
	r.next.ServeHTTP(w, req)
}

func (r *recorder) all() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]byte(nil), r.bodies...)
}

// fixture is a Client talking HTTP to a Server over an Index of a Set.
type fixture struct {
	set    *match.Set
	idx    *Index
	rec    *recorder
	srv    *httptest.Server
	client *Client
}

// newFixture serves set and returns a client of it; edit adjusts the
// client's Config.
func newFixture(tb testing.TB, set *match.Set, edit func(*Config)) *fixture {
	tb.Helper()
	idx, err := NewIndex(set, IndexConfig{Feed: "test", Version: 1})
	require.NoError(tb, err)
	f := &fixture{set: set, idx: idx, rec: &recorder{next: NewServer(idx, ServerConfig{})}}
	f.srv = httptest.NewServer(f.rec)
	tb.Cleanup(f.srv.Close)
	cfg := Config{
		Filter:   idx.Filter(),
		Resolver: &HTTPResolver{URL: f.srv.URL, Client: f.srv.Client(), Feed: "test", Version: 1},
		Timeout:  5 * time.Second, // generous: -race on a loaded machine
	}
	if edit != nil {
		edit(&cfg)
	}
	f.client, err = NewClient(cfg)
	require.NoError(tb, err)
	return f
}

// fakeClock is a settable clock for the TTL seams.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// countingResolver counts calls to the Resolver it wraps.
type countingResolver struct {
	next  Resolver
	calls atomic.Int64
}

func (r *countingResolver) Resolve(ctx context.Context, p [][]byte) (*Response, error) {
	r.calls.Add(1)
	return r.next.Resolve(ctx, p)
}
