package main

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/sift-intel/sift/feed"
	"github.com/sift-intel/sift/match"
	"github.com/sift-intel/sift/remote"
)

// remoteTier serves the remote tier of the Engine's current Set: the
// filter that clients download (GET /v1/remote/filter) and the full
// hashes of the prefixes they send (POST /v1/remote/find). The Index is
// built from a Set the first time it is needed, and again after the
// Refresher installs a new Set, so a service that no client asks about
// never pays for it.
type remoteTier struct {
	engine    *match.Engine
	refresher *feed.Refresher // nil for a fixed feed
	srv       *remote.Server

	mu     sync.Mutex
	set    *match.Set // the Set of idx
	idx    *remote.Index
	filter []byte // idx.Filter(), serialised
	err    error
}

func newRemoteTier(e *match.Engine, r *feed.Refresher) *remoteTier {
	return &remoteTier{engine: e, refresher: r, srv: remote.NewServer(nil, remote.ServerConfig{})}
}

// current returns the Index and serialised filter of the Engine's Set,
// building them if the Set changed.
func (t *remoteTier) current() (*remote.Index, []byte, error) {
	set := t.engine.Set()
	t.mu.Lock()
	defer t.mu.Unlock()
	if set == t.set {
		return t.idx, t.filter, t.err
	}
	var cfg remote.IndexConfig
	if t.refresher != nil {
		st := t.refresher.Status()
		cfg.Feed, cfg.Version = st.FeedID, st.Version
	}
	t.set, t.idx, t.filter, t.err = set, nil, nil, nil
	idx, err := remote.NewIndex(set, cfg)
	if err == nil {
		t.filter, err = idx.Filter().AppendBinary(nil)
	}
	if err != nil {
		t.err = fmt.Errorf("building the remote index: %w", err)
		return nil, nil, t.err
	}
	t.idx = idx
	t.srv.Swap(idx)
	return t.idx, t.filter, nil
}

func (t *remoteTier) find(w http.ResponseWriter, r *http.Request) {
	if _, _, err := t.current(); err != nil {
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	t.srv.ServeHTTP(w, r)
}

func (t *remoteTier) filterFile(w http.ResponseWriter, r *http.Request) {
	idx, data, err := t.current()
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	if idx.Feed() != "" {
		w.Header().Set("ETag", strconv.Quote(idx.Feed()+"-"+strconv.FormatUint(idx.Version(), 10)))
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data)) // If-None-Match and ranges
}
