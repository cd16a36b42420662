package feed_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sift-intel/sift/feed"
	"github.com/sift-intel/sift/match"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// parseFormat parses text in a format and returns "kind:value" of every
// indicator (with "!allow" appended for allow indicators) and the error
// messages.
func parseFormat(t *testing.T, text string, src feed.Source) (inds []match.Indicator, vals, errs []string) {
	t.Helper()
	if src.Name == "" {
		src.Name = "src"
	}
	for ind, err := range feed.Parse(strings.NewReader(text), src) {
		if err != nil {
			var le *feed.LineError
			if !errors.As(err, &le) {
				t.Fatalf("error without file:line: %v", err)
			}
			require.Equal(t, src.Name, le.File, "%v", err)
			require.Positive(t, le.Line, "%v", err)
			errs = append(errs, err.Error())
			continue
		}
		inds = append(inds, ind)
		v := ind.Kind.String() + ":" + ind.Value
		if ind.Action == match.ActionAllow {
			v += "!allow"
		}
		vals = append(vals, v)
	}
	return inds, vals, errs
}

type formatCase struct {
	name string
	src  feed.Source
	text string
	want []string
	errs []string // substrings, one per error, in order
}

func runFormatCases(t *testing.T, format feed.Format, cases []formatCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := c.src
			src.Format = format
			_, vals, errs := parseFormat(t, c.text, src)
			assert.Equal(t, c.want, vals)
			require.Len(t, errs, len(c.errs), "errors: %q", errs)
			for i, e := range c.errs {
				assert.Contains(t, errs[i], e)
			}
		})
	}
}

func TestHosts(t *testing.T) {
	runFormatCases(t, feed.FormatHosts, []formatCase{
		{name: "sinkholes and names", text: "# c\n0.0.0.0 evil.example\n127.0.0.1 a.example b.example # two\n::1 localhost ip6-localhost\n",
			want: []string{"domain:evil.example", "domain:a.example", "domain:b.example"},
			errs: []string{"src:4: skipped: hosts-file entries", "src:4: skipped: hosts-file entries"}},
		{name: "redirect address still names a bad host", text: "192.0.2.7 phish.example\n", want: []string{"domain:phish.example"}},
		{name: "lone value as a list line", text: "evil.example\n", want: []string{"domain:evil.example"}},
		{name: "junk", text: "evil.example other\n0.0.0.0\n", errs: []string{"src:1: not a hosts-file line", "src:2: an address without a name"}},
	})
}

func TestRPZ(t *testing.T) {
	runFormatCases(t, feed.FormatRPZ, []formatCase{
		{name: "urlhaus style", text: "$TTL 30\n@ IN SOA localhost. root.localhost. 1 86400 3600 604800 30\n NS localhost.\n\nevil.example CNAME .\n*.evil.example CNAME .\n",
			want: []string{"domain:evil.example", "domain:*.evil.example"}},
		{name: "actions", text: "a.example CNAME rpz-passthru.\nb.example 300 IN CNAME rpz-drop.\nc.example IN A 192.0.2.1\nd.example CNAME *.\ne.example CNAME rpz-tcp-only.\n",
			want: []string{"domain:a.example!allow", "domain:b.example", "domain:c.example", "domain:d.example"},
			errs: []string{"src:5: skipped: rpz-tcp-only"}},
		{name: "origin and absolute names", text: "$ORIGIN rpz.local.\nevil.example.rpz.local. CNAME .\nrel.example CNAME .\nrpz.local. NS ns.\n",
			want: []string{"domain:evil.example", "domain:rel.example"}},
		{name: "response ip triggers", text: "32.4.3.2.1.rpz-ip CNAME .\n24.0.2.0.192.rpz-ip CNAME .\n48.zz.db8.2001.rpz-ip CNAME .\n",
			want: []string{"ip:1.2.3.4", "cidr:192.0.2.0/24", "cidr:2001:db8::/48"}},
		{name: "triggers without a kind", text: "ns.example.rpz-nsdname CNAME .\n32.1.0.0.10.rpz-client-ip CNAME .\n32.1.0.0.10.rpz-nsip CNAME .\n",
			errs: []string{"src:1: skipped: name-server", "src:2: skipped: client-IP", "src:3: skipped: name-server"}},
		{name: "multi-line SOA", text: "@ SOA ns. host. (\n 1 ; serial\n 2 )\nevil.example CNAME .\n", want: []string{"domain:evil.example"}},
	})
}

func TestDnsmasq(t *testing.T) {
	runFormatCases(t, feed.FormatDnsmasq, []formatCase{
		{name: "address and local", text: "address=/evil.example/0.0.0.0\naddress=/a.example/b.example/#\nlocal=/c.example/\nserver=/d.example/\n",
			want: []string{"domain:evil.example", "domain:a.example", "domain:b.example", "domain:c.example", "domain:d.example"}},
		{name: "forwarding is skipped", text: "server=/corp.example/192.0.2.53\nserver=/x.example/#\ncache-size=1000\naddress=/#/0.0.0.0\n",
			errs: []string{"src:1: skipped: dnsmasq server lines with an upstream", "src:2: skipped: dnsmasq server", "src:3: skipped: dnsmasq option cache-size", "src:4: skipped: dnsmasq /#/"}},
	})
}

