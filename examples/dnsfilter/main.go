// Dnsfilter is a DNS server that answers NXDOMAIN for names a threat feed
// lists and forwards the others to an upstream resolver.
//
//	go run ./dnsfilter -feed feed.sift -addr 127.0.0.1:5353 -upstream 9.9.9.9:53
package main

import (
	"flag"
	"log"
	"strings"

	"github.com/miekg/dns"
	"github.com/sift-intel/sift/feed"
	"github.com/sift-intel/sift/match"
)

// Filter is a dns.Handler: a query for a listed domain (or a subdomain of
// one) is answered NXDOMAIN; others go to Upstream. DNS names may arrive in
// any case (DNS 0x20); sift canonicalises them itself, and the answer keeps
// the question as asked.
type Filter struct {
	Engine   *match.Engine
	Upstream string // host:port
	Client   *dns.Client
}

func (f *Filter) ServeDNS(w dns.ResponseWriter, q *dns.Msg) {
	if len(q.Question) == 1 {
		name := strings.TrimSuffix(q.Question[0].Name, ".")
		if v := f.Engine.Set().LookupDomain(name); v.Action == match.ActionBlock {
			m := new(dns.Msg)
			m.SetRcode(q, dns.RcodeNameError)
			w.WriteMsg(m)
			return
		}
	}
	resp, _, err := f.Client.Exchange(q, f.Upstream)
	if err != nil {
		m := new(dns.Msg)
		m.SetRcode(q, dns.RcodeServerFailure)
		w.WriteMsg(m)
		return
	}
	w.WriteMsg(resp)
}

func main() {
	feedPath := flag.String("feed", "", "a snapshot file")
	addr := flag.String("addr", "127.0.0.1:5353", "listen address (UDP)")
	upstream := flag.String("upstream", "9.9.9.9:53", "resolver for names that are not blocked")
	flag.Parse()
	if *feedPath == "" {
		log.Fatal("dnsfilter: -feed is required")
	}
	s, err := feed.OpenFile(*feedPath, 0)
	if err != nil {
		log.Fatal(err)
	}
	f := &Filter{Engine: match.NewEngine(s.Set), Upstream: *upstream, Client: &dns.Client{}}
	log.Printf("dnsfilter: %d indicators, listening on %s/udp", s.Set.Len(), *addr)
	log.Fatal((&dns.Server{Addr: *addr, Net: "udp", Handler: f}).ListenAndServe())
}
