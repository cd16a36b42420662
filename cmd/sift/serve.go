package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/sift-intel/sift/feed"
	"github.com/sift-intel/sift/match"
)

// serveConfig holds the limits of the verdict service.
type serveConfig struct {
	MaxBatch   int           // queries in one POST /v1/check
	MaxBody    int64         // bytes of a /v1/check body
	MaxScan    int64         // bytes of a /v1/scan payload
	MaxMatches int           // matches returned by one scan
	Timeout    time.Duration // per request
}

var defaultServeConfig = serveConfig{MaxBatch: 1000, MaxBody: 1 << 20, MaxScan: 16 << 20, MaxMatches: 10000, Timeout: 10 * time.Second}

// server is the verdict service: HTTP handlers over an Engine, whose Set a
// Refresher may replace while requests are answered.
type server struct {
	cfg       serveConfig
	engine    *match.Engine
	refresher *feed.Refresher // nil for a fixed feed
	remote    *remoteTier
	reg       *prometheus.Registry

	lookups  *prometheus.CounterVec
	matches  *prometheus.CounterVec
	requests *prometheus.HistogramVec
}

func newServer(cfg serveConfig, e *match.Engine, r *feed.Refresher) *server {
	s := &server{cfg: cfg, engine: e, refresher: r, reg: prometheus.NewRegistry(), remote: newRemoteTier(e, r)}
	s.lookups = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sift_lookups_total", Help: "Values looked up, by kind of query.",
	}, []string{"kind"})
	s.matches = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sift_matches_total", Help: "Lookups and scan matches decided by an indicator, by kind of indicator and action.",
	}, []string{"kind", "action"})
	s.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "sift_http_request_duration_seconds", Help: "Time to answer HTTP requests, by endpoint.",
		Buckets: []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1},
	}, []string{"endpoint"})
	s.reg.MustRegister(s.lookups, s.matches, s.requests,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "sift_indicators", Help: "Indicators in the current set."},
			func() float64 { return float64(s.engine.Set().Len()) }),
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	if r != nil {
		st := func() feed.Status { return r.Status() }
		s.reg.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "sift_feed_version", Help: "Data version of the feed in use."},
				func() float64 { return float64(st().Version) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "sift_feed_age_seconds", Help: "Time since the feed in use was issued."},
				func() float64 { return st().Age(time.Now()).Seconds() }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "sift_feed_stale", Help: "1 when the feed in use has passed its expiry."},
				func() float64 {
					if st().Stale {
						return 1
					}
					return 0
				}),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "sift_refresh_attempts_total", Help: "Attempts to refresh the feed."},
				func() float64 { return float64(st().Attempts) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "sift_refresh_errors_total", Help: "Failed attempts to refresh the feed."},
				func() float64 { return float64(st().Errors) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "sift_refresh_updates_total", Help: "New feed versions installed."},
				func() float64 { return float64(st().Updates) }),
		)
	}
	return s
}

func (s *server) handler() http.Handler {
	mux := http.NewServeMux()
	handle := func(pattern, name string, h http.HandlerFunc) {
		mux.Handle(pattern, http.TimeoutHandler(s.timed(name, h), s.cfg.Timeout, `{"error":"request timed out"}`))
	}
	handle("GET /v1/check", "check", s.checkOne)
	handle("POST /v1/check", "check_batch", s.checkBatch)
	handle("POST /v1/scan", "scan", s.scan)
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}))
	handle("GET /v1/remote/filter", "remote_filter", s.remote.filterFile)
	handle("POST /v1/remote/find", "remote_find", s.remote.find)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path)
	})
	return mux
}

func (s *server) timed(name string, h http.HandlerFunc) http.HandlerFunc {
	obs := s.requests.WithLabelValues(name)
	return func(w http.ResponseWriter, r *http.Request) {
		t := time.Now()
		h(w, r)
		obs.Observe(time.Since(t).Seconds())
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// check answers one value with the object sift check --json prints.
func (s *server) check(set *match.Set, q string) any {
	r := checkValue(set, q)
	if r.Error != "" {
		return struct {
			Input string `json:"input"`
			Error string `json:"error"`
		}{r.Input, r.Error}
	}
	s.lookups.WithLabelValues(r.Kind).Inc()
	if r.Verdict != "none" {
		s.matches.WithLabelValues(r.MatchedKind, r.Verdict).Inc()
	}
	return r
}

func (s *server) checkOne(w http.ResponseWriter, r *http.Request) {
	qs, ok := r.URL.Query()["q"]
	if !ok || len(qs) != 1 {
		writeError(w, http.StatusBadRequest, "give one value as ?q=")
		return
	}
	out := s.check(s.engine.Set(), qs[0])
	status := http.StatusOK
	if _, bad := out.(checkResult); !bad {
		status = http.StatusBadRequest
	}
	writeJSON(w, status, out)
}

func (s *server) checkBatch(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body exceeds %d bytes", s.cfg.MaxBody))
			return
		}
		writeError(w, http.StatusBadRequest, "reading the body: "+err.Error())
		return
	}
	var req struct {
		Queries []string `json:"queries"`
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, `want {"queries": ["…", …]}: `+err.Error())
		return
	}
	if len(req.Queries) > s.cfg.MaxBatch {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("%d queries exceed the limit of %d", len(req.Queries), s.cfg.MaxBatch))
		return
	}
	set := s.engine.Set() // one Set for the whole batch
	results := make([]any, len(req.Queries))
	for i, q := range req.Queries {
		results[i] = s.check(set, q)
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": results})
}