func TestAdblock(t *testing.T) {
	runFormatCases(t, feed.FormatAdblock, []formatCase{
		{name: "network rules", text: "[Adblock Plus 2.0]\n! Title: x\n||evil.example^\n||evil.example/path/x.exe^$all\n|http://bad.example/a|\nplain.example\n||192.0.2.1^$third-party,important\n",
			want: []string{"domain:evil.example", "url:evil.example/path/x.exe", "url:http://bad.example/a", "domain:plain.example", "ip:192.0.2.1"}},
		{name: "hosts-file lines", text: "0.0.0.0 evil.example\n127.0.0.1 localhost\n", want: []string{"domain:evil.example"}, errs: []string{"src:2: skipped: hosts-file entries"}},
		{name: "skipped with reasons", text: "@@||good.example^\nexample.com##.ad\n/ads[0-9]+/\n||ads.example^$domain=news.example\n||*.example/x^\n",
			errs: []string{"src:1: skipped: exception rules", "src:2: skipped: cosmetic", "src:3: skipped: regular-expression", "src:4: skipped: adblock option domain", "src:5: skipped: wildcard"}},
	})
}

func TestMaltrail(t *testing.T) {
	text := "# Copyright (c) 2014-2026 Maltrail developers\n\n# Reference: https://one.example/a\n# Reference: https://two.example/b\n\nevil.example\nhttp://192.0.2.1/gate.php\n192.0.2.2:8080\n/panel/login.php\n\\b(abc|def)[0-9]+\\.xyz\n\n# Reference: https://three.example/c\n\n198.51.100.0/24,linode\n203.0.113.9 # scanner\n"
	src := feed.Source{Name: "trails/static/malware/evilbot.txt", Format: feed.FormatMaltrail}
	inds, vals, errs := parseFormat(t, text, src)
	assert.Equal(t, []string{"domain:evil.example", "url:http://192.0.2.1/gate.php", "cidr:198.51.100.0/24", "ip:203.0.113.9"}, vals)
	require.Len(t, errs, 3)
	assert.Contains(t, errs[0], "evilbot.txt:8: skipped: ip:port")
	assert.Contains(t, errs[1], "evilbot.txt:9: skipped: URL paths without a host")
	assert.Contains(t, errs[2], "evilbot.txt:10: skipped: regular-expression trails")
	for _, ind := range inds {
		assert.Equal(t, "evilbot", ind.Category)
		assert.Equal(t, []string{"malware"}, ind.Tags)
	}
	assert.Equal(t, "https://one.example/a", inds[0].Reference, "the first reference of a group")
	assert.Equal(t, "https://three.example/c", inds[2].Reference, "a later group replaces it")
	assert.Equal(t, "linode", inds[2].Description)
	assert.Equal(t, "scanner", inds[3].Description)

	t.Run("user agents", func(t *testing.T) {
		text := "# Copyright (c) 2014-2026 Maltrail developers\n\\(\\) { :;\n2search\n\\A\\w{1,2}\\Z\nMozilla/4\\.0 \\(compatible\\)\nfoo.*bar\n"
		_, vals, errs := parseFormat(t, text, feed.Source{Name: "data/ua.txt", Format: feed.FormatMaltrail})
		assert.Equal(t, []string{"useragent:() { :;", "useragent:2search", "useragent:Mozilla/4.0 (compatible)"}, vals)
		assert.Len(t, errs, 2)
	})
}

