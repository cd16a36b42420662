package remote

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/sift-intel/sift/match"
)

// The protocol: one POST of a JSON request, one JSON response.
//
//	request:  {"feed": "urlhaus", "version": 7, "prefixes": ["1a2b3c4d", …]}
//	response: {"feed": "urlhaus", "version": 7,
//	           "matches": [{"hash": "<64 hex>", "id": 12, "action": "block",
//	                        "kind": "domain", "severity": "high", "confidence": 80,
//	                        "source": "urlhaus", "category": "malware",
//	                        "value": "evil.example"}, …],
//	           "positive_ttl_seconds": 300, "negative_ttl_seconds": 300}
//	error:    {"error": "…"} with a 4xx or 5xx status
//
// feed and version are optional in the request; a server refuses a request
// about another feed (409). Prefixes are 4 to 8 bytes in lower- or
// upper-case hex. Both sides decode strictly: unknown fields, trailing
// data, missing fields and values out of range are errors.

// wireRequest is the JSON body of a request.
type wireRequest struct {
	Feed     string   `json:"feed,omitempty"`
	Version  uint64   `json:"version,omitempty"`
	Prefixes []string `json:"prefixes"`
}

// wireMatch is one match of a response.
type wireMatch struct {
	Hash       string         `json:"hash"`
	ID         uint32         `json:"id"`
	Action     match.Action   `json:"action"`
	Kind       match.Kind     `json:"kind"`
	Severity   match.Severity `json:"severity"`
	Confidence uint8          `json:"confidence"`
	Source     string         `json:"source,omitempty"`
	Category   string         `json:"category,omitempty"`
	Value      string         `json:"value"`
}

// wireResponse is the JSON body of a response. The pointers tell a missing
// field from a zero one.
type wireResponse struct {
	Feed        string       `json:"feed,omitempty"`
	Version     uint64       `json:"version,omitempty"`
	Matches     *[]wireMatch `json:"matches"`
	PositiveTTL *int64       `json:"positive_ttl_seconds"`
	NegativeTTL *int64       `json:"negative_ttl_seconds"`
}

// wireError is the JSON body of an error response.
type wireError struct {
	Error string `json:"error"`
}

// Prefix lengths in bytes.
const (
	MinPrefixLen = 4
	MaxPrefixLen = 8
)

// maxTTLSeconds bounds the TTLs a response may carry (a year), so that
// seconds convert to a Duration without overflow.
const maxTTLSeconds = 365 * 24 * 3600

// ErrMalformed is wrapped by the errors for a request or response that is
// not valid in the protocol: not JSON, unknown or missing fields, trailing
// data, a value out of range, a full hash the client did not ask about.
// A malformed response is never taken as a verdict.
var ErrMalformed = errors.New("remote: malformed message")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

// decodeStrict decodes exactly one JSON value from data into v, refusing
// unknown fields and anything after the value.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return malformed("%v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return malformed("data after the JSON value")
	}
	return nil
}

// decodeRequest decodes and checks a request body: at most maxPrefixes
// prefixes, at least one, each MinPrefixLen to MaxPrefixLen bytes. Its
// errors never quote the input.
func decodeRequest(data []byte, maxPrefixes int) (wireRequest, [][]byte, error) {
	var req wireRequest
	if err := decodeStrict(data, &req); err != nil {
		return req, nil, malformed("the body is not a valid request")
	}
	switch {
	case req.Prefixes == nil:
		return req, nil, malformed("no prefixes")
	case len(req.Prefixes) == 0:
		return req, nil, malformed("no prefixes")
	case len(req.Prefixes) > maxPrefixes:
		return req, nil, malformed("%d prefixes, at most %d", len(req.Prefixes), maxPrefixes)
	}
	out := make([][]byte, len(req.Prefixes))
	for i, s := range req.Prefixes {
		if len(s) < 2*MinPrefixLen || len(s) > 2*MaxPrefixLen || len(s)%2 != 0 {
			return req, nil, malformed("prefix %d: want %d to %d bytes in hex", i, MinPrefixLen, MaxPrefixLen)
		}
		p, err := hex.DecodeString(s)
		if err != nil {
			return req, nil, malformed("prefix %d is not hex", i)
		}
		out[i] = p
	}
	return req, out, nil
}

