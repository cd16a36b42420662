package remote

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sift-intel/sift/match"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// faultServer serves an Index, or injects a fault, by mode.
type faultServer struct {
	ok       http.Handler
	mode     atomic.Value // string
	requests atomic.Int64
	delay    time.Duration
	rand     func() string // for mode "random": picks a mode per request
}

var faultModes = []string{
	"500", "503-json", "malformed", "truncated", "huge", "slow", "hang", "unrequested-hash",
	"bad-hash", "bad-action", "unknown-field", "trailing-data", "empty-200", "missing-ttl",
	"negative-ttl", "duplicate-hash", "drop-connection", "html",
}

func (s *faultServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	mode := s.mode.Load().(string)
	if mode == "random" {
		mode = s.rand()
	}
	// The real answer, for the faults that alter it.
	rec := httptest.NewRecorder()
	s.ok.ServeHTTP(rec, r)
	real := rec.Body.String()
	wait := func(d time.Duration) {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
		}
	}
	switch mode {
	case "ok":
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	case "500":
		w.WriteHeader(500)
	case "503-json":
		w.WriteHeader(503)
		w.Write([]byte(`{"error":"overloaded"}`))
	case "malformed":
		w.Write([]byte(`{"matches": [{"hash": `))
	case "truncated":
		w.Write([]byte(real[:len(real)/2]))
	case "huge":
		w.Write([]byte(`{"matches": [`))
		for range 3 << 20 / 64 {
			w.Write([]byte(strings.Repeat(" ", 63) + "\n"))
		}
	case "slow":
		wait(s.delay)
		w.Write(rec.Body.Bytes())
	case "hang":
		<-r.Context().Done()
	case "unrequested-hash":
		w.Write([]byte(`{"matches":[{"hash":"` + strings.Repeat("ab", 32) + `","id":1,"action":"block","kind":"domain","severity":"high","confidence":0,"value":"x.example"}],"positive_ttl_seconds":60,"negative_ttl_seconds":60}`))
	case "bad-hash":
		w.Write([]byte(strings.Replace(real, `"hash":"`, `"hash":"zz`, 1)))
	case "bad-action":
		w.Write([]byte(strings.Replace(strings.Replace(real, `"block"`, `"explode"`, -1), `"monitor"`, `"none"`, -1)))
	case "unknown-field":
		w.Write([]byte(strings.Replace(real, `{"feed"`, `{"surprise":1,"feed"`, 1)))
	case "trailing-data":
		w.Write([]byte(real + `{}`))
	case "empty-200":
	case "missing-ttl":
		w.Write([]byte(`{"matches":[]}`))
	case "negative-ttl":
		w.Write([]byte(`{"matches":[],"positive_ttl_seconds":-1,"negative_ttl_seconds":5}`))
	case "duplicate-hash":
		i := strings.Index(real, `[{`)
		j := strings.LastIndex(real, `}]`)
		if i < 0 || j < 0 {
			w.Write([]byte(`{"matches":[`))
			return
		}
		m := real[i+1 : j+1]
		w.Write([]byte(real[:i+1] + m + "," + m + real[j+1:]))
	case "drop-connection":
		if hj, ok := w.(http.Hijacker); ok {
			conn, _, err := hj.Hijack()
			if err == nil {
				conn.Close()
			}
		}
	case "html":
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html>captive portal</html>"))
	default:
		panic("unknown mode " + mode)
	}
}

// faultFixture is a client of a fault server over a Set with blocked,
// monitored and allowed entries.
func faultFixture(t *testing.T, policy OfflinePolicy, timeout time.Duration) (*faultServer, *Client, *match.Set) {
	set := buildSet(t,
		match.Indicator{Kind: match.KindDomain, Value: "evil.example", Meta: match.Meta{Severity: match.SeverityHigh}},
		match.Indicator{Kind: match.KindDomain, Value: "watch.example", Action: match.ActionMonitor},
		match.Indicator{Kind: match.KindDomain, Value: "ok.evil.example", Action: match.ActionAllow},
		match.Indicator{Kind: match.KindURL, Value: "http://phish.example/login"},
	)
	idx, err := NewIndex(set, IndexConfig{Feed: "test", Version: 1})
	require.NoError(t, err)
	fs := &faultServer{ok: NewServer(idx, ServerConfig{}), delay: 3 * timeout}
	fs.mode.Store("ok")
	srv := httptest.NewServer(fs)
	t.Cleanup(srv.Close)
	c, err := NewClient(Config{
		Filter:   idx.Filter(),
		Resolver: &HTTPResolver{URL: srv.URL, Client: srv.Client()},
		Timeout:  timeout,
		Offline:  policy,
	})
	require.NoError(t, err)
	return fs, c, set
}

