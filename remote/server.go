package remote

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync/atomic"
	"time"
)

// ServerConfig configures a [Server]. The zero ServerConfig is usable.
type ServerConfig struct {
	// PositiveTTL is how long a client may cache a full hash's answer.
	// Zero: 5 minutes; negative: 0 (no caching). A response's positive
	// TTL is shortened to the earliest expiry of its deciding indicators.
	PositiveTTL time.Duration
	// NegativeTTL is how long a client may take a prefix's answer as
	// complete: no other full hash has it. Zero: 5 minutes; negative: 0.
	NegativeTTL time.Duration
	// MaxPrefixes bounds the prefixes of one request. Zero: 1024.
	MaxPrefixes int
	// MaxRequestBytes bounds a request body. Zero: 64 KiB.
	MaxRequestBytes int64

	now func() time.Time // nil: time.Now
}

// Server is the HTTP endpoint of the remote tier: it answers a POST of
// hash prefixes with every full hash of its Index that has one of them
// (see wire.go for the protocol). Mount it wherever the service lives, as
// in "sift serve":
//
//	srv := remote.NewServer(idx, remote.ServerConfig{})
//	mux.Handle("POST /v1/remote/find", srv)
//
// It keeps nothing of a request: prefixes are not logged, stored or
// counted, and error messages never quote them. Responses are marked
// "Cache-Control: no-store". Its methods are safe for concurrent use;
// Swap replaces the Index while requests go on.
type Server struct {
	cfg ServerConfig
	idx atomic.Pointer[Index]
}

// NewServer returns a Server answering from idx (which may be nil: the
// Server then answers 503 until Swap gives it one).
func NewServer(idx *Index, cfg ServerConfig) *Server {
	if cfg.PositiveTTL == 0 {
		cfg.PositiveTTL = 5 * time.Minute
	}
	if cfg.NegativeTTL == 0 {
		cfg.NegativeTTL = 5 * time.Minute
	}
	cfg.PositiveTTL, cfg.NegativeTTL = max(cfg.PositiveTTL, 0), max(cfg.NegativeTTL, 0)
	if cfg.MaxPrefixes <= 0 {
		cfg.MaxPrefixes = 1024
	}
	if cfg.MaxRequestBytes <= 0 {
		cfg.MaxRequestBytes = 64 << 10
	}
	s := &Server{cfg: cfg}
	s.idx.Store(idx)
	return s
}

// Handler returns a Server with the default configuration answering from
// idx.
func (idx *Index) Handler() http.Handler { return NewServer(idx, ServerConfig{}) }

// Swap makes idx the Index the Server answers from and returns the one it
// replaces.
func (s *Server) Swap(idx *Index) *Index { return s.idx.Swap(idx) }

// Index returns the Index the Server answers from.
func (s *Server) Index() *Index { return s.idx.Load() }

func (s *Server) now() time.Time {
	if s.cfg.now != nil {
		return s.cfg.now()
	}
	return time.Now()
}

// ServeHTTP answers a request; see [Server].
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	if r.Method != http.MethodPost {
		h.Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, "use POST")
		return
	}
	idx := s.idx.Load()
	if idx == nil {
		writeError(w, http.StatusServiceUnavailable, "no index loaded")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxRequestBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, "request body too large")
			return
		}
		writeError(w, http.StatusBadRequest, "cannot read the request body")
		return
	}
	req, prefixes, err := decodeRequest(body, s.cfg.MaxPrefixes)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if req.Feed != "" && idx.feed != "" && req.Feed != idx.feed {
		writeError(w, http.StatusConflict, "this server answers for feed "+idx.feed)
		return
	}
	now := s.now()
	matches, earliest := idx.find(prefixes, now)
	pos := s.cfg.PositiveTTL
	if earliest != 0 {
		pos = min(pos, max(time.Unix(earliest, 0).Sub(now), 0))
	}
	out, err := encodeResponse(idx.feed, idx.version, matches, pos, s.cfg.NegativeTTL)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "cannot encode the response")
		return
	}
	h.Set("Content-Type", "application/json")
	w.Write(out)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	b, _ := json.Marshal(wireError{Error: msg})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(b)
}
