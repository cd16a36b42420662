package feed_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sift-intel/sift/feed"
	"github.com/sift-intel/sift/feed/minisign"
	"github.com/sift-intel/sift/match"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// publisher serves a feed over HTTP: the snapshot, its signature and, when
// set, a delta; faults can be injected per path.
type publisher struct {
	mu      sync.Mutex
	files   map[string][]byte
	etag    string
	fault   func(w http.ResponseWriter, r *http.Request) bool // true: handled
	gets    atomic.Int32
	notMods atomic.Int32
}

func (p *publisher) set(name string, data []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.files == nil {
		p.files = map[string][]byte{}
	}
	if data == nil {
		delete(p.files, name)
	} else {
		p.files[name] = data
	}
	if name == "/feed.sift" {
		p.etag = `"` + strconv.Itoa(len(data)) + "-" + strconv.FormatInt(time.Now().UnixNano(), 10) + `"`
	}
}

func (p *publisher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.gets.Add(1)
	p.mu.Lock()
	fault := p.fault
	data, ok := p.files[r.URL.Path]
	etag := p.etag
	p.mu.Unlock()
	if fault != nil && fault(w, r) {
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.URL.Path == "/feed.sift" {
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			p.notMods.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	w.Write(data)
}

type fixture struct {
	pub    *publisher
	srv    *httptest.Server
	keys   []*minisign.PublicKey
	priv   *minisign.PrivateKey
	engine *match.Engine
	now    time.Time
}

func newFixture(t *testing.T) *fixture {
	pub, priv := testKey(t)
	f := &fixture{pub: &publisher{}, keys: []*minisign.PublicKey{pub}, priv: priv, engine: &match.Engine{}, now: t0}
	f.srv = httptest.NewServer(f.pub)
	t.Cleanup(f.srv.Close)
	return f
}

// publish puts version v of feed "demo" with values on the server.
func (f *fixture) publish(t *testing.T, v uint64, issued, expires time.Time, values ...string) []byte {
	data := snapshot(t, "demo", v, issued, expires, values...)
	sig, err := feed.SignSnapshot(f.priv, data)
	require.NoError(t, err)
	f.pub.set("/feed.sift", data)
	f.pub.set("/feed.sift.minisig", sig)
	return data
}

func (f *fixture) refresher(t *testing.T, dir string, mod func(*feed.Config)) *feed.Refresher {
	cfg := feed.Config{Location: f.srv.URL + "/feed.sift", FeedID: "demo", Keys: f.keys, Engine: f.engine,
		StateDir: dir, Timeout: 20 * time.Second}
	feed.SetClock(&cfg, func() time.Time { return f.now })
	if mod != nil {
		mod(&cfg)
	}
	r, err := feed.NewRefresher(cfg)
	require.NoError(t, err)
	return r
}

func TestRefresherUpdatesAndRefuses(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.publish(t, 1, t0, t0.Add(72*time.Hour), "10.0.0.1")
	r := f.refresher(t, t.TempDir(), nil)
	require.NoError(t, r.Refresh(ctx))
	assert.Equal(t, uint64(1), r.Status().Version)
	assert.True(t, f.engine.Lookup("10.0.0.1").Matched())

	// Unchanged: a conditional GET answers 304.
	require.NoError(t, r.Refresh(ctx))
	assert.Positive(t, f.pub.notMods.Load())

	f.publish(t, 2, t0, t0.Add(72*time.Hour), "10.0.0.2")
	require.NoError(t, r.Refresh(ctx))
	assert.Equal(t, uint64(2), r.Status().Version)
	assert.False(t, f.engine.Lookup("10.0.0.1").Matched())
	assert.True(t, f.engine.Lookup("10.0.0.2").Matched())

	good := f.engine.Set()
	refuse := func(name string, err error, setup func()) {
		t.Run(name, func(t *testing.T) {
			setup()
			got := r.Refresh(ctx)
			require.ErrorIs(t, got, err)
			assert.Same(t, good, f.engine.Set(), "the last good Set keeps answering")
			assert.True(t, f.engine.Lookup("10.0.0.2").Matched())
			assert.Equal(t, uint64(2), r.Status().Version)
			assert.ErrorIs(t, r.Status().LastError, err)
		})
	}
	v1 := snapshot(t, "demo", 1, t0, t0.Add(72*time.Hour), "10.0.0.1")
	v1sig, _ := feed.SignSnapshot(f.priv, v1)
	refuse("rollback to an older signed version", feed.ErrRollback, func() {
		f.pub.set("/feed.sift", v1)
		f.pub.set("/feed.sift.minisig", v1sig)
	})
	refuse("expired", feed.ErrExpired, func() { f.publish(t, 3, t0.Add(-96*time.Hour), t0.Add(-time.Hour), "10.0.0.3") })
	refuse("issued in the future", feed.ErrFuture, func() { f.publish(t, 4, t0.Add(time.Hour), time.Time{}, "10.0.0.4") })
	refuse("another feed", feed.ErrFeedMismatch, func() {
		data := snapshot(t, "other", 5, t0, time.Time{}, "10.0.0.5")
		sig, _ := feed.SignSnapshot(f.priv, data)
		f.pub.set("/feed.sift", data)
		f.pub.set("/feed.sift.minisig", sig)
	})
	other, otherPriv := testKey(t)
	_ = other
	refuse("unknown key", feed.ErrSignature, func() {
		data := snapshot(t, "demo", 6, t0, time.Time{}, "10.0.0.6")
		sig, _ := feed.SignSnapshot(otherPriv, data)
		f.pub.set("/feed.sift", data)
		f.pub.set("/feed.sift.minisig", sig)
	})
	refuse("tampered after signing", feed.ErrSignature, func() {
		data := f.publish(t, 7, t0, time.Time{}, "10.0.0.7")
		bad := append([]byte(nil), data...)
		bad[len(bad)-1] ^= 1
		f.pub.set("/feed.sift", bad)
	})
	refuse("a 200 carrying HTML", feed.ErrSignature, func() {
		f.publish(t, 8, t0, time.Time{}, "10.0.0.8")
		f.pub.set("/feed.sift", []byte("<html><body>Service temporarily unavailable</body></html>"))
	})
	refuse("missing signature", feed.ErrFetch, func() {
		f.publish(t, 9, t0, time.Time{}, "10.0.0.9")
		f.pub.set("/feed.sift.minisig", nil)
	})
}

func TestRefresherOversized(t *testing.T) {
	f := newFixture(t)
	f.publish(t, 1, t0, time.Time{}, "10.0.0.1")
	r := f.refresher(t, "", func(c *feed.Config) { c.MaxSize = 100 })
	require.ErrorIs(t, r.Refresh(context.Background()), feed.ErrTooLarge)
	assert.Nil(t, f.engine.Set())
}

func TestRefresherHTTPFaults(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.publish(t, 1, t0, time.Time{}, "10.0.0.1")
	r := f.refresher(t, "", func(c *feed.Config) { c.Timeout = time.Second })
	require.NoError(t, r.Refresh(ctx))
	f.publish(t, 2, t0, time.Time{}, "10.0.0.2")
	cases := []struct {
		name  string
		fault func(w http.ResponseWriter, r *http.Request) bool
	}{
		{"truncated body", func(w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Path != "/feed.sift" {
				return false
			}
			w.Header().Set("Content-Length", "100000")
			w.Write([]byte("siftsnap partial"))
			return true
		}},
		{"slow drip", func(w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Path != "/feed.sift" {
				return false
			}
			for i := 0; i < 100; i++ {
				if _, err := w.Write([]byte("x")); err != nil {
					return true
				}
				w.(http.Flusher).Flush()
				time.Sleep(20 * time.Millisecond)
			}
			return true
		}},
		{"reset mid-body", func(w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Path != "/feed.sift" {
				return false
			}
			w.Header().Set("Content-Length", "5000")
			w.Write(make([]byte, 100))
			w.(http.Flusher).Flush()
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				if tc, ok := conn.(*net.TCPConn); ok {
					tc.SetLinger(0)
				}
				conn.Close()
			}
			return true
		}},
		{"redirect loop", func(w http.ResponseWriter, r *http.Request) bool {
			http.Redirect(w, r, r.URL.Path, http.StatusFound)
			return true
		}},
		{"server error", func(w http.ResponseWriter, r *http.Request) bool {
			http.Error(w, "boom", http.StatusInternalServerError)
			return true
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.pub.mu.Lock()
			f.pub.fault = c.fault
			f.pub.mu.Unlock()
			err := r.Refresh(ctx)
			require.Error(t, err)
			assert.ErrorIs(t, err, feed.ErrFetch)
			assert.True(t, f.engine.Lookup("10.0.0.1").Matched(), "the last good Set answers")
			assert.Equal(t, uint64(1), r.Status().Version)
		})
	}
	f.pub.mu.Lock()
	f.pub.fault = nil
	f.pub.mu.Unlock()
	require.NoError(t, r.Refresh(ctx))
	assert.Equal(t, uint64(2), r.Status().Version)
}

func TestRefresherDelta(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	v1 := f.publish(t, 1, t0, time.Time{}, "10.0.0.1", "evil.example")
	dir := t.TempDir()
	r := f.refresher(t, dir, nil)
	require.NoError(t, r.Refresh(ctx))
	v2 := f.publish(t, 2, t0, time.Time{}, "10.0.0.1", "evil.example", "bad.example")
	d, err := feed.Diff(v1, v2)
	require.NoError(t, err)
	dd, _ := d.MarshalBinary()
	dsig, _ := feed.SignDelta(f.priv, dd)
	f.pub.set("/feed.sift.delta", dd)
	f.pub.set("/feed.sift.delta.minisig", dsig)
	// The full snapshot is broken on purpose: only the delta can succeed.
	f.pub.set("/feed.sift", []byte("not served"))
	require.NoError(t, r.Refresh(ctx))
	assert.Equal(t, uint64(2), r.Status().Version)
	assert.True(t, f.engine.Lookup("bad.example").Matched())

	// A restart starts from the kept state, proven by the delta.
	e2 := &match.Engine{}
	cfg := feed.Config{Location: f.srv.URL + "/feed.sift", FeedID: "demo", Keys: f.keys, Engine: e2, StateDir: dir}
	r2, err := feed.NewRefresher(cfg)
	require.NoError(t, err)
	assert.Equal(t, uint64(2), r2.Status().Version)
	assert.True(t, e2.Lookup("bad.example").Matched())

	// A gap: the delta starts elsewhere; the full snapshot is used.
	v3 := f.publish(t, 3, t0, time.Time{}, "10.0.0.3")
	_ = v3
	require.NoError(t, r.Refresh(ctx))
	assert.Equal(t, uint64(3), r.Status().Version)
}

// TestPersistCrash stops the persisting sequence before each step, as a
// crash would, and restarts: the kept state is the old one or the new one.
func TestPersistCrash(t *testing.T) {
	for _, step := range []string{"snapshot", "proof", "current", "cleanup"} {
		t.Run("before "+step, func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			dir := t.TempDir()
			f.publish(t, 1, t0, time.Time{}, "10.0.0.1")
			require.NoError(t, f.refresher(t, dir, nil).Refresh(ctx))
			f.publish(t, 2, t0, time.Time{}, "10.0.0.2")
			crash := errors.New("crash")
			r := f.refresher(t, dir, func(c *feed.Config) {
				feed.SetPersistHook(c, func(s string) error {
					if s == step {
						return crash
					}
					return nil
				})
			})
			err := r.Refresh(ctx)
			if step != "cleanup" && step != "current" || err != nil {
				require.ErrorIs(t, err, crash)
			}
			e := &match.Engine{}
			r2, err := feed.NewRefresher(feed.Config{Location: f.srv.URL + "/feed.sift", FeedID: "demo", Keys: f.keys, Engine: e, StateDir: dir})
			require.NoError(t, err)
			v := r2.Status().Version
			require.Contains(t, []uint64{1, 2}, v)
			assert.Equal(t, v == 1, e.Lookup("10.0.0.1").Matched())
			assert.Equal(t, v == 2, e.Lookup("10.0.0.2").Matched())
			if step == "cleanup" {
				assert.Equal(t, uint64(2), v, "current was written before cleanup")
			}
		})
	}
}

