package remote

import (
	"encoding/csv"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sift-intel/sift/internal/corpus"
	"github.com/sift-intel/sift/match"
	"github.com/stretchr/testify/require"
)

// realData is real indicators and queries from the corpus (see
// internal/corpus): malicious domains, URLs, IPs, CIDRs and file hashes,
// a few allow entries from a whitelist, and benign queries with some
// listed ones mixed in.
type realData struct {
	inds                                          []match.Indicator
	domainQueries, urlQueries, addrQueries, hashQ []string
}

// loadReal reads up to maxInd indicators of each kind and up to maxQ
// queries of each kind. It skips tb without the full corpus: the committed
// sample has no domain or URL lists.
func loadReal(tb testing.TB, maxInd, maxQ int) *realData {
	tb.Helper()
	corpus.Full(tb)
	d := &realData{}
	r := rand.New(rand.NewPCG(7, 7))
	var check match.Builder
	add := func(ind match.Indicator) bool {
		if check.Add(ind) != nil {
			return false
		}
		d.inds = append(d.inds, ind)
		return true
	}
	sev := func() match.Severity { return match.Severity(1 + r.IntN(4)) }

	// Domains and URL-shaped values of maltrail, by family (the file name).
	var domains, urls []string
	for _, file := range corpus.Files(tb, "domains/maltrail") {
		src := strings.TrimSuffix(filepath.Base(file), ".txt")
		for _, v := range corpus.Values(tb, file) {
			switch match.KindOf(v) {
			case match.KindDomain:
				if len(domains) < maxInd && add(match.Indicator{Kind: match.KindDomain, Value: v, Meta: match.Meta{Source: "maltrail", Category: src, Severity: sev()}}) {
					domains = append(domains, v)
				}
			case match.KindURL:
				if len(urls) < maxInd/2 && add(match.Indicator{Kind: match.KindURL, Value: v, Meta: match.Meta{Source: "maltrail", Category: src, Severity: sev()}}) {
					urls = append(urls, v)
				}
			}
		}
	}
	// PhishTank URLs: listed, and queried.
	f, err := os.Open(pathOf(corpus.Path(tb, "urls/phishtank/online-valid.csv")))
	require.NoError(tb, err)
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	require.NoError(tb, err)
	var phish []string
	for _, row := range rows[1:] {
		phish = append(phish, row[1])
		if len(urls) < maxInd && add(match.Indicator{Kind: match.KindURL, Value: row[1], Meta: match.Meta{Source: "phishtank", Category: "phishing", Severity: match.SeverityHigh}}) {
			urls = append(urls, row[1])
		}
	}
	// Allow entries: the first whitelist names (overrides of real hosts).
	for i, v := range corpus.Values(tb, pathOf(corpus.Path(tb, "benign/domains/maltrail/whitelist.txt"))) {
		if i == 200 {
			break
		}
		add(match.Indicator{Kind: match.KindDomain, Value: v, Action: match.ActionAllow, Meta: match.Meta{Source: "whitelist"}})
	}
	// Addresses and ranges.
	var addrs []string
	for _, file := range []string{"ips/maltrail/mass_scanner.txt", "ips/blocklist-de/blocklist.de-IP_BL.txt"} {
		for _, v := range corpus.Values(tb, pathOf(corpus.Path(tb, file))) {
			if len(addrs) < maxInd && add(match.Indicator{Kind: match.KindIP, Value: v, Action: match.ActionMonitor, Meta: match.Meta{Source: filepath.Base(file)}}) {
				addrs = append(addrs, v)
			}
		}
	}
	var cidrs []netip.Prefix
	for _, v := range corpus.Values(tb, pathOf(corpus.Path(tb, "ips/maltrail/worst_asns.txt"))) {
		if p, err := netip.ParsePrefix(v); err == nil && len(cidrs) < maxInd/4 &&
			add(match.Indicator{Kind: match.KindCIDR, Value: v, Meta: match.Meta{Source: "worst_asns", Severity: match.SeverityLow}}) {
			cidrs = append(cidrs, p)
		}
	}
	// File hashes.
	var hashes []string
	for _, file := range corpus.Files(tb, "hashes/eset-malware-ioc") {
		for _, v := range corpus.Values(tb, file) {
			if len(hashes) < maxInd && add(match.Indicator{Value: v, Meta: match.Meta{Source: "eset", Category: filepath.Base(filepath.Dir(file))}}) {
				hashes = append(hashes, v)
			}
		}
	}

	// Queries: benign, with listed ones mixed in.
	for _, q := range corpus.Values(tb, pathOf(corpus.Path(tb, "benign/domains/umbrella-top-100k.txt"))) {
		if len(d.domainQueries) == maxQ {
			break
		}
		if r.IntN(20) == 0 { // 5 %: a subdomain of a listed domain
			q = "cdn." + domains[r.IntN(len(domains))]
		}
		d.domainQueries = append(d.domainQueries, q)
	}
	benign := corpus.Lines(tb, pathOf(corpus.Path(tb, "benign/urls/ada-url-kasztp.txt")))
	for len(d.urlQueries) < maxQ && (len(benign) > 0 || len(phish) > 0) {
		if r.IntN(10) == 0 && len(phish) > 0 { // 10 %: listed
			d.urlQueries = append(d.urlQueries, phish[0])
			phish = phish[1:]
		} else if len(benign) > 0 {
			d.urlQueries = append(d.urlQueries, benign[0])
			benign = benign[1:]
		} else {
			break
		}
	}
	for len(d.addrQueries) < maxQ {
		switch r.IntN(4) {
		case 0:
			d.addrQueries = append(d.addrQueries, addrs[r.IntN(len(addrs))])
		case 1:
			p := cidrs[r.IntN(len(cidrs))]
			b := p.Addr().As4()
			b[3] += byte(r.IntN(256))
			d.addrQueries = append(d.addrQueries, netip.AddrFrom4(b).String())
		default:
			d.addrQueries = append(d.addrQueries, netip.AddrFrom4([4]byte{byte(r.IntN(224)), byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256))}).String())
		}
	}
	var benignHashes []string
	for _, file := range corpus.Files(tb, "benign/hashes/debian/md5sums") {
		benignHashes = append(benignHashes, corpus.Values(tb, file)...)
	}
	for len(d.hashQ) < maxQ && len(benignHashes) > 0 {
		if r.IntN(10) == 0 {
			d.hashQ = append(d.hashQ, hashes[r.IntN(len(hashes))])
		} else {
			d.hashQ = append(d.hashQ, benignHashes[r.IntN(len(benignHashes))])
		}
	}
	return d
}

func pathOf(p string, _ bool) string { return p }

func TestDifferentialRealData(t *testing.T) {
	maxInd, maxQ := 40_000, 20_000
	if testing.Short() {
		maxInd, maxQ = 5_000, 3_000
	}
	d := loadReal(t, maxInd, maxQ)
	set := buildSet(t, d.inds...)
	f := newFixture(t, set, nil)
	queries := append(append(append(append([]string(nil), d.domainQueries...), d.urlQueries...), d.addrQueries...), d.hashQ...)
	matched := compare(t, f, queries)
	st := f.client.Stats()
	t.Logf("%d indicators (%d keys, filter %d entries, %d KiB), %d queries × %d lookups: %d local matches; %d requests, %d prefixes sent",
		set.Len(), f.idx.Len(), f.idx.Filter().Len(), f.idx.Filter().SizeBytes()>>10, len(queries), len(lookups), matched, st.Requests, st.Prefixes)
}