func TestCSV(t *testing.T) {
	runFormatCases(t, feed.FormatCSV, []formatCase{
		{name: "urlhaus full csv", text: "# comment\nid,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter\n" +
			`"1","2024-01-02 03:04:05","http://evil.example/x.exe","online","2024-01-03 00:00:00","malware_download","exe,Mozi","https://urlhaus.abuse.ch/url/1/","r"` + "\n",
			want: []string{"url:http://evil.example/x.exe"}},
		{name: "header in the last comment (SSLBL)", text: "#####\n# ja3_md5,Firstseen,Lastseen,Listingreason\nb386946a5a44d1ddcc843bc75336dfce,2017-07-14 18:08:15,2019-07-27 20:42:54,Dridex\n",
			want: []string{"ja3:b386946a5a44d1ddcc843bc75336dfce"}},
		{name: "MalwareBazaar: every hash column", text: `"first_seen_utc","sha256_hash","md5_hash","sha1_hash","signature"` + "\n" +
			`"2024-01-01 00:00:00","e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","d41d8cd98f00b204e9800998ecf8427e","da39a3ee5e6b4b0d3255bfef95601890afd80709","Empty"` + "\n",
			want: []string{"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709", "md5:d41d8cd98f00b204e9800998ecf8427e"}},
		{name: "ThreatFox ip:port", text: "ioc_value,ioc_type,threat_type,malware_printable,confidence_level\n192.0.2.1:443,ip:port,botnet_cc,Cobalt Strike,75\nevil.example,domain,botnet_cc,Cobalt Strike,100\n",
			want: []string{"ip:192.0.2.1", "domain:evil.example"}},
		{name: "host and path", text: `"host","path","message","updated"` + "\n" + `"evil.example","/a/b","m","2025-07-19T12:11:28Z"` + "\n" + `"192.0.2.9","","m",""` + "\n",
			want: []string{"url:evil.example/a/b", "ip:192.0.2.9"}},
		{name: "quoted fields over lines", text: "url,description\n\"http://evil.example/\",\"two\nlines, with comma\"\nhttp://b.example/,x\n",
			want: []string{"url:http://evil.example/", "url:http://b.example/"}},
		{name: "semicolons", text: "domain;category\nevil.example;c2\n", want: []string{"domain:evil.example"}},
		{name: "untyped ip:port is skipped", text: "ioc\n192.0.2.1:80\n\n", errs: []string{"src:2: skipped: ip:port"}},
		{name: "unknown header", text: "a,b,c\n1,2,3\n", errs: []string{"src:1: malformed: CSV header: no known value column"}},
		{name: "manual columns", src: feed.Source{Columns: feed.Columns{Value: "Indicator", Category: "Family"}}, text: "Family,Indicator\nemotet,evil.example\n",
			want: []string{"domain:evil.example"}},
		{name: "positional columns without header", src: feed.Source{Columns: feed.Columns{Value: "2"}}, text: "x,evil.example\ny,192.0.2.1\n",
			want: []string{"domain:evil.example", "ip:192.0.2.1"}},
		{name: "forced kind", src: feed.Source{Kind: match.KindJA3}, text: "md5,reason\nb386946a5a44d1ddcc843bc75336dfce,x\n",
			want: []string{"ja3:b386946a5a44d1ddcc843bc75336dfce"}},
	})

	t.Run("metadata", func(t *testing.T) {
		text := "phish_id,url,phish_detail_url,submission_time,verified,verification_time,online,target\n" +
			"6557011,http://www.accsystemprblemhelp.site/checkpoint.htm,http://www.phishtank.com/phish_detail.php?phish_id=6557011,2020-05-09T21:54:31+00:00,yes,2020-05-09T21:55:38+00:00,yes,Facebook\n"
		inds, _, _ := parseFormat(t, text, feed.Source{Format: feed.FormatCSV})
		require.Len(t, inds, 1)
		assert.Equal(t, "phishing", inds[0].Category)
		assert.Equal(t, []string{"target:Facebook"}, inds[0].Tags)
		assert.Equal(t, "http://www.phishtank.com/phish_detail.php?phish_id=6557011", inds[0].Reference)
		assert.Equal(t, time.Date(2020, 5, 9, 21, 54, 31, 0, time.UTC), inds[0].FirstSeen)
	})
}

func TestJSON(t *testing.T) {
	runFormatCases(t, feed.FormatJSON, []formatCase{
		{name: "json lines", text: "{\"domain\": \".evil.com\"}\n{\"url\": \"http://evil.example/\"}\n\n{\"nothing\": 1}\nnot json\n",
			want: []string{"domain:evil.com", "url:http://evil.example/"}, errs: []string{"src:4: no known value key", "src:5: invalid JSON"}},
		{name: "array of objects", text: "[\n {\"ip_address\": \"192.0.2.1\", \"hostname\": null, \"port\": 443, \"malware\": \"QakBot\"},\n {\"sha256_hash\": \"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"}\n]\n",
			want: []string{"ip:192.0.2.1", "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}},
		{name: "array of strings", text: "[\"evil.example\", \"192.0.2.1\", 5]", want: []string{"domain:evil.example", "ip:192.0.2.1"}, errs: []string{"src:1: a JSON value"}},
		{name: "abuse.ch API answer", text: "{\"query_status\": \"ok\",\n \"data\": [{\"ioc\": \"evil.example\", \"threat_type\": \"botnet_cc\"}]}\n", want: []string{"domain:evil.example"}},
		{name: "user agents", text: "[{\"userAgent\": \"Mozilla/5.0 (X11)\", \"weight\": 0.1}]", want: []string{"useragent:Mozilla/5.0 (X11)"}},
		{name: "manual key", src: feed.Source{Columns: feed.Columns{Value: "IOC", Category: "fam"}}, text: "{\"IOC\": \"evil.example\", \"fam\": \"x\"}\n", want: []string{"domain:evil.example"}},
		{name: "truncated document", text: "[{\"url\": \"http://a.example/\"},\n {\"url\": ", errs: []string{"src:2: malformed: truncated"}},
	})
}

