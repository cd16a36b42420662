package feed

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sift-intel/sift/feed/minisign"
	"github.com/sift-intel/sift/internal/layout"
	"github.com/sift-intel/sift/match"
)

// Config configures a Refresher. The zero value of each field is
// documented; Location, FeedID, Keys and Engine are required.
type Config struct {
	// Location is where the feed is published: an http or https URL, or a
	// file path. The snapshot's signature is at Location + ".minisig"; a
	// delta to the published version, if the publisher offers one, at
	// Location + ".delta" and its signature at Location + ".delta.minisig".
	Location string
	// FeedID is the feed accepted; another feed's snapshot is refused.
	FeedID string
	// Keys are the pinned public keys; a snapshot signed by any of them is
	// accepted (several keys let a publisher rotate).
	Keys []*minisign.PublicKey
	// Engine receives each verified Set.
	Engine *match.Engine
	// StateDir keeps the last good snapshot and its proof across restarts.
	// Empty: nothing is kept.
	StateDir string
	// Interval is the time between checks. Zero: 5 minutes.
	Interval time.Duration
	// Timeout bounds each attempt, download included. Zero: 2 minutes.
	Timeout time.Duration
	// MaxSize bounds a snapshot. Zero: 1 GiB.
	MaxSize int64
	// ClockSkew is tolerated on the issued and expires times. Zero: 10
	// minutes.
	ClockSkew time.Duration
	// MaxBackoff caps the wait after failures, which doubles from
	// Interval/8 with jitter. Zero: 1 hour.
	MaxBackoff time.Duration
	// Client fetches URLs. Nil: a client without a timeout of its own
	// (Timeout applies).
	Client *http.Client

	now  func() time.Time        // nil: time.Now
	hook func(step string) error // test seam: called between the steps of persisting
}

func (c *Config) setDefaults() {
	if c.Interval <= 0 {
		c.Interval = 5 * time.Minute
	}
	if c.Timeout <= 0 {
		c.Timeout = 2 * time.Minute
	}
	if c.MaxSize <= 0 {
		c.MaxSize = 1 << 30
	}
	if c.ClockSkew <= 0 {
		c.ClockSkew = 10 * time.Minute
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = time.Hour
	}
	if c.Client == nil {
		c.Client = &http.Client{}
	}
	if c.now == nil {
		c.now = time.Now
	}
}

// Status says how a Refresher's feed stands.
type Status struct {
	FeedID      string
	Version     uint64    // of the Set in the Engine; 0 before the first
	Issued      time.Time // of that snapshot
	Expires     time.Time // of that snapshot; zero: never
	LoadedAt    time.Time // when it was swapped in
	LastAttempt time.Time
	LastSuccess time.Time // the last check that ended well, updated or not
	LastError   error     // of the last attempt; nil after a success
	Failures    int       // attempts that failed in a row
	Attempts    uint64    // attempts in all
	Errors      uint64    // failed attempts in all
	Updates     uint64    // new versions installed, from the network or the kept state
	NextAttempt time.Time
	// Stale is true once the snapshot's expiry has passed (with the
	// clock-skew tolerance): the host chooses to fail open or closed.
	Stale bool
}

// Age is how long ago the current snapshot was issued.
func (s Status) Age(now time.Time) time.Duration {
	if s.Issued.IsZero() {
		return 0
	}
	return now.Sub(s.Issued)
}

// Refresher keeps an Engine's Set current: it fetches the published
// snapshot, checks its signature against pinned keys, its feed, its version
// (only rising versions are accepted), its issued and expires times and its
// size, opens and verifies it, swaps it into the Engine, and keeps it on
// disk. On any failure the last good Set keeps answering, the error is
// reported in Status, and the next attempt waits with capped exponential
// backoff and jitter. Nothing unverified is ever written over the last good
// state on disk.
//
// A Refresher's methods are safe for concurrent use; Run should be called
// once.
type Refresher struct {
	cfg Config

	mu      sync.Mutex
	status  Status
	cur     []byte // bytes of the current snapshot
	etag    string // of the last snapshot fetched over HTTP
	lastMod string
	rnd     *rand.Rand
}

