package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sift-intel/sift/match"
)

// SightingsConfig configures [NewSightings]. At least one sink, Sink or
// URL, is required.
type SightingsConfig struct {
	// Feed and Version identify the Set whose indicator IDs are counted,
	// so that the receiver can read the IDs. They go into every Report.
	Feed    string
	Version uint64
	// Threshold is the least count of an ID in one interval that is
	// reported; lower counts are dropped at the end of the interval. Zero:
	// 10. 1 reports every sighting (and so every single matched lookup):
	// allowed, but it removes the protection the threshold gives.
	Threshold int
	// Interval is the time between reports of Run. Zero: 1 minute.
	Interval time.Duration
	// Sink receives each Report. Nil: none.
	Sink func(context.Context, Report) error
	// URL receives each Report as a JSON POST. Empty: none.
	URL string
	// HTTPClient sends the POSTs. Nil: http.DefaultClient.
	HTTPClient *http.Client

	now func() time.Time // nil: time.Now
}

// Report is what Sightings sends: for one interval, how often each
// indicator (by ID in the Set identified by Feed and Version) decided a
// block or monitor verdict, for the IDs counted at least Threshold times.
// It holds nothing else: no queried value, no address, no host or user
// identity, no per-lookup time.
type Report struct {
	Feed    string         `json:"feed,omitempty"`
	Version uint64         `json:"version,omitempty"`
	From    time.Time      `json:"from"` // start of the interval, UTC, whole seconds
	To      time.Time      `json:"to"`   // end of the interval
	Counts  map[uint32]int `json:"counts"`
}

// SightingsStats counts what Sightings did.
type SightingsStats struct {
	Reports int    // reports handed to the sinks without error
	Errors  int    // flushes that failed in some sink
	Dropped uint64 // sightings dropped for being below the threshold
}

// Sightings counts the indicators that decide verdicts and reports the
// counts as aggregates: opt-in telemetry that tells a feed's publisher
// which indicators are seen, without telling it what was looked up. It is
// off unless constructed: nothing in sift creates one.
//
// Record is cheap (a sharded lock, a map increment) and safe for
// concurrent use; Flush and Run send Reports. What a Report reveals, and
// what it does not, is in the package documentation ("Sightings").
type Sightings struct {
	cfg    SightingsConfig
	shards [sightShards]sightShard

	mu      sync.Mutex // serialises Flush and Rotate; guards from, feed, version, stats
	from    time.Time
	feed    string
	version uint64
	stats   SightingsStats
	dropped atomic.Uint64
}

const sightShards = 32

type sightShard struct {
	mu sync.Mutex
	m  map[uint32]uint64
	_  [48]byte // keep shards on separate cache lines
}

// NewSightings returns Sightings for cfg, counting from now.
func NewSightings(cfg SightingsConfig) (*Sightings, error) {
	switch {
	case cfg.Sink == nil && cfg.URL == "":
		return nil, errors.New("remote: SightingsConfig needs a Sink or a URL")
	case cfg.Threshold < 0:
		return nil, fmt.Errorf("remote: SightingsConfig.Threshold %d is negative", cfg.Threshold)
	case cfg.Interval < 0:
		return nil, fmt.Errorf("remote: SightingsConfig.Interval %v is negative", cfg.Interval)
	}
	if cfg.Threshold == 0 {
		cfg.Threshold = 10
	}
	if cfg.Interval == 0 {
		cfg.Interval = time.Minute
	}
	s := &Sightings{cfg: cfg, feed: cfg.Feed, version: cfg.Version}
	s.from = s.clock()
	for i := range s.shards {
		s.shards[i].m = map[uint32]uint64{}
	}
	return s, nil
}

func (s *Sightings) clock() time.Time {
	if s.cfg.now != nil {
		return s.cfg.now().UTC().Truncate(time.Second)
	}
	return time.Now().UTC().Truncate(time.Second)
}

// Record counts v's indicator if v blocks or monitors. Allow verdicts are
// not counted: allow entries are often a site's own names. The zero
// Verdict and verdicts without an ID are ignored.
func (s *Sightings) Record(v match.Verdict) {
	if (v.Action == match.ActionBlock || v.Action == match.ActionMonitor) && v.ID != 0 {
		s.count(v.ID)
	}
}

// RecordResult counts r's indicator as Record does, if r is confirmed.
// The IDs of a remote Result are those of the server's Set: configure
// Feed and Version with the server's.
func (s *Sightings) RecordResult(r Result) {
	if !r.Unconfirmed && (r.Action == match.ActionBlock || r.Action == match.ActionMonitor) && r.ID != 0 {
		s.count(r.ID)
	}
}

func (s *Sightings) count(id uint32) {
	sh := &s.shards[(id*0x9e3779b1)>>27] // Fibonacci hashing onto 32 shards
	sh.mu.Lock()
	sh.m[id]++
	sh.mu.Unlock()
}

// Flush ends the current interval: it sends a Report of the IDs counted at
// least Threshold times since the last flush to the sinks, and drops the
// others. Nothing is sent when no ID reaches the threshold. Counts are not
// kept after a flush, whether the sinks succeed or not (a failed report is
// not retried): memory stays bounded and every report covers exactly its
// interval.
func (s *Sightings) Flush(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	to := s.clock()
	r := Report{Feed: s.feed, Version: s.version, From: s.from, To: to, Counts: map[uint32]int{}}
	s.from = to
	t := uint64(s.cfg.Threshold)
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		for id, n := range sh.m {
			if n >= t {
				r.Counts[id] = int(n)
			} else {
				s.dropped.Add(n)
			}
		}
		clear(sh.m)
		sh.mu.Unlock()
	}
	if len(r.Counts) == 0 {
		return nil
	}
	err := s.send(ctx, r)
	if err != nil {
		s.stats.Errors++
	} else {
		s.stats.Reports++
	}
	return err
}

func (s *Sightings) send(ctx context.Context, r Report) error {
	var errs []error
	if s.cfg.Sink != nil {
		if err := s.cfg.Sink(ctx, r); err != nil {
			errs = append(errs, fmt.Errorf("remote: sightings sink: %w", err))
		}
	}
	if s.cfg.URL != "" {
		if err := s.post(ctx, r); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// post sends r as JSON. The request carries the body, Content-Type and
// the http.Client's defaults; nothing identifies the host.
func (s *Sightings) post(ctx context.Context, r Report) error {
	body, err := json.Marshal(r)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("remote: sightings: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	c := s.cfg.HTTPClient
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("remote: sightings: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("remote: sightings: %w", &StatusError{Code: resp.StatusCode})
	}
	return nil
}

// Rotate flushes the counts of the current Set and then counts for the Set
// identified by feed and version: call it when a new Set replaces the old
// one, since IDs are meaningful only within one Set. A verdict recorded
// while Rotate runs may be counted under either Set.
func (s *Sightings) Rotate(ctx context.Context, feed string, version uint64) error {
	err := s.Flush(ctx)
	s.mu.Lock()
	s.feed, s.version = feed, version
	s.mu.Unlock()
	return err
}

// Run flushes every Interval until ctx ends, then flushes once more (with
// a fresh context of at most 10 seconds) and returns. Flush errors are
// counted in Stats, not returned: the next interval tries again.
func (s *Sightings) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.Flush(ctx)
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), min(s.cfg.Interval, 10*time.Second))
			s.Flush(fctx)
			cancel()
			return
		}
	}
}

// Stats returns what the Sightings did so far.
func (s *Sightings) Stats() SightingsStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Dropped = s.dropped.Load()
	return st
}
