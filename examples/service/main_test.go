package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sift-intel/sift/feed"
	"github.com/sift-intel/sift/feed/minisign"
	"github.com/sift-intel/sift/match"
)

// TestService publishes two versions of a feed while the refresher runs,
// and checks that the service's answers follow.
func TestService(t *testing.T) {
	pub, priv, err := minisign.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	files := map[string][]byte{}
	publish := func(version uint64, values ...string) {
		var b match.Builder
		for _, v := range values {
			b.Add(match.Indicator{Value: v})
		}
		set, _ := b.Build()
		data, err := feed.Encode(feed.Header{FeedID: "demo", Version: version}, set)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := feed.SignSnapshot(priv, data)
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		files["/demo.sift"], files["/demo.sift.minisig"] = data, sig
		mu.Unlock()
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		data, ok := files[r.URL.Path]
		mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(data)
	}))
	defer srv.Close()

	publish(1, "evil.example")
	engine := new(match.Engine)
	r, err := feed.NewRefresher(feed.Config{Location: srv.URL + "/demo.sift", FeedID: "demo",
		Keys: []*minisign.PublicKey{pub}, Engine: engine, StateDir: t.TempDir(), Interval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.Run(ctx)
	answer := func(q string) string {
		var out bytes.Buffer
		Serve(engine, strings.NewReader(q+"\n"), &out)
		return strings.TrimSpace(out.String())
	}
	waitFor := func(q, want string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for answer(q) != want {
			if time.Now().After(deadline) {
				t.Fatalf("%s: %q, want %q (status %+v)", q, answer(q), want, r.Status())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor("www.evil.example", "www.evil.example\tblock")
	publish(2, "bad.example")
	waitFor("bad.example", "bad.example\tblock")
	waitFor("evil.example", "evil.example\tnone")
	if v := r.Status().Version; v != 2 {
		t.Errorf("version %d", v)
	}
}