func TestStateTamperedOnDisk(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	f.publish(t, 1, t0, time.Time{}, "10.0.0.1")
	require.NoError(t, f.refresher(t, dir, nil).Refresh(context.Background()))
	f.publish(t, 2, t0, time.Time{}, "10.0.0.2")
	require.NoError(t, f.refresher(t, dir, nil).Refresh(context.Background()))
	p := filepath.Join(dir, "2.sift")
	data, err := os.ReadFile(p)
	require.NoError(t, err)
	data[len(data)-1] ^= 1
	require.NoError(t, os.WriteFile(p, data, 0o644))
	e := &match.Engine{}
	r, err := feed.NewRefresher(feed.Config{Location: f.srv.URL + "/feed.sift", FeedID: "demo", Keys: f.keys, Engine: e, StateDir: dir})
	require.NoError(t, err)
	assert.Equal(t, uint64(1), r.Status().Version, "the previous kept version answers")
	assert.ErrorIs(t, r.Status().LastError, feed.ErrSignature)
}

func TestStaleAndBackoff(t *testing.T) {
	f := newFixture(t)
	f.publish(t, 1, t0, t0.Add(time.Hour), "10.0.0.1")
	r := f.refresher(t, "", func(c *feed.Config) { c.Interval = 40 * time.Millisecond; c.ClockSkew = time.Minute })
	require.NoError(t, r.Refresh(context.Background()))
	assert.False(t, r.Status().Stale)
	f.now = t0.Add(2 * time.Hour)
	assert.True(t, r.Status().Stale, "past expiry")
	assert.True(t, f.engine.Lookup("10.0.0.1").Matched(), "stale, and the host decides")

	f.pub.mu.Lock()
	f.pub.fault = func(w http.ResponseWriter, r *http.Request) bool { http.Error(w, "down", 503); return true }
	f.pub.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	before := f.pub.gets.Load()
	require.ErrorIs(t, r.Run(ctx), context.DeadlineExceeded)
	st := r.Status()
	assert.Positive(t, st.Failures)
	assert.ErrorIs(t, st.LastError, feed.ErrFetch)
	// Backing off: far fewer attempts than one per interval.
	assert.Less(t, int(f.pub.gets.Load()-before), 3*10)
}