var faultQueries = []string{"evil.example", "a.watch.example", "ok.evil.example", "http://phish.example/login", "http://ok.evil.example/x"}

// checkResult fails unless r is the local verdict, or Unconfirmed with
// the policy's action; it returns whether r was Unconfirmed.
func checkResult(t *testing.T, set *match.Set, policy OfflinePolicy, q string, r Result) bool {
	t.Helper()
	if r.Unconfirmed {
		wantAction := match.ActionNone
		if policy == FailClosed {
			wantAction = match.ActionBlock
		}
		assert.Equal(t, Result{Answer: Answer{Action: wantAction}, Unconfirmed: true, Err: r.Err}, r, q)
		assert.ErrorIs(t, r.Err, ErrUnavailable, q)
		return true
	}
	assert.NoError(t, r.Err, q)
	assert.Equal(t, want(set, set.Lookup(q)), r.Answer, "a confirmed result must be the right one: %q", q)
	return false
}

// TestFaults: for every fault, under both policies, a lookup that needs
// the server answers Unconfirmed by the policy, within the timeout, and
// caches nothing; once the server recovers, the right verdict.
func TestFaults(t *testing.T) {
	const timeout = 200 * time.Millisecond
	const bound = timeout + 2*time.Second // generous: no tight timing asserts
	for _, policy := range []OfflinePolicy{FailOpen, FailClosed} {
		for _, mode := range faultModes {
			t.Run(policy.String()+"/"+mode, func(t *testing.T) {
				t.Parallel()
				fs, c, set := faultFixture(t, policy, timeout)
				fs.mode.Store(mode)
				for _, q := range faultQueries {
					start := time.Now()
					r := c.Lookup(context.Background(), q)
					elapsed := time.Since(start)
					assert.Less(t, elapsed, bound, q)
					assert.True(t, checkResult(t, set, policy, q, r), "%s: a faulty server gave a confirmed verdict for %q", mode, q)
				}
				// The round trips of slow answers end after their lookups.
				assert.Eventually(t, func() bool { return c.Stats().Failures == uint64(len(faultQueries)) }, 5*time.Second, time.Millisecond)
				assert.Zero(t, c.Stats().CacheEntries, "nothing is cached from a failure")

				// Recovery: the next lookups ask again and get it right.
				before := fs.requests.Load()
				fs.mode.Store("ok")
				for _, q := range faultQueries {
					assert.False(t, checkResult(t, set, policy, q, c.Lookup(context.Background(), q)), q)
				}
				assert.Greater(t, fs.requests.Load(), before)
			})
		}
	}
}

// TestFaultsRandom: many concurrent lookups against a server that picks a
// fault for half of its requests at random: never a wrong verdict.
func TestFaultsRandom(t *testing.T) {
	const timeout = 150 * time.Millisecond
	for _, policy := range []OfflinePolicy{FailOpen, FailClosed} {
		t.Run(policy.String(), func(t *testing.T) {
			fs, _, set := faultFixture(t, policy, timeout)
			var mu sync.Mutex
			r := rand.New(rand.NewPCG(3, 3))
			fs.rand = func() string {
				mu.Lock()
				defer mu.Unlock()
				if r.IntN(2) == 0 {
					return "ok"
				}
				return faultModes[r.IntN(len(faultModes))]
			}
			fs.mode.Store("random")
			var unconfirmed, confirmed atomic.Int64
			var wg sync.WaitGroup
			for g := range 8 {
				wg.Go(func() {
					// A client per goroutine, without cache, so that
					// every lookup meets the server.
					c, err := NewClient(Config{Filter: mustClientFilter(t, fs), Resolver: fs.resolver(t), Timeout: timeout, Offline: policy, MaxCacheEntries: -1})
					require.NoError(t, err)
					for i := range 15 {
						q := faultQueries[(g+i)%len(faultQueries)]
						start := time.Now()
						res := c.Lookup(context.Background(), q)
						assert.Less(t, time.Since(start), timeout+2*time.Second)
						if checkResult(t, set, policy, q, res) {
							unconfirmed.Add(1)
						} else {
							confirmed.Add(1)
						}
					}
				})
			}
			wg.Wait()
			t.Logf("%d confirmed, %d unconfirmed", confirmed.Load(), unconfirmed.Load())
			assert.Positive(t, confirmed.Load())
			assert.Positive(t, unconfirmed.Load())
		})
	}
}

