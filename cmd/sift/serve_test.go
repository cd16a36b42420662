package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sift-intel/sift/match"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testServer(t *testing.T, cfg serveConfig) *httptest.Server {
	t.Helper()
	var b match.Builder
	for _, ind := range []match.Indicator{
		{Value: "evil.example", Meta: match.Meta{Source: "urlhaus", Category: "malware", Severity: match.SeverityHigh}},
		{Value: "203.0.113.0/24", Action: match.ActionMonitor},
		{Kind: match.KindPattern, Value: "pattern:powershell -enc"},
	} {
		require.NoError(t, b.Add(ind))
	}
	set, err := b.Build()
	require.NoError(t, err)
	srv := httptest.NewServer(newServer(cfg, match.NewEngine(set), nil).handler())
	t.Cleanup(srv.Close)
	return srv
}

// respErr carries the two results of an HTTP call to getJSON.
type respErr struct {
	resp *http.Response
	err  error
}

func re(resp *http.Response, err error) respErr { return respErr{resp, err} }

func getJSON(t *testing.T, r respErr) (int, map[string]any) {
	t.Helper()
	require.NoError(t, r.err)
	resp := r.resp
	defer resp.Body.Close()
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	var m map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&m))
	return resp.StatusCode, m
}

func TestServeCheck(t *testing.T) {
	srv := testServer(t, defaultServeConfig)
	status, m := getJSON(t, re(http.Get(srv.URL+"/v1/check?q=www.evil.example")))
	assert.Equal(t, 200, status)
	// The same object as sift check --json.
	assert.Equal(t, map[string]any{"input": "www.evil.example", "kind": "domain", "verdict": "block", "matched": "evil.example",
		"matched_kind": "domain", "source": "urlhaus", "category": "malware", "severity": "high"}, m)
	status, m = getJSON(t, re(http.Get(srv.URL+"/v1/check?q=not+a+thing!")))
	assert.Equal(t, 400, status)
	assert.Contains(t, m["error"], "not a domain")
	status, m = getJSON(t, re(http.Get(srv.URL+"/v1/check")))
	assert.Equal(t, 400, status)
	assert.NotEmpty(t, m["error"])

	body := `{"queries": ["203.0.113.9", "clean.example", "nonsense!", "http://evil.example/x"]}`
	status, m = getJSON(t, re(http.Post(srv.URL+"/v1/check", "application/json", strings.NewReader(body))))
	require.Equal(t, 200, status)
	results := m["results"].([]any)
	require.Len(t, results, 4)
	verdicts := []any{results[0].(map[string]any)["verdict"], results[1].(map[string]any)["verdict"], results[2].(map[string]any)["error"] != nil, results[3].(map[string]any)["verdict"]}
	assert.Equal(t, []any{"monitor", "none", true, "block"}, verdicts)
}

func TestServeLimits(t *testing.T) {
	cfg := defaultServeConfig
	cfg.MaxBatch, cfg.MaxBody, cfg.MaxScan = 3, 200, 1000
	srv := testServer(t, cfg)
	for name, c := range map[string]struct {
		body   string
		status int
	}{
		"over the batch limit": {`{"queries": ["a.example","b.example","c.example","d.example"]}`, 413},
		"over the body limit":  {`{"queries": ["` + strings.Repeat("a", 300) + `"]}`, 413},
		"not JSON":             {`queries: a`, 400},
		"unknown field":        {`{"query": "a"}`, 400},
		"truncated":            {`{"queries": ["a.example"`, 400},
	} {
		t.Run(name, func(t *testing.T) {
			status, m := getJSON(t, re(http.Post(srv.URL+"/v1/check", "application/json", strings.NewReader(c.body))))
			assert.Equal(t, c.status, status)
			assert.NotEmpty(t, m["error"])
		})
	}
	status, m := getJSON(t, re(http.Post(srv.URL+"/v1/scan", "application/octet-stream", bytes.NewReader(make([]byte, 2000)))))
	assert.Equal(t, 413, status)
	assert.NotEmpty(t, m["error"])
	status, m = getJSON(t, re(http.Get(srv.URL+"/v2/nothing")))
	assert.Equal(t, 404, status)
	assert.NotEmpty(t, m["error"])
}

