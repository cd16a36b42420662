package remote

import (
	"bytes"
	"encoding/hex"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/sift-intel/sift/match"
	"github.com/stretchr/testify/require"
)

var fuzzIndex *Index

func fuzzServer(t testing.TB) *Server {
	if fuzzIndex == nil {
		var b match.Builder
		for _, v := range []string{"evil.example", "*.wild.example", "http://phish.example/login", "192.0.2.1", "10.0.0.0/8", "d41d8cd98f00b204e9800998ecf8427e"} {
			require.NoError(t, b.Add(match.Indicator{Value: v}))
		}
		set, err := b.Build()
		require.NoError(t, err)
		fuzzIndex, err = NewIndex(set, IndexConfig{Feed: "test", Version: 1})
		require.NoError(t, err)
	}
	return NewServer(fuzzIndex, ServerConfig{MaxPrefixes: 64})
}

// FuzzServerRequest feeds the handler arbitrary bodies: it answers 200
// with a response the client accepts, listing only full hashes with a
// requested prefix, or an error status; it never panics.
func FuzzServerRequest(f *testing.F) {
	h := fullHash(clsDomain, []byte("evil.example"))
	for _, s := range []string{
		`{"prefixes":["` + hex.EncodeToString(h[:4]) + `"]}`,
		`{"feed":"test","version":1,"prefixes":["` + hex.EncodeToString(h[:8]) + `","00000000"]}`,
		`{"feed":"other","prefixes":["00000000"]}`,
		`{"prefixes":[]}`, `{"prefixes":null}`, `{"prefixes":["0"]}`, `{}`, `[]`, `null`, ``,
		`{"prefixes":["00000000"]}{}`, `{"prefixes":["00000000"],"x":1}`, `{"prefixes":[1]}`,
		`{"prefixes":["00000000"],"version":-1}`, "{\"prefixes\":[\"\u00e9\u00e9\u00e9\u00e9\"]}",
	} {
		f.Add([]byte(s))
	}
	srv := fuzzServer(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest("POST", "/", bytes.NewReader(body)))
		switch rec.Code {
		case 200:
		case 400, 409, 413:
			return
		default:
			t.Fatalf("status %d", rec.Code)
		}
		_, prefixes, err := decodeRequest(body, 64)
		require.NoError(t, err, "a request the server answered")
		resp, err := decodeResponse(rec.Body.Bytes())
		require.NoError(t, err, "the server's answer must be valid")
		for _, m := range resp.Matches {
			require.True(t, slices.ContainsFunc(prefixes, func(p []byte) bool { return bytes.HasPrefix(m.Hash[:], p) }))
		}
	})
}

// FuzzDecodeResponse feeds the client's decoder arbitrary bodies: it never
// panics, and what it accepts is valid and survives a round trip.
func FuzzDecodeResponse(f *testing.F) {
	srv := fuzzServer(f)
	h := fullHash(clsDomain, []byte("evil.example"))
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest("POST", "/", bytes.NewReader([]byte(`{"prefixes":["`+hex.EncodeToString(h[:4])+`"]}`))))
	f.Add(rec.Body.Bytes())
	for _, s := range []string{
		`{"matches":[],"positive_ttl_seconds":1,"negative_ttl_seconds":2}`,
		`{"matches":[{"hash":"` + hex.EncodeToString(h[:]) + `","id":1,"action":"allow","kind":"url","severity":"unknown","confidence":100,"value":"x"}],"positive_ttl_seconds":0,"negative_ttl_seconds":0}`,
		`{"matches":null,"positive_ttl_seconds":1,"negative_ttl_seconds":2}`,
		`{"matches":[],"positive_ttl_seconds":1e99,"negative_ttl_seconds":2}`,
		`{"matches":[{"hash":"","action":"block"}],"positive_ttl_seconds":1,"negative_ttl_seconds":2}`,
		`{"matches":[{"hash":"` + hex.EncodeToString(h[:]) + `","id":1,"action":3,"kind":200,"severity":9,"confidence":101,"value":"x"}],"positive_ttl_seconds":1,"negative_ttl_seconds":2}`,
		`{"matches":[],"positive_ttl_seconds":1,"negative_ttl_seconds":2} x`, `{"error":"x"}`, ``, `nu`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		resp, err := decodeResponse(body)
		if err != nil {
			require.ErrorIs(t, err, ErrMalformed)
			return
		}
		require.GreaterOrEqual(t, resp.PositiveTTL, time.Duration(0))
		require.GreaterOrEqual(t, resp.NegativeTTL, time.Duration(0))
		for _, m := range resp.Matches {
			require.NoError(t, checkAnswer(&m.Answer))
		}
		out, err := encodeResponse(resp.Feed, resp.Version, resp.Matches, resp.PositiveTTL, resp.NegativeTTL)
		require.NoError(t, err)
		again, err := decodeResponse(out)
		require.NoError(t, err)
		require.Equal(t, resp, again)
	})
}

// FuzzOpenFilter: OpenFilter never panics, and a filter it opens answers
// lookups and serialises back to the same bytes.
func FuzzOpenFilter(f *testing.F) {
	b, err := fuzzServer(f).Index().Filter().AppendBinary(nil)
	require.NoError(f, err)
	f.Add(b)
	f.Add(b[:filterHeaderLen])
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := OpenFilter(data)
		if err != nil {
			require.ErrorIs(t, err, ErrFilter)
			return
		}
		out, err := g.AppendBinary(nil)
		require.NoError(t, err)
		require.Equal(t, data, out)
		c, err := NewClient(Config{Filter: g, Resolver: &IndexResolver{Index: fuzzIndex}})
		require.NoError(t, err)
		for _, q := range []string{"evil.example", "http://a.b.c.d.e.f.g/x/y?z", "10.1.2.3", "2001:db8::1", "d41d8cd98f00b204e9800998ecf8427e"} {
			c.Lookup(t.Context(), q)
		}
	})
}
