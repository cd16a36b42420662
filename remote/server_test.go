package remote

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sift-intel/sift/match"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testIndex(t *testing.T) *Index {
	set := buildSet(t,
		match.Indicator{Kind: match.KindDomain, Value: "evil.example", Meta: match.Meta{Source: "feed-a", Category: "malware", Severity: match.SeverityHigh, Confidence: 80}},
		match.Indicator{Kind: match.KindDomain, Value: "evil.example", Action: match.ActionMonitor},
		match.Indicator{Kind: match.KindIP, Value: "192.0.2.1"},
	)
	idx, err := NewIndex(set, IndexConfig{Feed: "test", Version: 4})
	require.NoError(t, err)
	return idx
}

func post(t *testing.T, h http.Handler, method, body string) (*httptest.ResponseRecorder, map[string]any) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, "/find", strings.NewReader(body)))
	var out map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out), rec.Body.String())
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	return rec, out
}

func TestServer(t *testing.T) {
	idx := testIndex(t)
	h := fullHash(clsDomain, []byte("evil.example"))
	prefix := hex.EncodeToString(h[:4])
	srv := NewServer(idx, ServerConfig{PositiveTTL: time.Minute, NegativeTTL: 2 * time.Minute, MaxPrefixes: 3, MaxRequestBytes: 200})

	rec, out := post(t, srv, "POST", `{"feed":"test","version":4,"prefixes":["`+prefix+`","00000000"]}`)
	require.Equal(t, 200, rec.Code)
	assert.Equal(t, map[string]any{
		"feed": "test", "version": 4.0, "positive_ttl_seconds": 60.0, "negative_ttl_seconds": 120.0,
		"matches": []any{map[string]any{
			"hash": hex.EncodeToString(h[:]), "id": float64(idx.Find([][]byte{h[:4]})[0].ID), "action": "block", "kind": "domain",
			"severity": "high", "confidence": 80.0, "source": "feed-a", "category": "malware", "value": "evil.example",
		}},
	}, out)
	// The decoding the client does agrees.
	resp, err := decodeResponse(rec.Body.Bytes())
	require.NoError(t, err)
	assert.Equal(t, idx.Find([][]byte{h[:4]}), resp.Matches)

	for _, tc := range []struct {
		name, method, body string
		code               int
	}{
		{"GET", "GET", "", 405},
		{"not JSON", "POST", "prefixes", 400},
		{"no prefixes", "POST", `{"prefixes":[]}`, 400},
		{"null prefixes", "POST", `{"prefixes":null}`, 400},
		{"short prefix", "POST", `{"prefixes":["abcdef"]}`, 400},
		{"long prefix", "POST", `{"prefixes":["` + strings.Repeat("ab", 9) + `"]}`, 400},
		{"odd prefix", "POST", `{"prefixes":["abcdefabc"]}`, 400},
		{"not hex", "POST", `{"prefixes":["abcdefgh"]}`, 400},
		{"too many", "POST", `{"prefixes":["00000000","00000001","00000002","00000003"]}`, 400},
		{"unknown field", "POST", `{"prefixes":["00000000"],"client":"me"}`, 400},
		{"trailing", "POST", `{"prefixes":["00000000"]} {}`, 400},
		{"too large", "POST", `{"prefixes":["` + strings.Repeat("0", 300) + `"]}`, 413},
		{"other feed", "POST", `{"feed":"other","prefixes":["00000000"]}`, 409},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, out := post(t, srv, tc.method, tc.body)
			assert.Equal(t, tc.code, rec.Code)
			assert.NotEmpty(t, out["error"])
			if strings.Contains(tc.body, "abcdef") {
				assert.NotContains(t, rec.Body.String(), "abcdef", "errors never quote the prefixes")
			}
		})
	}

	// No index: 503, until one is swapped in.
	srv.Swap(nil)
	rec, _ = post(t, srv, "POST", `{"prefixes":["00000000"]}`)
	assert.Equal(t, 503, rec.Code)
	assert.Nil(t, srv.Swap(idx))
	assert.Same(t, idx, srv.Index())
}