func TestServeScanHealthMetrics(t *testing.T) {
	srv := testServer(t, defaultServeConfig)
	status, m := getJSON(t, re(http.Post(srv.URL+"/v1/scan", "application/octet-stream", strings.NewReader("run powershell -enc QQBB now"))))
	require.Equal(t, 200, status)
	hits := m["matches"].([]any)
	require.Len(t, hits, 1)
	assert.Equal(t, map[string]any{"offset": 4.0, "end": 19.0, "pattern": "pattern:powershell -enc", "verdict": "block", "source": ""}, hits[0])
	getJSON(t, re(http.Get(srv.URL+"/v1/check?q=evil.example")))

	status, m = getJSON(t, re(http.Get(srv.URL+"/healthz")))
	assert.Equal(t, 200, status)
	assert.Equal(t, "ok", m["status"])

	resp, err := http.Get(srv.URL + "/metrics")
	require.NoError(t, err)
	text, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`sift_lookups_total{kind="domain"}`, `sift_matches_total{action="block",kind="domain"}`,
		`sift_matches_total{action="block",kind="pattern"}`, "sift_indicators 3", "sift_http_request_duration_seconds_bucket"} {
		assert.True(t, strings.Contains(string(text), want), "metrics lack %s", want)
	}
}

// TestServeLoopback runs the real command on a loopback port with a
// signed snapshot, then stops it gracefully.
func TestServeLoopback(t *testing.T) {
	dir := t.TempDir()
	snap, pub, _ := signedFeed(t, dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	var stderr lockedBuffer // the server logs to it while the test reads it
	done := make(chan int)
	go func() {
		done <- run([]string{"serve", "--feed", snap, "--pubkey", pub, "--addr", addr}, strings.NewReader(""), io.Discard, &stderr)
	}()
	var resp *http.Response
	for i := 0; ; i++ {
		resp, err = http.Get("http://" + addr + "/v1/check?q=evil.example")
		if err == nil {
			break
		}
		require.Less(t, i, 200, "the server did not start: %s", stderr.String())
		time.Sleep(25 * time.Millisecond)
	}
	_, m := getJSON(t, respErr{resp, nil})
	assert.Equal(t, "block", m["verdict"])
	p, _ := os.FindProcess(os.Getpid())
	require.NoError(t, p.Signal(os.Interrupt))
	select {
	case status := <-done:
		assert.Equal(t, exitClean, status, stderr.String())
	case <-time.After(15 * time.Second):
		t.Fatal("no graceful shutdown")
	}
	assert.Contains(t, stderr.String(), "stopped")
	_ = filepath.Join
}

// lockedBuffer is a bytes.Buffer safe for one writer and one reader.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestServeLoad sends single and batch checks from several clients on
// loopback for a bounded time and reports throughput and p99. It asserts
// only that every answer is right.
func TestServeLoad(t *testing.T) {
	srv := testServer(t, defaultServeConfig)
	dur := 2 * time.Second
	if testing.Short() {
		dur = 300 * time.Millisecond
	}
	batch, _ := json.Marshal(map[string][]string{"queries": slices.Repeat([]string{"www.evil.example", "clean.example", "203.0.113.7", "http://x.example/a"}, 25)})
	for _, mode := range []string{"single", "batch-100"} {
		var mu sync.Mutex
		var lat []time.Duration
		ctx, cancel := context.WithTimeout(context.Background(), dur)
		var wg sync.WaitGroup
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var mine []time.Duration
				for i := 0; ctx.Err() == nil; i++ {
					t0 := time.Now()
					var resp *http.Response
					var err error
					if mode == "single" {
						q := []string{"www.evil.example", "clean.example"}[(i+w)%2]
						resp, err = client.Get(srv.URL + "/v1/check?q=" + q)
					} else {
						resp, err = client.Post(srv.URL+"/v1/check", "application/json", bytes.NewReader(batch))
					}
					if err != nil {
						if ctx.Err() == nil {
							t.Error(err)
						}
						return
					}
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 || !bytes.Contains(b, []byte(`"verdict"`)) {
						t.Errorf("%d %s", resp.StatusCode, b)
						return
					}
					mine = append(mine, time.Since(t0))
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			}()
		}
		wg.Wait()
		cancel()
		require.NotEmpty(t, lat)
		slices.Sort(lat)
		per := 1
		if mode != "single" {
			per = 100
		}
		t.Logf("%s: %d requests in %s: %.0f requests/s (%.0f checks/s), p50 %s, p99 %s",
			mode, len(lat), dur, float64(len(lat))/dur.Seconds(), float64(len(lat)*per)/dur.Seconds(),
			lat[len(lat)/2], lat[len(lat)*99/100])
	}
	_ = fmt.Sprint
}
