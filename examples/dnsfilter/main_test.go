package main

import (
	"net"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/sift-intel/sift/match"
)

// serve starts a DNS server for h on a loopback port and returns its
// address.
func serve(t *testing.T, h dns.Handler) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, Handler: h, NotifyStartedFunc: func() { close(started) }}
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String()
}

func TestFilter(t *testing.T) {
	// The upstream answers every A query with 192.0.2.1.
	upstream := serve(t, dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		rr, _ := dns.NewRR(q.Question[0].Name + " 60 IN A 192.0.2.1")
		m.Answer = append(m.Answer, rr)
		w.WriteMsg(m)
	}))
	var b match.Builder
	b.Add(match.Indicator{Value: "evil.example"})
	set, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	addr := serve(t, &Filter{Engine: match.NewEngine(set), Upstream: upstream, Client: &dns.Client{Timeout: 2 * time.Second}})
	c := &dns.Client{Timeout: 2 * time.Second}
	for _, tc := range []struct {
		name  string
		rcode int
	}{
		{"evil.example.", dns.RcodeNameError},
		{"cdn.EvIl.example.", dns.RcodeNameError},
		{"example.org.", dns.RcodeSuccess},
	} {
		m := new(dns.Msg)
		m.SetQuestion(tc.name, dns.TypeA)
		r, _, err := c.Exchange(m, addr)
		if err != nil {
			t.Fatal(err)
		}
		if r.Rcode != tc.rcode {
			t.Errorf("%s: rcode %s, want %s", tc.name, dns.RcodeToString[r.Rcode], dns.RcodeToString[tc.rcode])
		}
		if r.Question[0].Name != tc.name {
			t.Errorf("%s: the question came back as %s", tc.name, r.Question[0].Name)
		}
		if tc.rcode == dns.RcodeSuccess && len(r.Answer) != 1 {
			t.Errorf("%s: %d answers from upstream", tc.name, len(r.Answer))
		}
	}
}