// NewRefresher returns a Refresher for cfg. When cfg.StateDir holds a
// snapshot kept by an earlier run, it is verified again (signature, or the
// signed delta that produced it) and swapped into the Engine, so that a
// restart answers from the last good state before the first fetch; one that
// does not verify is ignored, and reported in Status.
func NewRefresher(cfg Config) (*Refresher, error) {
	if cfg.Location == "" || cfg.Engine == nil || len(cfg.Keys) == 0 {
		return nil, errors.New("feed: a Refresher needs Location, Engine and Keys")
	}
	if !feedIDPattern.MatchString(cfg.FeedID) {
		return nil, fmt.Errorf("feed: feed id %q: want [a-z0-9][a-z0-9._-]{0,63}", cfg.FeedID)
	}
	cfg.setDefaults()
	r := &Refresher{cfg: cfg, rnd: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0))}
	r.status.FeedID = cfg.FeedID
	if cfg.StateDir != "" {
		if err := os.MkdirAll(cfg.StateDir, 0o755); err != nil {
			return nil, err
		}
		if err := r.loadState(); err != nil && !errors.Is(err, os.ErrNotExist) {
			r.status.LastError = err
		}
	}
	return r, nil
}

// Status returns the current status.
func (r *Refresher) Status() Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.status
	s.Stale = !s.Expires.IsZero() && !r.cfg.now().Before(s.Expires.Add(r.cfg.ClockSkew))
	return s
}