func TestSTIXPatterns(t *testing.T) {
	bundle := func(objs ...string) string {
		return `{"type": "bundle", "id": "bundle--1", "objects": [` + "\n" + strings.Join(objs, ",\n") + "\n]}"
	}
	ind := func(pattern string, extra string) string {
		return `{"type": "indicator", "spec_version": "2.1", "id": "indicator--x", "pattern_type": "stix", "valid_from": "2020-01-01T00:00:00Z", "pattern": ` +
			jsonString(pattern) + extra + `}`
	}
	runFormatCases(t, feed.FormatSTIX, []formatCase{
		{name: "the mapped comparisons", text: bundle(
			ind(`[domain-name:value = 'evil.example']`, ""),
			ind(`[url:value = 'http://evil.example/x']`, ""),
			ind(`[ipv4-addr:value = '198.51.100.0/24']`, ""),
			ind(`[ipv6-addr:value = '2001:db8::1']`, ""),
			ind(`[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']`, ""),
			ind(`[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']`, ""),
			ind(`[file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']`, ""),
			ind(`[email-addr:value = 'bad@evil.example']`, ""),
		), want: []string{"domain:evil.example", "url:http://evil.example/x", "cidr:198.51.100.0/24", "ip:2001:db8::1",
			"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "md5:d41d8cd98f00b204e9800998ecf8427e",
			"sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709", "email:bad@evil.example"}},
		{name: "OR, IN, ISSUBSET and escapes", text: bundle(
			ind(`[domain-name:value = 'a.example' OR ipv4-addr:value = '192.0.2.1'] OR ([domain-name:value='b\'c.example'])`, ""),
			ind(`[domain-name:value IN ('c.example', 'd.example')]`, ""),
			ind(`[ipv4-addr:value ISSUBSET '10.0.0.0/8']`, ""),
		), want: []string{"domain:a.example", "ip:192.0.2.1", "domain:b'c.example", "domain:c.example", "domain:d.example", "cidr:10.0.0.0/8"}},
		{name: "AND inside one file loads its hashes", text: bundle(
			ind(`[file:name = 'x.exe' AND file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']`, ""),
		), want: []string{"md5:d41d8cd98f00b204e9800998ecf8427e"}},
		{name: "what cannot be represented is skipped with the reason", text: bundle(
			ind(`[domain-name:value = 'a.example'] AND [ipv4-addr:value = '192.0.2.1']`, ""),
			ind(`[domain-name:value = 'a.example'] WITHIN 300 SECONDS`, ""),
			ind(`[domain-name:value = 'a.example'] FOLLOWEDBY [url:value = 'http://a.example/']`, ""),
			ind(`[process:name = 'evil.exe']`, ""),
			ind(`[domain-name:value LIKE '%.example']`, ""),
			ind(`[domain-name:value NOT = 'a.example']`, ""),
			ind(`[x509-certificate:issuer = 'CN=x' AND x509-certificate:serial_number = '1']`, ""),
			ind(`[file:hashes.'SHA-512' = 'ab']`, ""),
			ind(`[domain-name:value = 'a.example'`, ""),
		), errs: []string{"src:2: skipped: AND across observations", "src:3: skipped: qualifiers", "src:4: skipped: FOLLOWEDBY across observations",
			"src:5: skipped: object path process:name", "src:6: skipped: operator LIKE", "src:7: skipped: NOT", "src:8: skipped: AND of comparisons",
			"src:9: skipped: file hash SHA512", "src:10: invalid STIX pattern"}},
		{name: "revoked and other pattern types", text: bundle(
			ind(`[domain-name:value = 'a.example']`, `, "revoked": true`),
			`{"type": "indicator", "id": "indicator--y", "pattern_type": "snort", "pattern": "alert tcp any any -> any any (sid:1;)"}`,
		), errs: []string{"src:2: skipped: revoked", "src:3: skipped: pattern_type snort"}},
		{name: "STIX 2.0 without pattern_type", text: `{"type": "bundle", "spec_version": "2.0", "objects": [{"type": "indicator", "id": "indicator--z", "labels": ["malicious-activity"], "pattern": "[url:value = 'http://evil.example/']"}]}`,
			want: []string{"url:http://evil.example/"}},
		{name: "a lone indicator object", text: ind(`[domain-name:value = 'lone.example']`, ""), want: []string{"domain:lone.example"}},
	})
}

func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

func TestSTIXMetadata(t *testing.T) {
	text := `{"type": "bundle", "id": "bundle--1", "objects": [
{"type": "identity", "id": "identity--1", "name": "Example CERT"},
{"type": "malware", "id": "malware--1", "name": "EvilBot", "is_family": true},
{"type": "indicator", "spec_version": "2.1", "id": "indicator--1", "created_by_ref": "identity--1", "name": "EvilBot C2",
 "indicator_types": ["malicious-activity"], "labels": ["c2"], "confidence": 85,
 "valid_from": "2024-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z",
 "external_references": [{"source_name": "blog", "url": "https://blog.example/evilbot"}],
 "pattern_type": "stix", "pattern": "[domain-name:value = 'c2.evil.example']"},
{"type": "relationship", "id": "relationship--1", "relationship_type": "indicates", "source_ref": "indicator--1", "target_ref": "malware--1"}
]}`
	inds, vals, errs := parseFormat(t, text, feed.Source{Format: feed.FormatSTIX})
	require.Empty(t, errs)
	require.Equal(t, []string{"domain:c2.evil.example"}, vals)
	ind := inds[0]
	assert.Equal(t, "Example CERT", ind.Source)
	assert.Equal(t, "EvilBot", ind.Category)
	assert.Equal(t, uint8(85), ind.Confidence)
	assert.Equal(t, []string{"malicious-activity", "c2"}, ind.Tags)
	assert.Equal(t, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), ind.FirstSeen)
	assert.Equal(t, time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), ind.Expires)
	assert.Equal(t, "https://blog.example/evilbot", ind.Reference)
	assert.Equal(t, "EvilBot C2", ind.Description)
}

