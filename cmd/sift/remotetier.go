package main

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
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

	state atomic.Pointer[tierState] // read by every request
	build sync.Mutex                // one build at a time
}

// tierState is the remote tier of one Set, or why it could not be built.
type tierState struct {
	set    *match.Set
	idx    *remote.Index
	filter []byte // idx.Filter(), serialised
	err    error
}

func newRemoteTier(e *match.Engine, r *feed.Refresher) *remoteTier {
	return &remoteTier{engine: e, refresher: r, srv: remote.NewServer(nil, remote.ServerConfig{})}
}

// current returns the remote tier of the Engine's Set, building it if
// the Set changed.
func (t *remoteTier) current() *tierState {
	set := t.engine.Set()
	if st := t.state.Load(); st != nil && st.set == set {
		return st
	}
	t.build.Lock()
	defer t.build.Unlock()
	if st := t.state.Load(); st != nil && st.set == set {
		return st // built while we waited
	}
	var cfg remote.IndexConfig
	if t.refresher != nil {
		s := t.refresher.Status()
		cfg.Feed, cfg.Version = s.FeedID, s.Version
	}
	st := &tierState{set: set}
	idx, err := remote.NewIndex(set, cfg)
	if err == nil {
		st.filter, err = idx.Filter().AppendBinary(nil)
	}
	if err != nil {
		st.err = fmt.Errorf("building the remote index: %w", err)
	} else {
		st.idx = idx
		t.srv.Swap(idx)
	}
	t.state.Store(st)
	return st
}

func (t *remoteTier) find(w http.ResponseWriter, r *http.Request) {
	if st := t.current(); st.err != nil {
		writeError(w, http.StatusServiceUnavailable, st.err.Error())
		return
	}
	t.srv.ServeHTTP(w, r)
}

func (t *remoteTier) filterFile(w http.ResponseWriter, r *http.Request) {
	st := t.current()
	if st.err != nil {
		writeError(w, http.StatusServiceUnavailable, st.err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	if st.idx.Feed() != "" {
		w.Header().Set("ETag", strconv.Quote(st.idx.Feed()+"-"+strconv.FormatUint(st.idx.Version(), 10)))
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(st.filter)) // If-None-Match and ranges
}
