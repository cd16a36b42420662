package remote

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Resolver answers hash prefixes with the full hashes that have them. A
// [Client] calls it for the prefixes its cache cannot answer, with a
// context that carries the Client's timeout.
//
// Resolve must return every full hash it knows with one of the prefixes:
// the Client takes a full hash that is absent as not listed. The Client
// checks every response (hashes it did not ask about, duplicates, fields
// out of range) and takes an invalid one as a failure, never as a verdict.
// Implementations must be safe for concurrent use.
type Resolver interface {
	Resolve(ctx context.Context, prefixes [][]byte) (*Response, error)
}

// Response is a Resolver's answer.
type Response struct {
	Matches []Match
	// PositiveTTL is how long each match may be cached; NegativeTTL how
	// long each requested prefix may be taken as having no full hashes
	// besides the matches. Zero: not cached.
	PositiveTTL, NegativeTTL time.Duration
	// Feed and Version identify the server's list, when it says.
	Feed    string
	Version uint64
}

// IndexResolver is a Resolver that answers from an Index in the same
// process, with the TTLs of a ServerConfig: for tests, and for a host that
// holds the Index itself.
type IndexResolver struct {
	Index *Index
	// PositiveTTL and NegativeTTL as in ServerConfig, but zero means 0.
	PositiveTTL, NegativeTTL time.Duration
}

// Resolve implements Resolver.
func (r *IndexResolver) Resolve(ctx context.Context, prefixes [][]byte) (*Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := r.Index.clock()
	m, earliest := r.Index.find(prefixes, now)
	pos := r.PositiveTTL
	if earliest != 0 {
		pos = min(pos, max(time.Unix(earliest, 0).Sub(now), 0))
	}
	return &Response{Matches: m, PositiveTTL: pos, NegativeTTL: r.NegativeTTL, Feed: r.Index.feed, Version: r.Index.version}, nil
}

// HTTPResolver is a Resolver that asks a [Server] over HTTP. The zero
// value is not usable: URL is required.
type HTTPResolver struct {
	// URL is the endpoint, such as "https://sift.example/v1/remote/find".
	URL string
	// Client sends the requests. Nil: http.DefaultClient. The Client's
	// context bounds each request; the http.Client's own Timeout, if
	// any, applies too.
	Client *http.Client
	// MaxResponseBytes bounds a response body; a longer one is an error.
	// Zero: 1 MiB.
	MaxResponseBytes int64
	// Feed and Version are sent with each request so that the server can
	// refuse a request about another list; set them from the Filter's
	// Feed and Version. Empty and zero: not sent.
	Feed    string
	Version uint64
}

// StatusError is the error of an HTTP response whose status is not 200.
type StatusError struct {
	Code    int    // the HTTP status code
	Message string // the "error" of a JSON error body, if any (shortened)
}

func (e *StatusError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("remote: server answered %d %s", e.Code, http.StatusText(e.Code))
	}
	return fmt.Sprintf("remote: server answered %d %s: %s", e.Code, http.StatusText(e.Code), e.Message)
}

// ErrTooLarge is wrapped by the error for a response longer than
// MaxResponseBytes.
var ErrTooLarge = errors.New("remote: response too large")

// Resolve implements Resolver: one POST of the prefixes, a strict decoding
// of the answer.
func (r *HTTPResolver) Resolve(ctx context.Context, prefixes [][]byte) (*Response, error) {
	req := wireRequest{Feed: r.Feed, Version: r.Version, Prefixes: make([]string, len(prefixes))}
	for i, p := range prefixes {
		req.Prefixes[i] = hex.EncodeToString(p)
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Accept", "application/json")
	c := r.Client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(hr)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	limit := r.MaxResponseBytes
	if limit <= 0 {
		limit = 1 << 20
	}
	if resp.StatusCode != http.StatusOK {
		e := &StatusError{Code: resp.StatusCode}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		var we wireError
		if json.Unmarshal(b, &we) == nil {
			e.Message = truncate(we.Error, 200)
		}
		return nil, e
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("remote: reading the response: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
	}
	return decodeResponse(data)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