// TestServerTTLCappedByExpiry: the positive TTL ends when the deciding
// indicator expires.
func TestServerTTLCappedByExpiry(t *testing.T) {
	now := time.Now()
	set := buildSet(t, match.Indicator{Kind: match.KindDomain, Value: "evil.example", Meta: match.Meta{Expires: now.Add(90 * time.Second)}})
	idx, err := NewIndex(set, IndexConfig{})
	require.NoError(t, err)
	srv := NewServer(idx, ServerConfig{PositiveTTL: time.Hour, now: func() time.Time { return now }})
	h := fullHash(clsDomain, []byte("evil.example"))
	_, out := post(t, srv, "POST", `{"prefixes":["`+hex.EncodeToString(h[:4])+`"]}`)
	assert.InDelta(t, 90, out["positive_ttl_seconds"], 1)
	// And after it, the indicator is gone.
	srv.cfg.now = func() time.Time { return now.Add(91 * time.Second) }
	_, out = post(t, srv, "POST", `{"prefixes":["`+hex.EncodeToString(h[:4])+`"]}`)
	assert.Empty(t, out["matches"])
}

func TestIndexFind(t *testing.T) {
	idx := testIndex(t)
	assert.Equal(t, 2, idx.Len(), "two indicators share a key")
	h := fullHash(clsIP4, []byte("192.0.2.1/32"))
	for n := 1; n <= 32; n++ {
		ms := idx.Find([][]byte{h[:n], h[:n]})
		require.Len(t, ms, 1, "prefix of %d bytes", n)
		assert.Equal(t, "192.0.2.1", ms[0].Value)
	}
	assert.Empty(t, idx.Find([][]byte{{}}))
	// Both share the first byte in 1 of 256 cases; all of them in order.
	all := idx.Find([][]byte{{0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}, {8}, {9}})
	for i := 1; i < len(all); i++ {
		assert.Negative(t, bytes.Compare(all[i-1].Hash[:], all[i].Hash[:]))
	}
	assert.Equal(t, "test", idx.Feed())
	assert.Equal(t, uint64(4), idx.Version())
	// The allow, then the more severe block, decides a shared key.
	eh := fullHash(clsDomain, []byte("evil.example"))
	ms := idx.Find([][]byte{eh[:4]})
	require.Len(t, ms, 1)
	assert.Equal(t, match.ActionBlock, ms[0].Action)
	assert.Equal(t, match.SeverityHigh, ms[0].Severity)
}

func TestNewIndexErrors(t *testing.T) {
	set := buildSet(t, match.Indicator{Kind: match.KindDomain, Value: "evil.example"})
	_, err := NewIndex(set, IndexConfig{Feed: "Not A Feed"})
	assert.Error(t, err)
	_, err = NewIndex(set, IndexConfig{FalsePositiveRate: 1.5})
	assert.Error(t, err)
	idx, err := NewIndex(nil, IndexConfig{})
	require.NoError(t, err, "a nil Set is empty")
	assert.Zero(t, idx.Len())
}

