package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sift-intel/sift/match"
)

func TestGuard(t *testing.T) {
	var b match.Builder
	b.Add(match.Indicator{Value: "evil.example", Meta: match.Meta{Source: "urlhaus"}})
	b.Add(match.Indicator{Value: "http://good.example/malware/x.exe"})
	set, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(Guard(match.NewEngine(set), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello")
	})))
	defer srv.Close()
	for _, c := range []struct {
		host, path string
		status     int
	}{
		{"good.example", "/", 200},
		{"good.example", "/malware/x.exe", 403},
		{"www.evil.example", "/", 403},
		{"EVIL.example.", "/anything?q=1", 403},
	} {
		req, _ := http.NewRequest("GET", srv.URL+c.path, nil)
		req.Host = c.host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("%s%s: status %d, want %d (%s)", c.host, c.path, resp.StatusCode, c.status, body)
		}
		if c.status == 403 && !strings.Contains(string(body), "matched") {
			t.Errorf("%s%s: body %s", c.host, c.path, body)
		}
	}
}
