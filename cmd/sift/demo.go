package main

import (
	"bytes"
	"embed"
	"fmt"
	"sync"

	"github.com/sift-intel/sift/feed"
	"github.com/sift-intel/sift/match"
)

// The demo feed: real public lists, copied with their provenance into
// demo/ (see demo/PROVENANCE.md), built into a Set on first use.
//
//go:embed demo/*.txt demo/*.yar
var demoFiles embed.FS

var demoSources = []struct {
	file string
	src  feed.Source
}{
	{"eset-md5.txt", demoSource("eset", "malware", match.ActionBlock, match.SeverityHigh)},
	{"eset-sha1.txt", demoSource("eset", "malware", match.ActionBlock, match.SeverityHigh)},
	{"eset-sha256.txt", demoSource("eset", "malware", match.ActionBlock, match.SeverityHigh)},
	{"blocklist-de.txt", demoSource("blocklist.de", "attacker", match.ActionBlock, match.SeverityMedium)},
	{"maltrail-mass-scanner.txt", demoSource("maltrail", "scanner", match.ActionMonitor, match.SeverityLow)},
	{"urlhaus-domains.txt", demoSource("urlhaus", "malware-distribution", match.ActionBlock, match.SeverityHigh)},
	{"phishtank-urls.txt", demoSource("phishtank", "phishing", match.ActionBlock, match.SeverityHigh)},
	{"maltrail-cobalt.txt", demoSource("maltrail", "cobalt", match.ActionBlock, match.SeverityHigh)},
	{"maltrail-qakbot.txt", demoSource("maltrail", "qakbot", match.ActionBlock, match.SeverityHigh)},
	{"maltrail-lummac2.txt", demoSource("maltrail", "lummac2", match.ActionBlock, match.SeverityHigh)},
	{"ua.txt", demoSource("maltrail", "suspicious-user-agent", match.ActionMonitor, match.SeverityLow)},
	{"signature-base-cobaltstrike.yar", demoSource("signature-base", "cobaltstrike", match.ActionBlock, match.SeverityHigh)},
}

func demoSource(source, category string, action match.Action, sev match.Severity) feed.Source {
	return feed.Source{Action: action, Meta: match.Meta{Source: source, Category: category, Severity: sev}}
}

var demoSet = sync.OnceValues(func() (*match.Set, error) {
	var b match.Builder
	for _, d := range demoSources {
		data, err := demoFiles.ReadFile("demo/" + d.file)
		if err != nil {
			return nil, err
		}
		src := d.src
		src.Name = "demo/" + d.file
		src.Format = feed.Detect(data[:min(len(data), feed.DetectSize)], d.file)
		if _, err := feed.Load(&b, bytes.NewReader(data), src); err != nil {
			return nil, fmt.Errorf("demo feed: %w", err)
		}
	}
	return b.Build()
})
