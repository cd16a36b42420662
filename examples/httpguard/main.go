// Httpguard is net/http middleware that refuses requests whose URL or host
// a threat feed lists, in front of any handler.
//
//	go run ./httpguard -feed feed.sift -addr 127.0.0.1:8081 -upstream http://127.0.0.1:8080
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"

	"github.com/sift-intel/sift/feed"
	"github.com/sift-intel/sift/match"
)

// Guard wraps next: a request whose absolute URL (or, for requests without
// one, Host header plus path) matches a block or monitor indicator is
// refused with 403 and a JSON body naming what matched. Lookups read the
// Engine's current Set, so a refresher may swap feeds underneath.
func Guard(e *match.Engine, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := *r.URL
		if u.Host == "" {
			u.Host = r.Host
		}
		if u.Scheme == "" {
			u.Scheme = "http"
			if r.TLS != nil {
				u.Scheme = "https"
			}
		}
		set := e.Set() // one Set for the lookup and its metadata
		v := set.LookupURL(u.String())
		if v.Action == match.ActionBlock {
			ind, _ := set.Indicator(v.ID)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			json.NewEncoder(w).Encode(map[string]string{
				"error":    "blocked by threat intelligence",
				"matched":  ind.Value,
				"source":   ind.Source,
				"category": ind.Category,
			})
			return
		}
		next.ServeHTTP(w, r)
	})
}

func main() {
	feedPath := flag.String("feed", "", "a snapshot file")
	addr := flag.String("addr", "127.0.0.1:8081", "listen address")
	upstream := flag.String("upstream", "", "proxy allowed requests to this URL (default: answer 200)")
	flag.Parse()
	if *feedPath == "" {
		log.Fatal("httpguard: -feed is required")
	}
	s, err := feed.OpenFile(*feedPath, 0)
	if err != nil {
		log.Fatal(err)
	}
	var next http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	if *upstream != "" {
		u, err := url.Parse(*upstream)
		if err != nil {
			log.Fatal(err)
		}
		next = httputil.NewSingleHostReverseProxy(u)
	}
	log.Printf("httpguard: %d indicators from %s, listening on %s", s.Set.Len(), *feedPath, *addr)
	if err := http.ListenAndServe(*addr, Guard(match.NewEngine(s.Set), next)); err != nil {
		log.Print(err)
		os.Exit(1)
	}
}
