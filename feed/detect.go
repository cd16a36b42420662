package feed

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/netip"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/sift-intel/sift/match"
)

// formatNames are the names ParseFormat accepts, with their aliases.
var formatNames = []struct {
	f       Format
	aliases []string
}{
	{FormatList, []string{"txt", "plain"}},
	{FormatSet, nil},
	{FormatSnapshot, []string{"sift"}},
	{FormatHosts, nil},
	{FormatRPZ, []string{"zone"}},
	{FormatDnsmasq, nil},
	{FormatAdblock, []string{"abp", "ublock", "ubo"}},
	{FormatMaltrail, nil},
	{FormatCSV, nil},
	{FormatJSON, []string{"jsonl", "ndjson"}},
	{FormatSTIX, []string{"stix2"}},
	{FormatMISP, nil},
	{FormatWarninglist, []string{"misp-warninglist"}},
	{FormatZeek, []string{"intel", "bro"}},
	{FormatSuricata, []string{"dataset", "datarep"}},
	{FormatLOKI, []string{"ioc"}},
	{FormatYARA, []string{"yar"}},
}

// ParseFormat returns the Format a user names, as in a --format flag:
// one of list, set, snapshot, hosts, rpz, dnsmasq, adblock, maltrail, csv,
// json, stix, misp, warninglist, zeek, suricata, loki, yara, or an alias
// (txt, sift, zone, abp, ublock, jsonl, ndjson, stix2, intel, dataset,
// datarep, ioc, yar), in any case. The error lists the names.
func ParseFormat(name string) (Format, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	for _, fn := range formatNames {
		if n == string(fn.f) {
			return fn.f, nil
		}
		for _, a := range fn.aliases {
			if n == a {
				return fn.f, nil
			}
		}
	}
	names := make([]string, len(formatNames))
	for i, fn := range formatNames {
		names[i] = string(fn.f)
	}
	return "", fmt.Errorf("unknown format %q: want one of %s", name, strings.Join(names, ", "))
}

var (
	reSTIXBundle  = regexp.MustCompile(`"type"\s*:\s*"bundle"`)
	reSTIXObject  = regexp.MustCompile(`"type"\s*:\s*"indicator"[\s\S]*"pattern"\s*:|"pattern"\s*:[\s\S]*"type"\s*:\s*"indicator"`)
	reMISPEvent   = regexp.MustCompile(`^[\[\s]*\{\s*"(Event|response)"\s*:`)
	reMISPEvent2  = regexp.MustCompile(`"Event"\s*:\s*\{`)
	reWarninglist = regexp.MustCompile(`"matching_attributes"\s*:`)
	reWLList      = regexp.MustCompile(`"list"\s*:\s*\[`)
	// A warninglist's keys are sorted: "list" comes before
	// "matching_attributes", which a long list pushes out of the head.
	reWLHead     = regexp.MustCompile(`^\{\s*("(description|name|type|version|category)"\s*:\s*("(?:[^"\\]|\\.)*"|[0-9]+)\s*,\s*)*"list"\s*:\s*\[\s*"`)
	reYARARule   = regexp.MustCompile(`(?m)^\s*((private|global)\s+)*rule\s+[A-Za-z_][A-Za-z0-9_]*\s*(:[^{\n]*)?\{?\s*$`)
	reYARAImport = regexp.MustCompile(`(?m)^\s*import\s+"[a-z]+"\s*$`)
)