// encodeResponse builds a response body.
func encodeResponse(feed string, version uint64, matches []Match, pos, neg time.Duration) ([]byte, error) {
	wm := make([]wireMatch, len(matches))
	for i, m := range matches {
		wm[i] = wireMatch{
			Hash: hex.EncodeToString(m.Hash[:]), ID: m.ID, Action: m.Action, Kind: m.Kind, Severity: m.Severity,
			Confidence: m.Confidence, Source: m.Source, Category: m.Category, Value: m.Value,
		}
	}
	p, n := int64(pos/time.Second), int64(neg/time.Second)
	return json.Marshal(wireResponse{Feed: feed, Version: version, Matches: &wm, PositiveTTL: &p, NegativeTTL: &n})
}

// servedKinds are the kinds an answer may have.
var servedKinds = [...]bool{
	match.KindDomain: true, match.KindURL: true, match.KindIP: true, match.KindCIDR: true,
	match.KindMD5: true, match.KindSHA1: true, match.KindSHA256: true, match.KindEmail: true, match.KindJA3: true,
}

// checkAnswer checks the fields of an answer, from any Resolver.
func checkAnswer(a *Answer) error {
	switch {
	case a.ID == 0:
		return malformed("a match without an indicator id")
	case a.Action != match.ActionAllow && a.Action != match.ActionMonitor && a.Action != match.ActionBlock:
		return malformed("a match with action %s", a.Action)
	case int(a.Kind) >= len(servedKinds) || !servedKinds[a.Kind]:
		return malformed("a match of kind %s", a.Kind)
	case a.Severity > match.SeverityCritical:
		return malformed("a match with severity %s", a.Severity)
	case a.Confidence > 100:
		return malformed("a match with confidence %d", a.Confidence)
	case a.Value == "":
		return malformed("a match without a value")
	}
	return nil
}

// decodeResponse decodes and checks a response body. It does not check
// that the hashes are ones the client asked about: the Client does that
// for every Resolver.
func decodeResponse(data []byte) (*Response, error) {
	var w wireResponse
	if err := decodeStrict(data, &w); err != nil {
		return nil, err
	}
	switch {
	case w.Matches == nil:
		return nil, malformed("no matches field")
	case w.PositiveTTL == nil || w.NegativeTTL == nil:
		return nil, malformed("no TTL fields")
	case *w.PositiveTTL < 0 || *w.PositiveTTL > maxTTLSeconds || *w.NegativeTTL < 0 || *w.NegativeTTL > maxTTLSeconds:
		return nil, malformed("TTL out of range")
	}
	r := &Response{
		Feed: w.Feed, Version: w.Version,
		PositiveTTL: time.Duration(*w.PositiveTTL) * time.Second,
		NegativeTTL: time.Duration(*w.NegativeTTL) * time.Second,
		Matches:     make([]Match, len(*w.Matches)),
	}
	for i, wm := range *w.Matches {
		m := &r.Matches[i]
		if len(wm.Hash) != 64 {
			return nil, malformed("match %d: a hash of %d hex digits, want 64", i, len(wm.Hash))
		}
		if _, err := hex.Decode(m.Hash[:], []byte(wm.Hash)); err != nil {
			return nil, malformed("match %d: hash is not hex", i)
		}
		m.Answer = Answer{
			ID: wm.ID, Action: wm.Action, Kind: wm.Kind, Severity: wm.Severity, Confidence: wm.Confidence,
			Source: wm.Source, Category: wm.Category, Value: wm.Value,
		}
		if err := checkAnswer(&m.Answer); err != nil {
			return nil, fmt.Errorf("match %d: %w", i, err)
		}
	}
	return r, nil
}
