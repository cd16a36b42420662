package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sift-intel/sift/match"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sightingsSet and the queries that hit it, with how often each is asked.
func sightingsWorkload(t *testing.T) (*match.Set, map[string]int) {
	set := buildSet(t,
		match.Indicator{Kind: match.KindDomain, Value: "evil.example"},
		match.Indicator{Kind: match.KindURL, Value: "http://phish.example/login.php?user=alice"},
		match.Indicator{Kind: match.KindDomain, Value: "watch.example", Action: match.ActionMonitor},
		match.Indicator{Kind: match.KindDomain, Value: "intranet.corp.example", Action: match.ActionAllow},
		match.Indicator{Kind: match.KindIP, Value: "192.0.2.7"},
		match.Indicator{Kind: match.KindEmail, Value: "ceo@victim.example"},
	)
	return set, map[string]int{
		"secret-project.evil.example":                 12, // over the threshold
		"http://phish.example/login.php?user=alice":   3,  // under: a single user's link
		"mail.watch.example":                          10, // exactly the threshold
		"wiki.intranet.corp.example":                  50, // allow: never counted
		"192.0.2.7":                                   9,  // under
		"ceo@victim.example":                          1,  // under
		"benign.example":                              40, // no match
		"http://benign.example/?token=s3cr3t-t0ken-1": 40, // no match
	}
}

// forbidden is every string that must not appear in what Sightings sends.
func forbidden(queries map[string]int) []string {
	var out []string
	for q := range queries {
		out = append(out, q)
		for _, part := range strings.FieldsFunc(q, func(r rune) bool { return strings.ContainsRune("/:?=&.@", r) }) {
			if len(part) >= 5 && part != "example" {
				out = append(out, part)
			}
		}
	}
	return append(out, "127.0.0.1", "192.0.2", "alice", "token", "intranet")
}

func TestSightingsSendsOnlyAggregates(t *testing.T) {
	set, queries := sightingsWorkload(t)
	clock := newFakeClock()

	// Both sinks: a callback and an HTTP endpoint, each keeping every
	// byte it receives.
	var reports []Report
	var sent [][]byte
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var hdr bytes.Buffer
		r.Header.Write(&hdr)
		mu.Lock()
		sent = append(sent, b, hdr.Bytes(), []byte(r.URL.String()))
		mu.Unlock()
	}))
	defer srv.Close()
	s, err := NewSightings(SightingsConfig{
		Feed: "test", Version: 3,
		Sink: func(_ context.Context, r Report) error {
			reports = append(reports, r)
			b, err := json.Marshal(r)
			mu.Lock()
			sent = append(sent, b)
			mu.Unlock()
			return err
		},
		URL: srv.URL + "/sightings", HTTPClient: srv.Client(), now: clock.now,
	})
	require.NoError(t, err)

	var wg sync.WaitGroup
	for q, n := range queries {
		for range n {
			wg.Go(func() { s.Record(set.Lookup(q)) })
		}
	}
	wg.Wait()
	clock.advance(time.Minute)
	require.NoError(t, s.Flush(context.Background()))

	require.Len(t, reports, 1)
	r := reports[0]
	evil, watch := set.Lookup("evil.example").ID, set.Lookup("watch.example").ID
	assert.Equal(t, map[uint32]int{evil: 12, watch: 10}, r.Counts, "only IDs at or over the threshold, never allow entries")
	assert.Equal(t, "test", r.Feed)
	assert.Equal(t, uint64(3), r.Version)
	assert.Equal(t, time.Minute, r.To.Sub(r.From))

	// Every byte sent: no queried value, nothing but the five fields.
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, sent, 4) // callback JSON; HTTP body, headers, URL
	all := strings.ToLower(string(bytes.Join(sent, []byte("\n"))))
	for _, f := range forbidden(queries) {
		assert.NotContains(t, all, strings.ToLower(f))
	}
	for _, body := range [][]byte{sent[0], sent[1]} {
		var fields map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(body, &fields))
		keys := make([]string, 0, len(fields))
		for k := range fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		assert.Equal(t, []string{"counts", "feed", "from", "to", "version"}, keys)
		var counts map[string]int
		require.NoError(t, json.Unmarshal(fields["counts"], &counts))
		for id, n := range counts {
			assert.GreaterOrEqual(t, n, 10, "count of %s", id)
			_, err := strconv.ParseUint(id, 10, 32)
			assert.NoError(t, err)
		}
	}
	assert.Equal(t, SightingsStats{Reports: 1, Dropped: 3 + 9 + 1}, s.Stats())
}