// Run checks the feed now and then every Interval, backing off after
// failures, until ctx is done; it returns ctx's error.
func (r *Refresher) Run(ctx context.Context) error {
	for {
		err := r.Refresh(ctx)
		r.mu.Lock()
		wait := r.cfg.Interval
		if err != nil {
			// Capped exponential backoff with full jitter over the
			// upper half: Interval/8, /4, /2, ... up to MaxBackoff.
			d := r.cfg.Interval / 8
			for i := 1; i < r.status.Failures && d < r.cfg.MaxBackoff; i++ {
				d *= 2
			}
			d = min(d, r.cfg.MaxBackoff)
			wait = d/2 + time.Duration(r.rnd.Int64N(int64(d/2)+1))
		}
		r.status.NextAttempt = r.cfg.now().Add(wait)
		r.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Refresh checks the feed once: it fetches and installs a newer snapshot
// if one is published, and does nothing if the published one is the
// current one. On failure the current Set stays in the Engine.
func (r *Refresher) Refresh(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	err := r.refresh(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status.LastAttempt = r.cfg.now()
	r.status.LastError = err
	r.status.Attempts++
	if err != nil {
		r.status.Failures++
		r.status.Errors++
	} else {
		r.status.Failures = 0
		r.status.LastSuccess = r.status.LastAttempt
	}
	return err
}

func (r *Refresher) refresh(ctx context.Context) error {
	r.mu.Lock()
	cur, curVersion := r.cur, r.status.Version
	r.mu.Unlock()

	// A delta first, when the current version is its base: it is small.
	if cur != nil {
		if next, proof, err := r.tryDelta(ctx, cur, curVersion); err == nil && next != nil {
			return r.install(next, proof)
		}
		// Any failure of the delta path falls back to the full snapshot.
	}
	data, notModified, err := r.fetch(ctx, r.cfg.Location, r.cfg.MaxSize, true)
	if err != nil || notModified {
		return err
	}
	sig, _, err := r.fetch(ctx, r.cfg.Location+".minisig", maxSigSize, false)
	if err != nil {
		return err
	}
	h, err := VerifySnapshot(r.cfg.Keys, data, sig)
	if err != nil {
		return err
	}
	if err := r.policy(h, curVersion); err != nil {
		if errors.Is(err, errCurrent) {
			return nil
		}
		return err
	}
	return r.install(data, proof{kind: "minisig", sig: sig})
}

const maxSigSize = 16 << 10

// errCurrent marks a published snapshot that is the current one.
var errCurrent = errors.New("current version")

// policy checks what the signature made trustworthy: the feed, a rising
// version, the issued and expires times.
func (r *Refresher) policy(h Header, current uint64) error {
	now := r.cfg.now()
	switch {
	case h.FeedID != r.cfg.FeedID:
		return fmt.Errorf("%w: want feed %s, got %s", ErrFeedMismatch, r.cfg.FeedID, h.FeedID)
	case h.Version < current:
		return fmt.Errorf("%w: version %d, the current one is %d", ErrRollback, h.Version, current)
	case h.Version == current:
		return errCurrent
	case h.Issued.After(now.Add(r.cfg.ClockSkew)):
		return fmt.Errorf("%w: issued %s, now is %s", ErrFuture, h.Issued.Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	case !h.Expires.IsZero() && !now.Before(h.Expires.Add(r.cfg.ClockSkew)):
		return fmt.Errorf("%w: expired %s", ErrExpired, h.Expires.Format(time.RFC3339))
	}
	return nil
}

// proof is what authenticates a snapshot on disk: its signature, or the
// signed delta that rebuilt it (whose to_sha256 names it).
type proof struct {
	kind  string // "minisig" or "delta"
	sig   []byte
	delta []byte
}

func (r *Refresher) tryDelta(ctx context.Context, cur []byte, curVersion uint64) ([]byte, proof, error) {
	dsig, _, err := r.fetch(ctx, r.cfg.Location+".delta.minisig", maxSigSize, false)
	if err != nil {
		return nil, proof{}, err
	}
	ddata, _, err := r.fetch(ctx, r.cfg.Location+".delta", r.cfg.MaxSize, false)
	if err != nil {
		return nil, proof{}, err
	}
	d, err := VerifyDelta(r.cfg.Keys, ddata, dsig)
	if err != nil {
		return nil, proof{}, err
	}
	if d.FeedID != r.cfg.FeedID || d.From != curVersion {
		return nil, proof{}, fmt.Errorf("%w: a gap: the delta starts at %d, the current version is %d", ErrDelta, d.From, curVersion)
	}
	next, err := d.Apply(cur)
	if err != nil {
		return nil, proof{}, err
	}
	h, err := ParseHeader(next, int64(len(next)))
	if err != nil {
		return nil, proof{}, err
	}
	if err := r.policy(h, curVersion); err != nil {
		return nil, proof{}, err
	}
	return next, proof{kind: "delta", sig: dsig, delta: ddata}, nil
}

// install opens and verifies a snapshot whose bytes are authenticated,
// keeps it on disk with its proof, and swaps its Set in.
func (r *Refresher) install(data []byte, p proof) error {
	// A private, aligned copy: the Set uses it in place.
	buf := layout.Aligned(len(data), 64)
	copy(buf, data)
	s, err := Open(buf)
	if err != nil {
		return err
	}
	if err := s.Verify(); err != nil {
		return err
	}
	if r.cfg.StateDir != "" {
		if err := r.persist(buf, s.Header, p); err != nil {
			return err
		}
	}
	r.cfg.Engine.Swap(s.Set)
	r.mu.Lock()
	r.cur = buf
	r.status.Version, r.status.Issued, r.status.Expires = s.Version, s.Issued, s.Expires
	r.status.LoadedAt = r.cfg.now()
	r.status.Updates++
	r.mu.Unlock()
	return nil
}

// fetch reads a URL or a file, refusing more than limit bytes. For the
// snapshot itself (conditional true) it sends the validators of the last
// fetch and reports 304 Not Modified.
func (r *Refresher) fetch(ctx context.Context, loc string, limit int64, conditional bool) ([]byte, bool, error) {
	if !strings.HasPrefix(loc, "http://") && !strings.HasPrefix(loc, "https://") {
		f, err := os.Open(loc)
		if err != nil {
			return nil, false, fmt.Errorf("%w: %w", ErrFetch, err)
		}
		defer f.Close()
		return readLimited(f, limit, loc)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, loc, nil)
	if err != nil {
		return nil, false, fmt.Errorf("%w: %w", ErrFetch, err)
	}
	r.mu.Lock()
	if conditional && r.cur != nil {
		if r.etag != "" {
			req.Header.Set("If-None-Match", r.etag)
		}
		if r.lastMod != "" {
			req.Header.Set("If-Modified-Since", r.lastMod)
		}
	}
	r.mu.Unlock()
	resp, err := r.cfg.Client.Do(req)
	if err != nil {
		return nil, false, fmt.Errorf("%w: %w", ErrFetch, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && conditional:
		return nil, true, nil
	case resp.StatusCode != http.StatusOK:
		return nil, false, fmt.Errorf("%w: %s: %s", ErrFetch, loc, resp.Status)
	case resp.ContentLength > limit:
		return nil, false, fmt.Errorf("%w: %s: %d bytes, the limit is %d", ErrTooLarge, loc, resp.ContentLength, limit)
	}
	data, _, err := readLimited(resp.Body, limit, loc)
	if err != nil {
		return nil, false, err
	}
	if resp.ContentLength >= 0 && int64(len(data)) != resp.ContentLength {
		return nil, false, fmt.Errorf("%w: %s: %d of %d bytes", ErrFetch, loc, len(data), resp.ContentLength)
	}
	if conditional {
		r.mu.Lock()
		r.etag, r.lastMod = resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
		r.mu.Unlock()
	}
	return data, false, nil
}

// ErrFetch is wrapped by failures to get a file: I/O errors, HTTP errors,
// truncated bodies, timeouts.
var ErrFetch = errors.New("fetch failed")

func readLimited(rd io.Reader, limit int64, name string) ([]byte, bool, error) {
	data, err := io.ReadAll(io.LimitReader(rd, limit+1))
	if err != nil {
		return nil, false, fmt.Errorf("%w: %s: %w", ErrFetch, name, err)
	}
	if int64(len(data)) > limit {
		return nil, false, fmt.Errorf("%w: %s: more than %d bytes", ErrTooLarge, name, limit)
	}
	return data, false, nil
}

// The state directory holds, per kept version v, "v.sift" and its proof,
// "v.sift.minisig" or "v.sift.delta" with "v.sift.delta.minisig"; and
// "current", naming the version in use. Files are written to temporary
// names, synced and renamed, and "current" is replaced last: a crash at any
// point leaves the old state or the new one, never a mix. Two versions are
// kept, so the previous one remains should the current one fail to verify.
func (r *Refresher) persist(data []byte, h Header, p proof) error {
	dir := r.cfg.StateDir
	base := filepath.Join(dir, strconv.FormatUint(h.Version, 10)+".sift")
	steps := []struct {
		name string
		do   func() error
	}{
		{"snapshot", func() error { return writeAtomic(base, data) }},
		{"proof", func() error {
			if p.kind == "minisig" {
				return writeAtomic(base+".minisig", p.sig)
			}
			if err := writeAtomic(base+".delta", p.delta); err != nil {
				return err
			}
			return writeAtomic(base+".delta.minisig", p.sig)
		}},
		{"current", func() error {
			return writeAtomic(filepath.Join(dir, "current"), []byte(strconv.FormatUint(h.Version, 10)+"\n"))
		}},
		{"cleanup", func() error { r.cleanup(h.Version); return nil }},
	}
	for _, s := range steps {
		if r.cfg.hook != nil {
			if err := r.cfg.hook(s.name); err != nil {
				return err
			}
		}
		if err := s.do(); err != nil {
			return fmt.Errorf("keeping the snapshot: %w", err)
		}
	}
	return nil
}

// cleanup removes kept versions older than the previous one.
func (r *Refresher) cleanup(current uint64) {
	entries, _ := os.ReadDir(r.cfg.StateDir)
	var versions []uint64
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".sift")
		if !ok {
			continue
		}
		if v, err := strconv.ParseUint(name, 10, 64); err == nil && v < current {
			versions = append(versions, v)
		}
	}
	keep := uint64(0)
	for _, v := range versions {
		keep = max(keep, v)
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") && strings.Contains(name, ".tmp") {
			os.Remove(filepath.Join(r.cfg.StateDir, name)) // a crash's leftovers
			continue
		}
		head, _, _ := strings.Cut(name, ".")
		if v, err := strconv.ParseUint(head, 10, 64); err == nil && v < keep {
			os.Remove(filepath.Join(r.cfg.StateDir, name))
		}
	}
}

// loadState installs the kept snapshot named by "current", or else the
// newest other kept version that verifies.
func (r *Refresher) loadState() error {
	dir := r.cfg.StateDir
	cur, err := os.ReadFile(filepath.Join(dir, "current"))
	if err != nil {
		return err
	}
	v, err := strconv.ParseUint(strings.TrimSpace(string(cur)), 10, 64)
	if err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(dir, "current"), ErrSnapshot)
	}
	err = r.loadVersion(v)
	if err == nil {
		return nil
	}
	// The current version does not verify: the previous one may.
	entries, _ := os.ReadDir(dir)
	best := uint64(0)
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".sift"); ok {
			if pv, perr := strconv.ParseUint(name, 10, 64); perr == nil && pv < v && pv > best {
				best = pv
			}
		}
	}
	if best > 0 && r.loadVersion(best) == nil {
		return fmt.Errorf("kept version %d: %w; using version %d", v, err, best)
	}
	return err
}