// Detect returns the format of a source from its first bytes (up to
// DetectSize of them) and, to break ties, its name. Content decides first:
//
//   - JSON: a "type": "bundle" (or an indicator with a pattern) is STIX;
//     {"Event": …}, {"response": …} or a manifest of event UUIDs is MISP;
//     "list" with "matching_attributes" is a MISP warninglist; anything
//     else is JSON (arrays, objects, JSON lines);
//   - "#fields" is Zeek; "rule NAME {" with "strings:" or "condition:" (or
//     import "pe") is YARA; maltrail's copyright header is maltrail;
//     $TTL, $ORIGIN, SOA, "CNAME ." or rpz- actions are RPZ; "[Adblock",
//     "! Title:"-style headers, "||host^" or "##" rules are Adblock;
//   - then by the lines' shape: "0.0.0.0 name" lines are hosts,
//     "address=/" / "server=/" / "local=/" dnsmasq, "value;comment" LOKI
//     (as is a file that names LOKI in its comments), base64 lines a
//     Suricata dataset, a header row with a known value column (or the
//     last comment line before the data, as SSLBL writes it) CSV, a MISP
//     feed's hashes.csv MISP (refused with the reason when loaded);
//   - then the extension: .json .jsonl .ndjson (JSON), .stix .stix2
//     (STIX), .intel (Zeek), .rpz .zone (RPZ), .yar .yara (YARA), .csv
//     (CSV), a file named hosts (hosts);
//   - else a plain list.
func Detect(head []byte, name string) Format {
	if bytes.HasPrefix(head, []byte("siftset\x00")) {
		return FormatSet
	}
	if bytes.HasPrefix(head, []byte(snapshotMagic)) {
		return FormatSnapshot
	}
	h := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\ufeff")), " \t\r\n")
	if len(h) > 0 && (h[0] == '{' || h[0] == '[') {
		return detectJSON(h)
	}
	text := string(h)
	lines := strings.Split(text, "\n")
	if len(head) >= DetectSize && len(lines) > 1 {
		lines = lines[:len(lines)-1] // the last line may be cut
	}
	if len(lines) > 0 && hashesCSVRe.MatchString(strings.TrimSpace(lines[0])) {
		return FormatMISP
	}
	for _, l := range lines {
		if strings.HasPrefix(l, "#fields") {
			return FormatZeek
		}
	}
	if reYARARule.MatchString(text) && (strings.Contains(text, "condition:") || strings.Contains(text, "strings:")) || reYARAImport.MatchString(text) {
		return FormatYARA
	}
	if strings.Contains(text, "Maltrail developers") {
		return FormatMaltrail
	}
	var data []string // lines that are neither blank nor comments
	lastComment, headerComment := "", ""
	rpz, adblock, loki := 0, 0, false
	for _, l := range lines {
		t := strings.TrimSpace(l)
		switch {
		case t == "":
			continue
		case strings.HasPrefix(t, "$TTL") || strings.HasPrefix(t, "$ORIGIN"):
			rpz += 10
			continue
		case strings.HasPrefix(t, "[Adblock") || strings.HasPrefix(t, "[uBlock"):
			adblock += 10
			continue
		case t[0] == '!':
			for _, k := range []string{"! Title:", "! Expires:", "! Homepage:", "! Version:", "! Checksum:", "! Last modified:"} {
				if strings.HasPrefix(t, k) {
					adblock += 10
				}
			}
			continue
		case t[0] == '#' && !isGenericCosmetic(t) || t[0] == ';':
			if strings.Contains(t, "LOKI") {
				loki = true
			}
			if len(data) == 0 {
				lastComment = strings.TrimSpace(strings.TrimLeft(t, "#;"))
			}
			continue
		}
		if len(data) == 0 {
			headerComment = lastComment
		}
		data = append(data, t)
		f := strings.Fields(t)
		switch {
		case strings.HasSuffix(t, "CNAME .") || strings.HasSuffix(t, "CNAME *.") || strings.Contains(t, "CNAME rpz-") || len(f) > 2 && (f[1] == "SOA" || len(f) > 3 && f[2] == "SOA"):
			rpz++
		case strings.HasPrefix(t, "||") || strings.Contains(t, "##") || strings.HasPrefix(t, "@@||"):
			adblock++
		}
	}
	if rpz > 0 && rpz*4 >= len(data) || rpz >= 10 {
		return FormatRPZ
	}
	if adblock > 0 && adblock*4 >= len(data) || adblock >= 10 {
		return FormatAdblock
	}
	if len(data) > 0 {
		hosts, dnsmasq, loki, b64, jsonl := 0, 0, 0, 0, 0
		for _, t := range data {
			f := strings.Fields(t)
			if len(f) >= 2 && !strings.HasPrefix(f[1], "#") {
				if _, err := netip.ParseAddr(f[0]); err == nil && match.KindOf(f[1]) != match.KindUnknown {
					hosts++
				}
			}
			if strings.HasPrefix(t, "address=/") || strings.HasPrefix(t, "server=/") || strings.HasPrefix(t, "local=/") {
				dnsmasq++
			}
			if v, _, ok := strings.Cut(t, ";"); ok {
				if _, isHex := hexBytes(v); isHex || match.KindOf(strings.TrimSpace(v)) != match.KindUnknown {
					loki++
				}
			}
			if isBase64Line(t) {
				b64++
			}
			if t[0] == '{' {
				jsonl++
			}
		}
		n := len(data)
		switch {
		case hosts*2 >= n:
			return FormatHosts
		case dnsmasq*2 >= n:
			return FormatDnsmasq
		case loki*2 >= n:
			return FormatLOKI
		case b64 == n:
			return FormatSuricata
		case jsonl*2 >= n:
			return FormatJSON
		}
		if first := data[0]; strings.ContainsAny(first, ",;\t") {
			if hdr, _ := splitCSV(first, sniffComma(first)); autoColumns(hdr) != nil {
				return FormatCSV
			}
			if headerComment != "" {
				if hdr, _ := splitCSV(headerComment, sniffComma(headerComment)); len(hdr) > 1 && autoColumns(hdr) != nil {
					return FormatCSV
				}
			}
		}
	}
	if loki {
		return FormatLOKI
	}
	return byExtension(name)
}