func TestMISP(t *testing.T) {
	event := `{"Event": {"info": "EvilBot campaign", "date": "2024-02-03", "threat_level_id": "1",
"Orgc": {"name": "Example CERT"},
"Tag": [{"name": "tlp:clear"}, {"name": "misp-galaxy:malpedia=\"EvilBot\""}],
"Attribute": [
 {"type": "domain", "value": "evil.example", "to_ids": true, "category": "Network activity"},
 {"type": "ip-dst|port", "value": "192.0.2.1|8443", "to_ids": true},
 {"type": "domain|ip", "value": "b.example|192.0.2.2", "to_ids": "1"},
 {"type": "filename|sha256", "value": "x.exe|e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "to_ids": true, "comment": "dropper"},
 {"type": "ja3-fingerprint-md5", "value": "b386946a5a44d1ddcc843bc75336dfce", "to_ids": true},
 {"type": "user-agent", "value": "EvilBot/1.0", "to_ids": true},
 {"type": "ip-src", "value": "198.51.100.0/24", "to_ids": true},
 {"type": "url", "value": "http://evil.example/gate", "to_ids": false},
 {"type": "domain", "value": "gone.example", "to_ids": true, "deleted": true},
 {"type": "regkey", "value": "HKLM\\x", "to_ids": true},
 {"type": "link", "value": "https://blog.example/evilbot", "to_ids": false},
 {"type": "email-src", "value": "bad@evil.example", "to_ids": true, "Tag": [{"name": "phishing"}]}
],
"Object": [{"name": "file", "deleted": false, "Attribute": [{"type": "md5", "value": "d41d8cd98f00b204e9800998ecf8427e", "to_ids": true}]}]
}}`
	t.Run("to_ids", func(t *testing.T) {
		inds, vals, errs := parseFormat(t, event, feed.Source{Format: feed.FormatMISP})
		assert.Equal(t, []string{"domain:evil.example", "ip:192.0.2.1", "domain:b.example", "ip:192.0.2.2",
			"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "ja3:b386946a5a44d1ddcc843bc75336dfce",
			"useragent:EvilBot/1.0", "cidr:198.51.100.0/24", "email:bad@evil.example", "md5:d41d8cd98f00b204e9800998ecf8427e"}, vals)
		require.Len(t, errs, 4)
		assert.Contains(t, errs[0], "src:12: skipped: to_ids is not set")
		assert.Contains(t, errs[1], "src:13: skipped: deleted")
		assert.Contains(t, errs[2], "src:14: skipped: MISP attribute type regkey")
		assert.Contains(t, errs[3], "src:15: skipped: MISP attribute type link")
		d := inds[0]
		assert.Equal(t, "Example CERT", d.Source)
		assert.Equal(t, "EvilBot", d.Category, "the malpedia cluster")
		assert.Equal(t, match.SeverityHigh, d.Severity)
		assert.Equal(t, []string{"tlp:clear", `misp-galaxy:malpedia="EvilBot"`}, d.Tags)
		assert.Equal(t, "https://blog.example/evilbot", d.Reference)
		assert.Equal(t, "EvilBot campaign", d.Description)
		assert.Equal(t, time.Date(2024, 2, 3, 0, 0, 0, 0, time.UTC), d.FirstSeen)
		assert.Equal(t, []string{"tlp:clear", `misp-galaxy:malpedia="EvilBot"`, "port:8443"}, inds[1].Tags)
		assert.Equal(t, "EvilBot campaign: dropper", inds[4].Description)
		assert.Equal(t, []string{"tlp:clear", `misp-galaxy:malpedia="EvilBot"`, "phishing"}, inds[8].Tags)
	})
	t.Run("all attributes", func(t *testing.T) {
		_, vals, _ := parseFormat(t, event, feed.Source{Format: feed.FormatMISP, AllAttributes: true})
		assert.Contains(t, vals, "url:http://evil.example/gate")
	})
	t.Run("response wrapper", func(t *testing.T) {
		_, vals, _ := parseFormat(t, `{"response": [{"Event": {"Attribute": [{"type": "hostname", "value": "h.example", "to_ids": true}]}}]}`, feed.Source{Format: feed.FormatMISP})
		assert.Equal(t, []string{"domain:h.example"}, vals)
	})
	t.Run("an event is loaded whole or not at all", func(t *testing.T) {
		_, vals, errs := parseFormat(t, event[:len(event)/2], feed.Source{Format: feed.FormatMISP})
		assert.Empty(t, vals)
		require.Len(t, errs, 1)
		assert.Contains(t, errs[0], "malformed: truncated")
	})
	t.Run("a manifest is not an event", func(t *testing.T) {
		_, _, errs := parseFormat(t, `{"5fda21d6-81cc-47b3-9117-c19a0aba047c": {"info": "x"}}`, feed.Source{Format: feed.FormatMISP})
		require.Len(t, errs, 1)
		assert.Contains(t, errs[0], "load the feed directory")
	})
}