func (r *Refresher) loadVersion(v uint64) error {
	base := filepath.Join(r.cfg.StateDir, strconv.FormatUint(v, 10)+".sift")
	data, err := os.ReadFile(base)
	if err != nil {
		return err
	}
	if int64(len(data)) > r.cfg.MaxSize {
		return fmt.Errorf("%w: %s", ErrTooLarge, base)
	}
	var h Header
	if sig, err := os.ReadFile(base + ".minisig"); err == nil {
		if h, err = VerifySnapshot(r.cfg.Keys, data, sig); err != nil {
			return err
		}
	} else {
		delta, derr := os.ReadFile(base + ".delta")
		dsig, serr := os.ReadFile(base + ".delta.minisig")
		if derr != nil || serr != nil {
			return fmt.Errorf("%w: %s has no proof", ErrSignature, base)
		}
		d, err := VerifyDelta(r.cfg.Keys, delta, dsig)
		if err != nil {
			return err
		}
		if sha256.Sum256(data) != d.ToSHA {
			return fmt.Errorf("%w: %s is not the snapshot its delta built", ErrSignature, base)
		}
		if h, err = ParseHeader(data, int64(len(data))); err != nil {
			return err
		}
	}
	if h.FeedID != r.cfg.FeedID {
		return fmt.Errorf("%w: kept snapshot is feed %s", ErrFeedMismatch, h.FeedID)
	}
	buf := layout.Aligned(len(data), 64)
	copy(buf, data)
	s, err := Open(buf)
	if err != nil {
		return err
	}
	if err := s.Verify(); err != nil {
		return err
	}
	r.cfg.Engine.Swap(s.Set)
	r.cur = buf
	r.status.Version, r.status.Issued, r.status.Expires = s.Version, s.Issued, s.Expires
	r.status.LoadedAt = r.cfg.now()
	r.status.Updates++
	return nil
}

// writeAtomic writes data to a temporary file beside path, syncs it,
// renames it over path and syncs the directory.
func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