// The faultServer's Index filter and an HTTP resolver of it, for clients
// made after the fixture.
var faultURLs sync.Map // *faultServer → *httptest.Server

func mustClientFilter(t *testing.T, fs *faultServer) *Filter {
	return fs.ok.(*Server).Index().Filter()
}

func (fs *faultServer) resolver(t *testing.T) Resolver {
	v, _ := faultURLs.Load(fs)
	if v == nil {
		srv := httptest.NewServer(fs)
		t.Cleanup(srv.Close)
		v, _ = faultURLs.LoadOrStore(fs, srv)
	}
	srv := v.(*httptest.Server)
	return &HTTPResolver{URL: srv.URL, Client: srv.Client()}
}

// stuckResolver ignores its context and never answers until released.
type stuckResolver struct {
	release chan struct{}
	calls   atomic.Int64
}

func (r *stuckResolver) Resolve(ctx context.Context, p [][]byte) (*Response, error) {
	r.calls.Add(1)
	<-r.release
	return nil, errors.New("released")
}

// TestTimeoutIgnoringResolver: a Resolver that ignores its context still
// cannot hold a lookup beyond the timeout, and does not hold later lookups
// either: after twice the timeout, a new lookup starts a new round trip.
func TestTimeoutIgnoringResolver(t *testing.T) {
	set := buildSet(t, match.Indicator{Kind: match.KindDomain, Value: "evil.example"})
	idx, err := NewIndex(set, IndexConfig{})
	require.NoError(t, err)
	res := &stuckResolver{release: make(chan struct{})}
	defer close(res.release)
	const timeout = 50 * time.Millisecond
	c, err := NewClient(Config{Filter: idx.Filter(), Resolver: res, Timeout: timeout, Offline: FailClosed})
	require.NoError(t, err)
	for range 3 {
		start := time.Now()
		r := c.LookupDomain(context.Background(), "evil.example")
		assert.Less(t, time.Since(start), timeout+2*time.Second)
		assert.True(t, r.Unconfirmed)
		assert.Equal(t, match.ActionBlock, r.Action)
		assert.ErrorIs(t, r.Err, context.DeadlineExceeded)
		time.Sleep(2 * timeout)
	}
	assert.Equal(t, int64(3), res.calls.Load(), "a stuck call is not joined after twice the timeout")
}

// TestCallerContext: a lookup whose context ends gives up at once,
// Unconfirmed, with the context's error.
func TestCallerContext(t *testing.T) {
	set := buildSet(t, match.Indicator{Kind: match.KindDomain, Value: "evil.example"})
	idx, err := NewIndex(set, IndexConfig{})
	require.NoError(t, err)
	res := &stuckResolver{release: make(chan struct{})}
	defer close(res.release)
	c, err := NewClient(Config{Filter: idx.Filter(), Resolver: res, Timeout: time.Hour})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	r := c.LookupDomain(ctx, "evil.example")
	assert.True(t, r.Unconfirmed)
	assert.Equal(t, match.ActionNone, r.Action)
	assert.ErrorIs(t, r.Err, context.DeadlineExceeded)

	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	r = c.LookupDomain(ctx, "evil.example")
	assert.ErrorIs(t, r.Err, context.Canceled)
	// A benign query never needs the server, whatever the context.
	assert.Equal(t, Result{}, c.LookupDomain(ctx, "benign.example"))
}

// panicResolver panics.
type panicResolver struct{}

func (panicResolver) Resolve(context.Context, [][]byte) (*Response, error) { panic("boom") }

func TestResolverPanics(t *testing.T) {
	set := buildSet(t, match.Indicator{Kind: match.KindDomain, Value: "evil.example"})
	idx, err := NewIndex(set, IndexConfig{})
	require.NoError(t, err)
	c, err := NewClient(Config{Filter: idx.Filter(), Resolver: panicResolver{}})
	require.NoError(t, err)
	r := c.LookupDomain(context.Background(), "evil.example")
	assert.True(t, r.Unconfirmed)
	assert.ErrorContains(t, r.Err, "panicked")
}