func TestWarninglist(t *testing.T) {
	runFormatCases(t, feed.FormatWarninglist, []formatCase{
		{name: "cidr", text: `{"name": "n", "type": "cidr", "list": ["192.0.2.0/24", "2001:db8::1"], "matching_attributes": ["ip-dst"]}`,
			want: []string{"cidr:192.0.2.0/24!allow", "ip:2001:db8::1!allow"}},
		{name: "hostname", text: `{"name": "n", "type": "hostname", "list": [".duckdns.org", "bit.ly"], "matching_attributes": ["domain"]}`,
			want: []string{"domain:duckdns.org!allow", "domain:bit.ly!allow"}},
		{name: "string by shape and matching attributes", text: "{\"name\": \"n\", \"type\": \"string\", \"matching_attributes\": [\"md5\", \"ja3-fingerprint-md5\"],\n\"list\": [\"d41d8cd98f00b204e9800998ecf8427e\", \"evil.example\", \"AAA\"]}",
			want: []string{"md5:d41d8cd98f00b204e9800998ecf8427e!allow"}, errs: []string{"src:2: skipped: a value of kind domain", "src:2: skipped: the value has no indicator kind"}},
		{name: "substring", text: `{"name": "n", "type": "substring", "list": ["amazonaws"]}`, errs: []string{"src:1: skipped: substring entries"}},
		{name: "block when asked", src: feed.Source{Action: match.ActionBlock}, text: `{"name": "n", "type": "hostname", "list": ["x.example"]}`, want: []string{"domain:x.example"}},
	})
}

func TestZeek(t *testing.T) {
	text := "#separator \\x09\n#set_separator\t,\n#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url\tmeta.whitelist\tmeta.cif_tags\tmeta.cif_confidence\n" +
		"evil.example\tIntel::DOMAIN\tfeedA\tC2\thttps://ref.example/1\t-\tbotnet,c2\t85\n" +
		"192.0.2.0/24\tIntel::SUBNET\tfeedA\t-\t-\t-\t-\t-\n" +
		"192.0.2.1\tIntel::ADDR\tfeedA\t-\t-\tT\t-\t-\n" +
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\tIntel::FILE_HASH\tfeedB\t-\t-\t-\t-\t-\n" +
		"evil.example/x\tIntel::URL\tfeedB\t-\t-\t-\t-\t-\n" +
		"bad@evil.example\tIntel::EMAIL\tfeedB\t-\t-\t-\t-\t-\n" +
		"b386946a5a44d1ddcc843bc75336dfce\tIntel::JA3\tfeedB\t-\t-\t-\t-\t-\n" +
		"curl/7.0\tIntel::SOFTWARE\tfeedB\t-\t-\t-\t-\t-\n" +
		"abc\tIntel::CERT_HASH\tfeedB\t-\t-\t-\t-\t-\n" +
		"x\tIntel::NEWTYPE\tfeedB\t-\t-\t-\t-\t-\n"
	inds, vals, errs := parseFormat(t, text, feed.Source{Format: feed.FormatZeek})
	assert.Equal(t, []string{"domain:evil.example", "cidr:192.0.2.0/24", "ip:192.0.2.1!allow",
		"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "url:evil.example/x", "email:bad@evil.example",
		"ja3:b386946a5a44d1ddcc843bc75336dfce"}, vals)
	require.Len(t, errs, 3)
	assert.Contains(t, errs[0], "src:11: skipped: Intel::SOFTWARE has no indicator kind")
	assert.Contains(t, errs[1], "src:12: skipped: Intel::CERT_HASH")
	assert.Contains(t, errs[2], "src:13: skipped: Zeek type Intel::NEWTYPE")
	assert.Equal(t, "feedA", inds[0].Source)
	assert.Equal(t, "C2", inds[0].Description)
	assert.Equal(t, "https://ref.example/1", inds[0].Reference)
	assert.Equal(t, []string{"botnet", "c2"}, inds[0].Tags)
	assert.Equal(t, uint8(85), inds[0].Confidence)
	assert.Equal(t, "feedB", inds[3].Source)

	t.Run("a log that is not intel", func(t *testing.T) {
		_, _, errs := parseFormat(t, "#fields\tts\tquery\n1\tx\n", feed.Source{Format: feed.FormatZeek})
		require.Len(t, errs, 1)
		assert.Contains(t, errs[0], "src:1: malformed: a Zeek log without an indicator column")
	})
	t.Run("rows before the header", func(t *testing.T) {
		_, _, errs := parseFormat(t, "evil.example\tIntel::DOMAIN\n", feed.Source{Format: feed.FormatZeek})
		require.Len(t, errs, 1)
		assert.Contains(t, errs[0], "no #fields header")
	})
}