// TestSightingsBelowThreshold: nothing is sent when no count reaches the
// threshold, and counts below it are dropped, not carried over.
func TestSightingsBelowThreshold(t *testing.T) {
	set, _ := sightingsWorkload(t)
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { calls.Add(1) }))
	defer srv.Close()
	s, err := NewSightings(SightingsConfig{Threshold: 10, URL: srv.URL, HTTPClient: srv.Client()})
	require.NoError(t, err)
	v := set.Lookup("evil.example")
	for range 9 {
		s.Record(v)
	}
	require.NoError(t, s.Flush(context.Background()))
	for range 9 {
		s.Record(v) // 18 over two intervals, 9 in each
	}
	require.NoError(t, s.Flush(context.Background()))
	assert.Zero(t, calls.Load())
	assert.Equal(t, uint64(18), s.Stats().Dropped)
	for range 10 {
		s.Record(v)
	}
	require.NoError(t, s.Flush(context.Background()))
	assert.Equal(t, int64(1), calls.Load())
}

// TestSightingsRemoteResults: results of the Client are counted when
// confirmed, by the server's IDs.
func TestSightingsRemoteResults(t *testing.T) {
	set, _ := sightingsWorkload(t)
	f := newFixture(t, set, nil)
	var got []Report
	s, err := NewSightings(SightingsConfig{Threshold: 2, Sink: func(_ context.Context, r Report) error { got = append(got, r); return nil }})
	require.NoError(t, err)
	for range 3 {
		s.RecordResult(f.client.LookupDomain(context.Background(), "a.evil.example"))
	}
	s.RecordResult(Result{Answer: Answer{ID: 99, Action: match.ActionBlock}, Unconfirmed: true})
	s.RecordResult(Result{Answer: Answer{ID: 99, Action: match.ActionBlock}, Unconfirmed: true})
	require.NoError(t, s.Flush(context.Background()))
	require.Len(t, got, 1)
	assert.Equal(t, map[uint32]int{set.Lookup("evil.example").ID: 3}, got[0].Counts)
}

func TestSightingsErrors(t *testing.T) {
	_, err := NewSightings(SightingsConfig{})
	assert.Error(t, err, "a sink is required")
	_, err = NewSightings(SightingsConfig{URL: "http://x", Threshold: -1})
	assert.Error(t, err)

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(503) }))
	defer srv.Close()
	s, err := NewSightings(SightingsConfig{Threshold: 1, URL: srv.URL, HTTPClient: srv.Client(),
		Sink: func(context.Context, Report) error { return errors.New("full") }})
	require.NoError(t, err)
	s.Record(match.Verdict{Action: match.ActionBlock, ID: 1})
	err = s.Flush(context.Background())
	var se *StatusError
	assert.ErrorAs(t, err, &se)
	assert.ErrorContains(t, err, "full")
	assert.Equal(t, 1, s.Stats().Errors)
}

// TestSightingsConcurrent: Record races Flush without losing or doubling
// counts.
func TestSightingsConcurrent(t *testing.T) {
	var total atomic.Int64
	s, err := NewSightings(SightingsConfig{Threshold: 1, Sink: func(_ context.Context, r Report) error {
		for _, n := range r.Counts {
			total.Add(int64(n))
		}
		return nil
	}})
	require.NoError(t, err)
	const workers, per = 8, 5000
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range per {
				s.Record(match.Verdict{Action: match.ActionBlock, ID: uint32(1 + (w*per+i)%97)})
			}
		})
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
				s.Flush(context.Background())
			}
		}
	}()
	wg.Wait()
	close(stop)
	<-done
	require.NoError(t, s.Flush(context.Background()))
	assert.Equal(t, int64(workers*per), total.Load())
}

// TestSightingsRun: Run flushes on its interval and once more at the end.
func TestSightingsRun(t *testing.T) {
	var mu sync.Mutex
	var got []Report
	s, err := NewSightings(SightingsConfig{Threshold: 1, Interval: 5 * time.Millisecond, Sink: func(_ context.Context, r Report) error {
		mu.Lock()
		got = append(got, r)
		mu.Unlock()
		return nil
	}})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	s.Record(match.Verdict{Action: match.ActionBlock, ID: 1})
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 1 }, 5*time.Second, time.Millisecond)
	s.Record(match.Verdict{Action: match.ActionMonitor, ID: 2})
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	var ids []uint32
	for _, r := range got {
		for id := range r.Counts {
			ids = append(ids, id)
		}
	}
	assert.ElementsMatch(t, []uint32{1, 2}, ids)
}

func TestSightingsRotate(t *testing.T) {
	var got []Report
	s, err := NewSightings(SightingsConfig{Feed: "f", Version: 1, Threshold: 1, Sink: func(_ context.Context, r Report) error { got = append(got, r); return nil }})
	require.NoError(t, err)
	s.Record(match.Verdict{Action: match.ActionBlock, ID: 5})
	require.NoError(t, s.Rotate(context.Background(), "f", 2))
	s.Record(match.Verdict{Action: match.ActionBlock, ID: 6})
	require.NoError(t, s.Flush(context.Background()))
	require.Len(t, got, 2)
	assert.Equal(t, uint64(1), got[0].Version)
	assert.Equal(t, map[uint32]int{5: 1}, got[0].Counts)
	assert.Equal(t, uint64(2), got[1].Version)
	assert.Equal(t, map[uint32]int{6: 1}, got[1].Counts)
}
