package feed_test

import (
	"fmt"
	"strings"

	"github.com/sift-intel/sift/feed"
	"github.com/sift-intel/sift/match"
)

// Load a hosts file and a STIX bundle into one Set; the verdict carries
// what the STIX indicator said.
func Example() {
	var b match.Builder
	hosts := "# blocklist\n0.0.0.0 evil.example\n127.0.0.1 localhost\n"
	rep, err := feed.Load(&b, strings.NewReader(hosts), feed.Source{Name: "blocklist.hosts", Format: feed.FormatHosts})
	if err != nil {
		panic(err)
	}
	fmt.Println(rep.Added[match.KindDomain], "domain;", rep.Skipped)

	stix := `{"type": "bundle", "id": "bundle--1", "objects": [{"type": "indicator", "id": "indicator--1",
  "spec_version": "2.1", "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z", "confidence": 80,
  "indicator_types": ["malicious-activity"], "pattern": "[url:value = 'http://bad.example/gate.php']"}]}`
	head := []byte(stix)
	src := feed.Source{Name: "report.json", Format: feed.Detect(head, "report.json")}
	if _, err := feed.Load(&b, strings.NewReader(stix), src); err != nil {
		panic(err)
	}
	s, err := b.Build()
	if err != nil {
		panic(err)
	}
	v := s.Lookup("http://bad.example/gate.php?id=1")
	fmt.Println(src.Format, v.Action, v.Confidence, s.Label(v.Source), s.Label(v.Category))
	// Output:
	// 1 domain; map[skipped: hosts-file entries for the local machine (localhost and the like) are not indicators:1]
	// stix block 80 report malicious-activity
}

func ExampleParseFormat() {
	f, err := feed.ParseFormat("ndjson")
	fmt.Println(f, err)
	_, err = feed.ParseFormat("xml")
	fmt.Println(err)
	// Output:
	// json <nil>
	// unknown format "xml": want one of list, set, snapshot, hosts, rpz, dnsmasq, adblock, maltrail, csv, json, stix, misp, warninglist, zeek, suricata, loki, yara
}