func TestSuricata(t *testing.T) {
	runFormatCases(t, feed.FormatSuricata, []formatCase{
		{name: "string dataset and datarep", text: "Z29vZ2xlLmNvbQ==,1\nYmxhaA==\n", want: []string{"pattern:hex:676f6f676c652e636f6d", "pattern:hex:626c6168"}},
		{name: "typed sets", text: "192.0.2.1\n2001:db8::1\nd41d8cd98f00b204e9800998ecf8427e\n", want: []string{"ip:192.0.2.1", "ip:2001:db8::1", "md5:d41d8cd98f00b204e9800998ecf8427e"}},
		{name: "strings of a dns.query set as domains", src: feed.Source{Kind: match.KindDomain}, text: "LmV2aWwuY29t\n", want: []string{"domain:evil.com"}},
		{name: "junk", text: "!!!\nYQ==,x\n", errs: []string{"src:1: not an address", "src:2: datarep reputation"}},
	})
}

func TestLOKI(t *testing.T) {
	runFormatCases(t, feed.FormatLOKI, []formatCase{
		{name: "hash iocs", text: "# header\n\nd41d8cd98f00b204e9800998ecf8427e;Empty file https://ref.example/x - more\nda39a3ee5e6b4b0d3255bfef95601890afd80709;100;Critical thing\n",
			want: []string{"md5:d41d8cd98f00b204e9800998ecf8427e", "sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709"}},
		{name: "c2 iocs with block comments", text: "# Campaign X https://ref.example/c\nevil.example\n192.0.2.1;65\n\nbad.example\n",
			want: []string{"domain:evil.example", "ip:192.0.2.1", "domain:bad.example"}},
		{name: "hex bytes", text: "4D 5A 90;MZ\n", want: []string{"pattern:hex:4d5a90"}},
		{name: "junk", text: "not a value;x\n", errs: []string{"src:1: not a hash"}},
	})
	inds, _, _ := parseFormat(t, "# Campaign X https://ref.example/c\nevil.example\n192.0.2.1;65\nd41d8cd98f00b204e9800998ecf8427e;100;Critical\n\nbad.example\n", feed.Source{Format: feed.FormatLOKI})
	require.Len(t, inds, 4)
	assert.Equal(t, "Campaign X https://ref.example/c", inds[0].Description)
	assert.Equal(t, "https://ref.example/c", inds[0].Reference)
	assert.Equal(t, match.SeverityMedium, inds[1].Severity)
	assert.Equal(t, match.SeverityHigh, inds[2].Severity)
	assert.Equal(t, "Critical", inds[2].Description)
	assert.Empty(t, inds[3].Description, "a blank line ends the block")
}

func TestYARA(t *testing.T) {
	text := `import "pe"
rule Any : tagA tagB {
  meta:
    description = "any of them"
    reference = "https://ref.example/y"
    score = 80
  strings:
    $a = { 4D 5A 90 00 }
    $b = "evil" ascii wide
    $c = { 4D ?? 90 }
    $d = /ev[il]+/
    $e = "x\x41\"y"
    $f = "nocase" nocase
  condition:
    any of them
}
rule Some {
  strings:
    $x1 = "one"
    $x2 = "two"
    $y = "three"
  condition:
    $y or 1 of ($x*)
}
rule All { strings: $a = "a" $b = "b" condition: all of them }
rule Header { strings: $a = "a" condition: uint16(0) == 0x5A4D and $a }
rule NoStrings { condition: pe.number_of_sections > 3 }
rule Other { strings: $a = "a" condition: Any or $a }
rule Broken { strings: $a = "a condition: $a }
rule After { strings: $a = { 41 42 } condition: $a }
`
	inds, vals, errs := parseFormat(t, text, feed.Source{Format: feed.FormatYARA})
	assert.Equal(t, []string{"pattern:hex:4d5a9000", "pattern:hex:6576696c", "pattern:hex:6500760069006c00", "pattern:hex:78412279",
		"pattern:hex:6f6e65", "pattern:hex:74776f", "pattern:hex:7468726565", "pattern:hex:4142"}, vals)
	require.Len(t, errs, 8, "%q", errs)
	for i, want := range []string{
		"src:10: skipped: YARA hex strings with wildcards", "src:11: skipped: YARA regular expressions", "src:13: skipped: YARA text strings with nocase",
		"src:25: skipped: YARA condition needs more than one string", "src:26: skipped: YARA condition looks at the file",
		"src:27: skipped: YARA rules without strings", "src:28: skipped: YARA condition depends on other rules", "src:29: YARA: a line break",
	} {
		assert.Contains(t, errs[i], want)
	}
	assert.Equal(t, "Any", inds[0].Category)
	assert.Equal(t, "any of them", inds[0].Description)
	assert.Equal(t, "https://ref.example/y", inds[0].Reference)
	assert.Equal(t, []string{"tagA", "tagB"}, inds[0].Tags)
	assert.Equal(t, match.SeverityMedium, inds[0].Severity)
}