func (s *server) scan(w http.ResponseWriter, r *http.Request) {
	type hit struct {
		Offset   int    `json:"offset"`
		End      int    `json:"end"`
		Pattern  string `json:"pattern"`
		Verdict  string `json:"verdict"`
		Source   string `json:"source"`
		Category string `json:"category,omitempty"`
	}
	set := s.engine.Set()
	sc := set.Scanner()
	hits := []hit{}
	truncated := false
	buf := make([]byte, 64<<10)
	body := http.MaxBytesReader(w, r.Body, s.cfg.MaxScan)
	for {
		n, err := body.Read(buf)
		if n > 0 {
			sc.Write(buf[:n], func(m match.Match) bool {
				if len(hits) == s.cfg.MaxMatches {
					truncated = true
					return false
				}
				ind, _ := set.Indicator(m.ID)
				s.matches.WithLabelValues(m.Kind.String(), m.Action.String()).Inc()
				hits = append(hits, hit{m.Start, m.End, ind.Value, m.Action.String(), ind.Source, ind.Category})
				return true
			})
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the payload exceeds %d bytes", s.cfg.MaxScan))
				return
			}
			writeError(w, http.StatusBadRequest, "reading the payload: "+err.Error())
			return
		}
	}
	s.lookups.WithLabelValues("scan").Inc()
	writeJSON(w, http.StatusOK, map[string]any{"bytes": sc.Offset(), "matches": hits, "truncated": truncated})
}

func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	set := s.engine.Set()
	h := map[string]any{"status": "ok", "indicators": set.Len()}
	status := http.StatusOK
	if s.refresher != nil {
		st := s.refresher.Status()
		h["feed"], h["version"], h["stale"] = st.FeedID, st.Version, st.Stale
		if st.LastError != nil {
			h["last_error"] = st.LastError.Error()
		}
		if st.Version == 0 {
			h["status"], status = "no feed loaded yet", http.StatusServiceUnavailable
		}
	}
	writeJSON(w, status, h)
}

func cmdServe(e *env, args []string) int {
	fs := e.flagSet("serve", "--feed FILE|URL [--pubkey PUB]... [--feed-id ID] [--state DIR] [--addr 127.0.0.1:8080]")
	e.formatFlag(fs)
	var feeds, pubkeys listFlag
	fs.Var(&feeds, "feed", "a snapshot or source `file`, or the URL of a signed snapshot (repeatable for files)")
	fs.Var(&pubkeys, "pubkey", "pinned public key `file` (repeatable); required for a URL")
	feedID := fs.String("feed-id", "", "the feed id a URL must serve (default: the URL's file name)")
	state := fs.String("state", "", "`directory` that keeps the last good snapshot of a URL feed")
	interval := fs.Duration("interval", 5*time.Minute, "time between refreshes of a URL feed")
	addr := fs.String("addr", "127.0.0.1:8080", "listen `address`")
	cfg := defaultServeConfig
	fs.IntVar(&cfg.MaxBatch, "max-batch", cfg.MaxBatch, "queries in one POST /v1/check")
	fs.Int64Var(&cfg.MaxBody, "max-body", cfg.MaxBody, "bytes of a POST /v1/check body")
	fs.Int64Var(&cfg.MaxScan, "max-scan", cfg.MaxScan, "bytes of a POST /v1/scan payload")
	fs.DurationVar(&cfg.Timeout, "timeout", cfg.Timeout, "time to answer one request")
	if _, status, ok := parse(fs, args); !ok {
		return status
	}
	if len(feeds) == 0 {
		fs.Usage()
		return exitError
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(e.stderr, nil))
	engine := new(match.Engine)
	var refresher *feed.Refresher
	if loc := feeds[0]; strings.HasPrefix(loc, "http://") || strings.HasPrefix(loc, "https://") {
		if len(feeds) != 1 || len(pubkeys) == 0 {
			return e.errorf("serve: a feed URL needs --pubkey, and comes alone")
		}
		keys, err := loadPublicKeys(pubkeys)
		if err != nil {
			return e.errorf("%v", err)
		}
		id := *feedID
		if id == "" {
			id = defaultFeedID(path.Base(loc))
		}
		if refresher, err = feed.NewRefresher(feed.Config{Location: loc, FeedID: id, Keys: keys, Engine: engine,
			StateDir: *state, Interval: *interval}); err != nil {
			return e.errorf("%v", err)
		}
		go refresher.Run(ctx)
	} else {
		set, err := e.loadSets(feeds, pubkeys)
		if err != nil {
			return e.errorf("%v", err)
		}
		engine.Swap(set)
	}
	srv := &http.Server{
		Handler:           newServer(cfg, engine, refresher).handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       cfg.Timeout,
		WriteTimeout:      cfg.Timeout + 5*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return e.errorf("%v", err)
	}
	log.Info("serving", "addr", ln.Addr().String(), "indicators", engine.Set().Len())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return e.errorf("%v", err)
	case <-ctx.Done():
	}
	// Graceful shutdown: stop accepting, let requests in flight finish.
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return e.errorf("shutdown: %v", err)
	}
	log.Info("stopped")
	return exitClean
}
