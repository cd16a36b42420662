package feed

import (
	"encoding/json"
	"flag"
	"io"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sift-intel/sift/match"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// goldenCases are the committed samples (testdata/samples, see its
// PROVENANCE.md), each with the format Detect must find for it.
var goldenCases = []struct {
	name   string
	path   string
	format Format
	src    Source // Name and Format are filled in
}{
	{name: "list-sha256", path: "list/samples.sha256", format: FormatList},
	{name: "list-md5sums", path: "list/tzdata.md5sums", format: FormatList},
	{name: "hosts", path: "hosts/urlhaus-filter-hosts.txt", format: FormatHosts},
	{name: "rpz", path: "rpz/urlhaus-filter-rpz.conf", format: FormatRPZ},
	{name: "dnsmasq", path: "dnsmasq/urlhaus-filter-dnsmasq.conf", format: FormatDnsmasq},
	{name: "adblock", path: "adblock/urlhaus-filter.txt", format: FormatAdblock},
	{name: "maltrail-akira", path: "maltrail/malware/akira.txt", format: FormatMaltrail},
	{name: "maltrail-calibar", path: "maltrail/malware/android_calibar.txt", format: FormatMaltrail},
	{name: "maltrail-webshells", path: "maltrail/suspicious/web_shells.txt", format: FormatMaltrail},
	{name: "csv-phishtank", path: "csv/online-valid.csv", format: FormatCSV},
	{name: "csv-sslbl-ja3", path: "csv/ja3_fingerprints.csv", format: FormatCSV},
	{name: "csv-urlhaus-splunk", path: "csv/urlhaus-filter-splunk-online.csv", format: FormatCSV},
	{name: "json-feodo", path: "json/ipblocklist_recommended.json", format: FormatJSON},
	{name: "json-suricata-ndjson", path: "json/domains.json", format: FormatJSON},
	{name: "stix-c2-coa", path: "stix/indicators-for-C2-with-COA.json", format: FormatSTIX},
	{name: "stix-email", path: "stix/malicious-email-indicator-with-attachment.json", format: FormatSTIX},
	{name: "stix-poisonivy", path: "stix/poisonivy.json", format: FormatSTIX},
	{name: "misp-feed", path: "misp/feed", format: FormatMISP},
	{name: "misp-event-telebots", path: "misp/event/misp-telebots.json", format: FormatMISP},
	{name: "misp-event-signsight-all", path: "misp/event/signsight-misp-event.json", format: FormatMISP, src: Source{AllAttributes: true}},
	{name: "misp-hashes-csv", path: "misp/feed/hashes.csv", format: FormatMISP},
	{name: "warninglist-cloudflare", path: "warninglist/cloudflare.json", format: FormatWarninglist},
	{name: "warninglist-empty-hashes", path: "warninglist/empty-hashes.json", format: FormatWarninglist},
	{name: "warninglist-url-shortener", path: "warninglist/url-shortener.json", format: FormatWarninglist},
	{name: "zeek-ja3", path: "zeek/abuse-ja3-fingerprints.intel", format: FormatZeek},
	{name: "zeek-nso", path: "zeek/Amnesty_NSO_Domains.intel", format: FormatZeek},
	{name: "zeek-malware", path: "zeek/abuse-ch-malware.intel", format: FormatZeek},
	{name: "suricata-datarep", path: "suricata/dns_string.rep", format: FormatSuricata},
	{name: "suricata-string", path: "suricata/datasets.csv", format: FormatSuricata},
	{name: "suricata-domains", path: "suricata/domains.lst", format: FormatSuricata, src: Source{Kind: match.KindDomain}},
	{name: "loki-hashes", path: "loki/hash-iocs.txt", format: FormatLOKI},
	{name: "loki-c2", path: "loki/c2-iocs.txt", format: FormatLOKI},
	{name: "loki-filetypes", path: "loki/file-type-signatures.txt", format: FormatLOKI},
	{name: "yara-hyperbro", path: "yara/apt_apt27_hyperbro.yar", format: FormatYARA},
}

// goldenIndicator is an indicator as the golden files show it.
type goldenIndicator struct {
	File        string   `json:"file,omitempty"`
	Line        int      `json:"line"`
	Kind        string   `json:"kind"`
	Value       string   `json:"value"`
	Action      string   `json:"action,omitempty"`
	Source      string   `json:"source,omitempty"`
	Category    string   `json:"category,omitempty"`
	Severity    string   `json:"severity,omitempty"`
	Confidence  uint8    `json:"confidence,omitempty"`
	Tags        []string `json:"tags,omitempty"`
	FirstSeen   string   `json:"first_seen,omitempty"`
	LastSeen    string   `json:"last_seen,omitempty"`
	Expires     string   `json:"expires,omitempty"`
	Reference   string   `json:"reference,omitempty"`
	Description string   `json:"description,omitempty"`
}

type goldenFile struct {
	Format     Format            `json:"format"`
	Indicators []goldenIndicator `json:"indicators"`
	Errors     []string          `json:"errors"`
}

func goldenTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func toGolden(it item, name string) goldenIndicator {
	ind := it.ind
	g := goldenIndicator{
		Line: it.line, Kind: ind.Kind.String(), Value: ind.Value, Source: ind.Source, Category: ind.Category,
		Confidence: ind.Confidence, Tags: ind.Tags, FirstSeen: goldenTime(ind.FirstSeen), LastSeen: goldenTime(ind.LastSeen),
		Expires: goldenTime(ind.Expires), Reference: ind.Reference, Description: ind.Description,
	}
	if it.file != "" && it.file != name {
		g.File = filepath.ToSlash(it.file)
	}
	if ind.Action != match.ActionNone {
		g.Action = ind.Action.String()
	}
	if ind.Severity != match.SeverityUnknown {
		g.Severity = ind.Severity.String()
	}
	return g
}

// sampleItems parses a sample with the internal parser, to see the line
// of every indicator.
func sampleItems(t *testing.T, path string, src Source) iter.Seq[item] {
	t.Helper()
	fi, err := os.Stat(path)
	require.NoError(t, err)
	if fi.IsDir() {
		var first error
		return mispFeedItems(path, src, &first)
	}
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return parse(strings.NewReader(string(data)), src)
}

func TestGolden(t *testing.T) {
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join("testdata", "samples", filepath.FromSlash(c.path))
			if fi, err := os.Stat(path); err == nil && !fi.IsDir() {
				f, err := os.Open(path)
				require.NoError(t, err)
				head := make([]byte, DetectSize)
				n, _ := io.ReadFull(f, head)
				f.Close()
				assert.Equal(t, c.format, Detect(head[:n], path), "Detect")
			}
			src := c.src
			src.Name, src.Format = filepath.ToSlash(path), c.format
			got := goldenFile{Format: c.format, Indicators: []goldenIndicator{}, Errors: []string{}}
			for it := range sampleItems(t, path, src) {
				if it.err != nil {
					got.Errors = append(got.Errors, filepath.ToSlash(it.err.Error()))
					continue
				}
				got.Indicators = append(got.Indicators, toGolden(it, src.Name))
			}
			b, err := json.MarshalIndent(got, "", "  ")
			require.NoError(t, err)
			b = append(b, '\n')
			gpath := filepath.Join("testdata", "golden", c.name+".json")
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(gpath), 0o755))
				require.NoError(t, os.WriteFile(gpath, b, 0o644))
				return
			}
			want, err := os.ReadFile(gpath)
			require.NoError(t, err, "run go test -run TestGolden -update to create it")
			assert.JSONEq(t, string(want), string(b))
		})
	}
}