func TestParseFormat(t *testing.T) {
	for _, c := range []struct {
		name string
		want feed.Format
	}{
		{"list", feed.FormatList}, {"STIX", feed.FormatSTIX}, {"stix2", feed.FormatSTIX}, {"ndjson", feed.FormatJSON},
		{"intel", feed.FormatZeek}, {"dataset", feed.FormatSuricata}, {"ioc", feed.FormatLOKI}, {"yar", feed.FormatYARA},
		{"misp", feed.FormatMISP}, {"warninglist", feed.FormatWarninglist}, {"abp", feed.FormatAdblock}, {"zone", feed.FormatRPZ},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := feed.ParseFormat(c.name)
			require.NoError(t, err)
			assert.Equal(t, c.want, f)
		})
	}
	_, err := feed.ParseFormat("xml")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "list, set, snapshot, hosts, rpz, dnsmasq, adblock, maltrail, csv, json, stix, misp, warninglist, zeek, suricata, loki, yara")
}

func TestDetect(t *testing.T) {
	for _, c := range []struct {
		name, head, file string
		want             feed.Format
	}{
		{"set", "siftset\x00...", "x", feed.FormatSet},
		{"stix bundle", `{"type": "bundle", "objects": []}`, "x", feed.FormatSTIX},
		{"misp event", `{"Event": {"info": "x"}}`, "x", feed.FormatMISP},
		{"misp response", `{"response": [{"Event": {}}]}`, "x", feed.FormatMISP},
		{"misp manifest", `{"5fda21d6-81cc-47b3-9117-c19a0aba047c": {"info": "x"}}`, "manifest.json", feed.FormatMISP},
		{"warninglist", `{"description": "d", "list": ["a.example"], "matching_attributes": ["domain"], "name": "n"}`, "x", feed.FormatWarninglist},
		{"warninglist head cut before matching_attributes", `{"description": "d", "list": ["a.example", "b.exa`, "x", feed.FormatWarninglist},
		{"json array", `[{"ip_address": "192.0.2.1"}]`, "x", feed.FormatJSON},
		{"json lines", "{\"domain\": \"a\"}\n{\"domain\": \"b\"}\n", "x", feed.FormatJSON},
		{"zeek", "#fields\tindicator\tindicator_type\n", "x", feed.FormatZeek},
		{"rpz", "$TTL 30\n@ SOA a. b. 1 2 3 4 5\nevil.example CNAME .\n", "x", feed.FormatRPZ},
		{"hosts", "# h\n0.0.0.0 evil.example\n127.0.0.1 bad.example\n", "x", feed.FormatHosts},
		{"dnsmasq", "address=/evil.example/0.0.0.0\n", "x", feed.FormatDnsmasq},
		{"adblock by rules", "||evil.example^\n||bad.example^$all\n", "x", feed.FormatAdblock},
		{"adblock by header", "! Title: x\n! Expires: 1 day\nevil.example\n", "x", feed.FormatAdblock},
		{"yara", "rule x {\n strings:\n  $a = \"a\"\n condition:\n  $a\n}\n", "x", feed.FormatYARA},
		{"maltrail", "# Copyright (c) 2014-2026 Maltrail developers\nevil.example\n", "x", feed.FormatMaltrail},
		{"csv", "phish_id,url,target\n1,http://a.example/,x\n", "x", feed.FormatCSV},
		{"csv header in a comment", "######\n# ja3_md5,Firstseen\nb386946a5a44d1ddcc843bc75336dfce,2017-07-14\n", "x", feed.FormatCSV},
		{"loki", "d41d8cd98f00b204e9800998ecf8427e;x\n", "x", feed.FormatLOKI},
		{"loki by name", "# LOKI C2 IOCs\nevil.example\n", "x", feed.FormatLOKI},
		{"suricata", "Z29vZ2xlLmNvbQ==,1\nYmxhaA==\n", "x", feed.FormatSuricata},
		{"misp hashes.csv", "ba85e982d514ffb7c5bf86af39055b15,621f4e53-cd54-4194-8d8f-4a6e0abe1822\n", "hashes.csv", feed.FormatMISP},
		{"plain list", "evil.example\n192.0.2.1\n", "x.txt", feed.FormatList},
		{"extension breaks the tie", "# only comments\n", "x.intel", feed.FormatZeek},
		{"extension yara", "", "x.yar", feed.FormatYARA},
		{"a hosts file by name", "", "/etc/hosts", feed.FormatHosts},
	} {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, feed.Detect([]byte(c.head), c.file))
		})
	}
}
