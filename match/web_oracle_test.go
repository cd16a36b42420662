package match_test

import (
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sift-intel/sift/internal/corpus"
	"github.com/sift-intel/sift/internal/oracle"
	"github.com/sift-intel/sift/match"
	"github.com/stretchr/testify/require"
)

// webDifferential builds a Set from inds and checks LookupDomain and
// LookupURL against the oracle for every query; it returns how many
// queries of each kind matched.
func webDifferential(t *testing.T, inds []match.Indicator, hosts, urls []string, now time.Time) (hostHits, urlHits int) {
	t.Helper()
	var b match.Builder
	match.SetClock(&b, func() time.Time { return now })
	var accepted []match.Indicator
	for _, ind := range inds {
		if b.Add(ind) == nil {
			accepted = append(accepted, ind)
		}
	}
	built, err := b.Build()
	require.NoError(t, err)
	data, err := built.AppendBinary(nil)
	require.NoError(t, err)
	opened, err := match.Open(data)
	require.NoError(t, err)
	require.NoError(t, opened.Verify())
	match.SetSetClock(opened, func() time.Time { return now })
	o := oracle.New(accepted)
	got := func(s *match.Set, v match.Verdict) oracle.Result {
		r := oracle.Result{Action: v.Action, Kind: v.Kind, Severity: v.Severity, Confidence: v.Confidence}
		if v.Matched() {
			ind, ok := s.Indicator(v.ID)
			require.True(t, ok)
			r.Value = ind.Value
		}
		return r
	}
	for _, h := range hosts {
		want := o.LookupDomain(h, now)
		for _, s := range []*match.Set{built, opened} {
			g := got(s, s.LookupDomain(h))
			require.True(t, want.Agrees(g), "host %q: oracle %+v, sift %+v", h, want, g)
		}
		if want.Action != match.ActionNone {
			hostHits++
		}
	}
	for _, u := range urls {
		want := o.LookupURL(u, now)
		for _, s := range []*match.Set{built, opened} {
			g := got(s, s.LookupURL(u))
			require.True(t, want.Agrees(g), "url %q: oracle %+v, sift %+v", u, want, g)
		}
		if want.Action != match.ActionNone {
			urlHits++
		}
	}
	return hostHits, urlHits
}

func TestWebDifferentialRandom(t *testing.T) {
	n := 10000
	if testing.Short() {
		n = 2000
	}
	now := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	words := []string{"evil", "bad", "cdn", "login", "www", "mail", "a", "b", "x1", "pay", "secure", "api"}
	tlds := []string{"example", "test", "co.uk", "com", "org"}
	for seed := range uint64(3) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 7))
			host := func() string {
				labels := make([]string, 1+r.IntN(4))
				for i := range labels {
					labels[i] = words[r.IntN(len(words))]
				}
				return strings.Join(labels, ".") + "." + tlds[r.IntN(len(tlds))]
			}
			path := func() string {
				p := "/"
				for range r.IntN(4) {
					p += words[r.IntN(len(words))] + "/"
				}
				if r.IntN(2) == 0 {
					p += "file.php"
				}
				if r.IntN(4) == 0 {
					p += "?id=" + fmt.Sprint(r.IntN(3))
				}
				return p
			}
			var inds []match.Indicator
			for range n {
				var ind match.Indicator
				switch r.IntN(5) {
				case 0, 1:
					ind.Value = host()
				case 2:
					ind.Value = "*." + host()
				case 3:
					ind.Value = "http://" + host() + path()
				default:
					ind.Value = fmt.Sprintf("10.%d.%d.%d", r.IntN(4), r.IntN(256), r.IntN(256))
					if r.IntN(3) == 0 {
						ind.Value = fmt.Sprintf("10.%d.0.0/16", r.IntN(4))
					}
				}
				ind.Action = randomAction(r)
				ind.Meta = randomMeta(r, now)
				inds = append(inds, ind)
			}
			var hosts, urls []string
			for range 2 * n {
				hosts = append(hosts, host())
				scheme := []string{"http://", "https://", "", "HTTP://"}[r.IntN(4)]
				u := scheme + strings.ToUpper(host()[:1]) + host() + path()
				if r.IntN(10) == 0 {
					u = fmt.Sprintf("http://10.%d.%d.%d/x", r.IntN(4), r.IntN(256), r.IntN(256))
				}
				urls = append(urls, u)
			}
			hh, uh := webDifferential(t, inds, hosts, urls, now)
			t.Logf("%d indicators; %d of %d hosts and %d of %d URLs matched", len(inds), hh, len(hosts), uh, len(urls))
		})
	}
}

// TestWebDifferentialReal checks the real domain and URL lists against
// the benign top sites and real URLs, and reports how many benign ones
// match: the lists overlap, and that is measured, not hidden.
func TestWebDifferentialReal(t *testing.T) {
	now := time.Now()
	var inds []match.Indicator
	var own []string
	for _, f := range corpus.Files(t, "domains") {
		if !strings.HasSuffix(f, ".txt") || strings.Contains(f, "hosts") {
			continue // hosts, RPZ and dnsmasq files are other formats
		}
		for _, v := range corpus.Values(t, f) {
			if k := match.KindOf(v); k == match.KindDomain || k == match.KindURL {
				inds = append(inds, match.Indicator{Value: v, Meta: match.Meta{Source: filepath.Base(f)}})
				own = append(own, v)
			}
		}
	}
	if p, full := corpus.Path(t, "urls/phishtank/online-valid.csv"); full {
		f, err := os.Open(p)
		require.NoError(t, err)
		rows, err := csv.NewReader(f).ReadAll()
		f.Close()
		require.NoError(t, err)
		for _, row := range rows[1:] {
			inds = append(inds, match.Indicator{Kind: match.KindURL, Value: row[1], Meta: match.Meta{Source: "phishtank"}})
			own = append(own, row[1])
		}
	}
	require.NotEmpty(t, inds)
	top, _ := corpus.Path(t, "benign/domains/umbrella-top-100k.txt")
	benignHosts := corpus.Values(t, top)
	benignURLs := corpus.Lines(t, corpus.Files(t, "benign/urls")...)
	var ownHosts []string
	for _, v := range own {
		ownHosts = append(ownHosts, "www."+strings.SplitN(strings.TrimPrefix(strings.TrimPrefix(v, "http://"), "https://"), "/", 2)[0])
	}
	if len(own) > 50_000 { // every indicator is in the Set; a sample of them is queried
		r := rand.New(rand.NewPCG(1, 1))
		r.Shuffle(len(own), func(i, j int) { own[i], own[j] = own[j], own[i]; ownHosts[i], ownHosts[j] = ownHosts[j], ownHosts[i] })
		own, ownHosts = own[:50_000], ownHosts[:50_000]
	}
	hh, uh := webDifferential(t, inds, ownHosts, own, now)
	t.Logf("malicious: %d indicators; %d of %d own hosts and %d of %d own URLs match", len(inds), hh, len(ownHosts), uh, len(own))
	hh, uh = webDifferential(t, inds, benignHosts, benignURLs, now)
	t.Logf("benign: %d of %d top-site hosts and %d of %d real URLs match a malicious indicator", hh, len(benignHosts), uh, len(benignURLs))
}