func TestFilterBinary(t *testing.T) {
	idx := testIndex(t)
	f := idx.Filter()
	b, err := f.AppendBinary(nil)
	require.NoError(t, err)
	g, err := OpenFilter(b)
	require.NoError(t, err)
	assert.Equal(t, f.Feed(), g.Feed())
	assert.Equal(t, f.Version(), g.Version())
	assert.Equal(t, f.Len(), g.Len())
	assert.Equal(t, f.SizeBytes(), g.SizeBytes())
	b2, err := g.AppendBinary(nil)
	require.NoError(t, err)
	assert.Equal(t, b, b2)

	// A client of the reopened filter works.
	c, err := NewClient(Config{Filter: g, Resolver: &IndexResolver{Index: idx}})
	require.NoError(t, err)
	assert.Equal(t, "evil.example", c.LookupDomain(context.Background(), "a.evil.example").Value)

	for name, mutate := range map[string]func([]byte){
		"magic":        func(b []byte) { b[0] = 'x' },
		"version":      func(b []byte) { b[8] = 9 },
		"reserved":     func(b []byte) { b[10] = 1 },
		"reserved 2":   func(b []byte) { b[121] = 1 },
		"flags":        func(b []byte) { b[15] = 0x80 },
		"entries":      func(b []byte) { b[30] = 0xff },
		"section len":  func(b []byte) { b[56] = 1 },
		"section size": func(b []byte) { b[57]++ },
		"last section": func(b []byte) { b[80]++ },
		"v4 lengths":   func(b []byte) { b[92] = 2 },
		"v6 lengths":   func(b []byte) { b[112] = 2 },
		"feed":         func(b []byte) { b[128] = 'A' },
		"feed tail":    func(b []byte) { b[191] = 'a' },
		"gate":         func(b []byte) { b[192] = 0 },
		"keys":         func(b []byte) { b[192+binary.LittleEndian.Uint64(b[56:])] = 0 },
	} {
		c := bytes.Clone(b)
		mutate(c)
		_, err := OpenFilter(c)
		assert.ErrorIs(t, err, ErrFilter, name)
	}
	_, err = OpenFilter(b[:100])
	assert.ErrorIs(t, err, ErrFilter)
	_, err = OpenFilter(b[:len(b)-1])
	assert.ErrorIs(t, err, ErrFilter)
	_, err = new(Filter).AppendBinary(nil)
	assert.Error(t, err)
	assert.False(t, new(Filter).has(secHost, 1))
}

func TestNewClientErrors(t *testing.T) {
	f := testIndex(t).Filter()
	r := &IndexResolver{}
	for name, cfg := range map[string]Config{
		"no filter":   {Resolver: r},
		"no resolver": {Filter: f},
		"prefix 3":    {Filter: f, Resolver: r, PrefixLen: 3},
		"prefix 9":    {Filter: f, Resolver: r, PrefixLen: 9},
		"timeout":     {Filter: f, Resolver: r, Timeout: -1},
		"policy":      {Filter: f, Resolver: r, Offline: 7},
		"max TTL":     {Filter: f, Resolver: r, MaxTTL: -1},
	} {
		_, err := NewClient(cfg)
		assert.Error(t, err, name)
	}
}

// TestHTTPResolverErrors: the errors of the HTTP client carry what the
// caller acts on.
func TestHTTPResolverErrors(t *testing.T) {
	srv := httptest.NewServer(testIndex(t).Handler())
	defer srv.Close()
	ctx := context.Background()
	r := &HTTPResolver{URL: srv.URL, Client: srv.Client(), Feed: "other"}
	_, err := r.Resolve(ctx, [][]byte{{1, 2, 3, 4}})
	var se *StatusError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, 409, se.Code)
	assert.Contains(t, se.Message, "feed")

	r = &HTTPResolver{URL: srv.URL, Client: srv.Client(), MaxResponseBytes: 10}
	_, err = r.Resolve(ctx, [][]byte{{1, 2, 3, 4}})
	assert.ErrorIs(t, err, ErrTooLarge)

	r = &HTTPResolver{URL: "http://[::1", Client: srv.Client()}
	_, err = r.Resolve(ctx, [][]byte{{1, 2, 3, 4}})
	assert.Error(t, err)
}

func TestOfflinePolicyString(t *testing.T) {
	assert.Equal(t, "fail-open", FailOpen.String())
	assert.Equal(t, "fail-closed", FailClosed.String())
	assert.Equal(t, "OfflinePolicy(9)", OfflinePolicy(9).String())
}
