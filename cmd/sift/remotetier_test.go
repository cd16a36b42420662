package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sift-intel/sift/feed"
	"github.com/sift-intel/sift/match"
	"github.com/sift-intel/sift/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServeRemote runs the remote tier end to end: a Client downloads the
// filter from sift serve, asks /v1/remote/find about what passes it, and
// reaches the Set's verdict for every demo indicator and for benign values.
func TestServeRemote(t *testing.T) {
	set, err := demoSet()
	require.NoError(t, err)
	srv := httptest.NewServer(newServer(defaultServeConfig, match.NewEngine(set), nil).handler())
	t.Cleanup(srv.Close)

	resp, err := http.Get(srv.URL + "/v1/remote/filter")
	require.NoError(t, err)
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "application/octet-stream", resp.Header.Get("Content-Type"))
	filter, err := remote.OpenFilter(data)
	require.NoError(t, err)
	t.Logf("demo feed: %d indicators, filter %d bytes", set.Len(), len(data))

	client, err := remote.NewClient(remote.Config{Filter: filter, Resolver: &remote.HTTPResolver{URL: srv.URL + "/v1/remote/find"}})
	require.NoError(t, err)
	ctx := context.Background()
	queries := []string{"clean.example", "www.wikipedia.org", "8.8.8.8", "https://www.example.com/index.html",
		"d41d8cd98f00b204e9800998ecf8427e", "2001:db8::1"}
	i := 0
	for ind := range set.All() {
		if i++; i%10 != 0 {
			continue // a tenth of the feed keeps the test to a second
		}
		switch ind.Kind {
		case match.KindPattern, match.KindUserAgent:
			continue // matched in payloads, not served by the remote tier
		case match.KindCIDR:
			queries = append(queries, netip.MustParsePrefix(ind.Value).Addr().String()) // an address in the prefix
		default:
			queries = append(queries, ind.Value)
		}
	}
	matched := 0
	for _, q := range queries {
		want := set.Lookup(q)
		got := client.Lookup(ctx, q)
		require.NoError(t, got.Err, q)
		require.False(t, got.Unconfirmed, q)
		require.Equal(t, want.Action, got.Action, q)
		if want.Matched() {
			matched++
			ind, _ := set.Indicator(want.ID)
			assert.Equal(t, ind.Value, got.Value, q)
			assert.Equal(t, ind.Source, got.Source, q)
		}
	}
	assert.Greater(t, matched, 5000)
	st := client.Stats()
	t.Logf("%d queries, %d matched, %d requests, %d prefixes sent", len(queries), matched, st.Requests, st.Prefixes)

	// The find endpoint refuses what is not the protocol.
	resp, err = http.Post(srv.URL+"/v1/remote/find", "application/json", strings.NewReader(`{"prefixes": ["zz"]}`))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
}

// TestCompileRemoteFilter: sift compile --remote-filter writes the filter
// a host keeps; a Client with it, asking an Index of the same snapshot,
// reaches the snapshot's verdicts.
func TestCompileRemoteFilter(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "feed.txt")
	require.NoError(t, os.WriteFile(src, []byte("203.0.113.0/24\nevil.example\nhttp://phish.example/login/\n"), 0o644))
	out, filterPath := filepath.Join(dir, "feed.sift"), filepath.Join(dir, "feed.filter")
	_, stderr, status := sift(t, "", "compile", "-o", out, "--version", "7", "--remote-filter", filterPath, src)
	require.Equal(t, exitClean, status, stderr)
	assert.Contains(t, stderr, "wrote "+filterPath+": remote filter of ")

	data, err := os.ReadFile(filterPath)
	require.NoError(t, err)
	filter, err := remote.OpenFilter(data)
	require.NoError(t, err)
	assert.Equal(t, "feed", filter.Feed())
	assert.Equal(t, uint64(7), filter.Version())

	snap, err := feed.OpenFile(out, 0)
	require.NoError(t, err)
	idx, err := remote.NewIndex(snap.Set, remote.IndexConfig{Feed: "feed", Version: 7})
	require.NoError(t, err)
	client, err := remote.NewClient(remote.Config{Filter: filter, Resolver: &remote.IndexResolver{Index: idx}})
	require.NoError(t, err)
	for _, q := range []string{"203.0.113.9", "www.evil.example", "http://phish.example/login/x", "clean.example", "192.0.2.1"} {
		want := snap.Set.Lookup(q)
		got := client.Lookup(context.Background(), q)
		require.NoError(t, got.Err, q)
		assert.Equal(t, want.Action, got.Action, q)
	}
}
