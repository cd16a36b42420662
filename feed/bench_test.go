package feed_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/sift-intel/sift/feed"
	"github.com/sift-intel/sift/internal/corpus"
	"github.com/sift-intel/sift/match"
)

// benchFiles are the real files each format's benchmark parses: corpus
// globs, and the committed sample folder to use without the corpus.
var benchFiles = []struct {
	format  feed.Format
	globs   []string
	samples string
}{
	{feed.FormatList, []string{"domains/urlhaus-filter/urlhaus-filter-domains.txt", "ips/blocklist-de/*.txt", "hashes/eset-malware-ioc/*/samples.*"}, "list"},
	{feed.FormatHosts, []string{"domains/urlhaus-filter/urlhaus-filter-hosts.txt"}, "hosts"},
	{feed.FormatRPZ, []string{"domains/urlhaus-filter/urlhaus-filter-rpz.conf"}, "rpz"},
	{feed.FormatDnsmasq, []string{"domains/urlhaus-filter/urlhaus-filter-dnsmasq.conf"}, "dnsmasq"},
	{feed.FormatAdblock, []string{"urls/urlhaus-filter/urlhaus-filter.txt"}, "adblock"},
	{feed.FormatMaltrail, []string{"domains/maltrail/*/*.txt", "ips/maltrail/*.txt"}, "maltrail"},
	{feed.FormatCSV, []string{"urls/phishtank/online-valid.csv", "urls/urlhaus-filter/*.csv", "ja3/sslbl/*.csv"}, "csv"},
	{feed.FormatJSON, []string{"ips/feodotracker/*.json", "benign/useragents/*.json"}, "json"},
	{feed.FormatSTIX, []string{"stix/amnesty/pegasus.stix2", "stix/oasis-examples/*.json", "stix/oasis-examples/*/*.json"}, "stix"},
	{feed.FormatMISP, []string{"misp/eset-events/*/*.json", "misp/anssi-feed/*-*.json"}, "misp/event"},
	{feed.FormatWarninglist, []string{"benign/*/misp-warninglists/*/list.json"}, "warninglist"},
	{feed.FormatZeek, []string{"zeek/criticalpath/*.intel"}, "zeek"},
	{feed.FormatSuricata, []string{"suricata/suricata-verify/*/*.lst", "suricata/suricata-verify/*/*/*.rep", "suricata/suricata-verify/*/datasets.csv"}, "suricata"},
	{feed.FormatLOKI, []string{"hashes/signature-base/hash-iocs.txt", "domains/signature-base/c2-iocs.txt", "bytes/signature-base/file-type-signatures.txt"}, "loki"},
	{feed.FormatYARA, []string{"bytes/signature-base/yara/*.yar"}, "yara"},
}

func readAll(b *testing.B, paths []string) [][]byte {
	b.Helper()
	var out [][]byte
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, data)
	}
	return out
}

// BenchmarkParse measures each parser's throughput (MB/s) on real files,
// without a Builder: the full corpus when present, else the committed
// samples.
func BenchmarkParse(b *testing.B) {
	root := corpus.Dir()
	for _, bf := range benchFiles {
		b.Run(string(bf.format), func(b *testing.B) {
			var paths []string
			if root != "" {
				for _, g := range bf.globs {
					m, _ := filepath.Glob(filepath.Join(root, g))
					paths = append(paths, m...)
				}
			} else {
				filepath.WalkDir(filepath.Join("testdata", "samples", bf.samples), func(p string, e fs.DirEntry, err error) error {
					if err == nil && e.Type().IsRegular() && p[len(p)-3:] != ".md" && filepath.Base(p) != "hashes.csv" && filepath.Base(p) != "manifest.json" {
						paths = append(paths, p)
					}
					return nil
				})
			}
			if len(paths) == 0 {
				b.Skip("no input")
			}
			inputs := readAll(b, paths)
			var size int64
			for _, in := range inputs {
				size += int64(len(in))
			}
			b.SetBytes(size)
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				for i, in := range inputs {
					src := feed.Source{Name: paths[i], Format: bf.format}
					for _, err := range feed.Parse(bytes.NewReader(in), src) {
						if err == nil {
							n++
						}
					}
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "indicators/s")
		})
	}
}

// BenchmarkCorpus loads every file of the corpus (the committed samples
// without it) through LoadFile into one Builder, then builds the Set:
// the end-to-end cost of compiling it, in indicators per second.
func BenchmarkCorpus(b *testing.B) {
	root := corpus.Dir()
	if root == "" {
		root = filepath.Join("testdata", "samples")
	}
	var paths []string
	var size int64
	filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err == nil && e.Type().IsRegular() {
			if fi, err := e.Info(); err == nil {
				size += fi.Size()
			}
			paths = append(paths, p)
		}
		return nil
	})
	b.SetBytes(size)
	b.ReportAllocs()
	added := 0
	for b.Loop() {
		var bl match.Builder
		for _, p := range paths {
			rep, _ := feed.LoadFile(&bl, p, feed.Source{})
			if rep != nil {
				added += rep.Total()
			}
		}
		s, err := bl.Build()
		if err != nil {
			b.Fatal(err)
		}
		_ = s
	}
	b.ReportMetric(float64(added)/b.Elapsed().Seconds(), "indicators/s")
	b.ReportMetric(float64(len(paths)), "files")
}