// isGenericCosmetic reports whether a line starting with '#' is an
// Adblock element-hiding rule for every site ("##.ad", "##[id^=ad]"),
// not a comment or a "#####" banner.
func isGenericCosmetic(t string) bool {
	if !strings.HasPrefix(t, "##") || len(t) < 3 {
		return false
	}
	c := t[2]
	return c == '.' || c == '[' || c == '*' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// isBase64Line reports whether a line is a Suricata string dataset value
// (base64, with an optional ",reputation"): base64 that decodes, and is
// not also a domain, address or digest.
func isBase64Line(t string) bool {
	v, rep, ok := strings.Cut(t, ",")
	if ok && strings.Trim(rep, "0123456789 ") != "" {
		return false
	}
	v = strings.TrimSpace(v)
	if len(v) < 4 || len(v)%4 != 0 || match.KindOf(v) != match.KindUnknown {
		return false
	}
	_, err := base64.StdEncoding.DecodeString(v)
	return err == nil
}

func detectJSON(h []byte) Format {
	switch {
	case reSTIXBundle.Match(h) || reSTIXObject.Match(h):
		return FormatSTIX
	case reMISPEvent.Match(h) || reMISPEvent2.Match(h) || uuidKey.Match(h):
		return FormatMISP
	case reWarninglist.Match(h) && reWLList.Match(h), reWLHead.Match(h):
		return FormatWarninglist
	}
	return FormatJSON
}

func byExtension(name string) Format {
	base := strings.ToLower(filepath.Base(strings.TrimSuffix(name, ".gz")))
	switch filepath.Ext(base) {
	case ".json", ".jsonl", ".ndjson":
		return FormatJSON
	case ".stix", ".stix2":
		return FormatSTIX
	case ".intel":
		return FormatZeek
	case ".rpz", ".zone":
		return FormatRPZ
	case ".yar", ".yara":
		return FormatYARA
	case ".csv":
		return FormatCSV
	}
	if base == "hosts" {
		return FormatHosts
	}
	return FormatList
}