// TestSwapRace: lookups on every core across 100 swaps; every verdict
// comes from exactly one version.
func TestSwapRace(t *testing.T) {
	var sets []*match.Set
	n := 100
	if testing.Short() {
		n = 30
	}
	for v := range n {
		// Version v lists 10.<v>.0.0/16 and the marker 192.0.2.<v>.
		sets = append(sets, testSet(t, "10."+strconv.Itoa(v)+".0.0/16", "192.0.2."+strconv.Itoa(v)))
	}
	e := match.NewEngine(sets[0])
	var stop atomic.Bool
	var wg sync.WaitGroup
	var lookups atomic.Int64
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				s := e.Set()
				// Both queries against one loaded Set: exactly one version.
				hits := 0
				for v := range n {
					if s.Lookup("10." + strconv.Itoa(v) + ".1.1").Matched() {
						hits++
						if !s.Lookup("192.0.2." + strconv.Itoa(v)).Matched() {
							t.Errorf("a Set mixes versions")
						}
					}
				}
				if hits != 1 {
					t.Errorf("%d versions answered", hits)
				}
				lookups.Add(1)
			}
		}()
	}
	for _, s := range sets[1:] {
		e.Swap(s)
		time.Sleep(time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	assert.Positive(t, lookups.Load())
}
